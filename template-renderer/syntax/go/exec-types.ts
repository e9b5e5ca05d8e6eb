/** What the Go executor shares with its functions: the function type, its options, its errors. */

/** A template function: arguments already evaluated; a throw becomes "error calling <name>". */
export type GoFunc = (...args: unknown[]) => unknown;

/** An execution error at an offset of the template text. */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

export interface ExecOptions {
  funcs: ReadonlyMap<string, GoFunc>;
  /** Go's missingkey=error: a missing map key is an error instead of <no value>. */
  missingKeyError?: boolean;
}

/** `break`/`continue`, unwinding to the innermost range. */
export class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}
