/**
 * The last N events, for Last-Event-ID replay: each framed once, when first written (hub.ts), the same Buffer for the
 * live clients and every replay.
 */
import type { StreamTopic } from '../events';

export interface RingEntry {
  seq: number;
  /** The topic the event belongs to (a collector-error's collector). */
  topic: StreamTopic;
  frame: Buffer;
}

export type Missed =
  /** Every event after the asked seq, of the asked topics, oldest first (none when the client is up to date). */
  | { kind: 'missed'; entries: RingEntry[] }
  /** Some event after the asked seq has left the ring already. */
  | { kind: 'too-old' }
  /** The asked seq has not been sent yet. */
  | { kind: 'ahead' };

export interface ReplayRing {
  /** Seq of the newest event; 0 before the first. */
  readonly lastSeq: number;
  /** Adds the next event (seq lastSeq + 1), dropping the oldest when full. */
  push(entry: RingEntry): void;
  since(seq: number, topics: ReadonlySet<StreamTopic>): Missed;
}

export function createReplayRing(capacity: number): ReplayRing {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`replay ring capacity must be a positive integer, got ${capacity}`);
  // Slot seq % capacity holds event seq: seqs are consecutive, so no index needs searching.
  const slots: RingEntry[] = [];
  let lastSeq = 0;
  return {
    get lastSeq() {
      return lastSeq;
    },
    push(entry) {
      if (entry.seq !== lastSeq + 1) throw new RangeError(`replay ring: expected seq ${lastSeq + 1}, got ${entry.seq}`);
      slots[entry.seq % capacity] = entry;
      lastSeq = entry.seq;
    },
    since(seq, topics) {
      if (seq > lastSeq) return { kind: 'ahead' };
      const oldest = Math.max(1, lastSeq - capacity + 1);
      if (seq < oldest - 1) return { kind: 'too-old' };
      const entries: RingEntry[] = [];
      for (let next = seq + 1; next <= lastSeq; next += 1) {
        const entry = slots[next % capacity];
        if (topics.has(entry.topic)) entries.push(entry);
      }
      return { kind: 'missed', entries };
    },
  };
}
