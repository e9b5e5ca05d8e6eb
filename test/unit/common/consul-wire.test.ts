import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { consulError } from '../../../common/consul/consul-error.js';
import { decodeBody } from '../../../common/consul/decode.js';
import { requestPath } from '../../../common/consul/h2-request.js';
import { emptyTraffic } from '../../../common/consul/traffic.js';

describe('Consul wire helpers (HTTP/2 transport)', () => {
  it('requestPath: the API prefix, flags as empty values, false and undefined left out, values escaped', () => {
    expect(requestPath({ method: 'GET', path: '/catalog/services' })).to.equal(
      '/v1/catalog/services',
    );
    const path = requestPath({
      method: 'GET',
      path: '/health/service/web',
      query: { passing: true, stale: false, tag: 'a b&c', index: 12, near: undefined },
    });
    expect(path).to.equal('/v1/health/service/web?passing=&tag=a+b%26c&index=12');
  });

  it('decodeBody: gzip undone, JSON parsed, text kept, bytes counted as received', () => {
    const traffic = emptyTraffic();
    const json = gzipSync(Buffer.from('{"a":[1,"é"]}'));
    expect(decodeBody(traffic, 'application/json', json, false)).to.deep.equal({ a: [1, 'é'] });
    expect(traffic.bytesRead).to.equal(json.length);
    expect(decodeBody(traffic, 'text/plain; charset=utf-8', Buffer.from('ok'), false)).to.equal(
      'ok',
    );
    expect(decodeBody(traffic, 'application/json', Buffer.from('[1]'), true)).to.equal('[1]');
    expect(decodeBody(traffic, 'application/json', Buffer.alloc(0), false)).to.equal(undefined);
    const raw = decodeBody(traffic, 'application/octet-stream', Buffer.from('x'), false);
    expect(Buffer.isBuffer(raw)).to.equal(true);
    expect(() => decodeBody(traffic, 'application/json', Buffer.from('{'), false)).to.throw();
  });

  it('consulError: aborts, retryable statuses and connection losses, non-retryable refusals', () => {
    expect(consulError(new Error('x'), 'GET /a', true).code).to.equal('E_ABORTED');
    const busy = consulError({ statusCode: 503, response: { body: 'No leader' } }, 'GET /a', false);
    expect([busy.code, busy.retryable, busy.message]).to.deep.equal([
      'E_CONSUL_UNAVAILABLE',
      true,
      'consul: GET /a answered 503: No leader',
    ]);
    const refused = consulError({ statusCode: 400, response: { body: 'bad' } }, 'PUT /b', false);
    expect([refused.code, refused.retryable]).to.deep.equal(['E_CONSUL_REQUEST', false]);
    for (const code of ['ECONNRESET', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_STREAM_ERROR'])
      expect(consulError({ code }, 'GET /c', false).retryable, code).to.equal(true);
    const timeout = consulError({ isTimeout: true }, 'GET /c', false);
    expect([timeout.retryable, timeout.message]).to.deep.equal([
      true,
      'consul: GET /c failed: ETIMEDOUT',
    ]);
    const cert = consulError({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'GET /c', false);
    expect(cert.retryable).to.equal(false);
  });
});
