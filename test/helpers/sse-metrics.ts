/** The agent's hostfeed_sse_* series, read from its own /metrics as Prometheus would. */
import { parseExposition } from './exposition';
import { HANG_GUARD_MS } from './until';

export interface SseMetrics {
  clients: number;
  eventsSent: number;
  cutSlow: number;
  cutStall: number;
  /** Refused at sse.maxClients. */
  refused: number;
  refusedPerAddress: number;
  /** Connections dropped at server.maxConnections. */
  dropped: number;
}

export async function sseMetrics(url: string): Promise<SseMetrics> {
  const families = parseExposition(await (await fetch(`${url}/metrics`)).text());
  const value = (name: string, reason?: string) => {
    const sample = families.get(name)?.samples.find((s) => reason === undefined || s.labels.reason === reason);
    if (!sample) throw new Error(`${name}${reason ? `{reason="${reason}"}` : ''} missing from /metrics`);
    return sample.value;
  };
  return {
    clients: value('hostfeed_sse_clients'),
    eventsSent: value('hostfeed_sse_events_sent_total'),
    cutSlow: value('hostfeed_sse_clients_cut_total', 'slow'),
    cutStall: value('hostfeed_sse_clients_cut_total', 'stall'),
    refused: value('hostfeed_sse_clients_refused_total', 'max_clients'),
    refusedPerAddress: value('hostfeed_sse_clients_refused_total', 'per_address'),
    dropped: value('hostfeed_http_connections_dropped_total'),
  };
}

/** Polls until `done` holds (bounded); returns the last reading. */
export async function waitForMetrics(url: string, done: (m: SseMetrics) => boolean, timeoutMs = HANG_GUARD_MS): Promise<SseMetrics> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await sseMetrics(url);
    if (done(metrics)) return metrics;
    if (Date.now() > deadline) throw new Error(`hostfeed_sse_* did not reach the expected values in ${timeoutMs} ms: ${JSON.stringify(metrics)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
