/**
 * The viewer's pure logic, run in Node: the load level per core, the filesystem an overview row names, and the sums
 * a stacked chart draws.
 * Thresholds come from the issue (amber at load1 / cores >= 1) and node-mixin's NodeSystemSaturation alert
 * (`node_load1 / count(node_cpu_seconds_total{mode="idle"}) > 2`, "load per core is very high").
 */
import type { Filesystem } from '../../agent/events';
import { levelOf, loadPerCore } from '../../viewer/format.js';
import { createHistory, stackColumns } from '../../viewer/history.js';
import { columnsOfEvent, columnsOfStored, maxColumnsOfStored } from '../../viewer/history-api.js';
import { fullestFilesystem } from '../../viewer/summary.js';

describe('loadPerCore', () => {
  it.each([
    // [load1, cores, level, text]
    [0.52, 2, 'ok', '0.26 per core'],
    // Truncated: just under a threshold never reads as the threshold.
    [1.99, 2, 'ok', '0.99 per core'],
    [2, 2, 'warn', '1.00 per core, high'],
    [23, 16, 'warn', '1.43 per core, high'],
    [0.58, 2, 'ok', '0.29 per core'],
    // The alert fires above 2 per core; the page is red from 2 itself, the alert's edge.
    [4, 2, 'critical', '2.00 per core, very high'],
    // Issue 14's example: 23 on 2 cores.
    [23, 2, 'critical', '11.50 per core, very high'],
  ])('load %s on %s cores is %s: "%s"', (load1, cores, level, text) => {
    expect(loadPerCore(load1, cores)).toEqual({ perCore: load1 / cores, level, text });
  });

  it('has no level without a core count (a source that cannot tell says 0)', () => {
    expect(loadPerCore(3, 0)).toBeUndefined();
  });

  it('says the level in words, not only in colour', () => {
    const words = (load1: number) => loadPerCore(load1, 1)!.text.replace(/^[\d.]+ per core,? ?/, '');
    expect(new Set([words(0.5), words(1.5), words(2.5)]).size).toBe(3);
  });
});

describe('levelOf', () => {
  it('reaches a level at its threshold, not above it only', () => {
    expect([0.79, 0.8, 0.89, 0.9].map((ratio) => levelOf(ratio, { warn: 0.8, critical: 0.9 }))).toEqual(['ok', 'warn', 'warn', 'critical']);
  });
});

const GiB = 2 ** 30;

/** A filesystem as the disk event has it, with df's Use% = used / (used + avail) worked out from the sizes. */
function filesystem(mountpoint: string, sizeGiB: number, freeGiB: number, availGiB: number, extra: Partial<Filesystem> = {}): Filesystem {
  const used = (sizeGiB - freeGiB) * GiB;
  return {
    mountpoint,
    device: `/dev/${mountpoint.replace(/\W/g, '') || 'root'}`,
    fstype: 'ext4',
    readonly: false,
    sizeBytes: sizeGiB * GiB,
    freeBytes: freeGiB * GiB,
    availBytes: availGiB * GiB,
    usedBytes: used,
    usedRatio: used / (used + availGiB * GiB),
    ...extra,
  };
}

describe('fullestFilesystem', () => {
  it('names the mount with the highest df Use%', () => {
    const root = filesystem('/', 100, 40, 35); // 60 used of 95: 63.2%
    const data = filesystem('/data', 500, 30, 5); // 470 of 475: 98.9%
    const boot = filesystem('/boot', 1, 0.5, 0.45);
    expect(fullestFilesystem([root, data, boot])).toEqual({ mountpoint: '/data', what: 'space', usedRatio: 470 / 475 });
  });

  it('names a mount whose inodes run out before its space, as df -i IUse%', () => {
    const root = filesystem('/', 100, 40, 35);
    const mail = filesystem('/var/mail', 100, 80, 75, { files: 1_000_000, filesFree: 30_000 });
    expect(fullestFilesystem([root, mail])).toEqual({ mountpoint: '/var/mail', what: 'inodes', usedRatio: 0.97 });
  });

  it('names an unreadable mount before any full one', () => {
    const data = filesystem('/data', 500, 30, 5);
    const nfs = { ...filesystem('/mnt/nfs', 0, 0, 0), usedRatio: 0, error: 'statfs timed out after 5000ms' };
    expect(fullestFilesystem([data, nfs])).toEqual({ mountpoint: '/mnt/nfs', what: 'unreadable', usedRatio: 0 });
  });

  it('passes over read-only mounts, which cannot fill up, unless every mount is one', () => {
    const image = filesystem('/media/cdrom', 4, 0, 0, { readonly: true });
    const root = filesystem('/', 100, 40, 35);
    expect(fullestFilesystem([image, root])?.mountpoint).toBe('/');
    expect(fullestFilesystem([image])?.mountpoint).toBe('/media/cdrom');
  });

  it('keeps the first of equals and has nothing to name without filesystems', () => {
    expect(fullestFilesystem([filesystem('/a', 10, 5, 5), filesystem('/b', 10, 5, 5)])?.mountpoint).toBe('/a');
    expect(fullestFilesystem([])).toBeUndefined();
  });
});

