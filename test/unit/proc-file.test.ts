import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProcFile } from '../../agent/sources/procfs/proc-file';
import { until } from '../helpers/until';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-procfile-'));

describe('a /proc file kept open', () => {
  it('reads the real /proc/stat afresh on every read', async () => {
    const file = openProcFile('/proc/stat');
    try {
      const first = await file.read();
      expect(first).toMatch(/^cpu /);
      expect(first).toContain('\nbtime ');
      // The ctxt counter moves with every context switch: a stale buffer would repeat it for ever.
      const ctxt = (text: string) => /^ctxt (\d+)$/m.exec(text)![1];
      await until('a new ctxt', () => file.read(), (second) => ctxt(second) !== ctxt(first));
    } finally {
      file.close();
    }
  });

  it('returns the whole file even when it outgrows the buffer', async () => {
    const path = join(dir, 'big');
    const text = 'x'.repeat(100_000) + '\nend\n';
    writeFileSync(path, text);
    const file = openProcFile(path);
    expect(await file.read()).toBe(text);
    file.close();
  });

  it('fails with the errno for a missing file, and reads it once it exists', async () => {
    const path = join(dir, 'later');
    const file = openProcFile(path);
    await expect(file.read()).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(path, 'now here\n');
    expect(await file.read()).toBe('now here\n');
    file.close();
    rmSync(path);
  });

  it('serialises concurrent reads, which share one buffer', async () => {
    const path = join(dir, 'shared');
    writeFileSync(path, 'a'.repeat(40_000));
    const file = openProcFile(path);
    const reads = await Promise.all([file.read(), file.read(), file.read()]);
    expect(reads).toEqual([readFileSync(path, 'utf8'), readFileSync(path, 'utf8'), readFileSync(path, 'utf8')]);
    file.close();
  });
});
