import { expect } from 'chai';
import fc from 'fast-check';
import { metadataEntries, portMetadata, splitTags } from '../../../registrator/metadata.js';

// Property tests of the metadata parser and tag splitting: 10,000 generated cases each (issue 8).
const RUNS = { numRuns: 10_000 };

const suffix = fc.oneof(
  fc.constantFrom('NAME', 'name', 'Tags', 'CHECK_HTTP', 'IGNORE', 'x'),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const name = fc
  .tuple(fc.constantFrom('', '80_', '443_', '8080_'), suffix)
  .map(([p, k]) => `SERVICE_${p}${k}`);
const anyName = fc.oneof(name, fc.string({ maxLength: 20 }));
const value = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }));

describe('registrator metadata parser (property-based)', () => {
  it('never throws, keys are lower-cased suffixes, and only SERVICE_ entries count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyName, value), { maxLength: 12 }),
        fc.dictionary(anyName, value, { maxKeys: 8 }),
        fc.constantFrom('80', '443', '8080'),
        (env, labels, port) => {
          const entries = metadataEntries(
            env.map(([k, v]) => `${k}=${v}`),
            labels,
          );
          for (const e of entries) expect(e.name.startsWith('SERVICE_')).to.equal(true);
          const meta = portMetadata(entries, port);
          for (const [key, v] of meta) {
            expect(key).to.equal(key.toLowerCase());
            expect(key).not.to.equal('');
            expect(v.source.startsWith('SERVICE_')).to.equal(true);
          }
        },
      ),
      RUNS,
    );
  });

  it('port-specific beats global, labels beat env at the same level', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z_]{0,10}$/),
        value,
        value,
        value,
        fc.boolean(),
        (key, global, specific, label, withSpecific) => {
          const env = [`SERVICE_${key.toUpperCase()}=${global}`];
          if (withSpecific) env.push(`SERVICE_80_${key}=${specific}`);
          const labels = { [`SERVICE_${key}`]: label };
          const got = portMetadata(metadataEntries(env, labels), '80').get(key);
          expect(got?.value).to.equal(withSpecific ? specific : label);
          // Another port sees only the global values.
          expect(portMetadata(metadataEntries(env, labels), '443').get(key)?.value).to.equal(label);
        },
      ),
      RUNS,
    );
  });

  it('tags round-trip through comma joining with \\, escapes, in order', () => {
    const tag = fc
      .string({ minLength: 1, maxLength: 15 })
      .map((t) => t.replace(/\\/g, '').trim())
      .filter((t) => t !== '');
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 8 }), (tags) => {
        const text = tags.map((t) => t.replace(/,/g, '\\,')).join(',');
        expect(splitTags(text)).to.deep.equal(tags);
      }),
      RUNS,
    );
  });

  it('any tag text splits into trimmed, non-empty tags without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        for (const t of splitTags(text)) {
          expect(t).to.equal(t.trim());
          expect(t).not.to.equal('');
        }
      }),
      RUNS,
    );
  });
});
