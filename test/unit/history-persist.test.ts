/**
 * The history file: what is written reads back the same; anything else is set aside with one warning and an empty
 * history, never an exception; a write that cannot be made is counted and logged, and the recorder goes on.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeed, type Feed } from '../../agent/feed';
import { createLoadCollector } from '../../agent/collectors/load';
import { answerHistory } from '../../agent/history/downsample';
import { historyParts, historyPath, loadHistory, writeHistoryFile } from '../../agent/history/persist';
import { startRecorder, tierSpecs } from '../../agent/history/recorder';
import { historyConfigSchema } from '../../agent/history/config';
import { HistoryStore } from '../../agent/history/store';
import { createFakeSource } from '../helpers/fake-source';
import { capturingLogger } from '../helpers/logs';

const TIERS = [
  { stepMs: 1000, keepMs: 10_000 },
  { stepMs: 60_000, keepMs: 3_600_000 },
];
const T0 = 1_700_000_000_000;
const HOST = 'web-1';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'history-test-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sampleStore(): HistoryStore {
  const store = new HistoryStore(TIERS, 100);
  for (let s = 0; s < 12; s++) {
    store.add('cpu', T0 + s * 1000, { usage: s / 20, modes: { user: s / 40 }, cores: [{ cpu: '0', usage: s / 30 }] });
    store.add('disk', T0 + s * 1000 + 500, { filesystems: [{ mountpoint: '/', freeBytes: 1e9 - s * 4096, usedRatio: 0.25 }] });
  }
  store.addRestart(T0 + 20_000);
  return store;
}

const everything = (store: HistoryStore, tier: 'fine' | 'coarse') => {
  const now = T0 + 12_000;
  return answerHistory(store, { topics: ['cpu', 'disk'], from: tier === 'fine' ? T0 + 2000 : T0 - 60_000, to: now, maxPoints: 1000 }, now);
};

describe('writing and reading back', () => {
  it('reads back what was written, every tier, series, restart and the last sample time', async () => {
    const store = sampleStore();
    const file = join(dir, 'state', 'history.bin');
    await writeHistoryFile(file, historyParts(store, HOST));
    const { store: read, setAside } = loadHistory(file, HOST, TIERS, 100);
    expect(setAside).toBeUndefined();
    expect(everything(read, 'fine')).toEqual(everything(store, 'fine'));
    expect(everything(read, 'coarse')).toEqual(everything(store, 'coarse'));
    expect(everything(read, 'fine').series.cpu!['cores[0].usage']!.value.filter((v) => v !== null)).toHaveLength(10);
    expect(read.restarts).toEqual(store.restarts);
    expect(read.lastTs).toBe(T0 + 11_500);
    expect(read.bytes()).toBe(store.bytes());
    // Nothing but the file is left in its directory: the temporary file was renamed onto it.
    expect(readdirSync(join(dir, 'state'))).toEqual(['history.bin']);
  });

  it('replaces the old file whole', async () => {
    const file = join(dir, 'history.bin');
    await writeHistoryFile(file, historyParts(new HistoryStore(TIERS, 100), HOST));
    await writeHistoryFile(file, historyParts(sampleStore(), HOST));
    expect(everything(loadHistory(file, HOST, TIERS, 100).store, 'fine')).toEqual(everything(sampleStore(), 'fine'));
  });

  it('leaves the old file as it was, and no temporary file, when a write fails half-way', async () => {
    const file = join(dir, 'history.bin');
    await writeHistoryFile(file, historyParts(sampleStore(), HOST));
    const old = readFileSync(file);
    // A part that cannot be written, after one that was: the failure comes with bytes already in the temporary file.
    const failing = [Buffer.from('partial'), { byteLength: 10 } as Uint8Array];
    await expect(writeHistoryFile(file, failing)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['history.bin']);
    expect(readFileSync(file)).toEqual(old);
  });

  it('starts empty, without a word, where there is no file yet', () => {
    const { store, setAside } = loadHistory(join(dir, 'none.bin'), HOST, TIERS, 100);
    expect(setAside).toBeUndefined();
    expect(store.series).toBe(0);
  });

  it('reads a file of format version 1, which ends in the SHA-256 of the rest (files of agents before CRC-32)', () => {
    const file = join(dir, 'history.bin');
    const current = Buffer.concat(historyParts(sampleStore(), HOST));
    expect(current.readUInt32LE(8)).toBe(2);
    // Version 2 ends in a 4-byte checksum; version 1 in SHA-256 (FIPS 180-4) of everything before it.
    const body = Buffer.from(current.subarray(0, current.length - 4));
    body.writeUInt32LE(1, 8);
    writeFileSync(file, Buffer.concat([body, createHash('sha256').update(body).digest()]));
    const { store, setAside } = loadHistory(file, HOST, TIERS, 100);
    expect(setAside).toBeUndefined();
    expect(everything(store, 'fine')).toEqual(everything(sampleStore(), 'fine'));
  });

  it('keeps at most maxSeries of a file written with more', async () => {
    const file = join(dir, 'history.bin');
    await writeHistoryFile(file, historyParts(sampleStore(), HOST));
    expect(loadHistory(file, HOST, TIERS, 2).store.series).toBe(2);
  });
});

describe('a file that cannot be used', () => {
  const cases: [string, (bytes: Buffer) => Buffer, { host?: string; tiers?: typeof TIERS }, RegExp][] = [
    ['truncated', (bytes) => bytes.subarray(0, bytes.length - 1000), {}, /truncated or damaged/],
    ['cut in its prefix', (bytes) => bytes.subarray(0, 10), {}, /not a hostfeed history file/],
    ['damaged in the middle', (bytes) => Buffer.from(bytes).fill(0x7f, bytes.length / 2, bytes.length / 2 + 8), {}, /truncated or damaged/],
    ['of another host', (bytes) => bytes, { host: 'web-2' }, /written on host "web-1"/],
    ['of other tiers', (bytes) => bytes, { tiers: [TIERS[0]!] }, /other history.tiers/],
    ['of a format version to come', (bytes) => { const copy = Buffer.from(bytes); copy.writeUInt32LE(99, 8); return copy; }, {}, /format version 99, this agent reads 1 and 2/],
    ['of version 1 but ending in a CRC-32', (bytes) => { const copy = Buffer.from(bytes); copy.writeUInt32LE(1, 8); return copy; }, {}, /truncated or damaged/],
    ['not one at all', () => Buffer.from('{"json": true}\n'), {}, /not a hostfeed history file/],
  ];

  it.each(cases)('%s: is set aside as .bad and the history starts empty', async (_, spoil, { host = HOST, tiers = TIERS }, reason) => {
    const file = join(dir, 'history.bin');
    writeFileSync(file, spoil(Buffer.concat(historyParts(sampleStore(), HOST))));
    const spoiled = readFileSync(file);
    const { store, setAside } = loadHistory(file, host, tiers, 100);
    expect(setAside).toMatch(reason);
    expect(store.series).toBe(0);
    expect(readdirSync(dir)).toEqual(['history.bin.bad']);
    expect(readFileSync(`${file}.bad`)).toEqual(spoiled);
  });
});

describe('where the file goes', () => {
  it('history.file if set, else the first StateDirectory, else ./.hostfeed', () => {
    expect(historyPath('/data/h.bin', { STATE_DIRECTORY: '/var/lib/hostfeed' })).toBe('/data/h.bin');
    expect(historyPath(undefined, { STATE_DIRECTORY: '/var/lib/hostfeed:/var/lib/other' })).toBe('/var/lib/hostfeed/history.bin');
    expect(historyPath(undefined, {})).toBe(join('.hostfeed', 'history.bin'));
  });
});

describe('the recorder', () => {
  let feed: Feed;
  beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate'] }));
  afterEach(() => {
    feed?.stop();
    jest.useRealTimers();
  });

  const config = (over: Record<string, unknown> = {}) => historyConfigSchema.parse({ sampleInterval: '15s', writeInterval: '1m', ...over });

  it('samples each topic once per sampleInterval, and writes the file once writeInterval has passed', async () => {
    const fake = createFakeSource();
    feed = createFeed([{ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 }], { freshnessMs: 500, idleGraceMs: 1000 });
    const file = join(dir, 'history.bin');
    const recorder = startRecorder({ config: config(), file, feed, host: HOST, logger: capturingLogger().logger });
    await jest.advanceTimersByTimeAsync(45_000);
    expect(fake.reads.load).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
    await jest.advanceTimersByTimeAsync(15_000);
    await recorder.write(); // the write the tick began, and one more after it
    const { store } = loadHistory(file, HOST, recorder.store.tiers, 100);
    expect(store.series).toBe(3); // load1, load5, load15
    recorder.close();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(fake.reads.load).toBe(4);
  });

  it("reads nothing on a tick when a sample came since the last one (a scrape's), and records that sample", async () => {
    const fake = createFakeSource();
    feed = createFeed([{ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 }], { freshnessMs: 500, idleGraceMs: 1000 });
    const recorder = startRecorder({ config: config(), file: join(dir, 'history.bin'), feed, host: HOST, logger: capturingLogger().logger });
    await jest.advanceTimersByTimeAsync(15_000);
    expect(fake.reads.load).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000);
    await feed.read('load'); // a scrape, 5 s after the tick
    await jest.advanceTimersByTimeAsync(10_000);
    expect(fake.reads.load).toBe(2);
    const now = T0 + 30_000;
    const { series } = answerHistory(recorder.store, { topics: ['load'], from: T0, to: now, maxPoints: 100 }, now);
    expect(series.load!.load1!.value.filter((v) => v !== null)).toHaveLength(2);
    recorder.close();
  });

  it('scrapes at the interval keep it from reading at all, whatever their phase; it reads again once they stop', async () => {
    const fake = createFakeSource();
    feed = createFeed([{ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 }], { freshnessMs: 500, idleGraceMs: 1000 });
    const recorder = startRecorder({ config: config(), file: join(dir, 'history.bin'), feed, host: HOST, logger: capturingLogger().logger });
    await jest.advanceTimersByTimeAsync(15_000);
    expect(fake.reads.load).toBe(1); // nobody asked: its own read
    // A Prometheus scraping every 15 s, 700 ms after that read: past the feed's 500 ms freshness, so each scrape reads.
    for (let scrape = 0; scrape < 4; scrape++) {
      await jest.advanceTimersByTimeAsync(scrape === 0 ? 700 : 15_000);
      await feed.read('load');
    }
    // The 4 scrapes' reads and none of the recorder's own (at 30, 45 and 60 s the last scrape was under 15 s old).
    expect(fake.reads.load).toBe(1 + 4);
    await jest.advanceTimersByTimeAsync(15_000);
    expect(fake.reads.load).toBe(6); // the scrapes stopped: 15 s after the last one, its own read again
    recorder.close();
  });

  it('counts a write that fails and logs it once per period, and keeps recording', async () => {
    const fake = createFakeSource();
    feed = createFeed([{ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 }], { freshnessMs: 500, idleGraceMs: 1000 });
    writeFileSync(join(dir, 'not-a-dir'), '');
    const { logger, lines } = capturingLogger();
    // Under a regular file: no directory can be made there, whoever runs the test (root too).
    const recorder = startRecorder({ config: config(), file: join(dir, 'not-a-dir', 'history.bin'), feed, host: HOST, logger });
    await recorder.write();
    await recorder.write();
    expect(recorder.writeErrors).toBe(2);
    expect(lines.filter((line) => /cannot write the history file/.test(line.msg))).toHaveLength(1);
    await feed.sample('load', 0);
    expect(recorder.store.series).toBe(3);
    recorder.close();
  });

  it('warns once, naming the reason, when it sets a file aside, and marks the restart of a good one', async () => {
    const fake = createFakeSource();
    feed = createFeed([{ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 }], { freshnessMs: 500, idleGraceMs: 1000 });
    const file = join(dir, 'history.bin');
    writeFileSync(file, 'garbage');
    const { logger, lines } = capturingLogger();
    startRecorder({ config: config(), file, feed, host: HOST, logger }).close();
    expect(lines.map((line) => line.msg)).toEqual(['history file set aside, starting with an empty history: not a hostfeed history file']);

    const before = new HistoryStore(tierSpecs(config()), 2000);
    before.add('load', T0 - 5000, { load1: 1 });
    await writeHistoryFile(file, historyParts(before, HOST));
    const recorder = startRecorder({ config: config(), file, feed, host: HOST, logger });
    recorder.close();
    expect(recorder.store.restarts).toEqual([{ downFrom: T0 - 5000, upAt: T0 }]);
    expect(lines).toHaveLength(1);
  });
});
