/**
 * The store and its answers on a small made-up set of tiers: 1 s steps kept 5 s, 10 s steps kept 60 s. The expected
 * figures are worked out by hand from the samples each test writes.
 */
import { answerHistory, stepFor, tierFor, type HistoryRequest } from '../../agent/history/downsample';
import { HistoryStore, MAX_RESTARTS } from '../../agent/history/store';

const TIERS = [
  { stepMs: 1000, keepMs: 5000 },
  { stepMs: 10_000, keepMs: 60_000 },
];
const T0 = 1_700_000_000_000; // a multiple of 10 s

const ask = (store: HistoryStore, over: Partial<HistoryRequest>, now: number) =>
  answerHistory(store, { topics: ['cpu', 'load'], from: T0, to: now, maxPoints: 1500, ...over }, now);

/** A store with these samples: [topic, ms after T0, payload]. */
function storeOf(samples: [string, number, object][]): HistoryStore {
  const store = new HistoryStore(TIERS, 100);
  for (const [topic, at, payload] of samples) store.add(topic, T0 + at, payload);
  return store;
}

describe('one step', () => {
  it('keeps the mean and max of ratios and rates, the last and max of gauges', () => {
    const store = storeOf([
      ['cpu', 0, { usage: 0.2 }], ['cpu', 300, { usage: 0.5 }], ['cpu', 600, { usage: 0.8 }],
      ['load', 100, { load1: 1 }], ['load', 400, { load1: 3 }], ['load', 900, { load1: 2 }],
    ]);
    const answer = ask(store, { to: T0 + 999 }, T0 + 999);
    expect(answer).toMatchObject({ from: T0, to: T0 + 999, stepMs: 1000, tierStepMs: 1000, ts: [T0], restarts: [] });
    expect(answer.series.cpu!.usage).toEqual({ value: [0.5], max: [0.8] });
    expect(answer.series.load!.load1).toEqual({ value: [2], max: [3] });
  });

  it('starts a series that joins mid-step at its first value', () => {
    const store = new HistoryStore(TIERS, 100);
    store.add('disk', T0, { devices: [{ device: 'sda', busyRatio: 0.1 }] });
    store.add('disk', T0 + 500, { devices: [{ device: 'sda', busyRatio: 0.3 }, { device: 'sdb', busyRatio: 0.6 }] });
    const { series } = answerHistory(store, { topics: ['disk'], from: T0, to: T0 + 999, maxPoints: 10 }, T0 + 999);
    expect(series.disk).toEqual({ 'devices[sda].busyRatio': { value: [0.2], max: [0.3] }, 'devices[sdb].busyRatio': { value: [0.6], max: [0.6] } });
  });
});

describe('numbers sent', () => {
  it('to 6 significant digits of the series: the decimal written, not the Float32 kept', () => {
    expect(Math.fround(0.23)).not.toBe(0.23);
    const store = new HistoryStore(TIERS, 100);
    store.add('cpu', T0, { usage: 0.23 });
    store.add('cpu', T0 + 1000, { usage: 0.000123 });
    store.add('memory', T0, { usedBytes: 123_456_789_012 });
    const answer = answerHistory(store, { topics: ['cpu', 'memory'], from: T0, to: T0 + 1999, maxPoints: 10 }, T0 + 1999);
    expect(answer.series.cpu!.usage!.value).toEqual([0.23, 0.000123]);
    expect(answer.series.memory!.usedBytes!.value).toEqual([123_457_000_000, null]);
  });
});

