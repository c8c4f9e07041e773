/**
 * The lanes statfs(2) runs on, one call at a time each (mount-statfs.ts): the first on libuv's pool, the others each on
 * a worker thread of its own, started only while the lanes before are held by slow calls. A call on a dead mount
 * blocks its lane's thread: on the pool, one of the 4 threads that every file read (/proc, the viewer) needs, never
 * more, as every lane after it is a worker.
 */
import { statfs, type StatsFs } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { holdExit } from '../../exit-holders';

/** What statfs must give: the fields node_exporter reads. */
export type StatfsResult = Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail' | 'files' | 'ffree'>;

/** A thread that runs one statfs at a time. */
export interface StatfsThread {
  /** Resolves once the thread runs: a worker takes tens of ms to start, seconds on a loaded host, not the mount's fault. */
  ready: Promise<void>;
  statfs(path: string): Promise<StatfsResult>;
  /** Ends the thread; a thread blocked in the kernel ends when its call returns (see exit-holders.ts). */
  close(): void;
}

type Reply = { stats: StatfsResult } | { error: { message: string; code?: string } };

/** Evaluated as CommonJS in the worker. Numbers, not bigints: they cross postMessage as they are. */
const WORKER_SOURCE = `
const { statfsSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (path) => {
  try {
    const { bsize, blocks, bfree, bavail, files, ffree } = statfsSync(path);
    parentPort.postMessage({ stats: { bsize, blocks, bfree, bavail, files, ffree } });
  } catch (err) {
    parentPort.postMessage({ error: { message: err.message, code: err.code } });
  }
});
`;

/**
 * A lane on libuv's pool: no thread of its own. A worker is a V8 isolate of about 12 MB of RSS and a postMessage each
 * way per call, paid all day by an agent whose mounts all answer in microseconds.
 */
function poolLane(onClose: () => void): StatfsThread {
  const statfsOnPool = promisify(statfs);
  let running = false;
  return {
    ready: Promise.resolve(),
    statfs(path) {
      if (running) return Promise.reject(new Error('a statfs thread runs one call at a time'));
      running = true;
      return statfsOnPool(path).finally(() => (running = false));
    },
    close: onClose,
  };
}

/** Starts lanes: the pool's while it is not open, else a worker thread. */
export function statfsLanes(): () => StatfsThread {
  let poolLaneOpen = false;
  return () => {
    if (poolLaneOpen) return startStatfsThread();
    poolLaneOpen = true;
    return poolLane(() => (poolLaneOpen = false));
  };
}

export function startStatfsThread(): StatfsThread {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  holdExit(worker);
  // Idle or blocked, it must not keep the process alive.
  worker.unref();
  let waiting: { resolve(stats: StatfsResult): void; reject(err: Error): void } | undefined;
  const fail = (err: Error) => {
    waiting?.reject(err);
    waiting = undefined;
  };
  worker.on('message', (reply: Reply) => {
    const answer = waiting;
    waiting = undefined;
    if ('stats' in reply) answer?.resolve(reply.stats);
    else answer?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
  });
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('statfs thread exited')));
  return {
    ready: new Promise((resolve) => worker.once('online', resolve).once('exit', resolve)),
    statfs(path) {
      if (waiting) return Promise.reject(new Error('a statfs thread runs one call at a time'));
      const answer = new Promise<StatfsResult>((resolve, reject) => (waiting = { resolve, reject }));
      worker.postMessage(path);
      return answer;
    },
    close() {
      void worker.terminate();
    },
  };
}
