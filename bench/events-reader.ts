/**
 * One /events client for the overhead bench, as a dashboard tab is: a plain HTTP request, the stream parsed by a spec
 * parser (eventsource-parser), every event counted by type. It runs in the bench's process, so its own CPU is not the
 * agent's. Loopback only; `close` ends the connection.
 */
import { request, type ClientRequest } from 'node:http';
import { createParser } from 'eventsource-parser';

export interface EventsReader {
  /** Events received so far, by event type. */
  counts(): Map<string, number>;
  /** Why the stream ended before `close`, if it did. */
  failure(): string | undefined;
  close(): void;
}

/** Resolves once the agent has answered 200 with an event stream. */
export function readEvents(url: string): Promise<EventsReader> {
  const counts = new Map<string, number>();
  let failure: string | undefined;
  let closing = false;
  const parser = createParser({ onEvent: ({ event = 'message' }) => counts.set(event, (counts.get(event) ?? 0) + 1) });
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200 || !res.headers['content-type']?.startsWith('text/event-stream')) {
        res.resume();
        return reject(new Error(`${url}: HTTP ${res.statusCode} ${res.headers['content-type']}`));
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', () => (failure ??= closing ? undefined : 'the agent ended the stream'));
      resolve({
        counts: () => new Map(counts),
        failure: () => failure,
        close: () => {
          closing = true;
          req.destroy();
        },
      });
    });
    req.on('error', (err) => (failure ??= closing ? undefined : err.message));
    req.once('error', reject);
    req.end();
  });
}
