/** A real Prometheus (Debian package prometheus) on a free loopback port, its TSDB in the folder of its config. */
import { dirname, join } from 'node:path';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { PROGRAMS, requireProgram } from './programs';
import { HANG_GUARD_MS } from './until';

export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  api: string;
  /** What it has written so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Resolves once it answers /-/ready. */
export async function startPrometheus(configFile: string): Promise<RunningPrometheus> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const { child, output } = startProcess(requireProgram(PROGRAMS.prometheus), [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dirname(configFile), 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitForUrl(`${api}/-/ready`, HANG_GUARD_MS);
  return { api, output, stop: () => stopProcess(child) };
}
