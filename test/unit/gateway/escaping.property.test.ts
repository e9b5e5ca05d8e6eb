import { expect } from 'chai';
import fc from 'fast-check';
import { hostPort, isAddress, nginxQuote, regexLiteral } from '../../../gateway/grammar.js';
import { parseRouteTag } from '../../../gateway/route-tags.js';

// Property tests of everything that writes into nginx config: 10,000 cases each (issue 8).
const RUNS = { numRuns: 10_000 };
const SYNTAX = /[\s;{}"'$#\\]/;
// eslint-disable-next-line no-control-regex
const UNQUOTABLE = /[\u0000-\u001f\u007f$]/;

/** How nginx reads a double-quoted string: a backslash escapes the next character. */
function unquote(quoted: string): string {
  expect(quoted.startsWith('"') && quoted.endsWith('"')).to.equal(true);
  let out = '';
  const body = quoted.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\') out += body[++i] ?? '';
    else {
      expect(c, 'an unescaped quote would end the string').not.to.equal('"');
      out += c;
    }
  }
  return out;
}

describe('nginx config escaping (property-based)', () => {
  it('nginxQuote is read back by nginx as the same value, or refuses it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (value) => {
        if (UNQUOTABLE.test(value)) expect(() => nginxQuote(value)).to.throw();
        else expect(unquote(nginxQuote(value))).to.equal(value);
      }),
      RUNS,
    );
  });

  it('a urlprefix- tag is accepted only without anything nginx reads as syntax', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ maxLength: 12 }),
        (a, b) => {
          for (const tag of [`urlprefix-${a}`, `urlprefix-${a} strip=${b}`]) {
            const r = parseRouteTag(tag);
            if (!r?.ok) continue;
            expect(r.route.host).not.to.match(SYNTAX);
            expect(r.route.path).not.to.match(SYNTAX);
            expect(r.route.strip ?? '').not.to.match(SYNTAX);
          }
        },
      ),
      RUNS,
    );
  });

  it('regexLiteral matches exactly the text of an accepted path', () => {
    const path = fc.stringMatching(/^\/[A-Za-z0-9._~/-]{0,30}$/);
    fc.assert(
      fc.property(path, fc.string({ maxLength: 30 }), (p, other) => {
        const re = new RegExp(`^${regexLiteral(p)}$`);
        expect(re.test(p)).to.equal(true);
        expect(re.test(other)).to.equal(other === p);
      }),
      RUNS,
    );
  });

  it('an accepted upstream address yields a server target without syntax', () => {
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.domain(),
    );
    fc.assert(
      fc.property(address, fc.integer({ min: 1, max: 65535 }), (a, port) => {
        if (!isAddress(a)) return;
        expect(hostPort(a, port)).not.to.match(SYNTAX);
      }),
      RUNS,
    );
  });
});
