/**
 * GET /api/history as one endpoint in an express app: the contract of docs/history.md, every malformed query a 400
 * naming its parameter, gzip when asked, and the history's metrics.
 */
import request from 'supertest';
import { Registry } from 'prom-client';
import type { Feed } from '../../agent/feed';
import { historyAnswerSchema } from '../../agent/history-contract';
import { historyEndpoint } from '../../agent/history/endpoint';
import type { HistoryRecorder } from '../../agent/history/recorder';
import { HistoryStore } from '../../agent/history/store';
import { silentLogger } from '../../agent/logger';
import { createApp } from '../../agent/server';

const NOW = 1_700_000_000_000;
const TIERS = [
  { stepMs: 1000, keepMs: 900_000 },
  { stepMs: 60_000, keepMs: 86_400_000 },
];

function app(store = new HistoryStore(TIERS, 100), metrics?: Registry) {
  const recorder: HistoryRecorder = { store, writeErrors: 0, write: async () => undefined, close: () => undefined, stop: async () => undefined };
  // Enabled here: cpu, memory and load; disk is a topic of the agent this one does not sample.
  const feed = { topics: ['cpu', 'memory', 'load'] } as unknown as Feed;
  return createApp([historyEndpoint({ feed, metrics }, recorder, () => NOW)], silentLogger());
}

describe('GET /api/history', () => {
  it('answers the last hour of every enabled topic by default, per the contract', async () => {
    const store = new HistoryStore(TIERS, 100);
    store.add('cpu', NOW - 30_000, { usage: 0.5, cores: [{ cpu: '0', usage: 0.25 }] });
    store.add('load', NOW - 90_000, { load1: 2 });
    const res = await request(app(store)).get('/api/history').expect(200).expect('Content-Type', /json/).expect('Cache-Control', 'no-store');
    const answer = historyAnswerSchema.parse(res.body);
    expect(answer).toMatchObject({ from: NOW - 3_600_000, to: NOW, tierStepMs: 60_000, stepMs: 60_000 });
    expect(Object.keys(answer.series)).toEqual(['cpu', 'memory', 'load']);
    expect(answer.ts).toHaveLength(61);
    expect(answer.ts.every((ts, i) => ts === answer.ts[0]! + i * 60_000)).toBe(true);
    const at = (ts: number) => answer.ts.findIndex((start) => start <= ts && ts < start + 60_000);
    expect(answer.series.cpu!.usage!.value[at(NOW - 30_000)]).toBe(0.5);
    expect(answer.series.cpu!['cores[0].usage']!.max[at(NOW - 30_000)]).toBe(0.25);
    expect(answer.series.load!.load1!.value.filter((v) => v !== null)).toEqual([2]);
    expect(answer.series.memory).toEqual({});
  });

  it('reads the finest tier that holds `from`, at the step asked', async () => {
    const res = await request(app()).get(`/api/history?topics=cpu&from=${NOW - 60_000}&to=${NOW}&step=5`).expect(200);
    expect(res.body).toMatchObject({ tierStepMs: 1000, stepMs: 5000, series: { cpu: {} } });
    expect(res.body.ts).toHaveLength(13);
  });

  it('keeps to maxPoints', async () => {
    // 600 s in 100 points: 6 s steps, unless the range straddles a 101st (then 7 s).
    const res = await request(app()).get(`/api/history?from=${NOW - 600_000}&maxPoints=100`).expect(200);
    expect([6000, 7000]).toContain(res.body.stepMs);
    expect(res.body.ts.length).toBeLessThanOrEqual(100);
    expect(res.body.ts.at(-1) + res.body.stepMs).toBeGreaterThan(NOW);
  });

  it('gzips for a client that takes it, and only then', async () => {
    const zipped = await request(app()).get('/api/history').set('Accept-Encoding', 'gzip').expect(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(historyAnswerSchema.safeParse(zipped.body).success).toBe(true);
    const plain = await request(app()).get('/api/history').set('Accept-Encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  const BAD: [string, string][] = [
    [`from=${NOW - 1000}&to=${NOW - 2000}`, 'from'],
    [`from=${NOW - 1000}&to=${NOW - 1000}`, 'from'],
    [`from=${NOW + 60_000}&to=${NOW + 120_000}`, 'from'],
    ['from=yesterday', 'from'],
    ['from=-5', 'from'],
    ['from=1e12', 'from'],
    ['to=soon', 'to'],
    ['to=', 'to'],
    ['topics=gpu', 'topics'],
    ['topics=disk', 'topics'],
    ['topics=', 'topics'],
    ['step=0', 'step'],
    ['step=-10', 'step'],
    ['step=ten', 'step'],
    ['step=', 'step'],
    ['step=Infinity', 'step'],
    ['maxPoints=0', 'maxPoints'],
    ['maxPoints=10001', 'maxPoints'],
    ['maxPoints=12.5', 'maxPoints'],
    ['maxPoints=lots', 'maxPoints'],
    ['maxpoints=10', 'maxpoints'],
    ['callback=x', 'callback'],
    ['step=5&step=10', 'step'],
  ];

  it.each(BAD)('?%s: 400 naming %s', async (query, parameter) => {
    const res = await request(app()).get(`/api/history?${query}`).expect(400).expect('Content-Type', /json/);
    expect(res.body.error).toContain(parameter);
  });

  it('serves its metrics in the registry it is given', async () => {
    const metrics = new Registry();
    const store = new HistoryStore(TIERS, 1);
    store.add('load', NOW, { load1: 1, load5: 1 });
    app(store, metrics);
    const text = await metrics.metrics();
    expect(text).toContain(`hostfeed_history_bytes ${store.bytes()}`);
    expect(text).toContain('hostfeed_history_series 1');
    expect(text).toContain('hostfeed_history_dropped_series_total 1');
    expect(text).toContain('hostfeed_history_write_errors_total 0');
  });
});
