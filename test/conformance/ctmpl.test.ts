// consul-template conformance: every case of ../shared/fixtures/ctmpl (real-world templates with
// their Consul data and consul-template v0.20.1's output) rendered by our template-renderer,
// byte for byte. The corpus comes from other projects: it is read in place, never copied here.
// Each case runs the corpus' own run-case.sh: a fresh Consul 1.8.7 dev agent on the corpus'
// fixed ports, the case's data, our CLI in -once mode (scripts/ctmpl-renderer.sh), then diff.
// Fixed ports allow one case at a time per network namespace: as root, each case runs in its
// own namespace (`unshare -n`, loopback only), a few at a time; otherwise one after another.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/paths.js';

const CORPUS = join(ROOT, '..', 'shared', 'fixtures', 'ctmpl');
const RENDERER = join(ROOT, 'scripts', 'ctmpl-renderer.sh');
const CONSUL_BIN = join(ROOT, '.cache', 'consul', 'usr', 'bin', 'consul');

/** Cases we knowingly render differently, with the reason (none at the moment). */
const KNOWN: Record<string, string> = {};

interface Outcome {
  code: number | null;
  output: string;
  ms: number;
}

function canUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up']).status === 0;
}

function runCase(name: string, isolated: boolean): Promise<Outcome> {
  const started = Date.now();
  const script = `${isolated ? 'ip link set lo up && ' : ''}exec bash "$0" "$1" "$2"`;
  const argv = ['-c', script, join(CORPUS, 'run-case.sh'), join(CORPUS, name), RENDERER];
  const [cmd, args] = isolated ? ['unshare', ['-n', 'bash', ...argv]] : ['bash', argv];
  return new Promise((resolve) => {
    const child = spawn(cmd, args as string[], {
      cwd: ROOT,
      env: { ...process.env, CONSUL_BIN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

async function pool<T>(
  items: string[],
  width: number,
  fn: (s: string) => Promise<T>,
): Promise<Map<string, T>> {
  const results = new Map<string, T>();
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift())
      results.set(next, await fn(next));
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

describe('consul-template conformance (../shared/fixtures/ctmpl)', function () {
  if (!existsSync(join(CORPUS, 'run-case.sh'))) {
    console.log('conformance: ../shared/fixtures/ctmpl not found, skipped');
    return;
  }
  const cases = readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort();
  let results = new Map<string, Outcome>();

  before(async function () {
    this.timeout(20 * 60_000);
    const isolated = canUnshare();
    const width = isolated ? Math.max(2, Math.min(4, availableParallelism() * 2)) : 1;
    const started = Date.now();
    results = await pool(
      cases.filter((c) => !KNOWN[c]),
      width,
      (c) => runCase(c, isolated),
    );
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `    ${cases.length} cases in ${secs} s (${width} at a time${isolated ? ', one network namespace each' : ''})`,
    );
  });

  for (const name of cases) {
    const run = KNOWN[name] ? it.skip : it;
    run(`${name}${KNOWN[name] ? ` (known difference: ${KNOWN[name]})` : ''}`, () => {
      const r = results.get(name);
      expect(r, 'case did not run').to.not.equal(undefined);
      expect(r?.code, r?.output).to.equal(0);
    });
  }
});
