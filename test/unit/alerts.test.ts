/**
 * The alert engine on synthetic series, with the samples' own times as the clock (no wall-clock wait): each rule
 * against the PromQL it stands for, worked out in closed form here, and Prometheus' life cycle and `for` semantics.
 * Summaries and descriptions are compared with the node-mixin's text (docs/node-mixin/alerts/alerts.libsonnet).
 */
import { Subject } from 'rxjs';
import { createAlertEngine, alertCounts, type AlertEngine } from '../../agent/alerts/engine';
import { customRules } from '../../agent/alerts/custom';
import { mixinRules } from '../../agent/alerts/mixin';
import { MAX_POINTS, predictLinear, rate, SeriesWindow, type Point } from '../../agent/alerts/series';
import { parseConfig } from '../../agent/config';
import { alertEventSchema, CPU_MODES, type AlertEvent, type CpuMode, type Filesystem } from '../../agent/events';
import type { AnySample, FeedItem, Sample } from '../../agent/samples';

const GiB = 2 ** 30;
const HOUR = 3_600_000;

/** An engine over the rules of `alerts` config, fed by hand; `changes` collects every alert event. */
function engineWith(alerts: Record<string, unknown> = {}, cpus = 2): { feed: Subject<FeedItem>; engine: AlertEngine; changes: AlertEvent[] } {
  const config = parseConfig({ alerts }, 'test').alerts;
  const feed = new Subject<FeedItem>();
  const rules = [...mixinRules(config.rules, { cpuCount: () => cpus }), ...customRules(config.custom)];
  const engine = createAlertEngine(rules, feed, { instance: 'web-1:9780', ...config.labels });
  const changes: AlertEvent[] = [];
  engine.items$.subscribe((item) => changes.push(alertEventSchema.parse(item.data)));
  return { feed, engine, changes };
}

/** Only the named rules on (the others would match the synthetic figures too). */
function only(...names: string[]): Record<string, unknown> {
  const all = [
    'NodeFilesystemSpaceFillingUp', 'NodeFilesystemAlmostOutOfSpace', 'NodeFilesystemFilesFillingUp', 'NodeFilesystemAlmostOutOfFiles',
    'NodeNetworkReceiveErrs', 'NodeNetworkTransmitErrs', 'NodeCPUHighUsage', 'NodeSystemSaturation', 'NodeMemoryHighUtilization', 'NodeDiskIOSaturation',
  ];
  return Object.fromEntries(all.map((name) => [name, { enabled: names.includes(name) }]));
}

function filesystem(availBytes: number, overrides: Partial<Filesystem> = {}): Filesystem {
  const sizeBytes = 100 * GiB;
  return {
    mountpoint: '/', device: '/dev/sda1', fstype: 'ext4', readonly: false,
    sizeBytes, freeBytes: availBytes, availBytes, usedBytes: sizeBytes - availBytes, usedRatio: 1 - availBytes / sizeBytes,
    files: 1_000_000, filesFree: 800_000, ...overrides,
  };
}

function diskSample(ts: number, filesystems: Filesystem[], ioWeightedSeconds = 0): Sample<'disk'> {
  const device = {
    major: 8, minor: 0, device: 'sda', readsCompleted: 0, readsMerged: 0, sectorsRead: 0, readTimeMs: 0, writesCompleted: 0, writesMerged: 0,
    sectorsWritten: 0, writeTimeMs: 0, ioNow: 0, ioTimeMs: 0, ioWeightedTimeMs: ioWeightedSeconds * 1000,
  };
  return { topic: 'disk', data: { ts, filesystems, devices: [] }, raw: { mounts: [], devices: [device] } };
}

function memorySample(ts: number, usedRatio: number): Sample<'memory'> {
  const totalBytes = 8 * GiB;
  const usedBytes = usedRatio * totalBytes;
  return {
    topic: 'memory',
    data: { ts, totalBytes, availableBytes: totalBytes - usedBytes, usedBytes, usedRatio, freeBytes: 0, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0, swapUsedBytes: 0 },
    raw: {},
  };
}

