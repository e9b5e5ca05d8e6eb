import type { ListNode, Node, PipeNode, TemplateSet } from './ast.js';
import { Evaluator, ExecError, LoopSignal, printable, type ExecOptions } from './eval.js';
import { formatValue } from './format.js';
import { isTrue, sortedKeys } from './values.js';

export { ExecError, type ExecOptions, type GoFunc } from './eval.js';

const MAX_DEPTH = 1000;

/** Runs a parsed template (text/template/exec.go): one State per render. */
export class State extends Evaluator {
  private out = '';
  private depth = 0;

  constructor(
    private readonly set: TemplateSet,
    o: ExecOptions,
  ) {
    super(o);
  }

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
}
