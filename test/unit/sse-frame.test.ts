import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { eventSchemas, type EventPayload, type EventType } from '../../agent/events';
import { commentFrame, eventFrame, FramingError, httpChunk, retryFrame } from '../../agent/sse/frame';

/** One example payload of every event type, valid against its schema. */
const EXAMPLES: { [T in EventType]: EventPayload<T> } = {
  hello: {
    agent: '0.1.0',
    host: 'web-1',
    boot: '7f3c2a',
    source: 'procfs',
    os: { platform: 'linux', distro: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', arch: 'x86_64' },
    cpu: { model: 'AMD EPYC', cores: 2 },
    bootTs: 1763900000000,
    intervals: { cpu: 1000, disk: 5000 },
    topics: ['cpu', 'disk'],
    history: true,
  },
  cpu: {
    ts: 1763942400123,
    usage: 0.25,
    modes: { user: 0.125, nice: 0, system: 0.0625, idle: 0.75, iowait: 0.0625, irq: 0, softirq: 0, steal: 0 },
    cores: [{ cpu: '0', usage: 0.5 }],
  },
  memory: {
    ts: 1763942400123,
    totalBytes: 8589934592,
    availableBytes: 5368709120,
    usedBytes: 3221225472,
    usedRatio: 0.375,
    freeBytes: 2147483648,
    buffersBytes: 268435456,
    cachedBytes: 1073741824,
    swapTotalBytes: 0,
    swapFreeBytes: 0,
    swapUsedBytes: 0,
  },
  disk: {
    ts: 1763942400123,
    filesystems: [
      {
        mountpoint: '/',
        device: '/dev/sda1',
        fstype: 'ext4',
        readonly: false,
        sizeBytes: 1000,
        freeBytes: 400,
        availBytes: 350,
        usedBytes: 600,
        usedRatio: 0.6315789473684211,
        files: 100,
        filesFree: 50,
      },
    ],
    devices: [{ device: 'sda', readBytesPerSecond: 512, writeBytesPerSecond: 1024, readsPerSecond: 1, writesPerSecond: 2, ioNow: 0, busyRatio: 0.01 }],
  },
  load: { ts: 1763942400123, load1: 0.52, load5: 0.4, load15: 0.33 },
  network: {
    ts: 1763942400123,
    interfaces: [{ device: 'eth0', up: true, operstate: 'up', receiveBytesPerSecond: 104, transmitBytesPerSecond: 52, receivePacketsPerSecond: 2 }],
  },
  pressure: { ts: 1763942400123, cpu: { some: 0.4668 }, io: { some: 0, full: 0 } },
  processes: {
    ts: 1763942400123,
    total: 2,
    threads: 5,
    states: { R: 1, S: 1 },
    top: [
      { pid: 812, name: 'postgres', command: '/usr/lib/postgresql/15/bin/postgres', user: 'postgres', state: 'R', cpuSecondsPerSecond: 0.5, rssBytes: 52428800, threads: 4, readBytesPerSecond: 4096, writeBytesPerSecond: 0 },
      { pid: 1034, name: '(sd-pam)', command: '(sd-pam)', user: 'alice', state: 'S', cpuSecondsPerSecond: 0, rssBytes: 4096, threads: 1 },
    ],
  },
  alert: { ts: 1763942400123, name: 'NodeFilesystemAlmostOutOfSpace', state: 'firing', severity: 'warning', labels: { alertname: 'NodeFilesystemAlmostOutOfSpace', device: '/dev/sda1', fstype: 'ext4', instance: 'web-1:9780', mountpoint: '/', severity: 'warning' }, summary: 'Filesystem has less than 5% space left.', description: 'Filesystem on /dev/sda1, mounted on /, at web-1:9780 has only 4.12% available space left.', value: 4.12, activeAt: 1763940600123, forMs: 1800000, firedAt: 1763942400123 },
  'collector-error': { ts: 1763942400123, collector: 'disk', message: "couldn't collect disk: timed out after 5000ms", consecutive: 3 },
  reset: { reason: 'other-boot', boot: '7f3c2a' },
  busy: { retryMs: 31234, clients: 10000 },
};

/** The exact bytes of each event type: event, id, one data line of JSON, blank line. */
const WIRE: Record<EventType, string> = {
  hello:
    'event: hello\nid: 7f3c2a-41\ndata: {"agent":"0.1.0","host":"web-1","boot":"7f3c2a","source":"procfs","os":{"platform":"linux","distro":"Debian GNU/Linux 12 (bookworm)","kernel":"6.1.0-18-amd64","arch":"x86_64"},"cpu":{"model":"AMD EPYC","cores":2},"bootTs":1763900000000,"intervals":{"cpu":1000,"disk":5000},"topics":["cpu","disk"],"history":true}\n\n',
  cpu: 'event: cpu\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"usage":0.25,"modes":{"user":0.125,"nice":0,"system":0.0625,"idle":0.75,"iowait":0.0625,"irq":0,"softirq":0,"steal":0},"cores":[{"cpu":"0","usage":0.5}]}\n\n',
  memory:
    'event: memory\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"totalBytes":8589934592,"availableBytes":5368709120,"usedBytes":3221225472,"usedRatio":0.375,"freeBytes":2147483648,"buffersBytes":268435456,"cachedBytes":1073741824,"swapTotalBytes":0,"swapFreeBytes":0,"swapUsedBytes":0}\n\n',
  disk: 'event: disk\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"filesystems":[{"mountpoint":"/","device":"/dev/sda1","fstype":"ext4","readonly":false,"sizeBytes":1000,"freeBytes":400,"availBytes":350,"usedBytes":600,"usedRatio":0.6315789473684211,"files":100,"filesFree":50}],"devices":[{"device":"sda","readBytesPerSecond":512,"writeBytesPerSecond":1024,"readsPerSecond":1,"writesPerSecond":2,"ioNow":0,"busyRatio":0.01}]}\n\n',
  load: 'event: load\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"load1":0.52,"load5":0.4,"load15":0.33}\n\n',
  network:
    'event: network\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"interfaces":[{"device":"eth0","up":true,"operstate":"up","receiveBytesPerSecond":104,"transmitBytesPerSecond":52,"receivePacketsPerSecond":2}]}\n\n',
  pressure: 'event: pressure\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"cpu":{"some":0.4668},"io":{"some":0,"full":0}}\n\n',
  processes:
    'event: processes\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"total":2,"threads":5,"states":{"R":1,"S":1},"top":[{"pid":812,"name":"postgres","command":"/usr/lib/postgresql/15/bin/postgres","user":"postgres","state":"R","cpuSecondsPerSecond":0.5,"rssBytes":52428800,"threads":4,"readBytesPerSecond":4096,"writeBytesPerSecond":0},{"pid":1034,"name":"(sd-pam)","command":"(sd-pam)","user":"alice","state":"S","cpuSecondsPerSecond":0,"rssBytes":4096,"threads":1}]}\n\n',
  alert:
    'event: alert\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"name":"NodeFilesystemAlmostOutOfSpace","state":"firing","severity":"warning","labels":{"alertname":"NodeFilesystemAlmostOutOfSpace","device":"/dev/sda1","fstype":"ext4","instance":"web-1:9780","mountpoint":"/","severity":"warning"},"summary":"Filesystem has less than 5% space left.","description":"Filesystem on /dev/sda1, mounted on /, at web-1:9780 has only 4.12% available space left.","value":4.12,"activeAt":1763940600123,"forMs":1800000,"firedAt":1763942400123}\n\n',
  'collector-error':
    'event: collector-error\nid: 7f3c2a-41\ndata: {"ts":1763942400123,"collector":"disk","message":"couldn\'t collect disk: timed out after 5000ms","consecutive":3}\n\n',
  reset: 'event: reset\nid: 7f3c2a-41\ndata: {"reason":"other-boot","boot":"7f3c2a"}\n\n',
  busy: 'event: busy\nid: 7f3c2a-41\ndata: {"retryMs":31234,"clients":10000}\n\n',
};

function parse(wire: string): { events: EventSourceMessage[]; comments: string[]; retries: number[] } {
  const parsed = { events: [] as EventSourceMessage[], comments: [] as string[], retries: [] as number[] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onComment: (comment) => parsed.comments.push(comment),
    onRetry: (retry) => parsed.retries.push(retry),
  });
  parser.feed(wire);
  return parsed;
}

