/**
 * The worker threads this process starts, as they start: node:worker_threads' Worker replaced by a subclass that keeps
 * each one, so that a test can crash or kill a worker the code under test owns. Modules that call
 * `new Worker(...)` through the module's export at call time (as TypeScript's CommonJS output does) see it.
 */
// The module object itself (`import * as` would give a copy with getters, which an assignment does not reach).
import workerThreads = require('node:worker_threads');

export interface WorkerWatch {
  /** Every worker started since watchWorkers(), oldest first. */
  started: workerThreads.Worker[];
  /** Puts node's own Worker back. */
  restore(): void;
}

export function watchWorkers(): WorkerWatch {
  const original = workerThreads.Worker;
  const started: workerThreads.Worker[] = [];
  class WatchedWorker extends original {
    constructor(...args: ConstructorParameters<typeof original>) {
      super(...args);
      started.push(this);
    }
  }
  const exports = workerThreads as { Worker: typeof original };
  exports.Worker = WatchedWorker;
  return {
    started,
    restore: () => {
      exports.Worker = original;
    },
  };
}
