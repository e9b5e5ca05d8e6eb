import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendEnv } from '../../helpers/backends.js';
import type { TestContainers } from '../../helpers/containers.js';
import { recordFault } from '../../helpers/fault-report.js';
import { get } from '../../helpers/http.js';
import { ROOT } from '../../helpers/paths.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { waitServedBy } from '../../helpers/routing.js';
import { tail, useStack, type LogLine } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';
import { hostileCorpus, type HostileValue } from '../../fixtures/hostile-corpus.js';

/** What Consul stores for a string: lone surrogates become U+FFFD on the way through Docker. */
const wellFormed = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

interface Case {
  name: string;
  env: Record<string, string>;
  values: HostileValue[];
}

/** Spreads the corpus over containers: one value per key per container. */
function plan(containers: TestContainers): Case[] {
  const corpus = hostileCorpus();
  const cases: Case[] = [];
  const byKey = new Map<string, HostileValue[]>();
  for (const v of corpus.filter((x) => x.layer === 'registrator'))
    byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
  const rows = Math.max(...[...byKey.values()].map((l) => l.length));
  for (let j = 0; j < rows; j++) {
    const values = [...byKey.values()].flatMap((l) => l.slice(j, j + 1));
    const env: Record<string, string> = {
      SERVICE_NAME: `hostile-r${j}`,
      // Check settings are read only for a port with a check.
      SERVICE_80_CHECK_HTTP: '/health',
    };
    for (const v of values) env[v.key] = v.value;
    cases.push({ name: containers.uniqueName(`hostile-r${j}`), env, values });
  }
  const tags = corpus.filter((x) => x.layer === 'gateway-tag');
  for (let j = 0; j * 11 < tags.length; j++) {
    const values = tags.slice(j * 11, j * 11 + 11);
    const env = {
      ...backendEnv(`hostile-t${j}`, `ht${j}`, ''),
      SERVICE_TAGS: [`urlprefix-/ht${j}/`, ...values.map((v) => v.value)].join(','),
    };
    cases.push({ name: containers.uniqueName(`hostile-t${j}`), env, values });
  }
  corpus
    .filter((x) => x.layer === 'gateway-name' || x.layer === 'script')
    .forEach((v, j) => {
      const env: Record<string, string> = {
        ...backendEnv(`hostile-x${j}`, `hx${j}`, ''),
        [v.key]: v.value,
      };
      // An HTTP check would take precedence over the script check under test.
      if (v.layer === 'script') delete env.SERVICE_80_CHECK_HTTP;
      cases.push({ name: containers.uniqueName(`hostile-x${j}`), env, values: [v] });
    });
  return cases;
}

const MARKERS = ['pwned', 'evil', 'rm -rf', '/etc/passwd', '`id`', '$(id)', 'remote_addr}'];

