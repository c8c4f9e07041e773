/** hostfeed's own collector health, as node_exporter's node_scrape_collector_* series, from the feed's status. */
import type { CollectorStatus } from '../feed';
import { family, type Family } from './family';

/** A collector serves its host series only while its last sample succeeded; before its first, it has none. */
export function servesSeries(status: CollectorStatus): boolean {
  return status.lastSuccess === true;
}

export function agentHealthFamilies(statuses: readonly CollectorStatus[]): Family[] {
  const per = (value: (s: CollectorStatus) => number) => statuses.map((s) => [{ collector: s.topic }, value(s)] as const);
  return [
    family(
      'hostfeed_scrape_collector_success',
      "hostfeed: Whether the collector's last sample succeeded; its series are left out while it fails.",
      'gauge',
      per((s) => (servesSeries(s) ? 1 : 0)),
    ),
    family(
      'hostfeed_scrape_collector_duration_seconds',
      "hostfeed: Duration of the collector's last sample.",
      'gauge',
      per((s) => s.lastDurationSeconds),
    ),
    family(
      'hostfeed_collector_errors_total',
      'hostfeed: Samples the collector failed or timed out on since the agent started.',
      'counter',
      per((s) => s.errorsTotal),
    ),
  ];
}
