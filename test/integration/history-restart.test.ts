/**
 * The history survives a restart: an agent recorded on a fake source is stopped as SIGTERM stops it (agent.stop(),
 * which writes the file), a new one starts on the same file, and /api/history gives the samples from before, with the
 * time the agent was down.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyAnswerSchema, type HistoryAnswer } from '../../agent/history-contract';
import { startCli, stopCli, type RunningCli } from '../helpers/cli';
import { createFakeSource } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { openStream } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'history-restart-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(stopTestAgents);

/** Commands started here, ended (by their process) if a test fails before it stops them. */
const commands: RunningCli[] = [];
const track = (cli: RunningCli) => (commands.push(cli), cli);
afterEach(() => commands.splice(0).forEach(({ child }) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));

async function history(url: string, from: number): Promise<HistoryAnswer> {
  const res = await fetch(`${url}/api/history?topics=load,memory&from=${from}&to=${Date.now()}`, { headers: { 'Accept-Encoding': 'gzip' } });
  expect(res.status).toBe(200);
  return historyAnswerSchema.parse(await res.json());
}

/** The load1 value of each step that has one, by the step's start. */
function load1(answer: HistoryAnswer): Map<number, number> {
  const { value } = answer.series.load!.load1!;
  return new Map(answer.ts.flatMap((ts, i) => (value[i] === null ? [] : [[ts, value[i]!]])));
}

describe('history across a restart', () => {
  it('reads the samples of before the restart back, and marks the time the agent was down', async () => {
    const file = join(dir, 'history.bin');
    const from = Date.now() - 1000;
    const first = await startTestAgent({ history: { file } }, createFakeSource().source);
    const stream = await openStream(`${first.url}/events?topics=load`);
    // Live load samples (every 100 ms here) for a few seconds: whole one-second steps are behind.
    const times = () => stream.events('load').map((e) => (JSON.parse(e.data) as { ts: number }).ts);
    await untilTrue('load samples over two seconds', async () => times().some((ts) => ts > from + 3000));
    stream.close();
    const lastLoadTs = Math.max(...times());
    const before = await history(first.url, from);
    expect(load1(before).size).toBeGreaterThan(0);
    await first.stop();
    const stoppedAt = Date.now();

    const second = await startTestAgent({ history: { file } }, createFakeSource().source);
    const after = await history(second.url, from);
    expect(after.tierStepMs).toBe(before.tierStepMs);
    const [restart, ...more] = after.restarts;
    expect(more).toEqual([]);
    expect(restart!.downFrom).toBeGreaterThanOrEqual(lastLoadTs);
    expect(restart!.downFrom).toBeLessThanOrEqual(stoppedAt);
    expect(restart!.upAt).toBeGreaterThanOrEqual(stoppedAt);
    // Every step that ended before the agent stopped reads as it did then.
    const kept = load1(after);
    const ended = [...load1(before)].filter(([ts]) => ts + before.stepMs <= restart!.downFrom);
    expect(ended.length).toBeGreaterThan(0);
    for (const [ts, value] of ended) expect([ts, kept.get(ts)]).toEqual([ts, value]);
    expect(after.series.memory!.usedRatio!.value.some((v) => v !== null)).toBe(true);
  });
});

describe('the hostfeed command', () => {
  it('writes the history on SIGTERM and reads it back at the next start, with the restart', async () => {
    const file = join(dir, 'cli-history.bin');
    const config = join(dir, 'cli.json');
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', port: 0, history: { file } }));
    const first = track(await startCli(['--config', config]));
    const from = Date.now() - 1000;
    const before = await history(first.url, from);
    expect(load1(before).size).toBeGreaterThan(0);
    expect(await stopCli(first, 'SIGTERM')).toEqual({ code: 0, signal: null, problems: [] });
    expect(existsSync(file)).toBe(true);

    const second = track(await startCli(['--config', config]));
    const after = await history(second.url, from);
    expect(after.restarts).toHaveLength(1);
    expect(await stopCli(second, 'SIGTERM')).toEqual({ code: 0, signal: null, problems: [] });
  });
});

describe('GET /api/history on a running agent', () => {
  it('answers cross-origin requests from cors.origins, as /api/snapshot does', async () => {
    const origin = 'https://dash.example';
    const agent = await startTestAgent({ cors: { origins: [origin] } });
    for (const path of ['/api/snapshot', '/api/history']) {
      const res = await fetch(`${agent.url}${path}`, { headers: { Origin: origin } });
      expect([path, res.status, res.headers.get('access-control-allow-origin')]).toEqual([path, 200, origin]);
    }
  });

  it('is not served with history.enabled false', async () => {
    const agent = await startTestAgent({ history: { enabled: false } });
    expect(agent.history).toBeUndefined();
    expect((await fetch(`${agent.url}/api/history`)).status).toBe(404);
  });
});
