/**
 * Start time: from spawning the agent to its first /healthz 200, polled every 10 ms on loopback, the median of 5
 * starts of `node dist/agent/main.js` and of 3 of `npm start` (which runs its prestart first), dist/ up to date.
 * Ended by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AGENT_MAIN, agentNodeFlags, ROOT } from './agent-command';
import { prepareAgent } from './agent-process';
import { startProcess, stopProcessTree } from './processes';

const POLL_MS = 10;
/** Generous: today's `npm start` compiles first, which takes minutes on a busy 2-core machine. */
const DEADLINE_MS = 180_000;

export interface StartFigures {
  command: string;
  /** Issue 11's bound on the median. */
  targetSeconds: number;
  /** Seconds to healthy, in the order measured. */
  seconds: number[];
  median: number;
}

const healthy = (url: string) =>
  new Promise<boolean>((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });

/** Seconds from spawn to /healthz 200 for one start. */
async function timeStart(spawnAgent: (configPath: string) => { child: ChildProcess; output: () => string }): Promise<number> {
  const launch = await prepareAgent();
  const startedAt = performance.now();
  const { child, output } = spawnAgent(launch.configPath);
  try {
    while (!(await healthy(`${launch.url}/healthz`))) {
      if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}): ${output().slice(-2000)}`);
      if (performance.now() - startedAt > DEADLINE_MS) throw new Error(`the agent was not healthy within ${DEADLINE_MS} ms: ${output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return (performance.now() - startedAt) / 1000;
  } finally {
    // npm start runs the agent below npm and a shell: end the tree.
    await stopProcessTree(child);
    launch.dispose();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function timeStarts(command: string, targetSeconds: number, starts: number, spawnAgent: Parameters<typeof timeStart>[0]): Promise<StartFigures> {
  const seconds: number[] = [];
  for (let i = 0; i < starts; i += 1) seconds.push(await timeStart(spawnAgent));
  return { command, targetSeconds, seconds, median: median(seconds) };
}

export async function benchStart(): Promise<StartFigures[]> {
  const node = await timeStarts('node dist/agent/main.js', 0.5, 5, (config) => startProcess(process.execPath, [...agentNodeFlags(), AGENT_MAIN, '--config', config]));
  const npm = await timeStarts('npm start', 1.5, 3, (config) => startProcess('npm', ['start', '--silent', '--prefix', ROOT, '--', '--config', config]));
  return [node, npm];
}
