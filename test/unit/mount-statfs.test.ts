import { statfsSync } from 'node:fs';
import { createMountStatfs, MOUNT_TIMEOUT, NO_THREAD } from '../../agent/sources/procfs/mount-statfs';
import { startStatfsThread, statfsLanes, type StatfsResult, type StatfsThread } from '../../agent/sources/procfs/statfs-thread';
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

  it('answers calls still running when closed, and starts none after', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 2, startThread: threads.startThread });
    const pending = mounts.stat('/hung1');
    mounts.close();
    expect(await pending).toEqual({ stats: null, error: 'closed' });
    expect(await mounts.stat('/a')).toEqual({ stats: null, error: 'closed' });
    expect(threads.started).toEqual([]);
  });

  it('gives the errno text of a failed statfs, else its code, else its message', async () => {
    const failures: Record<string, unknown> = {
      '/denied': Object.assign(new Error("EACCES: permission denied, statfs '/denied'"), { code: 'EACCES' }),
      '/coded': Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }),
      '/exited': new Error('statfs thread exited'),
      // Only Node's own errno message starts with the code: another that holds one further on is kept whole.
      '/wrapped': new Error('statfs gave up: EIO: input/output error, twice'),
      '/odd': 'EIO',
      '/null': null,
    };
    const mounts = createMountStatfs({
      timeoutMs: 60_000,
      maxThreads: 1,
      startThread: () => ({ ready: Promise.resolve(), statfs: (path) => Promise.reject(failures[path]), close: () => undefined }),
    });
    const errors = await Promise.all(Object.keys(failures).map(async (path) => (await mounts.stat(path)).error));
    expect(errors).toEqual(['permission denied', 'ERR_WORKER_OUT_OF_MEMORY', 'statfs thread exited', 'statfs gave up: EIO: input/output error, twice', 'EIO', 'null']);
    mounts.close();
  });
});

