import { expect } from 'chai';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite } from '../../../template-renderer/write.js';

describe('atomicWrite', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tr-write-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, then reports unchanged for identical bytes', async () => {
    const f = join(dir, 'sub', 'out.conf');
    expect(await atomicWrite(f, 'a')).to.deep.equal({ changed: true });
    expect(readFileSync(f, 'utf8')).to.equal('a');
    const before = statSync(f).mtimeMs;
    expect(await atomicWrite(f, 'a')).to.deep.equal({ changed: false });
    expect(statSync(f).mtimeMs).to.equal(before);
    expect(readdirSync(join(dir, 'sub'))).to.deep.equal(['out.conf']); // no temp files left
  });

  it('keeps the existing mode, or applies perms', async () => {
    const f = join(dir, 'out');
    writeFileSync(f, 'old');
    chmodSync(f, 0o600);
    await atomicWrite(f, 'new');
    expect(statSync(f).mode & 0o777).to.equal(0o600);
    await atomicWrite(f, 'newer', { perms: 0o640 });
    expect(statSync(f).mode & 0o777).to.equal(0o640);
  });

  it('keeps a backup when asked', async () => {
    const f = join(dir, 'out');
    writeFileSync(f, 'old');
    await atomicWrite(f, 'new', { backup: true });
    expect(readFileSync(`${f}.bak`, 'utf8')).to.equal('old');
  });

  it('fails with E_WRITE when the folder is missing and may not be created', async () => {
    const err = await atomicWrite(join(dir, 'nope', 'x'), 'a', { createDestDirs: false }).catch(
      (e) => e,
    );
    expect(err.code).to.equal('E_WRITE');
  });
});