describe('stackColumns', () => {
  it('draws each column at the sum of it and those below, first at the bottom', () => {
    // user, system, nice shares of three samples; the stack's top is their sum, 1 - idle.
    const stacked = stackColumns([
      [0.5, 0.25, 0.125],
      [0.25, 0.125, 0.0625],
      [0.125, 0.0625, 0.5],
    ]);
    expect(stacked).toEqual([
      [0.5, 0.25, 0.125],
      [0.75, 0.375, 0.1875],
      [0.875, 0.4375, 0.6875],
    ]);
  });

  it('keeps a break in the line (no value in any column) and counts a value missing from one column as nothing', () => {
    expect(stackColumns([[0.5, null, 0.25], [null, null, 0.25], [0.125, null, null]])).toEqual([[0.5, null, 0.25], [0.5, null, 0.5], [0.625, null, 0.5]]);
  });

  it('leaves the columns it was given alone', () => {
    const bottom = [0.5];
    stackColumns([bottom, [0.25]]);
    expect(bottom).toEqual([0.5]);
  });
});

describe('a chart history filled from the stored history of the agent, then live', () => {
  it('puts the stored points in front of the live ones, none twice, whichever arrives first', () => {
    const history = createHistory();
    // The replay ring's samples came first (12:00:10 and :11), then the stored history up to now (12:00:11).
    history.push(1_000_010_000, { used: 5 });
    history.push(1_000_011_000, { used: 6 });
    history.prepend([1_000_000_000, 1_000_005_000, 1_000_010_000, 1_000_011_000], { used: [1, null, 4, 99], cached: [7, 7, 7, 7] }, [1_000_005_000]);
    expect(history.times).toEqual([1_000_000, 1_000_005, 1_000_010, 1_000_011]);
    expect(history.columns.get('used')).toEqual([1, null, 5, 6]);
    // A series only the stored history has is aligned, with nothing where the live samples are.
    expect(history.columns.get('cached')).toEqual([7, 7, null, null]);
    expect(history.restarts).toEqual([1_000_005]);
    // Live again after it: appended.
    history.push(1_000_012_000, { used: 7 });
    expect(history.columns.get('used')).toEqual([1, null, 5, 6, 7]);
    expect(history.columns.get('cached')).toEqual([7, 7, null, null, null]);
  });

  it('keeps one empty step of a stretch without samples, to break the line there, and none before the first sample', () => {
    const history = createHistory();
    // The agent's answer for 7 steps: nothing before it started, 2 samples, 3 steps while it was down, 1 sample.
    history.prepend([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000], { used: [null, null, 1, 2, null, null, null, 3] });
    expect(history.times).toEqual([3, 4, 5, 8]);
    expect(history.columns.get('used')).toEqual([1, 2, null, 3]);
  });

  it("keeps each stored step's max beside its value, aligned with the times, and none for live samples", () => {
    const history = createHistory();
    history.push(1_000_010_000, { busy: 0.5 });
    history.prepend([1_000_000_000, 1_000_005_000], { busy: [0.2, 0.3] }, [], { busy: [0.9, 0.3] });
    history.push(1_000_011_000, { busy: 0.6 });
    expect(history.times).toEqual([1_000_000, 1_000_005, 1_000_010, 1_000_011]);
    expect(history.maxes.get('busy')).toEqual([0.9, 0.3, null, null]);
    expect(history.columns.get('busy')).toEqual([0.2, 0.3, 0.5, 0.6]);
  });

  it('draws a max only where a step held a sample above its value: a 5-minute mean of 20 % hides a 90 % spike', () => {
    const stored = (value: (number | null)[], max: (number | null)[]) => ({ value, max });
    // The stacked CPU chart: its top is busy, the usage series; the modes have no band of their own.
    expect(maxColumnsOfStored('cpu', { usage: stored([0.2, 0.25], [0.9, 0.25]), 'modes.user': stored([0.1, 0.1], [0.8, 0.1]) })).toEqual({ busy: [0.9, 0.25] });
    // A gauge whose steps never rose above their last value (the 1 s tier: one sample a step) has none.
    expect(maxColumnsOfStored('memory', { usedBytes: stored([3, 3], [3, 3]), cachedBytes: stored([1, null], [2, null]) })).toEqual({ cached: [2, null] });
    expect(maxColumnsOfStored('network', { 'interfaces[eth0].receiveBytesPerSecond': stored([10], [50]), 'interfaces[eth0].transmitBytesPerSecond': stored([5], [5]) })).toEqual({
      'eth0 in': [50],
    });
  });

  it('adds nothing from a stored answer that holds nothing older than the page', () => {
    const history = createHistory();
    history.push(1_000_000_000, { used: 5 });
    history.prepend([1_000_000_000, 1_000_001_000], { used: [1, 2] });
    expect(history.times).toEqual([1_000_000]);
    expect(history.columns.get('used')).toEqual([5]);
  });

  it('keeps the selected window when it is longer than an hour, and an hour when it is shorter', () => {
    let windowMs = 5 * 60_000;
    const history = createHistory(() => windowMs);
    const start = 1_700_000_000_000;
    history.push(start, { used: 1 });
    history.push(start + 61 * 60_000 + 1000, { used: 2 });
    expect(history.times).toEqual([(start + 61 * 60_000 + 1000) / 1000]);
    windowMs = 24 * 3600_000;
    history.push(start + 2 * 3600_000, { used: 3 });
    history.push(start + 20 * 3600_000, { used: 4 });
    expect(history.columns.get('used')).toEqual([2, 3, 4]);
  });

  it('names the same columns for a live event and for the stored series of its fields (docs/history.md paths)', () => {
    const cpu = { ts: 1, usage: 0.5, modes: { user: 0.25, system: 0.125, idle: 0.5, iowait: 0.125 }, cores: [] };
    expect(columnsOfEvent('cpu', cpu)).toEqual({ user: 0.25, system: 0.125, iowait: 0.125 });
    const stored = (value: (number | null)[]) => ({ value, max: value });
    expect(columnsOfStored('cpu', { usage: stored([0.5]), 'modes.user': stored([0.25]), 'modes.idle': stored([0.5]), 'cores[cpu0].usage': stored([1]) })).toEqual({ user: [0.25] });
    const disk = { ts: 1, filesystems: [], devices: [{ device: 'nvme0n1', readBytesPerSecond: 512, writeBytesPerSecond: 1024, readsPerSecond: 1, writesPerSecond: 2, ioNow: 0, busyRatio: 0.1 }] };
    expect(columnsOfEvent('disk', disk)).toEqual({ 'nvme0n1 read': 512, 'nvme0n1 write': 1024 });
    expect(
      columnsOfStored('disk', {
        'devices[nvme0n1].readBytesPerSecond': stored([512, null]),
        'devices[nvme0n1].writeBytesPerSecond': stored([1024, 3]),
        'devices[nvme0n1].busyRatio': stored([0.1, 0.2]),
        'filesystems[/].usedRatio': stored([0.5, 0.5]),
      }),
    ).toEqual({ 'nvme0n1 read': [512, null], 'nvme0n1 write': [1024, 3] });
    const memory = { usedBytes: 3, cachedBytes: 2, swapUsedBytes: 1 };
    expect(columnsOfEvent('memory', memory)).toEqual({ used: 3, cached: 2, 'swap used': 1 });
    expect(columnsOfStored('load', { load1: stored([2]), load5: stored([1]), load15: stored([0.5]) })).toEqual({ '1 min': [2], '5 min': [1], '15 min': [0.5] });
  });
});
