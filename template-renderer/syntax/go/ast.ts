/** The parse tree of Go's text/template (text/template/parse/node.go), trimmed to what we run. */
export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | LoopCtl;

export interface ListNode {
  nodes: Node[];
}

export interface TextNode {
  kind: 'text';
  pos: number;
  text: string;
}

export interface ActionNode {
  kind: 'action';
  pos: number;
  pipe: PipeNode;
}

export interface BranchFields {
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface IfNode extends BranchFields {
  kind: 'if';
}
export interface RangeNode extends BranchFields {
  kind: 'range';
}
export interface WithNode extends BranchFields {
  kind: 'with';
}

export interface TemplateNode {
  kind: 'template';
  pos: number;
  name: string;
  pipe?: PipeNode;
}

export interface LoopCtl {
  kind: 'break' | 'continue';
  pos: number;
}

export interface PipeNode {
  kind: 'pipe';
  pos: number;
  /** Variables declared (`:=`) or assigned (`=`) by this pipeline. */
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}

export interface CommandNode {
  pos: number;
  args: ArgNode[];
}

export type ArgNode =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; name: string; idents: string[] }
  | { kind: 'chain'; pos: number; node: ArgNode; idents: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: unknown }
  | { kind: 'string'; pos: number; value: string }
  | PipeNode;

/** A parsed template file: its body and the templates it defines. */
export interface TemplateSet {
  root: ListNode;
  defines: Map<string, ListNode>;
}
