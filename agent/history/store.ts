/**
 * The history in memory: per topic, per tier, a ring of steps in typed arrays. Every sample goes into every tier; the
 * slot of a step holds the step's mean (ratios, rates) or last value (gauges), and its max, as Float32 (NaN: no
 * sample). A slot remembers the step it holds, so a slot left from a lap of the ring ago reads as empty.
 */
import { flatten, kindOf, type SeriesKind } from './series';

export interface TierSpec {
  stepMs: number;
  keepMs: number;
}

/** One tier of one topic. */
export interface TierRing {
  /** The step number (ts / stepMs, floored) each slot holds; NaN when it holds none. */
  steps: Float64Array;
  /** Samples of the topic in each slot: the weight of the running mean. */
  counts: Uint32Array;
  /** Per series, per slot. */
  value: Float32Array[];
  max: Float32Array[];
}

/** One series in one tier: its value and max per slot. */
export interface SeriesArrays {
  value: Float32Array;
  max: Float32Array;
}

export interface TopicHistory {
  paths: string[];
  kinds: SeriesKind[];
  index: Map<string, number>;
  tiers: TierRing[];
}

/** The agent was down from its last sample before a stop to its next start. */
export interface Restart {
  downFrom: number;
  upAt: number;
}

/** Restarts remembered: enough for a month of daily restarts, few enough to send with every answer. */
export const MAX_RESTARTS = 64;

/** Slots of a tier: its keep, plus the step being filled, so that `keep` ago is still there. */
export function slotsOf({ stepMs, keepMs }: TierSpec): number {
  return Math.ceil(keepMs / stepMs) + 1;
}

function emptyRing(slots: number, series: number): TierRing {
  const ring: TierRing = { steps: new Float64Array(slots).fill(NaN), counts: new Uint32Array(slots), value: [], max: [] };
  for (let i = 0; i < series; i++) {
    ring.value.push(new Float32Array(slots).fill(NaN));
    ring.max.push(new Float32Array(slots).fill(NaN));
  }
  return ring;
}

export class HistoryStore {
  readonly topics = new Map<string, TopicHistory>();
  readonly slots: readonly number[];
  restarts: Restart[] = [];
  /** The newest sample's time: where the gap starts if the agent stops now. */
  lastTs: number | undefined;
  /** Series refused at maxSeries, each counted once while remembered (the memory of them is bounded too). */
  droppedSeries = 0;
  private seriesCount = 0;
  private readonly refused = new Set<string>();

  constructor(
    readonly tiers: readonly TierSpec[],
    readonly maxSeries: number,
  ) {
    this.slots = tiers.map(slotsOf);
  }

  get series(): number {
    return this.seriesCount;
  }

  topic(name: string): TopicHistory {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { paths: [], kinds: [], index: new Map(), tiers: this.slots.map((slots) => emptyRing(slots, 0)) };
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** The series' index in its topic, made if there is room (of `arrays` of each tier, when read from a file); -1 if not. */
  seriesOf(topic: TopicHistory, topicName: string, path: string, kind?: SeriesKind, arrays?: (tier: number) => SeriesArrays): number {
    const known = topic.index.get(path);
    if (known !== undefined) return known;
    if (this.seriesCount >= this.maxSeries) {
      const key = `${topicName} ${path}`;
      if (!this.refused.has(key)) {
        if (this.refused.size >= this.maxSeries) this.refused.clear();
        this.refused.add(key);
        this.droppedSeries += 1;
      }
      return -1;
    }
    const index = topic.paths.length;
    topic.paths.push(path);
    topic.kinds.push(kind ?? kindOf(path));
    topic.index.set(path, index);
    topic.tiers.forEach((ring, t) => {
      const { value, max } = arrays?.(t) ?? { value: new Float32Array(this.slots[t]!).fill(NaN), max: new Float32Array(this.slots[t]!).fill(NaN) };
      ring.value.push(value);
      ring.max.push(max);
    });
    this.seriesCount += 1;
    return index;
  }

  /** Records one sample of a topic at `ts` (ms). A sample older than what its slot already holds is not kept there. */
  add(topicName: string, ts: number, payload: object): void {
    const topic = this.topic(topicName);
    // Per tier: the slot of this sample and its weight, or -1 where the slot has moved on to a later step.
    const slotIn: number[] = [];
    const weight: number[] = [];
    topic.tiers.forEach((ring, t) => {
      const step = Math.floor(ts / this.tiers[t]!.stepMs);
      const slot = step % this.slots[t]!;
      const held = ring.steps[slot]!;
      if (held > step) {
        slotIn.push(-1);
        weight.push(0);
        return;
      }
      if (held !== step) {
        ring.steps[slot] = step;
        ring.counts[slot] = 0;
        for (let i = 0; i < ring.value.length; i++) {
          ring.value[i]![slot] = NaN;
          ring.max[i]![slot] = NaN;
        }
      }
      ring.counts[slot]! += 1;
      slotIn.push(slot);
      weight.push(ring.counts[slot]!);
    });
    flatten(payload, (path, x) => {
      const i = this.seriesOf(topic, topicName, path);
      if (i < 0) return;
      const mean = topic.kinds[i] === 'mean';
      for (let t = 0; t < slotIn.length; t++) {
        const slot = slotIn[t]!;
        if (slot < 0) continue;
        const ring = topic.tiers[t]!;
        const value = ring.value[i]!;
        const old = value[slot]!;
        // A series absent from the step's earlier samples starts its mean at its first value.
        value[slot] = Number.isNaN(old) || !mean ? x : old + (x - old) / weight[t]!;
        const max = ring.max[i]!;
        if (!(max[slot]! >= x)) max[slot] = x;
      }
    });
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
  }

  /** The agent is up again at `upAt` after a stop: the gap since the last sample is kept, the oldest let go. */
  addRestart(upAt: number): void {
    if (this.lastTs === undefined || upAt <= this.lastTs) return;
    this.restarts = [...this.restarts, { downFrom: this.lastTs, upAt }].slice(-MAX_RESTARTS);
  }

  /** Bytes of the typed arrays: what the history costs, and nearly all of it. */
  bytes(): number {
    let bytes = 0;
    for (const topic of this.topics.values()) {
      for (const ring of topic.tiers) {
        bytes += ring.steps.byteLength + ring.counts.byteLength;
        for (const array of ring.value) bytes += array.byteLength;
        for (const array of ring.max) bytes += array.byteLength;
      }
    }
    return bytes;
  }
}
