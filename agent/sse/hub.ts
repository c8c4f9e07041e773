/**
 * The SSE fan-out. One subscription to the feed: each item is checked against the contract, numbered, framed once
 * and the same Buffer written to every client of its topic. A client whose unsent bytes would pass the bound is cut
 * (it can reconnect and resume), so a stuck client never holds more than maxBufferedBytes of the agent's memory; so is
 * a client whose socket has not drained for stallTimeout, however few bytes wait (see ./stall.ts).
 * Cost follows clients: a topic is sampled live only while some client takes it, and one shared interval writes the
 * heartbeats only while some client is connected. A client costs a map entry and one 'close' listener, nothing else.
 * Frames reach each client through its wire (./wire.ts), straight to the socket where that is safe.
 */
import type { ServerResponse } from 'node:http';
import { interval, Subscription, type Observable } from 'rxjs';
import type { Config } from '../config';
import type { AlertItem } from '../alerts/engine';
import { eventSchemas, type HelloEvent, type ResetEvent, type Snapshot, type StreamTopic, type Topic } from '../events';
import type { Logger } from '../logger';
import type { FeedItem } from '../samples';
import { commentFrame, eventFrame, retryFrame } from './frame';
import { formatEventId, type EventId, type ResumeRequest } from './ids';
import { createLatestEvents } from './latest';
import { createReplayRing, type RingEntry } from './ring';
import { hasStalled, type BacklogWatch } from './stall';
import { clientWire, frameOf, type ClientWire, type Frame } from './wire';

export interface HubOptions {
  boot: string;
  /** The feed's items, and the alert engine's when alerts are on. */
  items$: Observable<FeedItem | AlertItem>;
  /** Live sampling of a topic, for as long as it is subscribed (Feed.live; nothing for alert). */
  live(topic: StreamTopic): Observable<never>;
  /**
   * Check every event against the contract before sending it. The types already guarantee the shape; the check,
   * about a tenth of an idle agent's CPU, runs in tests and at log level debug.
   */
  checkEvents: boolean;
  /** Every hello's payload but its `topics`, which are the connection's own. */
  hello: Omit<HelloEvent, 'topics'>;
  sse: Config['sse'];
  logger: Logger;
}

/** Plain counters, read lazily by /metrics. */
export interface HubStats {
  clients: number;
  /** Sample and collector-error events framed, once each whatever the number of clients. */
  eventsPublished: number;
  /** Events written to clients: one per event per client, hello, replays and snapshots included. */
  eventsSent: number;
  clientsCut: Record<CutReason, number>;
  /** Samples not sent because they broke the contract (a collector bug, logged). */
  eventsInvalid: number;
}

export type Admission = 'open' | 'full' | 'closed';

/** slow: its unsent bytes would pass maxBufferedBytes; stall: its socket has not drained for stallTimeout. */
export type CutReason = 'slow' | 'stall';

export interface Hub {
  admission(): Admission;
  /**
   * Starts the stream of a response whose SSE headers are out (its transfer coding is then known): hello, the missed
   * or latest events, then live ones.
   */
  stream(res: ServerResponse, topics: readonly StreamTopic[], resume: ResumeRequest): void;
  /** For a client refused a stream (./admission.ts): how long it should wait, and the whole stream telling it so. */
  refuse(resume: ResumeRequest): { retryMs: number; body: Buffer };
  snapshot(topics: readonly Topic[]): Snapshot;
  stats(): HubStats;
  /** Ends every stream and stops listening to the feed. */
  close(): void;
}

interface Client extends BacklogWatch {
  res: ServerResponse;
  wire: ClientWire;
  topics: ReadonlySet<StreamTopic>;
}

const HEARTBEAT = frameOf(commentFrame('heartbeat'));

/**
 * A ring entry whose frame is built when it is first written: an agent nobody watches (a scrape publishes its samples
 * too) stringifies no event, and every client later gets the same Buffer. It keeps the event's payload until then,
 * never the reading it came with (a raw process list, kept for every entry of the ring, weighed on every GC).
 */
function lazyEntry({ topic: type, data }: FeedItem | AlertItem, seq: number, topic: StreamTopic, id: string): RingEntry {
  let frame: Buffer | undefined;
  let payload: typeof data | undefined = data;
  return {
    seq,
    topic,
    get frame() {
      if (!frame) {
        frame = eventFrame(type, id, payload as never);
        payload = undefined;
      }
      return frame;
    },
  };
}

