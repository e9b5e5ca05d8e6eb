import type { ArgNode, CommandNode, PipeNode } from './ast.js';
import { LexError, type Item } from './lexer.js';
import { parseNumber } from './number.js';
import { unquote } from './unquote.js';

/** A parse error at an offset of the template text. */
export class ParseError extends LexError {}

/**
 * The token cursor and the expression half of Go's parser (parse.go's pipeline, command,
 * operand and term), checking that functions exist and variables are declared; the template
 * structure (actions, control blocks, define) is in parser.ts.
 */
export abstract class PipelineParser {
  protected i = 0;
  protected vars: string[] = ['$'];

  constructor(
    protected readonly items: Item[],
    private readonly isFunction: (name: string) => boolean | string,
  ) {}

  protected peek(): Item {
    return this.items[this.i] as Item;
  }
  protected next(): Item {
    return this.items[this.i++] as Item;
  }
  protected nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  protected peekNonSpace(): Item {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }
  protected peekAfterLeft(word: string): boolean {
    const save = this.i;
    this.next();
    const t = this.nextNonSpace();
    this.i = save;
    return t.type === 'keyword' && t.value === word;
  }

  protected error(pos: number, message: string): ParseError {
    return new ParseError(message, pos);
  }

  protected unexpected(t: Item, context: string): ParseError {
    return this.error(t.pos, `unexpected ${describe(t)} in ${context}`);
  }

  protected expect(type: Item['type'], context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) throw this.unexpected(t, context);
    return t;
  }

  protected pipeline(context: string, end: 'right' | 'rightParen'): PipeNode {
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

  protected declarations(pipe: PipeNode, context: string): void {
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

  protected checkPipeline(pipe: PipeNode, context: string): void {
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = (c.args[0] as ArgNode).kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string')
        throw this.error(c.pos, `non executable command in pipeline stage ${i + 2} of ${context}`);
    });
  }

  protected command(end: 'right' | 'rightParen'): CommandNode {
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

  protected operand(): ArgNode | undefined {
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

  protected term(): ArgNode | undefined {
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

  protected useVar(t: Item): void {
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

export function describe(t: Item): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'right' || t.type === 'left') return `"${t.value}"`;
  return `<${t.value}>`;
}
