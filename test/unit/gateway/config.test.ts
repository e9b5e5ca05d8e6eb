import { expect } from 'chai';
import { parseListen, parseWait, resolveConfig } from '../../../gateway/config.js';

const defaults = { tmpDir: '/tmp', cwd: '/srv' };

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

  it('parses listen and wait forms', () => {
    expect(parseListen('[::]:80')).to.equal('[::]:80');
    expect(parseListen('*:81')).to.equal('81');
    expect(parseWait('1s')).to.deep.equal({ minMs: 1000, maxMs: 4000 });
  });
});
