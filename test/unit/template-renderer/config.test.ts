import { expect } from 'chai';
import { resolveConfig } from '../../../template-renderer/config.js';
import {
  parsePerms,
  parseTemplateFlag,
  parseWait,
} from '../../../template-renderer/config-values.js';

const noFile = (): string => {
  throw new Error('ENOENT');
};

describe('template-renderer config', () => {
  it('takes the connection budget from the flag or the config file', () => {
    const t = ['-template', 'a:b'];
    expect(resolveConfig(t, {}, noFile).consul.maxConns).to.equal(undefined); // library default 32
    expect(resolveConfig([...t, '-consul-max-conns', '12'], {}, noFile).consul.maxConns).to.equal(
      12,
    );
    const file = (text: string) => () => text;
    expect(
      resolveConfig(['-config', 'c.yaml'], {}, file('consulMaxConns: 16\ntemplate: a:b\n')).consul
        .maxConns,
    ).to.equal(16);
    expect(
      resolveConfig(
        ['-config', 'c.yaml'],
        {},
        file('consul: {address: "x:1", maxConns: 20}\ntemplate: a:b\n'),
      ).consul.maxConns,
    ).to.equal(20);
    expect(() => resolveConfig([...t, '-consul-max-conns', 'lots'], {}, noFile)).to.throw(
      /-consul-max-conns: expected a whole number/,
    );
  });

  it('splits -template on the first two colons; the command keeps spaces and colons', () => {
    expect(parseTemplateFlag('/t/a.hbs:/etc/nginx/app.conf:nginx -s reload')).to.deep.equal({
      source: '/t/a.hbs',
      destination: '/etc/nginx/app.conf',
      command: 'nginx -s reload',
    });
    expect(parseTemplateFlag('a:b:sh -c "echo a:b"').command).to.equal('sh -c "echo a:b"');
    expect(parseTemplateFlag('a:b')).to.deep.equal({ source: 'a', destination: 'b' });
    expect(() => parseTemplateFlag('nodest')).to.throw(/source:destination/);
  });

  it('parses -wait min[:max] with max defaulting to 4x min', () => {
    expect(parseWait('2s:10s')).to.deep.equal({ minMs: 2000, maxMs: 10000 });
    expect(parseWait('500ms')).to.deep.equal({ minMs: 500, maxMs: 2000 });
    expect(parseWait('0')).to.deep.equal({ minMs: 0, maxMs: 0 });
    expect(parseWait({ min: '1s', max: '3s' })).to.deep.equal({ minMs: 1000, maxMs: 3000 });
    expect(() => parseWait('5s:1s')).to.throw(/max >= min/);
  });

  it('parses perms as octal text or a number', () => {
    expect(parsePerms('0644', 'p')).to.equal(0o644);
    expect(parsePerms(0o600, 'p')).to.equal(0o600);
    expect(() => parsePerms('rw', 'p')).to.throw(/file mode/);
  });

  it('resolves flags (single or double dash) and environment', () => {
    const c = resolveConfig(
      [
        '--consul-addr=10.1.1.1:8501',
        '-template',
        'a:b:cmd x',
        '-wait',
        '1s',
        '-once',
        '--max-stale',
        '5s',
        '-outage-hold=2s',
      ],
      { CONSUL_HTTP_TOKEN: 'tok' },
      noFile,
    );
    expect(c.consul).to.deep.include({ host: '10.1.1.1', port: 8501, token: 'tok' });
    expect(c.templates).to.deep.equal([{ source: 'a', destination: 'b', command: 'cmd x' }]);
    expect(c).to.deep.include({
      once: true,
      dry: false,
      maxStaleMs: 5000,
      outageHoldMs: 2000,
      wait: { minMs: 1000, maxMs: 4000 },
    });
    expect(
      resolveConfig(['-template', 'a:b'], { CONSUL_HTTP_ADDR: 'c:9' }, noFile).consul,
    ).to.deep.include({ host: 'c', port: 9 });
  });

  it('reads a YAML or JSON config file with snake_case or camelCase keys; flags win', () => {
    const yaml = `
consul: { address: "127.0.0.1:7000" }
wait: "1s:2s"
log_level: debug
templates:
  - source: /t/a.hbs
    destination: /out/a.conf
    command: nginx -s reload
    command_timeout: 5s
    perms: "0600"
    backup: true
    create_dest_dirs: false
    left_delimiter: "[["
    right_delimiter: "]]"
    error_on_missing_key: true
    wait: { min: 100ms, max: 1s }
`;
    const c = resolveConfig(
      ['-config', 'x.yaml', '-template', 'b:c', '-log-level', 'warn'],
      {},
      () => yaml,
    );
    expect(c.consul.port).to.equal(7000);
    expect(c.logLevel).to.equal('warn');
    expect(c.templates[0]).to.deep.equal({
      source: '/t/a.hbs',
      destination: '/out/a.conf',
      command: 'nginx -s reload',
      commandTimeoutMs: 5000,
      perms: 0o600,
      backup: true,
      createDestDirs: false,
      leftDelimiter: '[[',
      rightDelimiter: ']]',
      errorOnMissingKey: true,
      wait: { minMs: 100, maxMs: 1000 },
    });
    expect(c.templates[1]).to.deep.equal({ source: 'b', destination: 'c' });
    const json = JSON.stringify({
      consulAddr: 'h:1',
      templates: [{ contents: 'x', destination: 'd' }],
    });
    expect(resolveConfig(['-config', 'x.json'], {}, () => json).templates[0]?.contents).to.equal(
      'x',
    );
  });

  it('names the option, expectation and value in errors', () => {
    expect(() =>
      resolveConfig(['-config', 'x'], {}, () => 'templates: [{destination: d, bogus: 1}]'),
    ).to.throw(/templates\[0\]\.bogus/);
    expect(() => resolveConfig([], {}, noFile)).to.throw(/-template/);
    expect(() => resolveConfig(['-template', 'a:b', '-log-level', 'loud'], {}, noFile)).to.throw(
      /-log-level/,
    );
    expect(() => resolveConfig(['-config', 'missing'], {}, noFile)).to.throw(/readable file/);
  });
});