/** Two CPUs whose counters have grown for `seconds` at `busy` CPU-seconds per second in non-idle modes each. */
function cpuSample(ts: number, seconds: number, busy: number): Sample<'cpu'> {
  const cpu = (name: string) => {
    const counters = Object.fromEntries(CPU_MODES.map((mode) => [mode, 1000])) as Record<CpuMode, number>;
    counters.user += seconds * busy * 0.7;
    counters.system += seconds * busy * 0.3;
    counters.idle += seconds * (1 - busy) * 0.9;
    counters.iowait += seconds * (1 - busy) * 0.1;
    return { cpu: name, seconds: counters, guestSeconds: { user: 0, nice: 0 } };
  };
  return {
    topic: 'cpu',
    data: { ts, usage: busy, modes: { user: busy * 0.7, system: busy * 0.3, idle: (1 - busy) * 0.9 }, cores: [] },
    raw: { kind: 'counters', cpus: [cpu('0'), cpu('1')] },
  };
}

const states = (changes: AlertEvent[]) => changes.map((change) => `${change.name}/${change.severity}:${change.state}@${change.ts}`);

describe('PromQL functions over the windows', () => {
  it('rate of a counter growing 3 per second, sampled each second, is 3 (extrapolated to the whole range)', () => {
    const points: Point[] = Array.from({ length: 120 }, (_, i) => ({ ts: 1000 + i * 1000, value: 500 + 3 * i }));
    expect(rate(points, 120_000, 120_000)).toBeCloseTo(3, 10);
  });

  it('rate counts a counter reset as the counter starting again from zero', () => {
    // 10, 20, 30, then reset to 5, 15: increase 20 + 5 + 10 = 35 over 4 s sampled, extrapolated by half a gap at the start.
    const points: Point[] = [10, 20, 30, 5, 15].map((value, i) => ({ ts: 10_000 + i * 1000, value }));
    const sampled = 4;
    const expected = (35 * ((sampled + 0.5) / sampled)) / 60;
    expect(rate(points, 60_000, 14_000)).toBeCloseTo(expected, 10);
  });

  it('rate with one sample is no value, as in Prometheus', () => {
    expect(rate([{ ts: 1, value: 1 }], 60_000, 1)).toBeUndefined();
  });

  it('predict_linear is the least-squares line read ahead: exact on a line, the mean slope on noise', () => {
    const line: Point[] = Array.from({ length: 50 }, (_, i) => ({ ts: i * 60_000, value: 1000 - 2 * i * 60 }));
    const now = 49 * 60_000;
    // value(t) = 1000 - 2 t (t in s): at now + 600 s.
    expect(predictLinear(line, 600, now)).toBeCloseTo(1000 - 2 * (now / 1000 + 600), 6);
    const noisy: Point[] = [0, 10, 0, 10].map((value, i) => ({ ts: i * 1000, value }));
    const fit = predictLinear(noisy, 0, 3000)!;
    // Least squares by hand: x = -3,-2,-1,0; mean x = -1.5, mean y = 5; slope = sum((x-mx)(y-my)) / sum((x-mx)^2) = 10/5 = 2.
    expect(fit).toBeCloseTo(5 + 2 * 1.5, 10);
  });

  it('a window keeps its range and a bounded number of points whatever the sampling rate', () => {
    const window = new SeriesWindow(6 * HOUR);
    for (let ts = 0; ts <= 8 * HOUR; ts += 100) window.push(ts, ts);
    const points = window.range();
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS + 2);
    expect(points[points.length - 1]!.ts).toBe(8 * HOUR);
    expect(points[0]!.ts).toBeGreaterThan(2 * HOUR);
    expect(points[0]!.ts).toBeLessThan(2 * HOUR + (6 * HOUR) / MAX_POINTS + 1);
  });
});

