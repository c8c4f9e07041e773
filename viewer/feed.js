// @ts-check
/**
 * One agent's /events as a connection with a visible state. EventSource reconnects by itself after a stream ends,
 * sending Last-Event-ID; this adds what it lacks: a backfill from the agent's replay ring on open, a state a person
 * can read (live, stale, reconnecting), a watchdog that recreates a source the browser gave up on (any non-200 answer
 * closes it for good) or that went silent, and a count of events missed, read from the ids.
 *
 * Ids (agent/events.ts): `<boot>-<seq>`, one sequence per agent boot over every topic. hello carries the connection's
 * resume point; the events after it are either the missed ones (seq above the point, consecutive) or, on a fresh
 * start or after a reset, the newest of each topic (seq at or below the point).
 */

/**
 * @typedef {import('../agent/events').EventType} EventType
 * @typedef {{ [T in EventType]: (data: import('../agent/events').EventPayload<T>) => void }} EventHandlers
 * @typedef {'connecting' | 'live' | 'stale' | 'reconnecting'} FeedState
 * @typedef {object} FeedStatus
 * @property {FeedState} state
 * @property {number} lastSampleAt when the last sample arrived (ms, this clock), 0 before the first
 * @property {number} missed events the ids show were never received (since the page opened)
 * @property {boolean} everLive whether this feed has ever received a hello
 * @typedef {object} Feed
 * @property {(now: number) => void} tick checks staleness and the watchdog; call about once a second
 * @typedef {{ boot: string, seq: number }} Position
 */

/** Sample event types: their arrival is what "live" means. */
const SAMPLE_TYPES = new Set(['cpu', 'memory', 'disk', 'load', 'network', 'pressure']);
/** The events numbered in the sequence; hello, reset and busy belong to one connection. */
const SEQUENCED_TYPES = new Set([...SAMPLE_TYPES, 'collector-error']);
/** No sample for this many intervals: stale. */
const STALE_INTERVALS = 3;
/** No event at all for this many intervals (at least WATCHDOG_MIN_MS): the connection is presumed dead. */
const SILENT_INTERVALS = 10;
const WATCHDOG_MIN_MS = 10_000;
const REOPEN_MIN_MS = 1000;
const REOPEN_MAX_MS = 30_000;
/** Events the ring gains between the snapshot and the connection: asking this far inside it avoids a `too-old`. */
const BACKFILL_MARGIN = 32;

/** @param {string} id `<boot>-<seq>` @returns {Position | undefined} */
function parseEventId(id) {
  const match = /^([0-9a-f]+)-(\d+)$/.exec(id);
  return match ? { boot: match[1], seq: Number(match[2]) } : undefined;
}

/**
 * Where to start so that the ring's whole content is replayed: the snapshot's resume point minus what the ring
 * holds. An error (unreachable, no CORS) starts afresh; the EventSource then reports the same failure.
 * @param {URL} base @param {number} ringSize @returns {Promise<string>}
 */
async function backfillPoint(base, ringSize) {
  try {
    const response = await fetch(new URL('api/snapshot', base));
    if (!response.ok) return '';
    const snapshot = /** @type {import('../agent/events').Snapshot} */ (await response.json());
    const point = parseEventId(snapshot.id);
    return point ? `${point.boot}-${Math.max(0, point.seq - ringSize + BACKFILL_MARGIN)}` : '';
  } catch {
    return '';
  }
}

/**
 * @param {URL} base the agent's base URL (its /events is resolved against it)
 * @param {number} ringSize events the agent keeps for replay (its sse.replay): how far back to backfill
 * @param {EventHandlers} handlers one per event type, called with the parsed payload
 * @param {(status: FeedStatus) => void} onStatus called whenever the status changes
 * @returns {Feed}
 */
