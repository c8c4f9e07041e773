import { statfsSync } from 'node:fs';
import { createMountStatfs, MOUNT_TIMEOUT, NO_THREAD } from '../../agent/sources/procfs/mount-statfs';
import { startStatfsThread, type StatfsResult, type StatfsThread } from '../../agent/sources/procfs/statfs-thread';
import { exitHoldersEnded } from '../../agent/exit-holders';

const FAKE: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 50, ffree: 20 };

/** Fake threads: the first call for a path under /hung never returns until released; the test sees how many threads ran at once. */
function fakeThreads() {
  const started: string[] = [];
  const closed: number[] = [];
  const releases = new Map<string, () => void>();
  let live = 0;
  let maxLive = 0;
  let next = 0;
  const startThread = (): StatfsThread => {
    const id = next++;
    live += 1;
    maxLive = Math.max(maxLive, live);
    return {
      ready: Promise.resolve(),
      statfs(path) {
        started.push(path);
        if (!path.startsWith('/hung') || releases.has(path)) return Promise.resolve(FAKE); // hangs once
        return new Promise((resolve) => releases.set(path, () => resolve(FAKE)));
      },
      close() {
        live -= 1;
        closed.push(id);
      },
    };
  };
  return { startThread, started, closed, releases, live: () => live, maxLive: () => maxLive };
}

describe('statfs of mounts on threads of their own', () => {
  it('answers healthy mounts on one thread, and a stuck mount with its timeout, once', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 50, maxThreads: 4, startThread: threads.startThread });
    const healthy = await Promise.all(['/a', '/b', '/c'].map((path) => mounts.stat(path)));
    expect(healthy.map((reading) => reading.stats?.sizeBytes)).toEqual([4096000, 4096000, 4096000]);
    expect(threads.maxLive()).toBe(1);

    const [hung, after] = await Promise.all([mounts.stat('/hung1'), mounts.stat('/d')]);
    expect(hung).toEqual({ stats: null, error: MOUNT_TIMEOUT });
    // The call behind the hung one went on to another thread, before the hung one's timeout.
    expect(after.stats).not.toBeNull();
    expect(await mounts.stat('/hung1')).toEqual({ stats: null, error: MOUNT_TIMEOUT });
    expect(threads.started.filter((path) => path === '/hung1')).toHaveLength(1);

    threads.releases.get('/hung1')!();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await mounts.stat('/hung1')).stats).not.toBeNull();
    // Back to one idle thread: the spare one was ended.
    expect(threads.live()).toBe(1);
    mounts.close();
    expect(threads.live()).toBe(0);
  });

  it('never runs more than maxThreads calls; with every thread stuck, the others are told why at once', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 20, maxThreads: 2, startThread: threads.startThread });
    const readings = await Promise.all(['/hung1', '/hung2', '/hung3', '/a'].map((path) => mounts.stat(path)));
    expect(readings.map((reading) => reading.error)).toEqual([MOUNT_TIMEOUT, MOUNT_TIMEOUT, NO_THREAD, NO_THREAD]);
    expect(threads.maxLive()).toBe(2);
    expect(threads.started).toEqual(['/hung1', '/hung2']);

    threads.releases.get('/hung2')!();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await mounts.stat('/a')).stats).not.toBeNull();
    mounts.close();
  });

  it('answers calls still running when closed', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 2, startThread: threads.startThread });
    const pending = mounts.stat('/hung1');
    mounts.close();
    expect(await pending).toEqual({ stats: null, error: 'closed' });
  });
});

describe('the statfs thread', () => {
  it("gives statfs(2)'s fields, and an errno's text, from a worker that ends on close", async () => {
    const thread = startStatfsThread();
    const { bsize, blocks, files } = statfsSync('/');
    expect(await thread.statfs('/')).toMatchObject({ bsize, blocks, files });
    await expect(thread.statfs('/nonexistent-hostfeed')).rejects.toMatchObject({ code: 'ENOENT' });
    thread.close();
    await exitHoldersEnded();
  });
});