describe('NodeFilesystemSpaceFillingUp and NodeFilesystemAlmostOutOfSpace', () => {
  it('a filesystem filling linearly fires each severity when predict_linear says, after its `for`, and resolves after recovery', () => {
    const { feed, changes } = engineWith({ rules: only('NodeFilesystemSpaceFillingUp') });
    // 50 GiB available of 100, 1 GiB less each hour, sampled every 5 minutes (off the hour, so no sample sits on a boundary).
    const start = 150_000;
    const step = 300_000;
    const availAt = (ts: number) => (50 - ts / HOUR) * GiB;
    // Warning: avail < 40 % and avail - 24 h x 1 GiB/h < 0, i.e. avail < 24 GiB, i.e. t > 26 h; critical: < 20 % and < 4 GiB: t > 46 h.
    const firstAfter = (hours: number) => start + Math.ceil((hours * HOUR - start) / step) * step;
    for (let ts = start; ts < 49 * HOUR; ts += step) feed.next(diskSample(ts, [filesystem(availAt(ts))]));
    feed.next(diskSample(49 * HOUR + start, [filesystem(90 * GiB)]));
    const recovered = 49 * HOUR + start;
    expect(states(changes)).toEqual([
      `NodeFilesystemSpaceFillingUp/warning:pending@${firstAfter(26)}`,
      `NodeFilesystemSpaceFillingUp/warning:firing@${firstAfter(26) + HOUR}`,
      `NodeFilesystemSpaceFillingUp/critical:pending@${firstAfter(46)}`,
      `NodeFilesystemSpaceFillingUp/critical:firing@${firstAfter(46) + HOUR}`,
      `NodeFilesystemSpaceFillingUp/warning:resolved@${recovered}`,
      `NodeFilesystemSpaceFillingUp/critical:resolved@${recovered}`,
    ]);
    const [pending, firing] = changes;
    expect(firing).toMatchObject({ activeAt: firstAfter(26), firedAt: firstAfter(26) + HOUR });
    expect(pending!.labels).toEqual({ alertname: 'NodeFilesystemSpaceFillingUp', device: '/dev/sda1', fstype: 'ext4', instance: 'web-1:9780', mountpoint: '/', severity: 'warning' });
    expect(pending!.summary).toBe('Filesystem is predicted to run out of space within the next 24 hours.');
    const percent = (availAt(firstAfter(26)) / (100 * GiB)) * 100;
    expect(pending!.value).toBeCloseTo(percent, 9);
    expect(pending!.description).toBe(
      `Filesystem on /dev/sda1, mounted on /, at web-1:9780 has only ${percent.toFixed(2)}% available space left and is filling up.`,
    );
    expect(changes[2]!.summary).toBe('Filesystem is predicted to run out of space within the next 4 hours.');
    expect(changes[2]!.description).toMatch(/and is filling up fast\.$/);
    expect(changes[4]).toMatchObject({ state: 'resolved', resolvedAt: recovered, firedAt: firstAfter(26) + HOUR });
  });

  it('a filesystem low but not filling, or read-only, does not fill up; almost out of space fires after 30 m', () => {
    const { feed, changes } = engineWith({ rules: only('NodeFilesystemSpaceFillingUp', 'NodeFilesystemAlmostOutOfSpace') });
    const readonly = filesystem(1 * GiB, { mountpoint: '/ro', readonly: true });
    for (let ts = 0; ts <= 31 * 60_000; ts += 60_000) feed.next(diskSample(ts, [filesystem(4 * GiB), readonly]));
    expect(states(changes)).toEqual([
      'NodeFilesystemAlmostOutOfSpace/warning:pending@0',
      'NodeFilesystemAlmostOutOfSpace/warning:firing@1800000',
    ]);
    expect(changes[0]!.summary).toBe('Filesystem has less than 5% space left.');
    expect(changes[0]!.description).toBe('Filesystem on /dev/sda1, mounted on /, at web-1:9780 has only 4.00% available space left.');
  });

  it('inodes: almost out of files, with the mixin\'s texts', () => {
    const { feed, changes } = engineWith({ rules: { ...only('NodeFilesystemAlmostOutOfFiles'), NodeFilesystemAlmostOutOfFiles: { for: 0 } } });
    feed.next(diskSample(1000, [filesystem(50 * GiB, { files: 1000, filesFree: 20 })]));
    expect(states(changes)).toEqual(['NodeFilesystemAlmostOutOfFiles/warning:firing@1000', 'NodeFilesystemAlmostOutOfFiles/critical:firing@1000']);
    expect(changes[1]!.summary).toBe('Filesystem has less than 3% inodes left.');
    expect(changes[1]!.description).toBe('Filesystem on /dev/sda1, mounted on /, at web-1:9780 has only 2.00% available inodes left.');
  });
});

