/** The hub's counters as hostfeed_sse_* metrics in the agent's registry, read at scrape time. */
import { Counter, Gauge, type Registry } from '../metrics/prom-client';
import type { Refusal } from './admission';
import type { HubStats } from './hub';

export function registerSseMetrics(registry: Registry, stats: () => HubStats, refused: () => Record<Refusal, number>): void {
  const registers = [registry];
  new Gauge({
    name: 'hostfeed_sse_clients',
    help: 'hostfeed: SSE clients connected to /events.',
    registers,
    collect() {
      this.set(stats().clients);
    },
  });
  // Counters kept by the hub: reset() then inc() copies its total, as prom-client has no set() for counters.
  new Counter({
    name: 'hostfeed_sse_events_sent_total',
    help: 'hostfeed: Events written to SSE clients, one per event per client (hello, replays and snapshots included).',
    registers,
    collect() {
      this.reset();
      this.inc(stats().eventsSent);
    },
  });
  new Counter({
    name: 'hostfeed_sse_clients_cut_total',
    help: 'hostfeed: SSE clients disconnected by the agent; reason="slow": their unsent bytes passed sse.maxBufferedBytes, "stall": their socket did not drain for sse.stallTimeout.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(stats().clientsCut)) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: 'hostfeed_sse_clients_refused_total',
    help: 'hostfeed: Connections to /events turned away (busy event or 503); reason="max_clients": at sse.maxClients, "per_address": their address held sse.maxClientsPerAddress.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(refused())) this.inc({ reason }, count);
    },
  });
}