describe('statfs of mounts, timed (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  /** The answer of a stat once it comes, to look at while the clock stands. */
  function answerOf(pending: Promise<unknown>): { value?: unknown } {
    const box: { value?: unknown } = {};
    void pending.then((value) => (box.value = value));
    return box;
  }

  /** A call that hangs, and one queued behind it, on up to 4 threads. */
  function hungThenNext(timeoutMs: number) {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs, maxThreads: 4, startThread: threads.startThread });
    return { threads, mounts, hung: answerOf(mounts.stat('/hung1')), next: answerOf(mounts.stat('/d')) };
  }

  it('lets the mounts behind a slow call go on to another thread long before its timeout', async () => {
    const { threads, mounts, hung, next } = hungThenNext(60_000);
    await jest.advanceTimersByTimeAsync(0);
    expect(threads.started).toEqual(['/hung1']); // one thread, while the call may yet be quick
    await jest.advanceTimersByTimeAsync(1000);
    expect(next.value).toMatchObject({ stats: { sizeBytes: 4096000 } });
    expect(hung.value).toBeUndefined();
    expect(threads.maxLive()).toBe(2);
    await jest.advanceTimersByTimeAsync(59_000);
    expect(hung.value).toEqual({ stats: null, error: MOUNT_TIMEOUT });
    mounts.close();
  });

  it('once the slow call returns, keeps the first thread (the pool lane) and ends the one started beside it', async () => {
    const { threads, mounts, hung } = hungThenNext(60_000);
    await jest.advanceTimersByTimeAsync(1000);
    expect(threads.maxLive()).toBe(2);
    threads.releases.get('/hung1')!();
    await jest.advanceTimersByTimeAsync(0);
    expect(hung.value).toMatchObject({ stats: { sizeBytes: 4096000 } });
    expect(threads.closed).toEqual([1]);
    expect(await mounts.stat('/e')).toMatchObject({ stats: { sizeBytes: 4096000 } });
    expect(threads.live()).toBe(1);
    mounts.close();
  });

  it('with a timeout shorter than that, the mounts behind go on by the time the slow one times out', async () => {
    const { mounts, hung, next } = hungThenNext(20);
    await jest.advanceTimersByTimeAsync(19);
    expect([hung.value, next.value]).toEqual([undefined, undefined]);
    await jest.advanceTimersByTimeAsync(1);
    expect(hung.value).toEqual({ stats: null, error: MOUNT_TIMEOUT });
    expect(next.value).toMatchObject({ stats: { sizeBytes: 4096000 } });
    mounts.close();
  });

  it('with every thread busy but none stuck yet, the others wait for one', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 1, startThread: threads.startThread });
    void mounts.stat('/hung1');
    const next = answerOf(mounts.stat('/d'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(next.value).toBeUndefined();
    threads.releases.get('/hung1')!();
    await jest.advanceTimersByTimeAsync(0);
    expect(next.value).toMatchObject({ stats: { sizeBytes: 4096000 } });
    mounts.close();
  });

  it('with one thread stuck and the other only slow, the others wait for that one rather than be told none is free', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 2, startThread: threads.startThread });
    const first = answerOf(mounts.stat('/hung1'));
    await jest.advanceTimersByTimeAsync(1000);
    void mounts.stat('/hung2'); // on the second thread, as the first is slow
    const next = answerOf(mounts.stat('/d'));
    await jest.advanceTimersByTimeAsync(59_000);
    expect(first.value).toEqual({ stats: null, error: MOUNT_TIMEOUT });
    expect(next.value).toBeUndefined(); // /hung2 has 1 s to go before it is stuck
    threads.releases.get('/hung2')!();
    await jest.advanceTimersByTimeAsync(0);
    expect(next.value).toMatchObject({ stats: { sizeBytes: 4096000 } });
    mounts.close();
  });

  it('closed while calls run: answers them, leaves no timer, and their late returns change nothing', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 2, startThread: threads.startThread });
    const pending = [answerOf(mounts.stat('/hung1')), answerOf(mounts.stat('/hung2'))];
    await jest.advanceTimersByTimeAsync(1000);
    expect(threads.started).toEqual(['/hung1', '/hung2']);
    mounts.close();
    await jest.advanceTimersByTimeAsync(0);
    expect(pending.map((answer) => answer.value)).toEqual([
      { stats: null, error: 'closed' },
      { stats: null, error: 'closed' },
    ]);
    expect(jest.getTimerCount()).toBe(0);
    for (const release of threads.releases.values()) release();
    await jest.advanceTimersByTimeAsync(0);
    expect(threads.closed.sort()).toEqual([0, 1]); // each thread ended once
    expect(threads.started).toHaveLength(2);
  });

  it('leaves no timer behind once every call has returned, or on close', async () => {
    const threads = fakeThreads();
    const mounts = createMountStatfs({ timeoutMs: 60_000, maxThreads: 4, startThread: threads.startThread });
    await Promise.all(['/a', '/b'].map((path) => mounts.stat(path)));
    expect(jest.getTimerCount()).toBe(0);
    void mounts.stat('/hung1');
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    mounts.close();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('the statfs lanes', () => {
  it("the first on libuv's pool, no worker: statfs(2)'s fields and an errno's text as the sync call gives them", async () => {
    const { Worker }: typeof import('node:worker_threads') = require('node:worker_threads');
    const unref = jest.spyOn(Worker.prototype, 'unref');
    const start = statfsLanes();
    const lanes: StatfsThread[] = [];
    try {
      const pool = start();
      lanes.push(pool);
      const { bsize, blocks, files } = statfsSync('/');
      expect(await pool.statfs('/')).toMatchObject({ bsize, blocks, files });
      let sync: unknown;
      try {
        statfsSync('/nonexistent-hostfeed');
      } catch (err) {
        sync = err;
      }
      await expect(pool.statfs('/nonexistent-hostfeed')).rejects.toMatchObject({ code: 'ENOENT', message: (sync as Error).message });
      expect(unref).not.toHaveBeenCalled();
      // While it is open, the next lanes are workers; once it is closed, the pool's is the next again.
      const worker = start();
      lanes.push(worker);
      expect(unref).toHaveBeenCalledTimes(1);
      expect((await worker.statfs('/')).bsize).toBe(bsize);
      pool.close();
      lanes.push(start());
      expect(unref).toHaveBeenCalledTimes(1);
      // One call at a time, as a worker.
      const [first, second] = [lanes[2]!.statfs('/'), lanes[2]!.statfs('/')];
      await expect(second).rejects.toThrow('a statfs thread runs one call at a time');
      expect((await first).bsize).toBe(bsize);
    } finally {
      for (const lane of lanes) lane.close();
      unref.mockRestore();
      await exitHoldersEnded();
    }
  });
});

describe('the statfs thread', () => {
  it("gives statfs(2)'s fields, and an errno's text, from a worker that ends on close", async () => {
    const thread = startStatfsThread();
    const { bsize, blocks, files } = statfsSync('/');
    expect(await thread.statfs('/')).toMatchObject({ bsize, blocks, files });
    await expect(thread.statfs('/nonexistent-hostfeed')).rejects.toMatchObject({
      code: 'ENOENT',
      message: "ENOENT: no such file or directory, statfs '/nonexistent-hostfeed'",
    });
    thread.close();
    await exitHoldersEnded();
  });

  it('runs one call at a time: a second call while one runs is refused, and the first still answered', async () => {
    const thread = startStatfsThread();
    const [first, second] = [thread.statfs('/'), thread.statfs('/')];
    await expect(second).rejects.toThrow('a statfs thread runs one call at a time');
    expect((await first).bsize).toBe(statfsSync('/').bsize);
    thread.close();
    await exitHoldersEnded();
  });

  it('holds the exit until it has ended, without keeping the process alive', async () => {
    // Node's documented way for a thread not to keep the event loop running is unref(), which nothing else shows.
    const { Worker }: typeof import('node:worker_threads') = require('node:worker_threads');
    const unref = jest.spyOn(Worker.prototype, 'unref');
    try {
      const thread = startStatfsThread();
      expect(unref).toHaveBeenCalledTimes(1);
      await thread.ready;
      let ended = false;
      void exitHoldersEnded().then(() => (ended = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(ended).toBe(false);
      thread.close();
      await exitHoldersEnded();
    } finally {
      unref.mockRestore();
    }
  });

  it('ended before it ran: its call is answered with an error, and it counts as ready (nothing waits for ever)', async () => {
    const thread = startStatfsThread();
    // The worker takes milliseconds to start: the call is still queued when the thread ends.
    const call = thread.statfs('/');
    thread.close();
    await expect(call).rejects.toThrow('statfs thread exited');
    await thread.ready;
    await exitHoldersEnded();
  });
});