describe('`for` and the life cycle', () => {
  it('a rule flapping faster than its `for` never fires: pending, back to inactive, again', () => {
    const { feed, changes } = engineWith({ rules: only('NodeMemoryHighUtilization') });
    // Above 90 % for 10 minutes, below for a minute, over and over, for two hours: `for` is 15 minutes.
    for (let minute = 0; minute < 120; minute += 1) feed.next(memorySample(minute * 60_000, minute % 11 === 10 ? 0.5 : 0.95));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((change) => change.state === 'pending' || change.state === 'inactive')).toBe(true);
    expect(changes.filter((change) => change.state === 'inactive').every((change) => change.firedAt === undefined)).toBe(true);
  });

  it('for: 0 fires at the first match, with the mixin\'s description', () => {
    const { feed, changes, engine } = engineWith({ rules: { ...only('NodeMemoryHighUtilization'), NodeMemoryHighUtilization: { above: 0.5, for: 0 } } });
    feed.next(memorySample(5000, 0.75));
    expect(states(changes)).toEqual(['NodeMemoryHighUtilization/warning:firing@5000']);
    expect(changes[0]!.description).toBe('Memory is filling up at web-1:9780, has been above 50% for the last 15 minutes, is currently at 75.00%.\n');
    expect(engine.active()).toHaveLength(1);
    expect(alertCounts(engine)).toEqual([
      { alertname: 'NodeMemoryHighUtilization', severity: 'warning', state: 'pending', count: 0 },
      { alertname: 'NodeMemoryHighUtilization', severity: 'warning', state: 'firing', count: 1 },
    ]);
    feed.next(memorySample(6000, 0.25));
    expect(states(changes)).toEqual(['NodeMemoryHighUtilization/warning:firing@5000', 'NodeMemoryHighUtilization/warning:resolved@6000']);
    expect(engine.active()).toEqual([]);
  });
});

/**
 * Prometheus' rate() over a range R of samples every g seconds, from the first sample at 0 to t < R: the increase is
 * extrapolated towards the range's start by half a gap only (the start is more than 1.1 gaps away), so a counter
 * growing k per second reads k (t + g/2) / R until the range is full. The first sample where that passes the threshold:
 */
function firstMatch(k: number, threshold: number, rangeS: number, gapS: number): number {
  const t = (threshold * rangeS) / k - gapS / 2;
  return (Math.floor(t / gapS) + 1) * gapS;
}