describe('SSE framing', () => {
  it('has an example for every event type of the contract, each valid', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(eventSchemas).sort());
    for (const type of Object.keys(EXAMPLES) as EventType[]) expect(eventSchemas[type].safeParse(EXAMPLES[type]).success).toBe(true);
  });

  it.each(Object.keys(WIRE) as EventType[])('frames %s exactly, and a parser reads back the same event', (type) => {
    const frame = eventFrame(type, '7f3c2a-41', EXAMPLES[type]);
    expect(frame).toBeInstanceOf(Buffer);
    expect(frame.toString('utf8')).toBe(WIRE[type]);
    const { events } = parse(frame.toString('utf8'));
    expect(events).toEqual([{ event: type, id: '7f3c2a-41', data: JSON.stringify(EXAMPLES[type]) }]);
  });

  it('frames retry and comment lines', () => {
    expect(retryFrame(2000).toString()).toBe('retry: 2000\n\n');
    expect(commentFrame('heartbeat').toString()).toBe(': heartbeat\n\n');
    expect(parse('retry: 2000\n\n: heartbeat\n\n')).toEqual({ events: [], comments: ['heartbeat'], retries: [2000] });
  });

  it('wraps a frame as one HTTP/1.1 chunk, length in hex', () => {
    const frame = eventFrame('load', 'b00t-1', EXAMPLES.load);
    expect(frame.length).toBe(0x5a);
    expect(httpChunk(frame).toString()).toBe(`5a\r\n${frame.toString()}\r\n`);
  });

  describe('field injection', () => {
    const hostile = ['a\nevent: busy', 'a\rid: 1', 'a\r\ndata: x', 'a\u0000b', '\n\n', 'line\u2028sep', 'para\u2029sep', 'next\u0085line', 'lone \ud800 surrogate'];

    it.each(hostile)('keeps %j inside the one data line, and it reads back intact', (text) => {
      const data = { ts: 1, collector: 'cpu' as const, message: text, consecutive: 1 };
      const wire = eventFrame('collector-error', 'b00t-1', data).toString('utf8');
      const lines = wire.split(/\r\n|\r|\n/);
      expect(lines).toEqual(['event: collector-error', 'id: b00t-1', expect.stringMatching(/^data: \{/), '', '']);
      expect(wire).not.toMatch(/[\0\u0085\u2028\u2029]/);
      const { events } = parse(wire);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0].data)).toEqual(data);
    });

    it.each(['bad\nname', 'bad\rname', 'bad\u0000name', 'Cpu', 'cpu ', '', 'a--b', '-a', 'error', 'message'])('refuses the event name %j', (name) => {
      expect(() => eventFrame(name as EventType, 'b00t-1', EXAMPLES.load as never)).toThrow(FramingError);
    });

    it.each(['b00t-1\nevent: x', 'b00t-1\r', 'b00t\u0000-1', '', 'id with space', 'é-1', 'x'.repeat(65)])('refuses the id %j', (id) => {
      expect(() => eventFrame('load', id, EXAMPLES.load)).toThrow(FramingError);
    });

    it('takes ids of up to 64 letters, digits, dots, underscores and dashes, which a parser reads back whole', () => {
      for (const id of ['a', 'A.b_c-9', 'x'.repeat(64)]) {
        expect(parse(eventFrame('load', id, EXAMPLES.load).toString()).events[0]?.id).toBe(id);
      }
    });

    it('takes a retry of 0 and comments of any printable ASCII, as a parser reads them', () => {
      expect(parse(retryFrame(0).toString()).retries).toEqual([0]);
      const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
      expect(parse(commentFrame(printable).toString()).comments).toEqual([printable]);
      expect(parse(commentFrame('').toString()).comments).toEqual(['']);
    });

    it('says a refused frame is a hostfeed bug', () => {
      expect(() => commentFrame('\u0001')).toThrow(expect.objectContaining({ name: 'FramingError', message: expect.stringMatching(/^invalid SSE comment "\\u0001" \(a hostfeed bug/) }));
    });

    it('refuses comments that are not printable ASCII, retries that are not whole milliseconds, data that is not JSON', () => {
      expect(() => commentFrame('x\ndata: y')).toThrow(FramingError);
      expect(() => commentFrame('\u0000')).toThrow(FramingError);
      expect(() => commentFrame('\x7f')).toThrow(FramingError);
      expect(() => retryFrame(-1)).toThrow(FramingError);
      expect(() => retryFrame(1.5)).toThrow(FramingError);
      expect(() => eventFrame('load', 'b00t-1', undefined as never)).toThrow(/not JSON-serialisable/);
    });
  });
});
