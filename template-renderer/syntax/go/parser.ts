import type { ArgNode, CommandNode, ListNode, Node, PipeNode, TemplateSet } from './ast.js';
import { lex, LexError, type Item } from './lexer.js';
import { parseNumber } from './number.js';
import { unquote } from './unquote.js';

/** A parse error at an offset of the template text. */
export class ParseError extends LexError {}

type Terminator = { kind: 'end' | 'else'; pos: number };

/** Go's text/template parser (text/template/parse/parse.go), checking functions and variables. */
export function parseTemplate(
  text: string,
  isFunction: (name: string) => boolean | string,
  left?: string,
  right?: string,
): TemplateSet {
  return new Parser(lex(text, left || '{{', right || '}}'), isFunction).parse();
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private readonly defines = new Map<string, ListNode>();

  constructor(
    private readonly items: Item[],
    private readonly isFunction: (name: string) => boolean | string,
  ) {}

  parse(): TemplateSet {
    const root: ListNode = { nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'left' && this.peekAfterLeft('define')) {
        this.parseDefine();
        continue;
      }
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else'))
        throw this.error(n.pos, `unexpected {{${n.kind}}}`);
      root.nodes.push(n as Node);
    }
    return { root, defines: this.defines };
  }

  private peek(): Item {
    return this.items[this.i] as Item;
  }
  private next(): Item {
    return this.items[this.i++] as Item;
  }
  private nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Item {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }
  private peekAfterLeft(word: string): boolean {
    const save = this.i;
    this.next();
    const t = this.nextNonSpace();
    this.i = save;
    return t.type === 'keyword' && t.value === word;
  }

  error(pos: number, message: string): ParseError {
    return new ParseError(message, pos);
  }

  private unexpected(t: Item, context: string): ParseError {
    return this.error(t.pos, `unexpected ${describe(t)} in ${context}`);
  }

  private expect(type: Item['type'], context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) throw this.unexpected(t, context);
    return t;
  }

  private parseDefine(): void {
    this.next();
    this.nextNonSpace();
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString')
      throw this.error(
        nameItem.pos,
        `unexpected ${describe(nameItem)} in define clause; expected a template name string`,
      );
    this.expect('right', 'define clause');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.kind !== 'end')
      throw this.error(end.pos, 'unexpected {{else}} in define; expected {{end}}');
    this.addDefine(unquote(nameItem.value, nameItem.pos), list, nameItem.pos);
  }

  private addDefine(name: string, list: ListNode, pos: number): void {
    const old = this.defines.get(name);
    // Go allows redefinition only when one of the two bodies is empty.
    if (
      old &&
      old.nodes.some((n) => n.kind !== 'text' || n.text.trim() !== '') &&
      list.nodes.length > 0
    )
      throw this.error(pos, `template: multiple definition of template "${name}"`);
    if (!old || list.nodes.length > 0) this.defines.set(name, list);
  }

  /** Parses until {{end}} or {{else}}; returns the list and the terminator. */
  private itemList(): [ListNode, Terminator] {
    const list: ListNode = { nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else')) return [list, n as Terminator];
      list.nodes.push(n as Node);
    }
    throw this.error(this.peek().pos, 'unexpected EOF; expected {{end}}');
  }

  private textOrAction(): Node | Terminator {
    const t = this.next();
    if (t.type === 'text') return { kind: 'text', pos: t.pos, text: t.value };
    if (t.type === 'left') return this.action();
    throw this.unexpected(t, 'input');
  }

  private action(): Node | Terminator {
    const t = this.nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.value) {
        case 'end':
        case 'else':
          return this.terminator(t);
        case 'if':
        case 'range':
        case 'with':
          return this.control(t.value, t.pos);
        case 'template':
          return this.templateCall(t.pos);
        case 'block':
          return this.block(t.pos);
        case 'break':
        case 'continue':
          this.expect('right', t.value);
          return { kind: t.value, pos: t.pos };
        default:
          throw this.unexpected(t, 'command');
      }
    }
    this.i--;
    const pos = t.pos;
    return { kind: 'action', pos, pipe: this.pipeline('command', 'right') };
  }

  private terminator(t: Item): Node | Terminator {
    if (t.value === 'else') {
      const p = this.peekNonSpace();
      // {{else if ...}} and {{else with ...}}: the rest of the action opens a nested block.
      if (p.type === 'keyword' && (p.value === 'if' || p.value === 'with'))
        return { kind: 'else', pos: t.pos };
      this.expect('right', 'else');
      return { kind: 'else', pos: t.pos };
    }
    this.expect('right', 'end');
    return { kind: 'end', pos: t.pos };
  }

  private control(kind: 'if' | 'range' | 'with', pos: number): Node {
    const depth = this.vars.length;
    const pipe = this.pipeline(kind, 'right');
    const [list, next] = this.itemList();
    let elseList: ListNode | undefined;
    if (next.kind === 'else') {
      const p = this.peekNonSpace();
      if (p.type === 'keyword' && (p.value === 'if' || p.value === 'with') && kind !== 'range') {
        this.nextNonSpace();
        elseList = { nodes: [this.control(p.value as 'if' | 'with', p.pos)] };
      } else {
        const [l, end] = this.itemList();
        if (end.kind !== 'end') throw this.error(end.pos, `expected end; found {{else}}`);
        elseList = l;
      }
    }
    this.vars.length = depth;
    return { kind, pos, pipe, list, ...(elseList ? { elseList } : {}) };
  }

  private templateName(context: string): string {
    const t = this.nextNonSpace();
    if (t.type !== 'string' && t.type !== 'rawString')
      throw this.error(
        t.pos,
        `unexpected ${describe(t)} in ${context}; expected a template name string`,
      );
    return unquote(t.value, t.pos);
  }

  private templateCall(pos: number): Node {
    const name = this.templateName('template clause');
    if (this.peekNonSpace().type === 'right') {
      this.nextNonSpace();
      return { kind: 'template', pos, name };
    }
    return { kind: 'template', pos, name, pipe: this.pipeline('template clause', 'right') };
  }

  private block(pos: number): Node {
    const name = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'right');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.kind !== 'end')
      throw this.error(end.pos, 'unexpected {{else}} in block; expected {{end}}');
    this.addDefine(name, list, pos);
    return { kind: 'template', pos, name, pipe };
  }

  pipeline(context: string, end: 'right' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: start.pos, decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        if (pipe.cmds.length === 0) throw this.error(t.pos, `missing value for ${context}`);
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (OPERAND_START.has(t.type)) {
        this.i--;
        pipe.cmds.push(this.command(end));
        continue;
      }
      throw this.unexpected(t, context);
    }
  }

  private declarations(pipe: PipeNode, context: string): void {
    const save = this.i;
    const v = this.nextNonSpace();
    if (v.type !== 'variable') {
      this.i = save;
      return;
    }
    const after = this.next();
    const op = after.type === 'space' ? this.nextNonSpace() : after;
    if (op.type === 'declare' || op.type === 'assign') {
      pipe.isAssign = op.type === 'assign';
      pipe.decl.push(v.value);
      if (op.type === 'declare') this.vars.push(v.value);
      else this.useVar(v);
      return;
    }
    if (op.type === 'comma' && context === 'range') {
      const v2 = this.nextNonSpace();
      const op2 = this.nextNonSpace();
      if (v2.type !== 'variable' || (op2.type !== 'declare' && op2.type !== 'assign'))
        throw this.error(v2.pos, 'range can only initialize variables: expected $x, $y :=');
      pipe.isAssign = op2.type === 'assign';
      pipe.decl.push(v.value, v2.value);
      if (op2.type === 'declare') this.vars.push(v.value, v2.value);
      return;
    }
    this.i = save;
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = (c.args[0] as ArgNode).kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string')
        throw this.error(c.pos, `non executable command in pipeline stage ${i + 2} of ${context}`);
    });
  }

  private command(end: 'right' | 'rightParen'): CommandNode {
    const cmd: CommandNode = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === end || t.type === 'right' || t.type === 'rightParen') {
        this.i--;
      } else if (t.type !== 'pipe') {
        throw this.error(t.pos, `unexpected ${describe(t)} in operand`);
      }
      break;
    }
    if (cmd.args.length === 0) throw this.error(cmd.pos, 'empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    const idents: string[] = [];
    while (this.peek().type === 'field') idents.push(this.next().value.slice(1));
    switch (node.kind) {
      case 'field':
        return { ...node, idents: [...node.idents, ...idents] };
      case 'variable':
        return { ...node, idents: [...node.idents, ...idents] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        throw this.error(node.pos, `unexpected . after term ${JSON.stringify(idents[0])}`);
      default:
        return { kind: 'chain', pos: node.pos, node, idents };
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        {
          const known = this.isFunction(t.value);
          if (typeof known === 'string') throw this.error(t.pos, known);
          if (!known) throw this.error(t.pos, `function "${t.value}" not defined`);
        }
        return { kind: 'identifier', pos: t.pos, name: t.value };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable':
        this.useVar(t);
        return { kind: 'variable', pos: t.pos, name: t.value, idents: [] };
      case 'field':
        return { kind: 'field', pos: t.pos, idents: [t.value.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.value === 'true' };
      case 'char':
      case 'number':
        return { kind: 'number', pos: t.pos, text: t.value, value: parseNumber(t.value, t.pos) };
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, value: unquote(t.value, t.pos) };
      default:
        this.i--;
        return undefined;
    }
  }

  private useVar(t: Item): void {
    if (!this.vars.includes(t.value)) throw this.error(t.pos, `undefined variable "${t.value}"`);
  }
}

const OPERAND_START = new Set<Item['type']>([
  'bool',
  'char',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

function describe(t: Item): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'right' || t.type === 'left') return `"${t.value}"`;
  return `<${t.value}>`;
}
