import type { ArgNode, CommandNode, ListNode, Node, PipeNode, TemplateSet } from './ast.js';
import { formatValue } from './format.js';
import { GoMap, hasMethod, isStruct, isTrue, sortedKeys, typeName } from './values.js';

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

const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;
class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}
const MAX_DEPTH = 1000;

/** Runs a parsed template (text/template/exec.go): one State per render. */
export class State {
  private out = '';
  private vars: { name: string; value: unknown }[] = [];
  private depth = 0;

  constructor(
    private readonly set: TemplateSet,
    private readonly o: ExecOptions,
  ) {}

  run(list: ListNode, dot: unknown): string {
    const saved = { out: this.out, vars: this.vars };
    this.out = '';
    this.vars = [{ name: '$', value: dot }];
    if (++this.depth > MAX_DEPTH) throw new ExecError('exceeded maximum template depth', 0);
    try {
      this.walkList(dot, list);
      return this.out;
    } finally {
      this.depth--;
      this.out = saved.out;
      this.vars = saved.vars;
    }
  }

  /** `executeTemplate "name" [data]`: a defined template rendered to a string. */
  executeTemplate(name: string, pos: number, dot?: unknown): string {
    const t = this.set.defines.get(name);
    if (!t) throw new ExecError(`template: no such template "${name}"`, pos);
    return this.run(t, dot);
  }

  private walkList(dot: unknown, list: ListNode): void {
    for (const n of list.nodes) this.walk(dot, n);
  }

  private walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0)
          this.out += v === undefined ? '<no value>' : printable(v, node.pos);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        if (isTrue(v)) this.walkList(node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, node.pipe, node.list, node.elseList);
      case 'template': {
        const v = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
        this.out += this.executeTemplate(node.name, node.pos, v);
        return;
      }
      case 'break':
      case 'continue':
        throw new LoopSignal(node.kind);
    }
  }

  private walkRange(dot: unknown, pipe: PipeNode, list: ListNode, elseList?: ListNode): void {
    const mark = this.vars.length;
    const v = this.evalPipeline(dot, { ...pipe, decl: [] });
    const each = (key: unknown, elem: unknown): boolean => {
      const m = this.vars.length;
      if (pipe.decl.length === 1) this.declare(pipe, 0, elem);
      if (pipe.decl.length === 2) {
        this.declare(pipe, 0, key);
        this.declare(pipe, 1, elem);
      }
      try {
        this.walkList(elem, list);
      } catch (signal) {
        if (!(signal instanceof LoopSignal)) throw signal;
        if (signal.kind === 'break') return false;
      } finally {
        this.vars.length = m;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        ran = true;
        if (!each(i, v[i])) break;
      }
    } else if (v instanceof Map) {
      for (const k of sortedKeys(v)) {
        ran = true;
        if (!each(k, v.get(k))) break;
      }
    } else if (v !== undefined && v !== null) {
      throw new ExecError(`range can't iterate over ${formatValue(v)}`, pipe.pos);
    }
    if (!ran && elseList) this.walkList(dot, elseList);
    this.vars.length = mark;
  }

  private declare(pipe: PipeNode, i: number, value: unknown): void {
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

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
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

function printable(v: unknown, pos: number): string {
  if (typeof v === 'function') throw new ExecError(`can't print value of type func`, pos);
  return formatValue(v);
}

export { GoMap };
