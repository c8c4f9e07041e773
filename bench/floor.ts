/** Starts the dependency-free floor agent (floor-agent.ts) with hostfeed's default exclusions; ended by PID. */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseConfig } from '../agent/config';
import { freePort, startProcess, stopProcess, waitForUrl } from './processes';

/** The compiled floor next to this file once built (tests, run from the sources, pass dist's). */
export const FLOOR_AGENT = join(__dirname, 'floor-agent.js');

export interface RunningFloor {
  child: ChildProcess;
  metricsUrl: string;
  stop(): Promise<void>;
}

export async function startFloorAgent(script = FLOOR_AGENT): Promise<RunningFloor> {
  const { mountPointsExclude, fsTypesExclude, devicesExclude } = parseConfig({}, 'bench').collectors.disk;
  const port = await freePort();
  const { child, output } = startProcess(process.execPath, [script, String(port), mountPointsExclude, fsTypesExclude, devicesExclude]);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  try {
    await waitForUrl(metricsUrl);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`the floor agent did not start (${(err as Error).message}); its output: ${output()}`);
  }
  return { child, metricsUrl, stop: () => stopProcess(child) };
}
