import { expect } from 'chai';
import fc from 'fast-check';
import { isToolkitError } from '../../../common/errors.js';
import { parseServiceQuery, serviceKey } from '../../../template-renderer/queries/service.js';
import { kvKeyQuery, kvListQuery } from '../../../template-renderer/queries/kv.js';

// Property tests: 10,000 generated cases each (issue 8). Query text comes from template authors,
// so parsing must either succeed or fail with a typed E_TEMPLATE error, never anything else.
const RUNS = { numRuns: 10_000 };

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const statuses = fc.subarray(['passing', 'warning', 'critical', 'maintenance'], { minLength: 1 });

function parsesOrTemplateError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!isToolkitError(error, 'E_TEMPLATE')) throw error;
  }
}

describe('query parsing (property-based)', () => {
  it('any service query text parses or fails with E_TEMPLATE', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) =>
        parsesOrTemplateError(() => serviceKey(parseServiceQuery(text))),
      ),
      RUNS,
    );
  });

  it('tag.name@dc|statuses round-trips through parse and canonical key', () => {
    fc.assert(
      fc.property(
        fc.option(word, { nil: undefined }),
        word,
        fc.option(word, { nil: undefined }),
        fc.option(statuses, { nil: undefined }),
        (tag, name, dc, st) => {
          const text = `${tag ? `${tag}.` : ''}${name}${dc ? `@${dc}` : ''}${st ? `|${st.join(',')}` : ''}`;
          const q = parseServiceQuery(text);
          expect(q.name).to.equal(name);
          expect(q.tag).to.equal(tag);
          expect(q.dc).to.equal(dc);
          expect(q.statuses).to.deep.equal(st ? [...st].sort() : undefined);
          // The canonical key is a fixed point: parsing the key's inner text gives the same key.
          const key = serviceKey(q);
          const inner = key.slice('health.service('.length, -1);
          expect(serviceKey(parseServiceQuery(inner))).to.equal(key);
        },
      ),
      RUNS,
    );
  });

  it('status order and duplicates never change the canonical key', () => {
    fc.assert(
      fc.property(word, statuses, fc.integer({ min: 0, max: 3 }), (name, st, shift) => {
        const rotated = [...st.slice(shift % st.length), ...st.slice(0, shift % st.length)];
        const a = serviceKey(parseServiceQuery(`${name}|${st.join(',')}`));
        const b = serviceKey(parseServiceQuery(`${name}|${[...rotated, ...rotated].join(', ')}`));
        expect(a).to.equal(b);
      }),
      RUNS,
    );
  });

  it('hash options override the text and name= is literal', () => {
    fc.assert(
      fc.property(word, word, word, (name, tag, literal) => {
        const q = parseServiceQuery(name, { tag, name: `${literal}.x` });
        expect(q.name).to.equal(`${literal}.x`);
        expect(q.tag).to.equal(tag);
      }),
      RUNS,
    );
  });

  it('any KV key or prefix text parses or fails with E_TEMPLATE', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.boolean(), (text, rec) => {
        parsesOrTemplateError(() => kvKeyQuery(text).key);
        parsesOrTemplateError(() => kvListQuery(text, rec).key);
      }),
      RUNS,
    );
  });
});