describe('several steps', () => {
  // Steps 0..3 of the 1 s tier; step 2 has no sample.
  const filled = () =>
    storeOf([
      ['cpu', 0, { usage: 0.1 }], ['cpu', 500, { usage: 0.3 }], ['cpu', 1000, { usage: 0.6 }], ['cpu', 3000, { usage: 0.4 }],
      ['load', 200, { load1: 5 }], ['load', 1200, { load1: 4 }], ['load', 3200, { load1: 7 }],
    ]);

  it('answers null where a step has no sample', () => {
    const answer = ask(filled(), { to: T0 + 3999 }, T0 + 3999);
    expect(answer.ts).toEqual([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
    expect(answer.series.cpu!.usage).toEqual({ value: [0.2, 0.6, null, 0.4], max: [0.3, 0.6, null, 0.4] });
    expect(answer.series.load!.load1).toEqual({ value: [5, 4, null, 7], max: [5, 4, null, 7] });
  });

  it('merges slots into a longer step: mean of means, last, max', () => {
    const answer = ask(filled(), { to: T0 + 3999, stepMs: 2000 }, T0 + 3999);
    expect(answer).toMatchObject({ stepMs: 2000, tierStepMs: 1000, ts: [T0, T0 + 2000] });
    expect(answer.series.cpu!.usage!.value[0]).toBeCloseTo(0.4, 6); // (0.2 + 0.6) / 2
    expect(answer.series.cpu!.usage).toEqual({ value: [expect.any(Number), 0.4], max: [0.6, 0.4] });
    expect(answer.series.load!.load1).toEqual({ value: [4, 7], max: [5, 7] });
  });

  it('fills the coarser tier from the same samples, and reads it once the fine one no longer holds `from`', () => {
    const store = filled();
    const now = T0 + 30_000;
    expect(tierFor(store, T0, now)).toBe(1);
    const answer = ask(store, { to: now }, now);
    expect(answer).toMatchObject({ tierStepMs: 10_000, stepMs: 10_000, ts: [T0, T0 + 10_000, T0 + 20_000, T0 + 30_000] });
    // All seven samples fell in the first 10 s step: the mean of the four cpu samples, the last load.
    expect(answer.series.cpu!.usage!.value[0]).toBeCloseTo(0.35, 6);
    expect(answer.series.cpu!.usage!.max).toEqual([0.6, null, null, null]);
    expect(answer.series.load!.load1).toEqual({ value: [7, null, null, null], max: [7, null, null, null] });
  });

  it('leaves out a series with no sample in the range, and an unknown topic answers empty', () => {
    const store = filled();
    store.add('cpu', T0 + 4000, { usage: 0.5, steal: 0.1 });
    const answer = answerHistory(store, { topics: ['cpu', 'network'], from: T0, to: T0 + 3999, maxPoints: 10 }, T0 + 4000);
    expect(Object.keys(answer.series.cpu!)).toEqual(['usage']);
    expect(answer.series.network).toEqual({});
  });
});

describe('the ring', () => {
  it('lets a step go once its slot is taken a lap later, and reads it as empty', () => {
    const store = new HistoryStore(TIERS, 100);
    // The 1 s tier holds 5 s and the step being filled: 6 slots.
    store.add('load', T0, { load1: 1 });
    store.add('load', T0 + 6000, { load1: 2 });
    const answer = ask(store, { to: T0 + 6999 }, T0 + 6999);
    expect(answer.tierStepMs).toBe(1000);
    expect(answer.series.load!.load1!.value).toEqual([null, null, null, null, null, null, 2]);
  });

  it('keeps `keep` of steps behind the newest', () => {
    const store = new HistoryStore(TIERS, 100);
    for (let s = 0; s <= 5; s++) store.add('load', T0 + s * 1000, { load1: s });
    expect(ask(store, { to: T0 + 5999 }, T0 + 5999).series.load!.load1!.value).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('does not let a late sample of a step gone overwrite the newer step in its slot', () => {
    const store = new HistoryStore(TIERS, 100);
    store.add('load', T0 + 6000, { load1: 2 });
    store.add('load', T0, { load1: 9 });
    const answer = ask(store, { to: T0 + 6999 }, T0 + 6999);
    expect(answer.series.load!.load1!.value.at(-1)).toBe(2);
    expect(answer.series.load!.load1!.max.at(-1)).toBe(2);
  });
});

describe('steps and points', () => {
  it('never answers more than maxPoints, whatever the alignment of the range', () => {
    const store = new HistoryStore(TIERS, 100);
    for (const [span, maxPoints] of [[10_000, 3], [59_999, 7], [3_001, 2], [45_500, 9], [60_000, 6]] as const) {
      for (const offset of [0, 1, 499, 999, 9_999]) {
        const from = T0 + offset;
        const answer = answerHistory(store, { topics: ['load'], from, to: from + span, maxPoints }, from + span);
        expect(answer.ts.length).toBeLessThanOrEqual(maxPoints);
        expect(answer.stepMs % answer.tierStepMs).toBe(0);
        expect(answer.ts[0]).toBeLessThanOrEqual(from);
        expect(answer.ts.at(-1)! + answer.stepMs).toBeGreaterThan(from + span);
      }
    }
  });

  it('takes the longest of the tier step, the step asked (rounded up to the tier step) and the range / maxPoints', () => {
    const request = { topics: [], from: 0, to: 100_000, maxPoints: 1000 };
    expect(stepFor(1000, request)).toBe(1000);
    expect(stepFor(1000, { ...request, stepMs: 2500 })).toBe(3000);
    expect(stepFor(1000, { ...request, maxPoints: 30 })).toBe(4000);
    expect(stepFor(10_000, { ...request, stepMs: 500 })).toBe(10_000);
  });
});

describe('bounds', () => {
  it('drops series beyond maxSeries, counting each once', () => {
    const store = new HistoryStore(TIERS, 3);
    const payload = { devices: ['a', 'b', 'c', 'd', 'e'].map((device) => ({ device, busyRatio: 0.5 })) };
    store.add('disk', T0, payload);
    store.add('disk', T0 + 1000, payload);
    expect(store.series).toBe(3);
    expect(store.droppedSeries).toBe(2);
    const { series } = answerHistory(store, { topics: ['disk'], from: T0, to: T0 + 1999, maxPoints: 10 }, T0 + 1999);
    expect(Object.keys(series.disk!)).toEqual(['devices[a].busyRatio', 'devices[b].busyRatio', 'devices[c].busyRatio']);
  });

  it('counts its bytes: per tier and series a value and a max of 4 bytes per slot, plus each slot step (8) and count (4)', () => {
    const store = new HistoryStore(TIERS, 100);
    store.add('load', T0, { load1: 1, load5: 1 });
    const slots = [6, 7]; // keep / step, and the step being filled
    expect(store.bytes()).toBe(slots.reduce((sum, n) => sum + n * (8 + 4) + 2 * n * (4 + 4), 0));
  });

  it('keeps the restarts in the range, and at most MAX_RESTARTS of them', () => {
    const store = new HistoryStore(TIERS, 100);
    store.addRestart(T0); // nothing recorded yet: no gap to mark
    store.add('load', T0, { load1: 1 });
    store.addRestart(T0 + 2000);
    const answer = ask(store, { to: T0 + 3000 }, T0 + 3000);
    expect(answer.restarts).toEqual([{ downFrom: T0, upAt: T0 + 2000 }]);
    expect(ask(store, { from: T0 + 2500, to: T0 + 3000 }, T0 + 3000).restarts).toEqual([]);
    for (let i = 1; i <= MAX_RESTARTS + 5; i++) {
      store.add('load', T0 + i * 10_000, { load1: 1 });
      store.addRestart(T0 + i * 10_000 + 5000);
    }
    expect(store.restarts).toHaveLength(MAX_RESTARTS);
    expect(store.restarts.at(-1)).toEqual({ downFrom: T0 + (MAX_RESTARTS + 5) * 10_000, upAt: T0 + (MAX_RESTARTS + 5) * 10_000 + 5000 });
  });
});