describe('CPU, load, disk and network rules', () => {
  it('NodeCPUHighUsage: 95 % busy (user + system) on every CPU fires 15 m after rate() over 2 m passes 90', () => {
    const { feed, changes } = engineWith({ rules: only('NodeCPUHighUsage') });
    for (let s = 0; s <= 20 * 60; s += 10) feed.next(cpuSample(s * 1000, s, 0.95));
    const matching = firstMatch(95, 90, 120, 10) * 1000;
    expect(states(changes)).toEqual([`NodeCPUHighUsage/info:pending@${matching}`, `NodeCPUHighUsage/info:firing@${matching + 15 * 60_000}`]);
    expect(changes[1]!.value).toBeCloseTo(95, 6);
    expect(changes[1]!.labels).toEqual({ alertname: 'NodeCPUHighUsage', instance: 'web-1:9780', severity: 'info' });
    expect(changes[1]!.description).toBe('CPU usage at web-1:9780 has been above 90% for the last 15 minutes, is currently at 95.00%.\n');
  });

  it('NodeCPUHighUsage leaves iowait out: 95 % iowait is not usage', () => {
    const { feed, changes } = engineWith({ rules: { ...only('NodeCPUHighUsage'), NodeCPUHighUsage: { for: 0 } } });
    for (let s = 0; s <= 120; s += 10) {
      const sample = cpuSample(s * 1000, 0, 0);
      for (const cpu of sample.raw.kind === 'counters' ? sample.raw.cpus : []) cpu.seconds.iowait += s * 0.95;
      feed.next(sample);
    }
    expect(changes).toEqual([]);
  });

  it('NodeSystemSaturation: load1 per CPU above 2', () => {
    const { feed, changes } = engineWith({ rules: { ...only('NodeSystemSaturation'), NodeSystemSaturation: { for: 0 } } }, 4);
    feed.next({ topic: 'load', data: { ts: 1, load1: 8, load5: 1, load15: 1 }, raw: { load1: 8, load5: 1, load15: 1 } });
    feed.next({ topic: 'load', data: { ts: 2, load1: 9, load5: 1, load15: 1 }, raw: { load1: 9, load5: 1, load15: 1 } });
    expect(states(changes)).toEqual(['NodeSystemSaturation/warning:firing@2']);
    expect(changes[0]!.value).toBe(9 / 4);
    expect(changes[0]!.summary).toBe('System saturated, load per core is very high.');
  });

  it('NodeDiskIOSaturation: an average queue of 12 (weighted I/O seconds per second) over 5 m', () => {
    const { feed, changes } = engineWith({ rules: { ...only('NodeDiskIOSaturation'), NodeDiskIOSaturation: { for: 0 } } });
    for (let s = 0; s <= 300; s += 5) feed.next(diskSample(s * 1000, [], 100 + 12 * s));
    const matching = firstMatch(12, 10, 300, 5);
    expect(states(changes)).toEqual([`NodeDiskIOSaturation/warning:firing@${matching * 1000}`]);
    expect(changes[0]!.labels.device).toBe('sda');
    expect(changes[0]!.value).toBeCloseTo((12 * (matching + 2.5)) / 300, 6);
  });

  it('NodeNetworkReceiveErrs: 2 % of received packets in error; transmit clean', () => {
    const { feed, changes } = engineWith({ rules: { ...only('NodeNetworkReceiveErrs', 'NodeNetworkTransmitErrs'), NodeNetworkReceiveErrs: { for: 0 }, NodeNetworkTransmitErrs: { for: 0 } } });
    for (let s = 0; s <= 120; s += 1) {
      const receive = { packets: 1000 * s, errs: 20 * s };
      const transmit = { packets: 1000 * s, errs: 0 };
      const sample: AnySample = { topic: 'network', data: { ts: s * 1000, interfaces: [] }, raw: { devices: [{ device: 'eth0', receive, transmit }], classes: null } };
      feed.next(sample);
    }
    expect(states(changes)).toEqual(['NodeNetworkReceiveErrs/warning:firing@1000']);
    expect(changes[0]!.value).toBeCloseTo(0.02, 9);
    expect(changes[0]!.description).toBe('web-1:9780 interface eth0 has encountered 0 receive errors in the last two minutes.');
  });
});

