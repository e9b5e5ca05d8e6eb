import type { ArgNode, CommandNode, PipeNode } from './ast.js';
import { formatValue } from './format.js';
import { ExecError, LoopSignal, type ExecOptions, type GoFunc } from './exec-types.js';
import { hasMethod, isStruct, isTrue, typeName } from './values.js';

export { ExecError, LoopSignal, type ExecOptions, type GoFunc } from './exec-types.js';

const MISSING = Symbol('missing');
type Final = unknown;

/**
 * Evaluation of pipelines, commands, arguments, fields and calls (text/template/exec.go's
 * eval* functions), with the variable stack; the walk over the tree is in exec.ts.
 */
export abstract class Evaluator {
  protected vars: { name: string; value: unknown }[] = [];

  constructor(protected readonly o: ExecOptions) {}

  abstract executeTemplate(name: string, pos: number, dot?: unknown): string;

  protected declare(pipe: PipeNode, i: number, value: unknown): void {
    const name = pipe.decl[i] as string;
    if (pipe.isAssign) this.setVar(name, value, pipe.pos);
    else this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown, pos: number): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: unknown };
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    throw new ExecError(`undefined variable: ${name}`, pos);
  }

  private varValue(name: string, pos: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: unknown };
      if (v.name === name) return v.value;
    }
    throw new ExecError(`undefined variable: ${name}`, pos);
  }

  protected evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (let i = 0; i < pipe.decl.length; i++) this.declare(pipe, i, value);
    return value;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.kind) {
      case 'field':
        return this.evalFieldChain(dot, dot, first.idents, first.pos, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first.name, first.pos, cmd.args, final);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
      case 'pipe':
        notAFunction(cmd.args, final, first.pos);
        return this.evalPipeline(dot, first);
      case 'nil':
        throw new ExecError('nil is not a command', first.pos);
      default:
        notAFunction(cmd.args, final, first.pos);
        return this.evalArg(dot, first);
    }
  }

  private evalArg(dot: unknown, node: ArgNode): unknown {
    switch (node.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(dot, dot, node.idents, node.pos, [node], MISSING);
      case 'variable':
        return this.evalVariable(dot, node, [node], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, node);
      case 'identifier':
        return this.evalFunction(dot, node.name, node.pos, [node], MISSING);
      case 'chain':
        return this.evalChain(dot, node, [node], MISSING);
      case 'bool':
      case 'number':
      case 'string':
        return node.value;
    }
  }

  private evalVariable(
    dot: unknown,
    node: ArgNode & { kind: 'variable' },
    args: ArgNode[],
    final: Final,
  ): unknown {
    const value = this.varValue(node.name, node.pos);
    if (node.idents.length === 0) {
      notAFunction(args, final, node.pos);
      return value;
    }
    return this.evalFieldChain(dot, value, node.idents, node.pos, args, final);
  }

  private evalChain(
    dot: unknown,
    node: ArgNode & { kind: 'chain' },
    args: ArgNode[],
    final: Final,
  ): unknown {
    if (node.node.kind === 'nil') throw new ExecError('indirection through explicit nil', node.pos);
    const base = this.evalArg(dot, node.node);
    return this.evalFieldChain(dot, base, node.idents, node.pos, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    idents: string[],
    pos: number,
    args: ArgNode[],
    final: Final,
  ): unknown {
    let r = receiver;
    for (let i = 0; i < idents.length - 1; i++)
      r = this.evalField(dot, idents[i] as string, pos, [], MISSING, r);
    return this.evalField(dot, idents[idents.length - 1] as string, pos, args, final, r);
  }

  private evalField(
    dot: unknown,
    name: string,
    pos: number,
    args: ArgNode[],
    final: Final,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined || receiver === null) {
      if (this.o.missingKeyError) throw new ExecError(`nil data; no entry for key "${name}"`, pos);
      return undefined;
    }
    if (hasMethod(receiver, name)) {
      const argv = args.slice(1).map((a) => this.evalArg(dot, a));
      if (final !== MISSING) argv.push(final);
      const method = (receiver as Record<string, GoFunc>)[name] as GoFunc;
      return call(name, pos, () => method.apply(receiver, argv));
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof Map) {
      if (hasArgs) throw new ExecError(`${name} is not a method but has arguments`, pos);
      const v = receiver.get(name);
      if (v === undefined && !receiver.has(name) && this.o.missingKeyError)
        throw new ExecError(`map has no entry for key "${name}"`, pos);
      return v;
    }
    if (
      isStruct(receiver) &&
      Object.hasOwn(receiver, name) &&
      typeof receiver[name] !== 'function'
    ) {
      if (hasArgs)
        throw new ExecError(`${name} has arguments but cannot be invoked as function`, pos);
      return receiver[name];
    }
    throw new ExecError(`can't evaluate field ${name} in type ${typeName(receiver)}`, pos);
  }

  private evalFunction(
    dot: unknown,
    name: string,
    pos: number,
    args: ArgNode[],
    final: Final,
  ): unknown {
    if (name === 'and' || name === 'or') return this.evalLogic(dot, name, pos, args, final);
    if (name === 'executeTemplate') {
      const argv = this.evalArgs(dot, args, final);
      if (argv.length < 1 || argv.length > 2)
        throw new ExecError('executeTemplate: wrong number of args: want 1 or 2', pos);
      return this.executeTemplate(String(argv[0]), pos, argv[1]);
    }
    const fn = this.o.funcs.get(name);
    if (!fn) throw new ExecError(`"${name}" is not a defined function`, pos);
    const argv = this.evalArgs(dot, args, final);
    return call(name, pos, () => fn(...argv));
  }

  private evalArgs(dot: unknown, args: ArgNode[], final: Final): unknown[] {
    const argv = args.slice(1).map((a) => this.evalArg(dot, a));
    if (final !== MISSING) argv.push(final);
    return argv;
  }

  /** Go 1.18+: `and` and `or` stop at the first argument that decides the result. */
  private evalLogic(
    dot: unknown,
    name: string,
    pos: number,
    args: ArgNode[],
    final: Final,
  ): unknown {
    const count = args.length - 1 + (final !== MISSING ? 1 : 0);
    if (count < 1)
      throw new ExecError(`wrong number of args for ${name}: want at least 1 got 0`, pos);
    let v: unknown;
    for (let i = 0; i < count; i++) {
      v = i < args.length - 1 ? this.evalArg(dot, args[i + 1] as ArgNode) : final;
      if (isTrue(v) === (name === 'or')) return v;
    }
    return v;
  }
}

function notAFunction(args: ArgNode[], final: Final, pos: number): void {
  if (args.length > 1 || final !== MISSING)
    throw new ExecError(`can't give argument to non-function ${describeArg(args[0])}`, pos);
}

function describeArg(a: ArgNode | undefined): string {
  if (!a) return '';
  if (a.kind === 'string') return JSON.stringify(a.value);
  if (a.kind === 'number') return a.text;
  return a.kind;
}

function call(name: string, pos: number, fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ExecError || error instanceof LoopSignal) throw error;
    throw new ExecError(`error calling ${name}: ${(error as Error).message ?? String(error)}`, pos);
  }
}

export function printable(v: unknown, pos: number): string {
  if (typeof v === 'function') throw new ExecError(`can't print value of type func`, pos);
  return formatValue(v);
}
