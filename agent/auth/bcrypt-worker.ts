/**
 * bcrypt comparisons on one worker thread, one at a time. bcryptjs is plain JavaScript: a cost-10 hash takes about
 * 150 ms of CPU, cost 12 about 700 ms, and its async API still runs each in one block on the thread that calls it.
 * On the main thread a flood of wrong passwords would stall every SSE stream and scrape; on one worker it takes one
 * core at most and the event loop never waits for it.
 */
import { Worker } from 'node:worker_threads';

export interface BcryptChecker {
  /**
   * Resolves whether `password` matches `hash`. A worker that dies (a crash, a kill) is replaced: what it owed is sent
   * to the new one, and only a comparison that was running at two deaths rejects.
   */
  compare(password: string, hash: string): Promise<boolean>;
  /** Ends the worker; comparisons still pending reject. */
  close(): void;
}

interface Reply {
  id: number;
  match: boolean;
}

/** Evaluated as CommonJS in the worker; bcryptjs by absolute path, so that it resolves whatever the working directory. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { compareSync } = require(${JSON.stringify(require.resolve('bcryptjs'))});
parentPort.on('message', ({ id, password, hash }) => parentPort.postMessage({ id, match: compareSync(password, hash) }));
`;

interface Comparison {
  password: string;
  hash: string;
  /** Whether it was running when a worker died. */
  retried: boolean;
  resolve(match: boolean): void;
  reject(err: Error): void;
}

/** A worker and the comparisons it owes, in the order it runs them: a worker that ends leaves its own, never its successor's. */
interface Running {
  worker: Worker;
  owed: Map<number, Comparison>;
}

function start(onEnd: (running: Running, why: string) => void): Running {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const running: Running = { worker, owed: new Map() };
  // Idle between checks: it must not keep the process alive.
  worker.unref();
  worker.on('message', ({ id, match }: Reply) => {
    running.owed.get(id)?.resolve(match);
    running.owed.delete(id);
  });
  // A crash (an exception thrown in the worker) emits 'error', then 'exit': whichever comes first hands the owed on.
  worker.on('error', (err) => onEnd(running, `bcrypt worker failed: ${err.message}`));
  worker.on('exit', (code) => onEnd(running, `bcrypt worker exited with code ${code}`));
  return running;
}

export function createBcryptChecker(): BcryptChecker {
  let current: Running | undefined;
  let nextId = 0;

  const post = (comparison: Comparison) => {
    current ??= start(ended);
    const id = nextId++;
    current.owed.set(id, comparison);
    current.worker.postMessage({ id, password: comparison.password, hash: comparison.hash });
  };

  /**
   * The worker runs what it owes in order, so the first is the one it died running: tried once more on a fresh worker
   * (the death may have had nothing to do with it), failed at a second death (an input that kills every worker must
   * not restart them forever). The others never started: they go to the fresh worker as they are.
   */
  function ended(running: Running, why: string): void {
    if (current === running) current = undefined;
    const [died, ...waiting] = running.owed.values();
    running.owed.clear();
    if (died?.retried) died.reject(new Error(why));
    else if (died) post({ ...died, retried: true });
    for (const comparison of waiting) post(comparison);
  }

  return {
    compare: (password, hash) => new Promise<boolean>((resolve, reject) => post({ password, hash, retried: false, resolve, reject })),
    close() {
      if (!current) return;
      const { worker, owed } = current;
      current = undefined;
      for (const { reject } of owed.values()) reject(new Error('bcrypt worker closed'));
      owed.clear();
      void worker.terminate();
    },
  };
}
