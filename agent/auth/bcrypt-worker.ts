/**
 * bcrypt comparisons on one worker thread, one at a time. bcryptjs is plain JavaScript: a cost-10 hash takes about
 * 150 ms of CPU, cost 12 about 700 ms, and its async API still runs each in one block on the thread that calls it.
 * On the main thread a flood of wrong passwords would stall every SSE stream and scrape; on one worker it takes one
 * core at most and the event loop never waits for it.
 */
import { Worker } from 'node:worker_threads';

export interface BcryptChecker {
  /** Resolves whether `password` matches `hash`; rejects only if the worker died (it is started again next time). */
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

type Waiting = Map<number, { resolve(match: boolean): void; reject(err: Error): void }>;

/** A worker and the comparisons it owes: a worker that ends fails its own, never its successor's. */
interface Running {
  worker: Worker;
  waiting: Waiting;
}

function failAll(waiting: Waiting, err: Error): void {
  for (const { reject } of waiting.values()) reject(err);
  waiting.clear();
}

function start(onExit: (running: Running) => void): Running {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const running: Running = { worker, waiting: new Map() };
  // Idle between checks: it must not keep the process alive.
  worker.unref();
  worker.on('message', ({ id, match }: Reply) => {
    running.waiting.get(id)?.resolve(match);
    running.waiting.delete(id);
  });
  worker.on('error', (err) => failAll(running.waiting, err));
  worker.on('exit', () => {
    failAll(running.waiting, new Error('bcrypt worker exited'));
    onExit(running);
  });
  return running;
}

export function createBcryptChecker(): BcryptChecker {
  let current: Running | undefined;
  let nextId = 0;
  const forget = (running: Running) => {
    if (current === running) current = undefined;
  };

  return {
    compare(password, hash) {
      current ??= start(forget);
      const { worker, waiting } = current;
      const id = nextId++;
      const answer = new Promise<boolean>((resolve, reject) => waiting.set(id, { resolve, reject }));
      worker.postMessage({ id, password, hash });
      return answer;
    },
    close() {
      if (!current) return;
      const { worker, waiting } = current;
      current = undefined;
      failAll(waiting, new Error('bcrypt worker closed'));
      void worker.terminate();
    },
  };
}
