import { expect } from 'chai';
import fc from 'fast-check';
import { consulDefinition } from '../../../registrator/consul-registry.js';
import { containerServices } from '../../../registrator/services.js';
import { inspect } from '../../fixtures/registrator/inspect.js';

const key = fc.oneof(
  fc.constantFrom(
    'NAME',
    'ID',
    'TAGS',
    'IP',
    'PORT',
    'IGNORE',
    'CHECK_HTTP',
    'CHECK_INTERVAL',
    'CHECK_TTL',
    'CHECK_SCRIPT',
    'CHECK_TCP',
    'CHECK_INITIAL_STATUS',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 600, maxLength: 700 }),
);
const env = fc.dictionary(
  fc.tuple(fc.constantFrom('', '80_', '443_'), key).map(([p, k]) => `SERVICE_${p}${k}`),
  value,
  { maxKeys: 12 },
);

describe('registrator mapping properties', () => {
  it('never throws; only valid names, ports and Meta reach Consul', () => {
    fc.assert(
      fc.property(env, env, (e, labels) => {
        const { services } = containerServices(
          inspect({ ports: { '80': '8080', '443': '8443' }, env: e, labels }),
          {
            hostname: 'h',
            fallbackIp: '10.0.0.1',
            internal: false,
            explicit: false,
            forceTags: [],
          },
        );
        for (const s of services) {
          const d = consulDefinition(s);
          expect(d.Port).to.be.within(1, 65535);
          expect(d.Name).to.match(/^[^/]+$/);
          expect(d.ID).to.match(/^[^/]+$/);
          expect(Object.keys(d.Meta ?? {}).length).to.be.at.most(64);
          for (const [k, v] of Object.entries(d.Meta ?? {})) {
            expect(k).to.match(/^[a-zA-Z0-9_-]{1,128}$/);
            expect(k.startsWith('check_')).to.equal(false);
            expect(v.length).to.be.at.most(512);
            expect(v).to.not.match(/[\uD800-\uDFFF]/u);
          }
          // eslint-disable-next-line no-control-regex
          for (const t of d.Tags ?? []) expect(t).to.not.match(/[\u0000-\u001f\uD800-\uDFFF]/u);
        }
      }),
      { numRuns: 300 },
    );
  });
});
