/**
 * Netdata beside scenario C of the overhead bench, when Debian's `netdata` package is installed: at its defaults,
 * in the foreground, with a throwaway configuration that keeps its files in a temporary directory and its dashboard on
 * a loopback port. Its plugins are processes of its own: measure its whole tree. Ended by PID with its tree.
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, stopProcessTree, waitForUrl } from './processes';

export const NETDATA_PATH = '/usr/sbin/netdata';

export interface RunningNetdata {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Why Netdata cannot be measured here, or undefined when it can. */
export function netdataMissing(path = NETDATA_PATH): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `${path} is missing (Debian package netdata)`;
  }
}

export async function startNetdata(path = NETDATA_PATH): Promise<RunningNetdata> {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-bench-netdata-'));
  const dirs = Object.fromEntries(['config', 'cache', 'lib', 'log'].map((name) => [name, join(dir, name)]));
  Object.values(dirs).forEach((d) => mkdirSync(d));
  const port = await freePort();
  const config = join(dir, 'netdata.conf');
  writeFileSync(
    config,
    [
      '[global]',
      // Its files are ours, in `dir`: no switch to the netdata user.
      `  run as user = ${userInfo().username}`,
      '[web]',
      `  bind to = 127.0.0.1:${port}`,
      '[directories]',
      ...Object.entries(dirs).map(([name, d]) => `  ${name} = ${d}`),
      `  home = ${dirs.lib}`,
      '',
    ].join('\n'),
  );
  // DO_NOT_TRACK: no anonymous statistics sent from a bench.
  const { child, output } = startProcess(path, ['-D', '-c', config], { DO_NOT_TRACK: '1' });
  const stop = async () => {
    await stopProcessTree(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForUrl(`http://127.0.0.1:${port}/api/v1/info`, 60_000);
  } catch (err) {
    await stop();
    throw new Error(`netdata did not start (${(err as Error).message}); its output: ${output().slice(-2000)}`);
  }
  return { child, stop };
}
