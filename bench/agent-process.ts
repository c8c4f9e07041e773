/**
 * The agent as users run it, `node [its flags] dist/agent/main.js --config FILE` (agent-command.ts), in a process of its own for the benches that
 * measure a process (CPU, RSS, start time). The configuration is `{}` plus a free loopback port unless told otherwise.
 * Ended by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_MAIN, agentNodeFlags, ROOT } from './agent-command';
import { freePort, startProcess, stopProcess, waitForUrl } from './processes';

/** Preloaded with --require: counts the child processes the agent starts, reported on SIGUSR2. */
const COUNT_CHILDREN = join(ROOT, 'bench/count-children.js');

/** A configuration file on a free port, to start the agent with; `dispose` removes it. */
export interface AgentLaunch {
  url: string;
  configPath: string;
  dispose(): void;
}

export async function prepareAgent(config: object = {}): Promise<AgentLaunch> {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-bench-agent-'));
  const port = await freePort();
  const configPath = join(dir, 'agent.config.json');
  writeFileSync(configPath, JSON.stringify({ ...config, host: '127.0.0.1', port }));
  return { url: `http://127.0.0.1:${port}`, configPath, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  /** Child processes the agent started so far (started with countChildren only). */
  childProcesses(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the agent and resolves once /healthz answers 200. */
export async function startAgentProcess(config: object = {}, { countChildren = false } = {}): Promise<AgentProcess> {
  const launch = await prepareAgent(config);
  const preload = countChildren ? ['--require', COUNT_CHILDREN] : [];
  const { child, output } = startProcess(process.execPath, [...agentNodeFlags(), ...preload, AGENT_MAIN, '--config', launch.configPath], { HOSTFEED_LOG_LEVEL: 'warn' });
  const stop = async () => {
    await stopProcess(child);
    launch.dispose();
  };
  try {
    await waitForUrl(`${launch.url}/healthz`);
  } catch (err) {
    await stop();
    throw new Error(`the agent did not start (${(err as Error).message}); its output: ${output().slice(-2000)}`);
  }
  return { child, url: launch.url, childProcesses: () => childCountOf(child, output), stop };
}

function childCountOf(child: ChildProcess, output: () => string): Promise<number> {
  const reports = () => [...output().matchAll(/hostfeed-bench children=(\d+)/g)];
  const before = reports().length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the agent did not report its child count')), 2000);
    const onData = () => {
      const counts = reports();
      if (counts.length === before) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      resolve(Number(counts[counts.length - 1][1]));
    };
    child.stderr?.on('data', onData);
    child.kill('SIGUSR2');
  });
}
