/**
 * Flattening topic payloads into series: on the events of a real capture (test/fixtures/events), and on payloads of
 * topics the agent does not have yet, which must flow in without a change to the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatten, kindOf } from '../../agent/history/series';

/** The first event of each type in the capture, `ts` placeholders made numbers. */
function captured(): Record<string, Record<string, unknown>> {
  const text = readFileSync(join(__dirname, '../fixtures/events/si-events.txt'), 'utf8');
  const events: Record<string, Record<string, unknown>> = {};
  for (const [, type, data] of text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)) events[type!] ??= JSON.parse(data!.replace('"<ts>"', '1')) as Record<string, unknown>;
  return events;
}

const seriesOf = (payload: object) => {
  const out: Record<string, number> = {};
  flatten(payload, (path, value) => (out[path] = value));
  return out;
};

describe('flatten', () => {
  const events = captured();

  it('names top-level numbers by field and nested objects by dotted path, without ts', () => {
    expect(seriesOf(events.cpu!)).toEqual({
      usage: 1,
      'modes.user': 0.7249,
      'modes.system': 0.2664,
      'modes.idle': 0,
      'modes.nice': 0.0087,
      'modes.irq': 0,
      'cores[0].usage': 1,
      'cores[1].usage': 1,
    });
    expect(seriesOf(events.load!)).toEqual({ load1: 34.38, load5: 31.4, load15: 29.52 });
    expect(Object.keys(seriesOf(events.memory!))).toHaveLength(10);
  });

  it('names array elements by their identifying field and leaves strings and booleans out', () => {
    expect(seriesOf(events.disk!)).toEqual({
      'filesystems[/].sizeBytes': 270553174016,
      'filesystems[/].freeBytes': 244928102400,
      'filesystems[/].availBytes': 83319222272,
      'filesystems[/].usedBytes': 25625071616,
      'filesystems[/].usedRatio': 0.2352,
    });
  });

  it('takes a topic it has never seen: interfaces by device, nested counts, and no series of a top list', () => {
    const network = {
      ts: 5,
      interfaces: [{ device: 'eth0', up: true, receiveBytesPerSecond: 10, transmitBytesPerSecond: 20 }],
      processes: [{ pid: 1, name: 'init', cpuRatio: 0.5 }],
      pressure: { cpu: { some10: 0.1 } },
      note: 'text',
    };
    expect(seriesOf(network)).toEqual({
      'interfaces[eth0].receiveBytesPerSecond': 10,
      'interfaces[eth0].transmitBytesPerSecond': 20,
      'pressure.cpu.some10': 0.1,
    });
  });

  it('skips values that are not finite numbers', () => {
    expect(seriesOf({ a: NaN, b: Infinity, c: null, d: 2 })).toEqual({ d: 2 });
  });
});

describe('kindOf', () => {
  it('averages ratios, rates, usage and CPU modes; keeps the last of gauges', () => {
    for (const path of ['usage', 'usedRatio', 'modes.iowait', 'cores[3].usage', 'devices[sda].readBytesPerSecond', 'filesystems[/].usedRatio']) expect([path, kindOf(path)]).toEqual([path, 'mean']);
    for (const path of ['load1', 'totalBytes', 'filesystems[/].freeBytes', 'devices[sda].ioNow']) expect([path, kindOf(path)]).toEqual([path, 'last']);
  });
});
