import { expect } from 'chai';
import fc from 'fast-check';
import { arrayEntries, entryName } from '../../../template-renderer/watch/summary-text.js';

describe('summary text: the objects of a JSON array without parsing it', () => {
  it('finds exactly the top-level objects of any JSON array, whatever their strings hold', () => {
    const tricky = fc.constantFrom('}', '{', ']', '[', '"', '\\\\', '},{"Name":"x"}', '\\u0000');
    const value = fc.oneof(
      fc.jsonValue(),
      fc.array(tricky).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.dictionary(fc.string(), value), value)), (list) => {
        const text = JSON.stringify(list);
        // What the text holds (-0 is written as 0).
        const parsed = JSON.parse(text) as unknown[];
        const objects = parsed.filter(
          (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
        );
        const found = arrayEntries(text).map((e) => JSON.parse(text.slice(e.start, e.end)));
        expect(found).to.deep.equal(objects);
      }),
      { numRuns: 300 },
    );
  });

  it('reads pretty-printed answers and null; names an entry by its own Name', () => {
    const text =
      '[\n  {\n "Kind": "", "Name": "spaced"},\n {"Kind":"x","Name":"web","GatewayConfig":{"Name":"inner"}}\n]\n';
    const entries = arrayEntries(text);
    expect(entries).to.have.length(2);
    expect(entries.map((e) => entryName(text, e))).to.deep.equal(['spaced', 'web']);
    const odd = '[{"Name":"a\\\\b"},{"Kind":"x"},{"Name":5}]';
    expect(arrayEntries(odd).map((e) => entryName(odd, e))).to.deep.equal([
      'a\\b',
      undefined,
      undefined,
    ]);
    expect(arrayEntries(' null ')).to.deep.equal([]);
  });
});