export function connectFeed(base, ringSize, handlers, onStatus) {
  /** @type {FeedStatus} */
  const current = { state: 'connecting', lastSampleAt: 0, missed: 0, everLive: false };
  /** @type {EventSource | undefined} */
  let source;
  /** The last event of the sequence this page is up to date with: where a recreated source resumes. */
  /** @type {Position | undefined} */
  let position;
  let hellos = 0;
  let lastEventAt = Date.now();
  /** When data last showed the feed alive: the last sample, or the hello that precedes the first one. */
  let lastAliveAt = 0;
  let minIntervalMs = 1000;
  let reopenDelayMs = REOPEN_MIN_MS;
  let reopenAt = 0;

  /** @param {Partial<FeedStatus>} change */
  const update = (change) => {
    const before = JSON.stringify(current);
    Object.assign(current, change);
    if (JSON.stringify(current) !== before) onStatus({ ...current });
  };

  /** Moves the position along the sequence, counting any jump as missed events. @param {string} id */
  const advance = (id) => {
    const next = parseEventId(id);
    if (!next || !position || next.boot !== position.boot || next.seq <= position.seq) return;
    if (next.seq > position.seq + 1) update({ missed: current.missed + next.seq - position.seq - 1 });
    position = next;
  };

  /** @param {EventType} type @param {{ data: string, lastEventId: string }} event an SSE message event */
  const receive = (type, event) => {
    lastEventAt = Date.now();
    const data = JSON.parse(event.data);
    if (type === 'hello') {
      hellos += 1;
      const point = parseEventId(event.lastEventId);
      // A resume point past this page's position (a reconnection that lost Last-Event-ID): those events are missed.
      if (point && position?.boot === point.boot && point.seq > position.seq) update({ missed: current.missed + point.seq - position.seq });
      position = point;
      minIntervalMs = Math.min(...Object.values(/** @type {Record<string, number>} */ (data.intervals)), 60_000);
      reopenDelayMs = REOPEN_MIN_MS;
      lastAliveAt = lastEventAt;
      update({ state: 'live', everLive: true });
    } else if (SEQUENCED_TYPES.has(type)) {
      advance(event.lastEventId);
      if (SAMPLE_TYPES.has(type)) {
        lastAliveAt = lastEventAt;
        update({ state: 'live', lastSampleAt: lastEventAt });
      }
    } else if (type === 'reset' && hellos === 1) {
      // The first connection had nothing to continue: a backfill point already out of the ring is no news.
      return;
    }
    /** @type {(data: unknown) => void} */ (handlers[type])(data);
  };

  /** @param {string} resumeId */
  const open = (resumeId) => {
    const url = new URL('events', base);
    // A new EventSource sends no Last-Event-ID on its first request: the query carries the resume point instead.
    if (resumeId) url.searchParams.set('lastEventId', resumeId);
    source = new EventSource(url);
    for (const type of /** @type {EventType[]} */ (Object.keys(handlers))) {
      source.addEventListener(type, (event) => receive(type, /** @type {MessageEvent} */ (event)));
    }
    // EventSource's own `error`: the stream failed; it retries by itself unless it is CLOSED.
    source.addEventListener('error', () => {
      update({ state: 'reconnecting' });
      if (source?.readyState === EventSource.CLOSED) scheduleReopen();
    });
    lastEventAt = Date.now();
  };

  const scheduleReopen = () => {
    reopenAt = Date.now() + reopenDelayMs;
    reopenDelayMs = Math.min(reopenDelayMs * 2, REOPEN_MAX_MS);
  };

  void backfillPoint(base, ringSize).then(open);

  return {
    tick(now) {
      if (!source) return;
      if (source.readyState === EventSource.CLOSED) {
        if (now >= reopenAt) open(position ? `${position.boot}-${position.seq}` : '');
        return;
      }
      if (current.state === 'live' && now - lastAliveAt > STALE_INTERVALS * minIntervalMs) update({ state: 'stale' });
      if (now - lastEventAt > Math.max(SILENT_INTERVALS * minIntervalMs, WATCHDOG_MIN_MS)) {
        // A half-open TCP connection never errors: start afresh, resuming from the position.
        source.close();
        update({ state: 'reconnecting' });
        scheduleReopen();
      }
    },
  };
}