describe('hostile and malformed container metadata (200+ values)', function () {
  this.timeout(300_000);
  const suite = useStack('hostile');
  const { containers } = suite;

  it('no crash, nothing hostile reaches nginx, other services unaffected, one log line each', async () => {
    const control = containers.uniqueName('hostile-control');
    await containers.run({
      name: control,
      publish: { '80': '' },
      env: backendEnv('hostile-control', 'control', control),
    });
    const url = `${suite.stack.gatewayUrl}/control/`;
    await waitServedBy(url, [control]);
    // A new connection per request: the hostile containers add routes, each an edge reload, and
    // a reload closes idle keep-alive connections (a client reusing one at that instant sees a
    // reset: the keep-alive race gateway/README.md describes). What is measured here is routing.
    const load = startLoad({ url, rate: 50, maxDurationMs: 240_000, keepAlive: false });
    const cases = plan(containers);
    let failures: string[] = [];
    try {
      for (const c of cases) {
        const env = { ...c.env, BACKEND_ID: c.name };
        await containers.run({ name: c.name, publish: { '80': '' }, env });
      }
      const logs = (program: string, msg: string): LogLine[] =>
        suite.stack.logs.filter((l) => l.program === program && l.json?.msg === msg);
      const problems = (): string[] => {
        const out: string[] = [];
        const skipped = logs('registrator', 'invalid container metadata skipped');
        const rejected = logs('gateway', 'routing value rejected');
        const failed = suite.stack.logs.filter(
          (l) => l.program === 'registrator' && Number(l.json?.level) >= 40,
        );
        for (const c of cases)
          for (const v of c.values) {
            let n = 0;
            if (v.layer === 'registrator')
              n = skipped.filter(
                (l) => l.json?.containerName === c.name && l.json?.key === v.key,
              ).length;
            else if (v.layer === 'gateway-tag')
              n = rejected.filter(
                (l) =>
                  l.json?.service === c.env.SERVICE_NAME &&
                  String(l.json?.error).includes(JSON.stringify(wellFormed(v.value))),
              ).length;
            else if (v.layer === 'gateway-name')
              n = rejected.filter((l) => l.json?.service === wellFormed(v.value)).length;
            else n = failed.filter((l) => l.json?.containerName === c.name).length;
            if (n !== 1)
              out.push(
                `${n} log lines for ${v.layer} ${v.key}=${JSON.stringify(v.value).slice(0, 60)} (${c.name})`,
              );
          }
        return out;
      };
      await waitFor(() => problems().length === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'one log line per rejected value',
      }).catch((e: Error) => {
        throw new Error(
          `${e.message}\n${problems().slice(0, 20).join('\n')}\n${tail(suite.stack.logs, 10)}`,
        );
      });
      // The valid route of each container with hostile tags still works.
      for (const c of cases.filter((x) => x.values[0]?.layer === 'gateway-tag')) {
        const path = c.env.PATHS as string;
        await waitServedBy(`${suite.stack.gatewayUrl}/${path}/`, [c.name]);
      }
      // A dropped service is not routed at all.
      for (const c of cases.filter((x) => x.values[0]?.layer === 'gateway-name'))
        expect((await get(`${suite.stack.gatewayUrl}/${c.env.PATHS}/`)).status).not.to.equal(200);
      expect(suite.stack.registrator.running, 'registrator alive').to.equal(true);
      expect(suite.stack.gateway.running, 'gateway alive').to.equal(true);
      // Lua mode: routes and instances in members.txt; reload mode: in pool.conf.
      const live = ['routes.conf', 'members.txt', 'pool.conf']
        .map((f) => join(suite.stack.workDir, f))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      for (const m of MARKERS) expect(live, `live nginx config contains ${m}`).not.to.include(m);
      // Nothing hostile was even offered to nginx: no config failed validation.
      const metrics = (await get(`${suite.stack.statusUrl}/metrics`)).body;
      expect(metrics).not.to.match(/reloads_total\{[^}]*result="failure"[^}]*\} [1-9]/);
      expect(metrics).not.to.match(/config_validation_failures_total(\{[^}]*\})? [1-9]/);
      expect(metrics).to.match(/config_validation_failures_total(\{[^}]*\})? 0/);
    } finally {
      const samples = await load.stop();
      const { sent, failed } = summarize(samples);
      recordFault({
        scenario: `hostile metadata: ${hostileCorpus().length} values, ${cases.length} containers`,
        requests: sent,
        failed,
        note: 'load on a well-behaved route meanwhile',
      });
      // Every log line of the run, for a person looking into a failure.
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      writeFileSync(
        join(ROOT, 'test-results/hostile-input.log'),
        suite.stack.logs.map((l) => `${l.program}: ${l.text}`).join('\n'),
      );
      failures = samples
        .filter((x) => x.status !== 200)
        .map((x) => `${x.t.toFixed(0)} ms: ${x.status} ${x.error ?? ''}`);
    }
    expect(failures, 'failed requests on the control route').to.deep.equal([]);
  });
});
