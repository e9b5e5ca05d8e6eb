import type { ListNode, Node, TemplateSet } from './ast.js';
import { lex, type Item } from './lexer.js';
import { describe, PipelineParser } from './pipeline.js';
import { unquote } from './unquote.js';

export { ParseError } from './pipeline.js';

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

/** The structure of a template: text, actions, control blocks, define/template/block. */
class Parser extends PipelineParser {
  private readonly defines = new Map<string, ListNode>();
  /** How many range bodies enclose the current action (break/continue need one). */
  private rangeDepth = 0;

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
          // As Go's parser: only inside the body of a range (not its else, not a define).
          if (this.rangeDepth === 0) throw this.error(t.pos, `{{${t.value}}} outside {{range}}`);
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
    if (kind === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
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
}