export function createHub({ boot, items$, live, checkEvents, hello, sse, logger }: HubOptions): Hub {
  const ring = createReplayRing(sse.replay);
  const retry = retryFrame(sse.retry);
  const clients = new Map<ServerResponse, Client>();
  const clientsByTopic = new Map<StreamTopic, Set<Client>>();
  const latest = createLatestEvents();
  const counts = { eventsPublished: 0, eventsSent: 0, eventsInvalid: 0 };
  const cuts: Record<CutReason, number> = { slow: 0, stall: 0 };
  let closed = false;

  const idAt = (seq: number) => formatEventId({ boot, seq });

  /** Live sampling of each topic some client takes, and the heartbeats while any client is connected. */
  const watching = new Map<StreamTopic, Subscription>();
  let heartbeats: Subscription | undefined;

  const add = (client: Client) => {
    clients.set(client.res, client);
    heartbeats ??= interval(sse.heartbeat).subscribe(() => {
      for (const each of clients.values()) send(each, HEARTBEAT);
    });
    for (const topic of client.topics) {
      let subscribers = clientsByTopic.get(topic);
      if (!subscribers) clientsByTopic.set(topic, (subscribers = new Set()));
      subscribers.add(client);
      if (!watching.has(topic)) watching.set(topic, live(topic).subscribe());
    }
  };

  const remove = (res: ServerResponse) => {
    const client = clients.get(res);
    if (!client) return;
    clients.delete(res);
    for (const topic of client.topics) {
      const subscribers = clientsByTopic.get(topic);
      subscribers?.delete(client);
      if (subscribers?.size) continue;
      watching.get(topic)?.unsubscribe();
      watching.delete(topic);
    }
    if (clients.size === 0) {
      heartbeats?.unsubscribe();
      heartbeats = undefined;
    }
  };

  /** Writes unless the client has stalled or its unsent bytes would pass the bound; then cuts it. */
  const send = (client: Client, frame: Frame): boolean => {
    const unsent = client.wire.unsentBytes();
    const cut: CutReason | undefined = hasStalled(client, unsent, sse.stallTimeout)
      ? 'stall'
      : unsent + frame.plain.length > sse.maxBufferedBytes
        ? 'slow'
        : undefined;
    if (cut) {
      cuts[cut] += 1;
      logger.debug({ reason: cut, unsentBytes: unsent }, 'SSE client cut: not reading');
      remove(client.res);
      client.res.destroy();
      return false;
    }
    client.wire.write(frame);
    return true;
  };

  const publish = (item: FeedItem | AlertItem) => {
    const checked = checkEvents ? eventSchemas[item.topic].safeParse(item.data) : undefined;
    if (checked && !checked.success) {
      counts.eventsInvalid += 1;
      logger.error({ event: item.topic, issues: checked.error.issues }, 'sample breaks the event contract: not sent');
      return;
    }
    const topic = item.topic === 'collector-error' ? item.data.collector : item.topic;
    const seq = ring.lastSeq + 1;
    const entry = lazyEntry(item, seq, topic, idAt(seq));
    ring.push(entry);
    latest.record(entry, item);
    counts.eventsPublished += 1;
    const subscribers = clientsByTopic.get(topic);
    if (!subscribers?.size) return;
    const frame = frameOf(entry.frame);
    for (const client of subscribers) if (send(client, frame)) counts.eventsSent += 1;
  };

  /** Where a connection starts: its resume point, a reset when it asked for what cannot be replayed, and the events. */
  const startOf = (resume: ResumeRequest, topics: ReadonlySet<StreamTopic>): { point: number; reset?: ResetEvent['reason']; entries: RingEntry[] } => {
    // The latest events are no newer than ring.lastSeq, and nothing of their topics is newer than them.
    const afresh = (reset?: ResetEvent['reason']) => ({ point: ring.lastSeq, reset, entries: latest.entries(topics) });
    if (resume.kind === 'fresh') return afresh();
    if (resume.kind === 'unreadable') return afresh('unknown-id');
    if (resume.id.boot !== boot) return afresh('other-boot');
    const missed = ring.since(resume.id.seq, topics);
    if (missed.kind === 'ahead') return afresh('unknown-id');
    if (missed.kind === 'too-old') return afresh('too-old');
    return { point: resume.id.seq, entries: missed.entries };
  };

  const feed = items$.subscribe(publish);

  return {
    admission: () => (closed ? 'closed' : clients.size >= sse.maxClients ? 'full' : 'open'),

    stream(res, topicList, resume) {
      // The client may have gone while the request went through the middleware: 'close' would never come again.
      if (res.destroyed) return;
      // No socket yet: a request pipelined behind another, which EventSource never does.
      if (!res.socket) {
        res.end();
        return;
      }
      const topics = new Set(topicList);
      const { point, reset, entries } = startOf(resume, topics);
      const id = idAt(point);
      const frames = [retry, eventFrame('hello', id, { ...hello, topics: [...topics] })];
      if (reset) frames.push(eventFrame('reset', id, { reason: reset, boot }));
      frames.push(...entries.map((entry) => entry.frame));
      // One writev of the ring's own Buffers (no copy), framed by node; no event can come in between.
      res.cork();
      for (const frame of frames) res.write(frame);
      res.uncork();
      counts.eventsSent += frames.length - 1;
      // backlogSince from the start: every client keeps one shape, and the broadcast loop stays monomorphic.
      add({ res, wire: clientWire(res), topics, backlogSince: undefined });
      res.once('close', () => remove(res));
    },

    refuse(resume) {
      const retryMs = sse.busyRetry + Math.floor((Math.random() * sse.busyRetry) / 2);
      // Its own id back, so that the retry resumes where it would have; `<boot>-0` ("nothing yet") otherwise.
      const id: EventId = resume.kind === 'from' ? resume.id : { boot, seq: 0 };
      const body = Buffer.concat([retryFrame(retryMs), eventFrame('busy', formatEventId(id), { retryMs, clients: clients.size })]);
      return { retryMs, body };
    },

    snapshot: (topics) => ({ boot, id: idAt(ring.lastSeq), ...latest.payloads(topics) }),

    stats: () => ({
      clients: clients.size,
      eventsPublished: counts.eventsPublished,
      eventsSent: counts.eventsSent,
      clientsCut: { ...cuts },
      eventsInvalid: counts.eventsInvalid,
    }),

    close() {
      closed = true;
      feed.unsubscribe();
      for (const res of [...clients.keys()]) {
        remove(res);
        res.end();
      }
    },
  };
}
