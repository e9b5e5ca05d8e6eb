import { expect } from 'chai';
import { goSetup } from './go-helpers.js';

describe('Go template executor', () => {
  const { out, error } = goSetup({ HOME: '/home/u', EMPTY: '' });

  it('prints Go values as fmt does', () => {
    expect(
      out('{{ 1 }} {{ 1.5 }} {{ 1e6 }} {{ parseFloat "512.0" }} {{ true }} {{ print nil }}'),
    ).to.equal('1 1.5 1e+06 512 true <nil>');
    expect(out('{{ split "," "b,a" }} {{ parseJSON `{"b":1,"a":{"c":[1,"x"]}}` }}')).to.equal(
      '[b a] map[a:map[c:[1 x]] b:1]',
    );
    expect(
      out('{{ $m := parseJSON `{"a":1}` }}{{ $m.missing }}|{{ index $m "missing" }}'),
    ).to.equal('<no value>|<nil>');
  });

  it('implements the printf verbs templates use', () => {
    expect(
      out(
        '{{ printf "%s|%5s|%-5s|%d|%03d|%x|%X|%q|%v|%t|%%" "a" "b" "c" 7 7 255 255 "q" 1.5 true }}',
      ),
    ).to.equal('a|    b|c    |7|007|ff|FF|"q"|1.5|true|%');
    expect(out('{{ printf "%.2f %e %g" 3.14159 1500.0 0.000012 }}')).to.equal(
      '3.14 1.500000e+03 1.2e-05',
    );
    expect(out('{{ printf "%d %s" "x" }}')).to.equal('%!d(string=x) %!s(MISSING)');
    expect(out('{{ printf "%s" "a" "b" }}')).to.equal('a%!(EXTRA string=b)');
    expect(out('{{ print 1 2 "a" "b" 3 }}|{{ println 1 "a" }}')).to.equal('1 2ab3|1 a\n');
  });

  it('runs if / else if / else, with, range over lists and sorted maps, break and continue', () => {
    expect(out('{{ if eq 1 2 }}a{{ else if eq 1 1 }}b{{ else }}c{{ end }}')).to.equal('b');
    expect(
      out('{{ with env "HOME" }}{{ . }}{{ end }}{{ with env "EMPTY" }}x{{ else }}none{{ end }}'),
    ).to.equal('/home/unone');
    expect(
      out('{{ range $k, $v := parseJSON `{"b":2,"a":1}` }}{{ $k }}={{ $v }};{{ end }}'),
    ).to.equal('a=1;b=2;');
    expect(
      out(
        '{{ range $i, $e := split "," "a,b,c,d" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $e }}{{ end }}',
      ),
    ).to.equal('ac');
    expect(out('{{ range split "," "" }}x{{ else }}empty{{ end }}')).to.equal('empty');
    expect(out('{{ range $v := loop 3 }}{{ $v }}{{ end }}')).to.equal('012');
  });

  it('declares and assigns variables in scope', () => {
    expect(
      out('{{ $a := 1 }}{{ if true }}{{ $a = 2 }}{{ $a := 3 }}{{ $a }}{{ end }}{{ $a }}'),
    ).to.equal('32');
    expect(
      out(
        '{{ $found := false }}{{ range split "," "a,b" }}{{ if eq . "b" }}{{ $found = true }}{{ end }}{{ end }}{{ $found }}',
      ),
    ).to.equal('true');
  });

  it('runs define, template, block and executeTemplate', () => {
    expect(
      out(
        '{{ define "t" }}<{{ . }}>{{ end }}{{ template "t" 1 }}{{ executeTemplate "t" "x" }}{{ block "b" 2 }}[{{ . }}]{{ end }}',
      ),
    ).to.equal('<1><x>[2]');
  });

  it('short-circuits and / or and returns the deciding operand', () => {
    expect(out('{{ and 1 "" (index (split "," "") 5) }}|{{ or "" 0 "z" }}|{{ not 0 }}')).to.equal(
      '|z|true',
    );
  });

  it('compares like Go: numbers, strings, errors for mixed types', () => {
    expect(
      out(
        '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}',
      ),
    ).to.equal('true true true true true true false');
    expect(error('{{ eq 1 "1" }}')).to.match(
      /^template t\.ctmpl:1:4: error calling eq: incompatible types for comparison/,
    );
  });

  it('implements len, index, slice and the escapers', () => {
    expect(
      out(
        '{{ len "héllo" }} {{ len (split "," "a,b") }} {{ index (split "," "a,b") 1 }} {{ slice "abcdef" 1 3 }} {{ slice (split "," "a,b,c") 1 }}',
      ),
    ).to.equal('6 2 b bc [b c]');
    expect(out('{{ html "<a href=\'x\'>&" }} {{ js "a\'b<" }} {{ urlquery "a b&c" }}')).to.equal(
      "&lt;a href=&#39;x&#39;&gt;&amp; a\\'b\\u003C a+b%26c",
    );
    expect(error('{{ index (split "," "a") 3 }}')).to.match(
      /error calling index: index out of range: 3/,
    );
  });

  it('errors with positions on bad fields and non-iterable ranges', () => {
    expect(error('x\n {{ range 3 }}{{ end }}')).to.match(
      /^template t\.ctmpl:2:11: range can't iterate over 3\n/,
    );
    expect(error('{{ (split "," "a").Foo }}')).to.match(/can't evaluate field Foo/);
  });

  it('fails on missing keys with errorOnMissingKey', () => {
    const { render } = goSetup();
    expect(() =>
      render('{{ $m := parseJSON `{}` }}{{ $m.x }}', { errorOnMissingKey: true }),
    ).to.throw(/map has no entry for key "x"/);
  });

  it('uses custom delimiters', () => {
    const { render } = goSetup();
    expect(render('{{ x }} [[ "y" ]]', { left: '[[', right: ']]' }).output).to.equal('{{ x }} y');
  });
});
