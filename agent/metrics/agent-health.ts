/**
 * The agent's collector health. node_scrape_collector_* under node_exporter's collector names, so that the
 * dashboards' scrape panels and the usual `node_scrape_collector_success == 0` alert work unchanged; the error
 * count, which node_exporter has not, under hostfeed's own topic names.
 */
import type { Topic } from '../events';
import type { CollectorStatus } from '../feed';
import { family, type Family } from './family';

/** node_exporter's collectors whose families each hostfeed collector serves (uname and time: system.ts, always). */
export const NODE_EXPORTER_COLLECTORS: Readonly<Record<Topic, readonly string[]>> = {
  cpu: ['cpu', 'stat'],
  memory: ['meminfo'],
  disk: ['diskstats', 'filesystem'],
  load: ['loadavg'],
  network: ['netclass', 'netdev'],
  pressure: ['pressure'],
  processes: ['processes'],
};

/** A collector serves its host series only while its last sample succeeded; before its first, it has none. */
export function servesSeries(status: CollectorStatus): boolean {
  return status.lastSuccess === true;
}

export function agentHealthFamilies(statuses: readonly CollectorStatus[]): Family[] {
  const perNodeExporterCollector = (value: (s: CollectorStatus) => number) =>
    statuses.flatMap((s) => NODE_EXPORTER_COLLECTORS[s.topic].map((collector) => [{ collector }, value(s)] as const));
  return [
    family('node_scrape_collector_success', 'hostfeed: Whether a collector succeeded; its series are left out while it fails.', 'gauge', perNodeExporterCollector((s) => (servesSeries(s) ? 1 : 0))),
    family('node_scrape_collector_duration_seconds', 'hostfeed: Duration of the last sample of the collector that serves these families.', 'gauge', perNodeExporterCollector((s) => s.lastDurationSeconds)),
    family(
      'hostfeed_collector_errors_total',
      'hostfeed: Samples the collector failed or timed out on since the agent started.',
      'counter',
      statuses.map((s) => [{ collector: s.topic }, s.errorsTotal] as const),
    ),
  ];
}
