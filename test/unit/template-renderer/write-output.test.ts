import { expect } from 'chai';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutput } from '../../../template-renderer/write.js';
import type { TemplateConfig } from '../../../template-renderer/types.js';

describe('writeOutput: the same output into an untouched file', () => {
  let dir: string;
  let config: TemplateConfig;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tr-write-output-'));
    config = { contents: 'x', destination: join(dir, 'out.conf') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = async (output: string, previous: Parameters<typeof writeOutput>[1]) =>
    writeOutput(config, previous, output, {});

  it('is unchanged and keeps its stamp', async () => {
    const first = await write('a', {});
    expect(first.changed).to.equal(true);
    expect(first.stamp).to.not.equal(undefined);
    const again = await write('a', { output: 'a', stamp: first.stamp });
    expect(again).to.deep.equal({ changed: false, stamp: first.stamp });
  });

  it('is written again when someone else replaced, edited, re-moded or removed the file', async () => {
    const edits: ((f: string) => void)[] = [
      (f) => {
        writeFileSync(`${f}.new`, 'b');
        renameSync(`${f}.new`, f);
      },
      (f) => writeFileSync(f, 'a but longer'),
      (f) => chmodSync(f, 0o600),
      (f) => unlinkSync(f),
    ];
    for (const edit of edits) {
      const first = await write('a', {});
      edit(config.destination);
      const again = await write('a', { output: 'a', stamp: first.stamp });
      expect(readFileSync(config.destination, 'utf8')).to.equal('a');
      expect(again.stamp).to.not.deep.equal(first.stamp);
    }
  });

  it('a different output is written whatever the stamp', async () => {
    const first = await write('a', {});
    const next = await write('b', { output: 'a', stamp: first.stamp });
    expect(next.changed).to.equal(true);
    expect(readFileSync(config.destination, 'utf8')).to.equal('b');
  });
});
