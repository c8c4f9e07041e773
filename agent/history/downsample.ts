/**
 * An answer of GET /api/history from the store: the finest tier that still holds `from`, its steps merged into steps
 * of at most maxPoints per series. Merged, a mean keeps the mean of its steps' means, a gauge its last value, and the
 * max the max: a one-second spike still shows in a month's view.
 */
import type { HistoryAnswer, HistorySeries } from '../history-contract';
import type { HistoryStore, TopicHistory } from './store';

export interface HistoryRequest {
  topics: readonly string[];
  from: number;
  to: number;
  /** The step asked for, ms; the answer's may be longer. */
  stepMs?: number;
  maxPoints: number;
}

/**
 * The finest tier whose ring still holds the step of `from`, less one step: a client whose clock is behind the
 * agent's asks for `keep` ago a moment early, and gets the tier it meant with its first step empty. Else the coarsest.
 */
export function tierFor(store: HistoryStore, from: number, now: number): number {
  const index = store.tiers.findIndex(({ stepMs }, t) => Math.floor(from / stepMs) >= Math.floor(now / stepMs) - store.slots[t]!);
  return index < 0 ? store.tiers.length - 1 : index;
}

const ceilTo = (ms: number, unit: number) => Math.max(unit, Math.ceil(ms / unit) * unit);

/** The answer's step: the longest of the tier's, the one asked for, and the one that keeps to maxPoints. */
export function stepFor(tierStepMs: number, { from, to, stepMs = 0, maxPoints }: HistoryRequest): number {
  let step = Math.max(ceilTo(stepMs, tierStepMs), ceilTo((to - from) / maxPoints, tierStepMs));
  // Steps are aligned to multiples of the step, so the range may straddle one more than (to - from) / step.
  if (Math.floor(to / step) - Math.floor(from / step) + 1 > maxPoints) step = ceilTo((to - from) / (maxPoints - 1), tierStepMs);
  return step;
}

/** Significant digits sent, of the series' largest value: more than a chart shows, fewer than a Float32 holds. */
const DIGITS = 6;

/**
 * Rounding to DIGITS significant digits of `largest`: 0.23 rather than 0.23000000417232513, a shorter JSON for nothing
 * a chart could show. One scale per series, so that a day of a series costs a multiplication per value: below 10^DIGITS
 * Math.round(x * scale) / scale (dividing by an exact power of ten gives the short decimal), above it
 * Math.round(x / unit) * unit (an exact integer).
 */
function rounding(largest: number): { scale: number; unit: number } {
  if (!(largest > 0) || !Number.isFinite(largest)) return { scale: 1, unit: 0 };
  const exponent = DIGITS - 1 - Math.floor(Math.log10(largest));
  return exponent >= 0 ? { scale: 10 ** exponent, unit: 0 } : { scale: 1, unit: 10 ** -exponent };
}

/**
 * The slots of the topic's ring that hold a step of the answer, oldest step first, and the point each belongs to.
 * Walking the ring rather than the range bounds the work by the ring's size, however wide the range asked for.
 */
function slotsIn(topic: TopicHistory, tier: number, firstStep: number, endStep: number, perPoint: number): { slots: number[]; points: Int32Array } {
  const held = topic.tiers[tier]!.steps;
  const slots: number[] = [];
  const points = new Int32Array(held.length);
  for (let slot = 0; slot < held.length; slot++) {
    const step = held[slot]!;
    if (step >= firstStep && step < endStep) {
      slots.push(slot);
      points[slot] = Math.floor((step - firstStep) / perPoint);
    }
  }
  slots.sort((a, b) => held[a]! - held[b]!);
  return { slots, points };
}

function topicSeries(topic: TopicHistory, tier: number, within: ReturnType<typeof slotsIn>, count: number): Record<string, HistorySeries> {
  const ring = topic.tiers[tier]!;
  const out: Record<string, HistorySeries> = {};
  const sum = new Float64Array(count);
  const n = new Uint32Array(count);
  const last = new Float64Array(count);
  const top = new Float64Array(count);
  topic.paths.forEach((path, i) => {
    const values = ring.value[i]!;
    const maxes = ring.max[i]!;
    sum.fill(0);
    n.fill(0);
    top.fill(-Infinity);
    // The largest magnitude of the series' samples (a mean or last is never beyond its step's samples) sets its rounding.
    let largest = -1;
    const { slots, points } = within;
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j]!;
      const v = values[slot]!;
      if (Number.isNaN(v)) continue;
      const p = points[slot]!;
      const m = maxes[slot]!;
      sum[p] += v;
      n[p] += 1;
      last[p] = v;
      if (m > top[p]!) top[p] = m;
      const size = Math.max(Math.abs(v), Math.abs(m));
      if (size > largest) largest = size;
    }
    // A series with no sample in the range (a mount gone since) is left out rather than sent as nulls.
    if (largest < 0) return;
    const mean = topic.kinds[i] === 'mean';
    const { scale, unit } = rounding(largest);
    const value: (number | null)[] = new Array(count);
    const max: (number | null)[] = new Array(count);
    for (let p = 0; p < count; p++) {
      const k = n[p]!;
      if (k === 0) {
        value[p] = null;
        max[p] = null;
        continue;
      }
      const x = mean ? sum[p]! / k : last[p]!;
      value[p] = unit ? Math.round(x / unit) * unit : Math.round(x * scale) / scale;
      max[p] = unit ? Math.round(top[p]! / unit) * unit : Math.round(top[p]! * scale) / scale;
    }
    out[path] = { value, max };
  });
  return out;
}

export function answerHistory(store: HistoryStore, request: HistoryRequest, now: number): HistoryAnswer {
  const { from, to, topics } = request;
  const tier = tierFor(store, from, now);
  const tierStepMs = store.tiers[tier]!.stepMs;
  const stepMs = stepFor(tierStepMs, request);
  const first = Math.floor(from / stepMs);
  const points = Math.floor(to / stepMs) - first + 1;
  const perPoint = stepMs / tierStepMs;
  const ts = Array.from({ length: points }, (_, p) => (first + p) * stepMs);
  const series: Record<string, Record<string, HistorySeries>> = {};
  for (const name of topics) {
    const topic = store.topics.get(name);
    series[name] = topic ? topicSeries(topic, tier, slotsIn(topic, tier, first * perPoint, (first + points) * perPoint, perPoint), points) : {};
  }
  const restarts = store.restarts.filter(({ downFrom, upAt }) => upAt >= from && downFrom <= to);
  return { from, to, stepMs, tierStepMs, ts, series, restarts };
}
