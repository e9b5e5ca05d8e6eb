import { expect } from 'chai';
import { kvPrefixQuery } from '../../../../template-renderer/queries/kv.js';
import { parseServiceQuery, serviceKey } from '../../../../template-renderer/queries/service.js';
import type { ServiceEntry } from '../../../../template-renderer/types.js';
import { goSetup } from './go-helpers.js';

function svc(id: string, tags: string[], meta: Record<string, string> = {}): ServiceEntry {
  return {
    ID: id,
    Name: 'web',
    Node: 'n1',
    NodeAddress: '10.0.0.1',
    Address: '10.0.0.2',
    Port: 80,
    Tags: tags,
    Meta: meta,
    Status: 'passing',
    Checks: [],
  };
}

describe("consul-template's functions (Go templates)", () => {
  const { out, error, snapshot, render } = goSetup({ NAME: 'x' });

  it('reads services from the snapshot in consul-template shapes and records missing data', () => {
    const r = render('{{ range service "web" }}{{ .ID }}{{ end }}');
    expect([...r.missing]).to.deep.equal(['health.service(web)']);
    snapshot.set(
      serviceKey(parseServiceQuery('web')),
      [svc('a', ['x', 'y'], { zk: '1' }), svc('b', ['y'])],
      1,
    );
    expect(
      out('{{ range service "web" }}{{ .ID }}:{{ .ServiceMeta.zk }}:{{ .Tags }};{{ end }}'),
    ).to.equal('a:1:[x y];b:<no value>:[y];');
    expect(
      out('{{ range $t, $s := service "web" | byTag }}{{ $t }}={{ len $s }};{{ end }}'),
    ).to.equal('x=1;y=2;');
    expect(
      out(
        '{{ range service "web" }}{{ if .Tags | contains "x" }}{{ .ID }}{{ end }}{{ if in .Tags "y" }}!{{ end }}{{ end }}',
      ),
    ).to.equal('a!!');
  });

  it('ls and tree keep consul-template prefix semantics', () => {
    const q = kvPrefixQuery('app/conf');
    snapshot.set(
      q.key,
      [
        { Path: 'app/conf/', Key: '', Value: '' },
        { Path: 'app/conf/a', Key: 'a', Value: '1' },
        { Path: 'app/conf/sub/b', Key: 'sub/b', Value: '2' },
        { Path: 'app/configuration/c', Key: 'uration/c', Value: '3' },
      ],
      1,
    );
    expect(out('{{ range ls "app/conf" }}{{ .Key }}={{ .Value }};{{ end }}')).to.equal('a=1;');
    expect(out('{{ range tree "app/conf" }}{{ .Key }};{{ end }}')).to.equal('a;sub/b;uration/c;');
    expect(
      out(
        '{{ range $k, $v := tree "app/conf" | byKey }}{{ $k }}:{{ range $kk, $p := $v }}{{ $kk }}={{ $p.Value }}{{ end }};{{ end }}',
      ),
    ).to.equal('sub:b=2;uration:c=3;');
    expect(out('{{ tree "app/conf" | explode }}')).to.equal(
      'map[a:1 sub:map[b:2] uration:map[c:3]]',
    );
  });

  it('contains* follow consul-template argument order', () => {
    expect(
      out(
        '{{ $l := split "," "a,b" }}{{ containsAll $l (split "," "a,b,c") }} {{ containsAny (split "," "z,a") $l }} {{ containsNone (split "," "z") $l }} {{ containsNotAll (split "," "a,z") $l }}',
      ),
    ).to.equal('true true true true');
    expect(out('{{ contains "foo" "seafood" }} {{ "food" | contains "oo" }}')).to.equal(
      'true true',
    );
  });

  it('math: consul-template argument order, int64 and float64 results, errors', () => {
    expect(
      out(
        '{{ 7 | subtract 1 }} {{ divide 2 7 }} {{ modulo 3 7 }} {{ multiply 1.5 2 }} {{ parseInt "3" | add 1 }}',
      ),
    ).to.equal('6 3 1 3 4');
    expect(error('{{ add 1 "2" }}')).to.match(
      /error calling add: add: unknown type for "2" \(string\)/,
    );
    expect(error('{{ divide 0 1 }}')).to.match(/integer divide by zero/);
  });

  it('strings, conversion and encoding', () => {
    expect(
      out(
        '{{ split "," " a,b " }} {{ split "," "" | len }} {{ join "-" (split "," "a,b") }} {{ "  x " | trimSpace }}',
      ),
    ).to.equal('[a b] 0 a-b x');
    expect(
      out(
        '{{ toUpper "ab" }} {{ toLower "AB" }} {{ toTitle "hello wide world" }} {{ replaceAll "." "_" "a.b.c" }}',
      ),
    ).to.equal('AB ab Hello Wide World a_b_c');
    expect(
      out(
        '{{ regexReplaceAll "(\\\\w+)@(\\\\w+)" "${2}.$1" "me@host" }} {{ regexMatch "(?i)^WEB" "web-1" }}',
      ),
    ).to.equal('host.me true');
    expect(
      out(
        '{{ indent 2 "a\\nb" }}|{{ base64Encode "hi?" }}|{{ base64Decode "aGk/" }}|{{ base64URLEncode "hi?" }}|{{ base64URLDecode "aGk_" }}',
      ),
    ).to.equal('  a\n  b|aGk/|hi?|aGk_|hi?');
    expect(
      out(
        '{{ parseBool "T" }} {{ parseInt "-12" }} {{ parseUint "12" }} {{ parseFloat "1.50" }} {{ parseFloat "1e7" }}',
      ),
    ).to.equal('true -12 12 1.5 1e+07');
    expect(error('{{ parseInt "x" }}')).to.match(/strconv.ParseInt: parsing "x": invalid syntax/);
    expect(
      out('{{ parseJSON `{"b":[1,0.0000001,12345678901234567000],"a":"<&>"}` | toJSON }}'),
    ).to.equal('{"a":"\\u003c\\u0026\\u003e","b":[1,1e-7,12345678901234567000]}');
    expect(out('{{ parseJSON `{"b":{"c":1},"a":[]}` | toJSONPretty }}')).to.equal(
      '{\n  "a": [],\n  "b": {\n    "c": 1\n  }\n}',
    );
    expect(out('{{ parseJSON `{"b":{"c":1},"a":"x"}` | toYAML }}')).to.equal('a: x\nb:\n  c: 1');
    expect(out('{{ parseJSON `{"b":{"c":"d"},"a":1}` | toTOML }}')).to.equal(
      'a = 1\n\n[b]\n  c = "d"',
    );
    expect(out('{{ timestamp "2006" | len }} {{ timestamp | len }}')).to.equal('4 20');
  });

  it('scratch, loop, env and executeTemplate', () => {
    expect(
      out(
        '{{ scratch.Set "n" 1 }}{{ scratch.Get "n" | add 1 }} {{ scratch.Key "n" }} {{ scratch.SetX "n" 5 }}{{ scratch.Get "n" }} {{ scratch.MapSet "m" "b" 2 }}{{ scratch.MapSetX "m" "a" 1 }}{{ scratch.MapSetX "m" "a" 9 }}{{ scratch.MapValues "m" }} {{ scratch.Get "none" }}',
      ),
    ).to.equal('2 true 1 [1 2] <nil>');
    expect(
      out(
        '{{ range loop 2 5 }}{{ . }}{{ end }} {{ env "NAME" }}{{ env "NOPE" }} {{ define "d" }}<{{ . }}>{{ end }}{{ executeTemplate "d" 1 }}',
      ),
    ).to.equal('234 x <1>');
  });
});
