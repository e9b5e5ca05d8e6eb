import { expect } from 'chai';
import { consulDefinition } from '../../../registrator/consul-registry.js';
import { containerServices, type MappingOptions } from '../../../registrator/services.js';
import { inspect } from '../../fixtures/registrator/inspect.js';

const opts: MappingOptions = {
  hostname: 'h',
  fallbackIp: '10.0.0.9',
  hostIp: '10.0.0.1',
  internal: false,
  explicit: false,
  forceTags: [],
};
const checks = (env: Record<string, string>, health?: 'healthy' | 'unhealthy' | 'starting') => {
  const s = containerServices(
    inspect({ ports: { '80': '8080' }, env, ...(health ? { health } : {}) }),
    opts,
  ).services[0];
  if (!s) throw new Error('no service');
  return consulDefinition(s).Checks;
};

describe('registrator checks -> Consul definitions', () => {
  it('HTTP with method, timeout, interval, initial status, deregister-after, TLS skip', () => {
    expect(
      checks({
        SERVICE_CHECK_HTTP: '/health',
        SERVICE_CHECK_HTTP_METHOD: 'head',
        SERVICE_CHECK_TIMEOUT: '2s',
        SERVICE_CHECK_INTERVAL: '15s',
        SERVICE_CHECK_INITIAL_STATUS: 'passing',
        SERVICE_CHECK_DEREGISTER_AFTER: '1m',
        SERVICE_CHECK_TLS_SKIP_VERIFY: 'true',
      }),
    ).to.deep.equal([
      {
        CheckID: 'service:h:web.0:80',
        HTTP: 'http://10.0.0.1:8080/health',
        Method: 'HEAD',
        TLSSkipVerify: true,
        Interval: '15s',
        Timeout: '2s',
        Status: 'passing',
        DeregisterCriticalServiceAfter: '1m',
      },
    ]);
  });

  it('HTTPS uses https:// and the HTTPS method', () => {
    expect(
      checks({ SERVICE_CHECK_HTTPS: '/s', SERVICE_CHECK_HTTPS_METHOD: 'POST' })?.[0],
    ).to.include({
      HTTP: 'https://10.0.0.1:8080/s',
      Method: 'POST',
      Interval: '10s',
    });
  });

  it('TCP and gRPC target the registered address', () => {
    expect(checks({ SERVICE_CHECK_TCP: 'true' })?.[0]).to.include({
      TCP: '10.0.0.1:8080',
      Interval: '10s',
    });
    expect(checks({ SERVICE_CHECK_GRPC: 'true', SERVICE_CHECK_GRPC_USE_TLS: '1' })?.[0]).to.include(
      {
        GRPC: '10.0.0.1:8080',
        GRPCUseTLS: true,
      },
    );
    expect(checks({ SERVICE_CHECK_GRPC: '/health.v1' })?.[0]).to.include({
      GRPC: '10.0.0.1:8080/health.v1',
    });
  });

  it('scripts run through a shell with $SERVICE_IP/$SERVICE_PORT substituted', () => {
    expect(checks({ SERVICE_CHECK_SCRIPT: 'nc -z $SERVICE_IP $SERVICE_PORT' })?.[0]).to.deep.equal({
      CheckID: 'service:h:web.0:80',
      Args: ['/bin/sh', '-c', 'nc -z 10.0.0.1 8080'],
      Interval: '10s',
    });
  });

  it('TTL checks have no interval', () => {
    expect(checks({ SERVICE_CHECK_TTL: '30s' })).to.deep.equal([
      { CheckID: 'service:h:web.0:80', TTL: '30s' },
    ]);
  });

  it('no check keys, no checks; HEALTHCHECK adds a TTL check in the Docker state', () => {
    expect(checks({})).to.equal(undefined);
    expect(checks({}, 'healthy')?.[0]).to.include({
      CheckID: 'service:h:web.0:80:docker-health',
      Status: 'passing',
    });
    expect(checks({}, 'starting')?.[0]).to.include({ Status: 'critical' });
    expect(checks({ SERVICE_CHECK_TCP: '1' }, 'unhealthy')?.map((c) => c.Status)).to.deep.equal([
      undefined,
      'critical',
    ]);
  });
});
