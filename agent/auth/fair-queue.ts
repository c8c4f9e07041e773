/**
 * Tasks run one at a time, with the clients taking turns: a client whose task runs goes to the back of the line, behind
 * any client that came meanwhile, so that another client's first task runs next however many this one has waiting.
 * Each client may have `perClient` tasks unanswered (running or waiting); beyond, its new ones are refused.
 */
export interface FairQueue<T, R> {
  /** `task`'s result, in `client`'s turn; undefined (refused, nothing queued) when the client is at its limit. */
  push(client: string, task: T): Promise<R> | undefined;
}

interface Waiting<T, R> {
  task: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export function createFairQueue<T, R>(run: (task: T) => Promise<R>, perClient: number): FairQueue<T, R> {
  /** Clients with tasks waiting, in turn order (a Map keeps insertion order), but for the one being served. */
  const line = new Map<string, Waiting<T, R>[]>();
  /** The client whose task runs, and its tasks still waiting: back in line when that task ends. */
  let serving: { client: string; waiting: Waiting<T, R>[] } | undefined;
  /** Tasks running or waiting, per client. */
  const unanswered = new Map<string, number>();

  const answered = (client: string) => {
    const left = unanswered.get(client)! - 1;
    if (left === 0) unanswered.delete(client);
    else unanswered.set(client, left);
  };

  const serveNext = () => {
    const turn = line.entries().next();
    if (serving || turn.done) return;
    const [client, waiting] = turn.value;
    line.delete(client);
    const current = { client, waiting };
    serving = current;
    const next = waiting.shift()!;
    run(next.task)
      .then(next.resolve, next.reject)
      .finally(() => {
        if (current.waiting.length > 0) line.set(client, current.waiting);
        serving = undefined;
        answered(client);
        serveNext();
      });
  };

  return {
    push(client, task) {
      const count = unanswered.get(client) ?? 0;
      if (count >= perClient) return undefined;
      unanswered.set(client, count + 1);
      const result = new Promise<R>((resolve, reject) => {
        const waiting = serving?.client === client ? serving.waiting : line.get(client);
        if (waiting) waiting.push({ task, resolve, reject });
        else line.set(client, [{ task, resolve, reject }]);
      });
      serveNext();
      return result;
    },
  };
}
