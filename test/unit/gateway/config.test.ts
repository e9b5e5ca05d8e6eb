import { expect } from 'chai';
import { formatHelp } from '../../../common/cli/argv.js';
import { flagSpecs, parseListen, parseWait, resolveConfig } from '../../../gateway/config.js';

const defaults = { tmpDir: '/tmp', cwd: '/srv' };
const envTls = { GATEWAY_HTTPS_LISTEN: '443', GATEWAY_CERT_DIR: '/certs' };

describe('gateway config (flags + env)', () => {
  it('resolves the bench/up contract flags', () => {
    const c = resolveConfig(
      [
        '--listen',
        '127.0.0.1:8080',
        '--consul-addr',
        '127.0.0.1:8500',
        '--status-addr',
        '127.0.0.1:9180',
        '--work-dir',
        'run/gw',
        '--nginx-bin',
        '/usr/sbin/nginx',
        '--template',
        'templates/nginx-my-web-server.hbs',
        '--wait',
        '100ms:1s',
        '--log-level',
        'debug',
      ],
      {},
      defaults,
    );
    expect(c.listen).to.equal('127.0.0.1:8080');
    expect(c.consul).to.include({ host: '127.0.0.1', port: 8500 });
    expect(c.status).to.deep.equal({ host: '127.0.0.1', port: 9180 });
    expect(c.workDir).to.equal('/srv/run/gw');
    expect(c.nginxBin).to.equal('/usr/sbin/nginx');
    expect(c.template).to.equal('/srv/templates/nginx-my-web-server.hbs');
    expect(c.wait).to.deep.equal({ minMs: 100, maxMs: 1000 });
    expect(c.logLevel).to.equal('debug');
    expect(c.accessLog).to.equal('/srv/run/gw/access.log');
  });

  it('has the documented defaults and reads env', () => {
    const c = resolveConfig([], {}, defaults);
    expect(c).to.include({
      listen: '0.0.0.0:80',
      workDir: '/tmp/gateway-80',
      nginxBin: 'nginx',
      logLevel: 'info',
    });
    expect(c.status).to.deep.equal({ host: '127.0.0.1', port: 9180 });
    expect(c).to.include({
      routeGraceMs: 600_000,
      outageHoldMs: 5_000,
      shutdownTimeoutMs: 10_000,
      reloadTimeoutMs: 10_000,
      mode: 'auto',
    });
    expect(c.consul.maxConns).to.equal(32);
    expect(resolveConfig(['--consul-max-conns', '8'], {}, defaults).consul.maxConns).to.equal(8);
    expect(
      resolveConfig([], { GATEWAY_CONSUL_MAX_CONNS: '64' }, defaults).consul.maxConns,
    ).to.equal(64);
    expect(() => resolveConfig(['--consul-max-conns', '2'], {}, defaults)).to.throw(
      /--consul-max-conns: expected a whole number from 4 to 10000, received 2/,
    );
    expect(resolveConfig(['--mode', 'reload'], {}, defaults).mode).to.equal('reload');
    expect(resolveConfig([], { GATEWAY_MODE: 'lua' }, defaults).mode).to.equal('lua');
    const e = resolveConfig(
      [],
      { CONSUL_HTTP_ADDR: 'consul:8501', GATEWAY_LISTEN: ':8080', CONSUL_HTTP_TOKEN: 't' },
      defaults,
    );
    expect(e.consul).to.include({ host: 'consul', port: 8501, token: 't' });
    expect(e.listen).to.equal('8080');
  });

  it('rejects bad values naming the option', () => {
    expect(() => resolveConfig(['--listen', 'nope:x'], {}, defaults)).to.throw(/--listen/);
    expect(() => resolveConfig(['--work-dir', '/tmp/a b'], {}, defaults)).to.throw(/--work-dir/);
    expect(() => resolveConfig(['--wait', '2s:1s'], {}, defaults)).to.throw(/--wait/);
    expect(() => resolveConfig(['--mode', 'fast'], {}, defaults)).to.throw(/--mode/);
    expect(() => resolveConfig(['--bogus'], {}, defaults)).to.throw(/unknown flag/);
    expect(() => resolveConfig(['extra'], {}, defaults)).to.throw(/unexpected argument/);
  });

  it('resolves the HTTPS listener and certificate sources from flags or GATEWAY_* env', () => {
    expect(resolveConfig([], {}, defaults).tls).to.equal(undefined);
    const c = resolveConfig(
      [
        '--listen',
        ':80',
        '--https-listen',
        '0.0.0.0:443',
        '--cert-dir',
        'certs',
        '--cert-kv-prefix',
        '/gateway/certs/',
        '--default-cert',
        'example.com',
        '--redirect-https',
      ],
      {},
      defaults,
    );
    expect(c.tls).to.deep.equal({
      listen: '0.0.0.0:443',
      certDir: '/srv/certs',
      kvPrefix: 'gateway/certs',
      defaultCert: 'example.com',
      redirectHttps: true,
    });
    const e = resolveConfig(
      [],
      {
        GATEWAY_HTTPS_LISTEN: '8443',
        GATEWAY_CERT_KV_PREFIX: 'certs',
        GATEWAY_REDIRECT_HTTPS: 'false',
      },
      defaults,
    );
    expect(e.tls).to.deep.equal({ listen: '8443', kvPrefix: 'certs', redirectHttps: false });
    // A flag wins over the env.
    const f = resolveConfig(
      ['--redirect-https=false'],
      { ...envTls, GATEWAY_REDIRECT_HTTPS: '1' },
      defaults,
    );
    expect(f.tls?.redirectHttps).to.equal(false);
  });

  it('rejects inconsistent or malformed TLS settings, naming the option', () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [['--https-listen', '443'], {}, /^--https-listen: expected --cert-dir or --cert-kv-prefix/],
      [['--https-listen', '80', '--cert-dir', 'c'], {}, /^--https-listen: expected a port other/],
      [['--https-listen', 'x:y', '--cert-dir', 'c'], {}, /^--https-listen: expected host:port/],
      [['--cert-dir', 'c'], {}, /^--cert-dir: expected to be used with --https-listen/],
      [[], { GATEWAY_CERT_KV_PREFIX: 'certs' }, /^--cert-kv-prefix: expected to be used with/],
      [[], { GATEWAY_DEFAULT_CERT: 'a' }, /^--default-cert: expected to be used with/],
      [['--redirect-https'], {}, /^--redirect-https: expected to be used with --https-listen/],
      [['--cert-kv-prefix', 'a/../b'], envTls, /^--cert-kv-prefix: expected a KV path/],
      [['--cert-kv-prefix', 'a b'], envTls, /^--cert-kv-prefix: expected a KV path/],
      [['--default-cert', '../x'], envTls, /^--default-cert: expected a certificate name/],
      [[], { ...envTls, GATEWAY_REDIRECT_HTTPS: 'yes' }, /^GATEWAY_REDIRECT_HTTPS: expected true/],
    ];
    for (const [argv, env, message] of bad)
      expect(() => resolveConfig(argv, env, defaults), argv.join(' ')).to.throw(message);
  });

  it('documents the TLS flags in --help with their env names', () => {
    const help = formatHelp('gateway', '', flagSpecs);
    for (const flag of [
      'https-listen',
      'cert-dir',
      'cert-kv-prefix',
      'default-cert',
      'redirect-https',
    ])
      expect(help).to.include(`-${flag}`);
    expect(help).to.include('env: GATEWAY_CERT_KV_PREFIX');
  });

  it('parses listen and wait forms', () => {
    expect(parseListen('[::]:80')).to.equal('[::]:80');
    expect(parseListen('*:81')).to.equal('81');
    expect(parseWait('1s')).to.deep.equal({ minMs: 1000, maxMs: 4000 });
  });
});
