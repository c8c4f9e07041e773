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
import type { RunningAgent } from '../../agent/agent';
import type { Source } from '../../agent/sources/types';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { PROGRAMS, requireProgram } from '../helpers/programs';
import { createFakeSource } from '../helpers/fake-source';
import { closeAfterEach, isEvent, seqOf } from '../helpers/sse-stream';
import { HANG_GUARD_MS } from '../helpers/until';

/** The fake source, whose cpu reads can be held and then let through one at a time: one cpu event each. */
function cpuOnCue(): { source: Source; hold(): void; letOneThrough(): void; release(): void } {
  const { source } = createFakeSource();
  let held = false;
  let allowed = 0;
  let wake = () => undefined as void;
  return {
    source: {
      ...source,
      async cpu() {
        while (held && allowed === 0) await new Promise<void>((resolve) => (wake = resolve));
        if (held) allowed -= 1;
        return source.cpu();
      },
    },
    hold: () => (held = true),
    letOneThrough: () => {
      allowed += 1;
      wake();
    },
    release: () => {
      held = false;
      wake();
    },
  };
}

/** The body of `url` as it arrives, one entry per read, until `enough` holds of what came; then the connection is cut. */
function readChunks(url: string, enough: (chunks: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        chunks.push(chunk);
        if (!enough(chunks)) return;
        req.destroy();
        resolve(chunks);
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
  });
}

const { open } = closeAfterEach();

describe('/events through nginx', () => {
  const nginxPath = requireProgram(PROGRAMS.nginx);
  const cpu = cpuOnCue();
  let agent: RunningAgent;
  let nginx: { child: ChildProcess; output: () => string };
  let proxy: string;
  let dir: string;

  beforeAll(async () => {
    // cpu every 200 ms unless held; the others sample once (an hour is as good as never here), so that the stream's
    // live events are the cpu ones the test lets through.
    const once = { interval: '1h' };
    agent = await startTestAgent({ collectors: { cpu: { interval: '200ms', timeout: '10s' }, memory: once, load: once, disk: once } }, cpu.source);
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
    await waitForUrl(`${proxy}/healthz`, HANG_GUARD_MS).catch((err: Error) => {
      throw new Error(`${err.message}; nginx said: ${nginx.output()}`);
    });
  });

  afterAll(async () => {
    if (nginx) await stopProcess(nginx.child);
    await stopTestAgents();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('arrives event by event under the default proxy_buffering: each one before the next is even sampled', async () => {
    const stream = await open(`${proxy}/events`);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    // nginx acts on X-Accel-* headers and does not pass them on.
    expect(stream.headers['x-accel-buffering']).toBeUndefined();
    await stream.waitFor(isEvent('cpu'));
    // Held, the agent writes nothing more until a sample is let through: a buffering proxy would sit on each one
    // (a few hundred bytes, far from filling its 4 KiB buffer) and this would wait forever.
    cpu.hold();
    try {
      for (let step = 0; step < 5; step += 1) {
        const arrived = stream.events('cpu').length;
        cpu.letOneThrough();
        await stream.waitFor(isEvent('cpu'), arrived + 1);
      }
    } finally {
      cpu.release();
    }
    // Live events follow the hello's resume point without a gap.
    const [hello, ...events] = stream.events();
    const live = events.map((e) => seqOf(e.id)).filter((seq) => seq > seqOf(hello.id));
    expect(live).toEqual(live.map((_, i) => seqOf(hello.id) + 1 + i));
  });

  it('the control: with the header ignored, nginx holds the events back and sends its 4 KiB buffer in one piece', async () => {
    const chunks = await readChunks(`${proxy}/ignoring-the-header/events`, (read) => read.length > 0);
    // Many events in the first piece; unbuffered, the hello comes alone (the agent writes each event as it comes).
    expect(chunks[0].length).toBeGreaterThan(3000);
    expect(chunks[0].match(/^event: /gm)?.length).toBeGreaterThan(4);
  });

  it('passes Last-Event-ID, so a reconnection resumes without a gap', async () => {
    const first = await open(`${proxy}/events`);
    await first.waitFor(isEvent('cpu'), 3);
    first.close();
    const last = first.events().at(-1)!.id!;
    const second = await open(`${proxy}/events`, { 'Last-Event-ID': last });
    await second.waitFor(isEvent(), 2);
    expect(second.events().map((e) => e.event)).not.toContain('reset');
    expect(seqOf(second.events()[1].id)).toBe(seqOf(last) + 1);
  });
});
