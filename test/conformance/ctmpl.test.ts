// consul-template conformance: every case of ../shared/fixtures/ctmpl (real-world templates with
// their Consul data and consul-template v0.20.1's output) rendered by our template-renderer,
// byte for byte. The corpus comes from other projects: it is read in place, never copied here.
// Each case runs the corpus' own run-case.sh: a fresh Consul 1.8.7 dev agent on fixed ports, the
// case's data, our CLI in -once mode (scripts/ctmpl-renderer.sh), then diff. Fixed ports mean
// one case at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/paths.js';

const CORPUS = join(ROOT, '..', 'shared', 'fixtures', 'ctmpl');

/** Cases we knowingly render differently, with the reason (none at the moment). */
const KNOWN: Record<string, string> = {};

describe('consul-template conformance (../shared/fixtures/ctmpl)', function () {
  this.timeout(120_000);
  if (!existsSync(join(CORPUS, 'run-case.sh'))) {
    console.log('conformance: ../shared/fixtures/ctmpl not found, skipped');
    return;
  }
  const cases = readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort();
  for (const name of cases) {
    const run = KNOWN[name] ? it.skip : it;
    run(`${name}${KNOWN[name] ? ` (known difference: ${KNOWN[name]})` : ''}`, () => {
      const r = spawnSync(
        'bash',
        [
          join(CORPUS, 'run-case.sh'),
          join(CORPUS, name),
          join(ROOT, 'scripts', 'ctmpl-renderer.sh'),
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: {
            ...process.env,
            CONSUL_BIN: join(ROOT, '.cache', 'consul', 'usr', 'bin', 'consul'),
          },
          timeout: 110_000,
        },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
    });
  }
});
