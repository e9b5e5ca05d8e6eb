import { expect } from 'chai';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sampleMax, workersRss, workersTempBytes } from '../../helpers/proc-memory.js';
import { startWsBackend, type WsBackend } from '../../helpers/ws-backends.js';
import { waitServed, type TestGateway } from './harness.js';
import { useGatewaySuite } from './suite.js';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 'x');

/** Writes `events` events `everyMs` apart, recording when each was written. */
function eventSource(written: number[], type: string, extra: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...extra });
    let i = 0;
    const timer = setInterval(() => {
      written.push(performance.now());
      res.write(`data: ${i}\n\n`);
      if (++i === 8) {
        clearInterval(timer);
        setTimeout(() => res.end(), 100);
      }
    }, 100);
  };
}

/** GETs `url` as an EventSource would (Accept: text/event-stream); when each "data:" arrives. */
function arrivals(url: string, accept = 'text/event-stream'): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const at: number[] = [];
    request(url, { agent: false, headers: { accept } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        for (const _ of text.matchAll(/^data: /gm)) at.push(performance.now());
      });
      res.on('end', () => resolve(at));
    })
      .on('error', reject)
      .end();
  });
}

/** Streams `total` bytes generated on the fly (never stored), honouring backpressure. */
function generate(res: NodeJS.WritableStream, total: number, done: () => void): void {
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

/** Server-sent events, unbuffered responses and large bodies (real nginx + real Consul). */
describe('gateway streaming responses and large bodies (real nginx + real Consul)', function () {
  this.timeout(120_000);
  const suite = useGatewaySuite();
  let backend: WsBackend | undefined;
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
  });
  const masters = (gw: TestGateway): number[] => {
    const s = gw.gateway.status();
    return [s.nginx.pid ?? 0, s.pool?.pid ?? 0];
  };
  const workers = (gw: TestGateway): number => workersRss(masters(gw));
  const spooled = (gw: TestGateway): number =>
    workersTempBytes(masters(gw), join(gw.workDir, 'tmp'));

  for (const mode of ['lua', 'reload'] as const)
    it(`${mode} mode: server-sent events and X-Accel-Buffering: no responses arrive as written (within 50 ms)`, async () => {
      const sse: number[] = [];
      const raw: number[] = [];
      backend = await startWsBackend('s', (req, res) => {
        if (req.url === '/sse/events') return eventSource(sse, 'text/event-stream')(req, res);
        if (req.url === '/sse/raw')
          return eventSource(raw, 'application/octet-stream', { 'x-accel-buffering': 'no' })(
            req,
            res,
          );
        res.end('s ok\n');
      });
      await suite.register('s', 'sse', backend.port, ['urlprefix-/sse']);
      const gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/sse/`, ['s']);
      for (const [path, written, accept] of [
        ['/sse/events', sse, 'text/event-stream'],
        ['/sse/raw', raw, '*/*'],
      ] as const) {
        written.length = 0;
        const got = await arrivals(`${gw.url}${path}`, accept);
        expect(got, path).to.have.length(8);
        const delays = got.map((t, i) => t - (written[i] as number));
        console.log(
          `      ${mode} ${path}: largest delay ${Math.max(...delays).toFixed(1)} ms (8 events)`,
        );
        expect(
          Math.max(...delays),
          `${path} delays ${delays.map(Math.round).join(',')}`,
        ).to.be.below(50);
      }
    });

  it('a 1 GB download and a 100 MB upload stream with bounded gateway memory and no spooling', async () => {
    const upload = { bytes: 0 };
    backend = await startWsBackend('big', (req, res) => {
      if (req.method === 'POST') {
        req.on('data', (c: Buffer) => (upload.bytes += c.length));
        req.on('end', () => res.end(`big ${upload.bytes}\n`));
        return;
      }
      if (req.url !== '/big/download') return void res.end('big ok\n');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(1024 * MB),
      });
      generate(res, 1024 * MB, () => res.end());
    });
    await suite.register('big', 'big', backend.port, ['urlprefix-/big']);
    const gw = await suite.start([
      '--mode',
      'lua',
      '--request-buffering',
      'off',
      '--client-max-body-size',
      '200m',
    ]);
    await waitServed(`${gw.url}/big/`, ['big']);
    const baseline = workers(gw);

    const download = sampleMax(() => workers(gw));
    const disk = sampleMax(() => spooled(gw));
    const received = await new Promise<number>((resolve, reject) => {
      let n = 0;
      request(`${gw.url}/big/download`, { agent: false }, (res) => {
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      })
        .on('error', reject)
        .end();
    });
    const downloadPeak = download.stop();
    expect(received).to.equal(1024 * MB);

    const up = sampleMax(() => workers(gw));
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${gw.url}/big/upload`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      generate(req, 100 * MB, () => req.end());
    });
    const uploadPeak = up.stop();
    expect(disk.stop(), 'bytes in temp files').to.equal(0);
    expect(answer).to.equal(`big ${100 * MB}\n`);
    const grew = { download: downloadPeak - baseline, upload: uploadPeak - baseline };
    console.log(
      `      memory of the nginx workers: baseline ${(baseline / MB).toFixed(1)} MB, peak +${(grew.download / MB).toFixed(1)} MB (1 GB download), +${(grew.upload / MB).toFixed(1)} MB (100 MB upload)`,
    );
    expect(grew.download).to.be.below(32 * MB);
    expect(grew.upload).to.be.below(32 * MB);
  });
});
