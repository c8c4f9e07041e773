import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProcFile, readCapped } from '../../agent/sources/procfs/proc-file';
import { until } from '../helpers/until';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-procfile-'));

describe('a /proc file kept open', () => {
  it('reads the real /proc/stat afresh on every read', async () => {
    const file = openProcFile('/proc/stat', 1 << 20);
    try {
      const first = file.read();
      expect(first).toMatch(/^cpu /);
      expect(first).toContain('\nbtime ');
      // The ctxt counter moves with every context switch: a stale buffer would repeat it for ever.
      const ctxt = (text: string) => /^ctxt (\d+)$/m.exec(text)![1];
      await until('a new ctxt', async () => file.read(), (second) => ctxt(second) !== ctxt(first));
    } finally {
      file.close();
    }
  });

  it('returns the whole file even when it outgrows the buffer', async () => {
    const path = join(dir, 'big');
    const text = 'x'.repeat(100_000) + '\nend\n';
    writeFileSync(path, text);
    const file = openProcFile(path, 1 << 20);
    expect(file.read()).toBe(text);
    file.close();
  });

  it('fails with the errno for a missing file, and reads it once it exists', async () => {
    const path = join(dir, 'later');
    const file = openProcFile(path, 1 << 20);
    expect(() => file.read()).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    writeFileSync(path, 'now here\n');
    expect(file.read()).toBe('now here\n');
    file.close();
    rmSync(path);
  });

  it('reopens a file after a failed read: one past its cap reads again once it is back within', () => {
    const path = join(dir, 'shrinks');
    writeFileSync(path, 'z'.repeat(300));
    const file = openProcFile(path, 200);
    expect(() => file.read()).toThrow('larger than 200 bytes');
    truncateSync(path, 100);
    expect(file.read()).toBe('z'.repeat(100));
    file.close();
    rmSync(path);
  });

  it('fails at once on a FIFO put in place of a file, rather than wait for a writer', () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const file = openProcFile(path, 1 << 20);
    // pread(2) on a pipe fails (ESPIPE); the non-blocking open never waited for a writer.
    expect(() => file.read()).toThrow(expect.objectContaining({ code: 'ESPIPE' }));
    file.close();
    rmSync(path);
  });
});

describe('the cap on a read', () => {
  const path = join(dir, 'capped');
  writeFileSync(path, 'y'.repeat(5000));

  it('reads a file up to its cap whole, and fails one byte beyond, kept open or read once', async () => {
    const atCap = openProcFile(path, 5000);
    expect(atCap.read()).toHaveLength(5000);
    atCap.close();
    // Caps that the growing buffer reaches exactly (powers of two): a full buffer there is still within the cap.
    for (const cap of [1 << 15, 1 << 16]) {
      const exact = join(dir, `exact-${cap}`);
      writeFileSync(exact, 'w'.repeat(cap));
      const file = openProcFile(exact, cap);
      expect(file.read()).toHaveLength(cap);
      file.close();
      expect(() => openProcFile(exact, cap - 1).read()).toThrow(`larger than ${cap - 1} bytes`);
    }
    const under = openProcFile(path, 4999);
    expect(() => under.read()).toThrow('larger than 4999 bytes');
    under.close();
    expect(await readCapped(path, 5000)).toHaveLength(5000);
    await expect(readCapped(path, 4999)).rejects.toThrow('larger than 4999 bytes');
  });

  it('closes what it reads once, whether the read succeeds or fails', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();
    for (let i = 0; i < 5; i += 1) {
      expect(await readCapped(path, 5000)).toHaveLength(5000);
      await expect(readCapped(path, 10)).rejects.toThrow('larger than 10 bytes');
    }
    expect(openFds()).toBe(before);
  });

  it('fails on an endless file (/dev/zero in place of a /proc file) instead of filling the memory', async () => {
    const zero = openProcFile('/dev/zero', 1 << 20);
    expect(() => zero.read()).toThrow('larger than 1048576 bytes');
    zero.close();
    await expect(readCapped('/dev/zero', 1 << 20)).rejects.toThrow('larger than 1048576 bytes');
  });
});
