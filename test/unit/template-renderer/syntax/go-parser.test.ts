import { expect } from 'chai';
import { parseTemplate } from '../../../../template-renderer/syntax/go/parser.js';
import { goSetup } from './go-helpers.js';

const known = (name: string): boolean => ['f', 'g', 'printf'].includes(name);

describe('Go template parser', () => {
  it('builds actions, pipelines, chains and control structures', () => {
    const set = parseTemplate(
      'a{{ $x := f .A.B | g }}{{ if $x }}y{{ else if .C }}z{{ else }}w{{ end }}{{ range $i, $v := .L }}{{ $v }}{{ end }}{{ (f).X }}',
      known,
    );
    const kinds = set.root.nodes.map((n) => n.kind);
    expect(kinds).to.deep.equal(['text', 'action', 'if', 'range', 'action']);
    const action = set.root.nodes[1] as {
      pipe: { decl: string[]; cmds: { args: { kind: string }[] }[] };
    };
    expect(action.pipe.decl).to.deep.equal(['$x']);
    expect(action.pipe.cmds.map((c) => c.args.map((a) => a.kind))).to.deep.equal([
      ['identifier', 'field'],
      ['identifier'],
    ]);
    const ifNode = set.root.nodes[2] as { elseList: { nodes: { kind: string }[] } };
    expect(ifNode.elseList.nodes[0]?.kind).to.equal('if');
    const range = set.root.nodes[3] as { pipe: { decl: string[] } };
    expect(range.pipe.decl).to.deep.equal(['$i', '$v']);
    const chain = set.root.nodes[4] as { pipe: { cmds: { args: { kind: string }[] }[] } };
    expect(chain.pipe.cmds[0]?.args[0]?.kind).to.equal('chain');
  });

  it('collects define and block templates', () => {
    const set = parseTemplate(
      '{{ define "a" }}A{{ end }}{{ block "b" . }}B{{ end }}{{ template "a" }}',
      known,
    );
    expect([...set.defines.keys()]).to.deep.equal(['a', 'b']);
    expect(set.root.nodes.map((n) => n.kind)).to.deep.equal(['template', 'template']);
  });

  it('scopes variables to their control structure', () => {
    expect(() => parseTemplate('{{ if true }}{{ $a := 1 }}{{ end }}{{ $a }}', known)).to.throw(
      /undefined variable "\$a"/,
    );
    expect(() => parseTemplate('{{ $a := 1 }}{{ define "x" }}{{ $a }}{{ end }}', known)).to.throw(
      /undefined variable/,
    );
  });

  const errors: [string, RegExp][] = [
    ['{{ h 1 }}', /function "h" not defined/],
    ['{{ end }}', /unexpected \{\{end\}\}/],
    ['{{ if .A }}x', /unexpected EOF; expected \{\{end\}\}/],
    ['{{ .A | "s" }}', /non executable command in pipeline stage 2/],
    ['{{ }}', /missing value for command/],
    ['{{ f ) }}', /unexpected right paren/],
    ['{{ range $a, $b, $c := .L }}{{ end }}', /range can only initialize variables/],
    ['{{ template .X }}', /expected a template name string/],
    ['{{ "s".A }}', /unexpected \. after term "A"/],
    ['{{ 08x }}', /bad number syntax/],
    ['{{ break -}}', /\{\{break\}\} outside \{\{range\}\}/],
    ['{{ range .L }}{{ else }}{{ continue }}{{ end }}', /\{\{continue\}\} outside \{\{range\}\}/],
  ];
  for (const [text, message] of errors)
    it(`rejects ${text} with a positioned error`, () => {
      expect(() => parseTemplate(text, known)).to.throw(message);
    });

  it('reports file, line, column, the line and a caret through the engine', () => {
    const { error } = goSetup();
    const message = error('ok\n{{ range .L }}\n  {{ nope 1 }}\n{{ end }}');
    expect(message.split('\n')).to.deep.equal([
      'template t.ctmpl:3:6: function "nope" not defined',
      '  3 |   {{ nope 1 }}',
      '    |      ^',
    ]);
  });

  it('refuses plugin, secret and secrets with a reason', () => {
    const { error } = goSetup();
    expect(error('{{ plugin "rm" "-rf" }}')).to.match(
      /function "plugin" is not supported: a template cannot run programs/,
    );
    expect(error('{{ with secret "x" }}{{ end }}')).to.match(/"secret" is not supported: Vault/);
    expect(error('{{ secrets "x" }}')).to.match(/"secrets" is not supported: Vault/);
  });
});
