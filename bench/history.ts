/**
 * The history (agent/history) on a synthetic host: a day of samples, then GET /api/history's work for a 24-hour view
 * of every topic at 1,500 points, timed in parts: the store's answer, its JSON, and gzip. The store's bytes at the
 * default tiers are what hostfeed_history_bytes reports and what the README states.
 */
import { gzipSync, constants } from 'node:zlib';
import { CPU_MODES } from '../agent/events';
import { DEFAULT_TIERS } from '../agent/history/config';
import { answerHistory } from '../agent/history/downsample';
import { HistoryStore, type TierSpec } from '../agent/history/store';
import { parseDuration } from '../agent/duration';

export interface SyntheticHost {
  cores: number;
  filesystems: number;
  disks: number;
  interfaces: number;
}

/** The host: 64 cores, 10 filesystems, 10 disks, 10 interfaces. */
export const BIG_HOST: SyntheticHost = { cores: 64, filesystems: 10, disks: 10, interfaces: 10 };
export const TARGET_BYTES = 16 * 2 ** 20;
export const TARGET_QUERY_MS = 20;

const DAY_MS = 86_400_000;
const TIERS: TierSpec[] = DEFAULT_TIERS.map(({ step, keep }) => ({ stepMs: parseDuration(step)!, keepMs: parseDuration(keep)! }));

/** Payloads of each topic as the collectors make them (agent/events.ts), network and pressure and cpu's /proc/stat rates as main has them. */
function payloads(host: SyntheticHost, i: number): Record<string, object> {
  const wave = (k: number) => 0.5 + 0.4 * Math.sin(i / 50 + k);
  return {
    cpu: {
      usage: wave(0),
      modes: Object.fromEntries(CPU_MODES.map((mode, k) => [mode, wave(k) / CPU_MODES.length])),
      cores: Array.from({ length: host.cores }, (_, k) => ({ cpu: String(k), usage: wave(k) })),
      contextSwitchesPerSecond: 1e5 * wave(1), forksPerSecond: 50 * wave(2), interruptsPerSecond: 1e5 * wave(3), procsRunning: 3, procsBlocked: 0,
    },
    memory: Object.fromEntries(['total', 'available', 'used', 'free', 'buffers', 'cached', 'swapTotal', 'swapFree', 'swapUsed'].map((name, k) => [`${name}Bytes`, 2 ** 34 * wave(k)]).concat([['usedRatio', wave(9)]])),
    disk: {
      filesystems: Array.from({ length: host.filesystems }, (_, k) => ({
        mountpoint: `/mnt/fs${k}`, device: `/dev/fs${k}`, fstype: 'ext4', readonly: false,
        sizeBytes: 2 ** 40, freeBytes: 2 ** 39 * wave(k), availBytes: 2 ** 39 * wave(k), usedBytes: 2 ** 39, usedRatio: wave(k), files: 1e7, filesFree: 5e6 * wave(k),
      })),
      devices: Array.from({ length: host.disks }, (_, k) => ({
        device: `nvme${k}n1`, readBytesPerSecond: 1e8 * wave(k), writeBytesPerSecond: 5e7 * wave(k), readsPerSecond: 1e3 * wave(k), writesPerSecond: 500 * wave(k), ioNow: k % 3, busyRatio: wave(k),
      })),
    },
    load: { load1: 8 * wave(1), load5: 8 * wave(2), load15: 8 * wave(3) },
    network: {
      interfaces: Array.from({ length: host.interfaces }, (_, k) => ({
        device: `eth${k}`, up: true, operstate: 'up', speedBytesPerSecond: 1.25e9,
        ...Object.fromEntries(['receiveBytes', 'transmitBytes', 'receivePackets', 'transmitPackets', 'receiveErrors', 'transmitErrors', 'receiveDrops', 'transmitDrops'].map((name, j) => [`${name}PerSecond`, 1e6 * wave(j + k)])),
      })),
    },
    pressure: { cpu: { some: wave(1) / 10, full: 0 }, memory: { some: 0, full: 0 }, io: { some: wave(2) / 5, full: wave(3) / 10 }, irq: { full: 0 } },
  };
}

/**
 * A day ending at `now`: a sample of every topic every 5 s (more than the 15 s an unwatched agent takes, so that
 * every slot of the 10 s and coarser tiers is filled), and every second in the last 15 minutes (a viewer open).
 */
export function fillDay(host: SyntheticHost, now: number): HistoryStore {
  const store = new HistoryStore(TIERS, 2000);
  let i = 0;
  for (let ts = now - DAY_MS; ts <= now; ts += now - ts > 900_000 ? 5000 : 1000) {
    for (const [topic, payload] of Object.entries(payloads(host, i++))) store.add(topic, ts, payload);
  }
  return store;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface HistoryBench {
  series: number;
  bytes: number;
  bytesTwoCores: number;
  fillSeconds: number;
  answerMs: number;
  answerMinMs: number;
  jsonMs: number;
  gzipMs: number;
  jsonBytes: number;
  gzipBytes: number;
  points: number;
}

export function benchHistory(runs = 21): HistoryBench {
  const now = Date.now();
  const started = performance.now();
  const store = fillDay(BIG_HOST, now);
  const fillSeconds = (performance.now() - started) / 1000;
  const request = { topics: [...store.topics.keys()], from: now - DAY_MS, to: now, maxPoints: 1500 };
  const answer = [];
  const json = [];
  const zip = [];
  let body = '';
  let zipped = Buffer.alloc(0);
  let points = 0;
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const result = answerHistory(store, request, now);
    const t1 = performance.now();
    body = JSON.stringify(result);
    const t2 = performance.now();
    zipped = gzipSync(body, { level: constants.Z_BEST_SPEED });
    const t3 = performance.now();
    answer.push(t1 - t0);
    json.push(t2 - t1);
    zip.push(t3 - t2);
    points = result.ts.length;
  }
  const small = fillDay({ ...BIG_HOST, cores: 2 }, now);
  return {
    series: store.series,
    bytes: store.bytes(),
    bytesTwoCores: small.bytes(),
    fillSeconds,
    answerMs: median(answer),
    answerMinMs: Math.min(...answer),
    jsonMs: median(json),
    gzipMs: median(zip),
    jsonBytes: body.length,
    gzipBytes: zipped.length,
    points,
  };
}

export function historyReport(b: HistoryBench, mark: (ok: boolean) => string): string {
  const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
  return [
    `history: a synthetic host (64 cores, 10 filesystems, 10 disks, 10 interfaces), a day of samples (filled in ${b.fillSeconds.toFixed(1)} s), default tiers`,
    `  store    ${b.series} series, ${MiB(b.bytes)} MiB (target < 16 MiB: ${mark(b.bytes < TARGET_BYTES)}); 2 cores: ${MiB(b.bytesTwoCores)} MiB`,
    `  24 h of every topic at 1500 points (${b.points} steps), median of 21:`,
    `    answer ${b.answerMs.toFixed(2)} ms (fastest ${b.answerMinMs.toFixed(2)}; target < ${TARGET_QUERY_MS} ms: ${mark(b.answerMs < TARGET_QUERY_MS)})   JSON ${b.jsonMs.toFixed(2)} ms (${(b.jsonBytes / 1e6).toFixed(2)} MB)   gzip ${b.gzipMs.toFixed(2)} ms (${(b.gzipBytes / 1e6).toFixed(2)} MB)`,
  ].join('\n');
}
