/**
 * A real node_exporter beside the agent, as the peer of the /metrics comparisons: the collectors behind the families
 * hostfeed serves, and hostfeed's own exclusions (Debian patches node_exporter's default mount-point exclusion, so
 * its defaults are not upstream's). Loopback only; ended by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Config } from '../agent/config';
import { NODE_EXPORTER_COLLECTORS } from '../agent/metrics/agent-health';
import { freePort, startProcess, stopProcess, waitForUrl } from './processes';

export const NODE_EXPORTER_PATH = '/usr/bin/prometheus-node-exporter';

/** node_exporter's collectors for hostfeed's families: stat gives node_boot_time_seconds and the kernel counters. */
export const FAMILY_COLLECTORS = [...Object.values(NODE_EXPORTER_COLLECTORS).flat(), 'uname', 'time'];

/**
 * netdev reads /proc/net/dev as hostfeed does, not netlink (its default since 1.5, which sees the namespace it runs in
 * whatever --path.procfs says); the network exclusion is both netdev's and netclass's.
 */
export function nodeExporterArgs({ procfsRoot, sysfsRoot, collectors: { disk, network } }: Config, port: number, collectors = FAMILY_COLLECTORS): string[] {
  return [
    `--web.listen-address=127.0.0.1:${port}`,
    `--path.procfs=${procfsRoot}`,
    `--path.sysfs=${sysfsRoot}`,
    '--collector.disable-defaults',
    ...collectors.map((name) => `--collector.${name}`),
    `--collector.filesystem.mount-points-exclude=${disk.mountPointsExclude}`,
    `--collector.filesystem.fs-types-exclude=${disk.fsTypesExclude}`,
    `--collector.diskstats.device-exclude=${disk.devicesExclude}`,
    ...(collectors.includes('netdev') ? ['--no-collector.netdev.netlink', `--collector.netdev.device-exclude=${network.devicesExclude}`] : []),
    ...(collectors.includes('netclass') ? [`--collector.netclass.ignored-devices=${network.devicesExclude}`] : []),
  ];
}

export interface RunningNodeExporter {
  metricsUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts node_exporter with the exclusions of `config` and resolves once /metrics answers. */
export async function startNodeExporter(config: Config, collectors = FAMILY_COLLECTORS, path = NODE_EXPORTER_PATH): Promise<RunningNodeExporter> {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: install the Debian package prometheus-node-exporter (.ci/run installs it)`);
  }
  const port = await freePort();
  const { child, output } = startProcess(path, nodeExporterArgs(config, port, collectors));
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  try {
    await waitForUrl(metricsUrl);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`node_exporter did not start (${(err as Error).message}); its output: ${output()}`);
  }
  return { metricsUrl, child, stop: () => stopProcess(child) };
}
