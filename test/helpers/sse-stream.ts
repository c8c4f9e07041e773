/** A raw HTTP reader of an SSE stream, parsed by eventsource-parser: the wire as it is, for exact-structure tests. */
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { TOPICS } from '../../agent/events';
import { HANG_GUARD_MS } from './until';

export type Received =
  | { kind: 'event'; event: string; id: string | undefined; data: string }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

export type ReceivedEvent = Extract<Received, { kind: 'event' }>;

export interface RawStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything parsed so far, in order. */
  received: Received[];
  /** The body so far, as text. */
  text(): string;
  /** The events so far, of one type or all. */
  events(type?: string): ReceivedEvent[];
  /** Waits until `count` received items match; rejects after timeoutMs saying how many did. */
  waitFor(match: (item: Received) => boolean, count?: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves when the body ends or the connection closes. */
  ended: Promise<void>;
  /** Whether the body ended with its last chunk, as a server ends a stream, rather than with a cut connection. */
  complete(): boolean;
  close(): void;
}

/** The sequence number of an id `<boot>-<seq>`. */
export function seqOf(id: string | undefined): number {
  const match = /^[0-9a-f]+-(\d+)$/.exec(id ?? '');
  if (!match) throw new Error(`not an event id: ${JSON.stringify(id)}`);
  return Number(match[1]);
}

export function isEvent(type?: string): (item: Received) => item is ReceivedEvent {
  return (item): item is ReceivedEvent => item.kind === 'event' && (type === undefined || item.event === type);
}

/** Resolves once `stream` has had an event of every topic: the agent then has the latest of each for a new client. */
export async function everyTopicSeen(stream: RawStream): Promise<void> {
  for (const topic of TOPICS) await stream.waitFor(isEvent(topic));
}

/** `localAddress`: the source address to connect from, e.g. 127.0.0.2 for a second loopback client. */
export function openStream(url: string, headers: Record<string, string> = { Accept: 'text/event-stream' }, localAddress?: string): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, localAddress }, (res) => {
      const received: Received[] = [];
      const chunks: Buffer[] = [];
      const waiters = new Set<() => void>();
      const push = (item: Received) => {
        received.push(item);
        for (const check of waiters) check();
      };
      const parser = createParser({
        onEvent: ({ event, id, data }) => push({ kind: 'event', event: event ?? 'message', id, data }),
        onComment: (text) => push({ kind: 'comment', text }),
        onRetry: (ms) => push({ kind: 'retry', ms }),
      });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        parser.feed(chunk.toString('utf8'));
      });
      // A dropped connection is what several tests do on purpose: it ends the stream, it is not a failure.
      res.on('error', () => undefined);
      const ended = new Promise<void>((done) => res.once('close', done));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        received,
        text: () => Buffer.concat(chunks).toString('utf8'),
        events: (type) => received.filter(isEvent(type)),
        waitFor: (match, count = 1, timeoutMs = HANG_GUARD_MS) =>
          new Promise((done, fail) => {
            const check = () => {
              const matching = received.filter(match);
              if (matching.length < count) return;
              waiters.delete(check);
              clearTimeout(timer);
              done(matching);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`waited ${timeoutMs} ms for ${count} matching items, got ${received.filter(match).length} of ${received.length}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        ended,
        complete: () => res.complete,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** Streams opened through `open` and clients passed to `track` are closed after each test of the file. */
export function closeAfterEach(): {
  open(url: string, headers?: Record<string, string>, localAddress?: string): Promise<RawStream>;
  track<T extends { close(): void }>(client: T): T;
  /** Serves `app` on a free loopback port until the test ends (then `endpoint` closes first); resolves to its URL. */
  serve(app: { listen(port: number, host: string, ready: () => void): Server }, endpoint?: { close?(): void }): Promise<string>;
} {
  const opened: { close(): void }[] = [];
  afterEach(() => opened.splice(0).forEach((client) => client.close()));
  const track = <T extends { close(): void }>(client: T): T => {
    opened.push(client);
    return client;
  };
  return {
    open: async (url, headers = {}, localAddress) => track(await openStream(url, { Accept: 'text/event-stream', ...headers }, localAddress)),
    track,
    async serve(app, endpoint) {
      const server: Server = await new Promise((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      track({
        close: () => {
          endpoint?.close?.();
          server.closeAllConnections();
          server.close();
        },
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}
