import { expect } from 'chai';
import fc from 'fast-check';
import { parseRouteTag } from '../../../gateway/route-tags.js';

describe('gateway route tags (urlprefix-)', () => {
  it('parses host-less, host and strip routes', () => {
    expect(parseRouteTag('urlprefix-/api')).to.deep.equal({
      ok: true,
      route: { host: '', path: '/api' },
    });
    expect(parseRouteTag('urlprefix-Example.com/')).to.deep.equal({
      ok: true,
      route: { host: 'example.com', path: '/' },
    });
    expect(parseRouteTag('urlprefix-example.com/api strip=/api')).to.deep.equal({
      ok: true,
      route: { host: 'example.com', path: '/api', strip: '/api' },
    });
    expect(parseRouteTag('urlprefix-/api/ strip=/api/')).to.deep.include({ ok: true });
  });

  it('parses redirect=https, proto=https and tlsskipverify=true (the Fabio options)', () => {
    expect(parseRouteTag('urlprefix-a.test/ redirect=https')).to.deep.equal({
      ok: true,
      route: { host: 'a.test', path: '/', redirect: 'https' },
    });
    expect(parseRouteTag('urlprefix-/api strip=/api proto=https tlsskipverify=true')).to.deep.equal(
      {
        ok: true,
        route: { host: '', path: '/api', strip: '/api', proto: 'https', tlsSkipVerify: true },
      },
    );
    // The defaults spelled out add nothing.
    expect(parseRouteTag('urlprefix-/a proto=http tlsskipverify=false')).to.deep.equal({
      ok: true,
      route: { host: '', path: '/a' },
    });
    const reasons = Object.fromEntries(
      [
        'urlprefix-/a redirect=http',
        'urlprefix-/a redirect=https;',
        'urlprefix-/a proto=HTTPS',
        'urlprefix-/a proto=h2',
        'urlprefix-/a proto=grpc tlsskipverify=true',
        'urlprefix-/a tlsskipverify=true',
        'urlprefix-/a proto=https tlsskipverify=yes',
        'urlprefix-/a proto=https proto=https',
      ].map((tag) => [tag, (parseRouteTag(tag) as { reason?: string }).reason]),
    );
    expect(reasons).to.deep.equal({
      'urlprefix-/a redirect=http': 'redirect must be https',
      'urlprefix-/a redirect=https;': 'redirect must be https',
      'urlprefix-/a proto=HTTPS': 'proto must be http, https or grpc',
      'urlprefix-/a proto=h2': 'proto must be http, https or grpc',
      'urlprefix-/a proto=grpc tlsskipverify=true': 'tlsskipverify=true needs proto=https',
      'urlprefix-/a tlsskipverify=true': 'tlsskipverify=true needs proto=https',
      'urlprefix-/a proto=https tlsskipverify=yes': 'tlsskipverify must be true or false',
      'urlprefix-/a proto=https proto=https': 'option proto given twice',
    });
  });

  it('ignores other tags', () => {
    expect(parseRouteTag('primary')).to.equal(undefined);
    expect(parseRouteTag('v1.2')).to.equal(undefined);
  });

  it('rejects hostile and malformed values as a whole', () => {
    for (const tag of [
      'urlprefix-/x;}',
      'urlprefix-/a{',
      'urlprefix-/a"b',
      "urlprefix-/a'b",
      'urlprefix-/a\nreturn 200',
      'urlprefix-/$host',
      'urlprefix-/a#b',
      'urlprefix-/a\\b',
      'urlprefix-ex;ample.com/',
      'urlprefix-example.com',
      'urlprefix-/a strip=/b',
      'urlprefix-/a strip=/a;',
      'urlprefix-/a proto=tcp',
      'urlprefix-/a//b',
      'urlprefix-',
    ]) {
      const r = parseRouteTag(tag);
      expect(r, tag).to.have.property('ok', false);
    }
  });

  it('never accepts a value nginx could read as syntax (property)', () => {
    const syntax = /[\s;{}"'$#\\]/;
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), (a, b) => {
        const r = parseRouteTag(`urlprefix-${a} strip=${b}`);
        if (!r?.ok) return true;
        return (
          !syntax.test(r.route.host) &&
          !syntax.test(r.route.path) &&
          !syntax.test(r.route.strip ?? '')
        );
      }),
      { numRuns: 2000 },
    );
  });
});