describe('custom rules', () => {
  it('one alert per element of an array, labelled by its identifying fields, with extra labels', () => {
    const { feed, changes } = engineWith({
      labels: { job: 'node' },
      rules: only(),
      custom: { DiskUsed: { topic: 'disk', field: 'filesystems.usedRatio', above: 0.5, severity: 'critical' } },
    });
    feed.next(diskSample(1000, [filesystem(10 * GiB), filesystem(80 * GiB, { mountpoint: '/home', device: '/dev/sdb1' })]));
    expect(states(changes)).toEqual(['DiskUsed/critical:firing@1000']);
    expect(changes[0]!.labels).toEqual({ alertname: 'DiskUsed', device: '/dev/sda1', fstype: 'ext4', instance: 'web-1:9780', job: 'node', mountpoint: '/', severity: 'critical' });
    expect(changes[0]!.value).toBeCloseTo(0.9, 9);
  });
});

describe('alerts config', () => {
  const error = (alerts: unknown) => {
    try {
      parseConfig({ alerts }, 'agent.config.json');
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };

  it("defaults to the mixin's thresholds and `for`, in hostfeed's units (ratios, ms)", () => {
    const { rules } = parseConfig({}, 'test').alerts;
    expect(rules.NodeCPUHighUsage).toEqual({ enabled: true, above: 0.9, for: 15 * 60_000, range: 120_000 });
    expect(rules.NodeFilesystemSpaceFillingUp).toEqual({
      enabled: true, for: HOUR, range: 6 * HOUR,
      warning: { enabled: true, below: 0.4, within: 24 * HOUR }, critical: { enabled: true, below: 0.2, within: 4 * HOUR },
    });
    expect(rules.NodeDiskIOSaturation).toMatchObject({ above: 10, for: 30 * 60_000, range: 300_000 });
  });

  it('rejects with one line naming the key path', () => {
    expect(error({ rules: { NodeCpuHighUsage: {} } })).toBe('agent.config.json: alerts.rules.NodeCpuHighUsage: unknown key');
    expect(error({ rules: { NodeCPUHighUsage: { above: 90 } } })).toBe('agent.config.json: alerts.rules.NodeCPUHighUsage.above: expected a ratio from 0 to 1, got 90');
    expect(error({ rules: { NodeMemoryHighUtilization: { for: 'later' } } })).toBe(
      'agent.config.json: alerts.rules.NodeMemoryHighUtilization.for: expected 0 or a duration like "15m" of at most 24h, got "later"',
    );
    expect(error({ custom: { Hot: { topic: 'memory', field: 'usedBytez', above: 1 } } })).toBe(
      'agent.config.json: alerts.custom.Hot.field: expected a numeric field of the memory event, e.g. "usedRatio" or "filesystems.usedRatio", got "usedBytez"',
    );
    expect(error({ custom: { Hot: { topic: 'disk', field: 'filesystems.device', above: 1 } } })).toMatch(/^agent\.config\.json: alerts\.custom\.Hot\.field: expected a numeric field/);
    expect(error({ custom: { Hot: { topic: 'memory', field: 'usedRatio' } } })).toMatch(/^agent\.config\.json: alerts\.custom\.Hot: expected exactly one of above and below/);
    expect(error({ custom: { NodeCPUHighUsage: { topic: 'cpu', field: 'usage', above: 0.5 } } })).toMatch(/alerts\.custom\.NodeCPUHighUsage: is a node-mixin rule/);
    expect(error({ custom: { Hot: { topic: 'memory', field: 'usedRatio', above: 0.5, severity: 'page' } } })).toMatch(/^agent\.config\.json: alerts\.custom\.Hot\.severity: expected one of info, warning, critical/);
  });

  it('takes for: 0 in every spelling', () => {
    for (const zero of [0, '0', '0s']) expect(parseConfig({ alerts: { rules: { NodeCPUHighUsage: { for: zero } } } }, 'test').alerts.rules.NodeCPUHighUsage.for).toBe(0);
  });
});
