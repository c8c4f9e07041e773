/**
 * /events through a real nginx (Debian's nginx-light) on loopback with a stock `proxy_pass`: default buffering, HTTP/1.0
 * to the upstream. The agent's X-Accel-Buffering: no turns nginx's buffering off for the stream, so events arrive one
 * by one; a second location that ignores that header shows what buffering would do (the control).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createParser } from 'eventsource-parser';
import type { RunningAgent } from '../../agent/agent';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { PROGRAMS, requireProgram } from '../helpers/programs';
import { seqOf } from '../helpers/sse-stream';

const INTERVAL = { interval: '200ms', timeout: '1s' };
const READ_MS = 3000;

interface Arrival {
  event: string;
  id: string | undefined;
  data: string;
  /** Date.now() when its last byte came in. */
  at: number;
}

/** Every event of `url` for `ms`, with when it arrived; then the connection is closed. */
function readEvents(url: string, ms: number, headers: Record<string, string> = {}): Promise<{ headers: Record<string, unknown>; events: Arrival[] }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const events: Arrival[] = [];
      const parser = createParser({ onEvent: ({ event = 'message', id, data }) => events.push({ event, id, data, at: Date.now() }) });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('error', () => undefined);
      setTimeout(() => {
        req.destroy();
        resolve({ headers: res.headers, events });
      }, ms);
    });
    req.on('error', reject);
  });
}

/** How long after its sample each sample event arrived, ms, sorted. */
function lags(events: Arrival[]): number[] {
  return events
    .filter((e) => ['cpu', 'memory', 'load', 'disk'].includes(e.event))
    .map((e) => e.at - (JSON.parse(e.data) as { ts: number }).ts)
    .sort((a, b) => a - b);
}
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

describe('/events through nginx', () => {
  const nginxPath = requireProgram(PROGRAMS.nginx);
  let agent: RunningAgent;
  let nginx: { child: ChildProcess; output: () => string };
  let proxy: string;
  let dir: string;

  beforeAll(async () => {
    agent = await startTestAgent({ collectors: { cpu: INTERVAL, memory: INTERVAL, load: INTERVAL, disk: INTERVAL } });
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-nginx-'));
    const port = await freePort();
    proxy = `http://127.0.0.1:${port}`;
    const upstream = `http://127.0.0.1:${agent.port}`;
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        // Everything nginx writes stays in the test's folder; responses never spill to temp files.
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`),
        '  proxy_max_temp_file_size 0;',
        '  server {',
        `    listen 127.0.0.1:${port};`,
        // The stock configuration: nothing but proxy_pass.
        `    location / { proxy_pass ${upstream}; }`,
        `    location /ignoring-the-header/ { proxy_pass ${upstream}/; proxy_ignore_headers X-Accel-Buffering; }`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    nginx = startProcess(nginxPath, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;']);
    await waitForUrl(`${proxy}/healthz`, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}; nginx said: ${nginx.output()}`);
    });
  }, 20_000);

  afterAll(async () => {
    if (nginx) await stopProcess(nginx.child);
    await stopTestAgents();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('arrives event by event, each within moments of its sample, under the default proxy_buffering', async () => {
    const { headers, events } = await readEvents(`${proxy}/events`, READ_MS);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache, no-transform');
    // nginx acts on X-Accel-* headers and does not pass them on.
    expect(headers['x-accel-buffering']).toBeUndefined();
    const sorted = lags(events.slice(5)); // after the hello and the latest samples, which are older by design
    expect(sorted.length).toBeGreaterThan(30);
    expect(quantile(sorted, 0.5)).toBeLessThan(50);
    expect(quantile(sorted, 0.9)).toBeLessThan(150);
    // Live events follow the hello's resume point without a gap.
    const start = seqOf(events[0]!.id);
    const live = events.map((e) => seqOf(e.id)).filter((seq) => seq > start);
    expect(live).toEqual(live.map((_, i) => start + 1 + i));
  });

  it('the control: with the header ignored, nginx holds events back until a 4 KiB buffer fills', async () => {
    const { events } = await readEvents(`${proxy}/ignoring-the-header/events`, READ_MS);
    expect(quantile(lags(events.slice(5)), 0.5)).toBeGreaterThan(150);
  });

  it('passes Last-Event-ID, so a reconnection resumes without a gap', async () => {
    const first = await readEvents(`${proxy}/events`, 600);
    const last = first.events.at(-1)!.id!;
    const second = await readEvents(`${proxy}/events`, 600, { 'Last-Event-ID': last });
    expect(second.events.map((e) => e.event)).not.toContain('reset');
    expect(seqOf(second.events[1]!.id)).toBe(seqOf(last) + 1);
  });
});
