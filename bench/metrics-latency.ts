/**
 * /metrics latency of the agent (real /proc) next to node_exporter (same collectors and exclusions) in the same run:
 * sequential scrapes on loopback over one keep-alive connection each, as Prometheus scrapes (its Accept and gzip),
 * alternating between the two so that both see the same machine. The agent runs in this process, sampling as usual.
 */
import { startAgent } from '../agent/agent';
import { parseConfig } from '../agent/config';
import { silentLogger } from '../agent/logger';
import { startNodeExporter } from './node-exporter';
import { waitForUrl } from './processes';
import { scrapeConnection, timeScrape } from './scrape';

const WARMUP_SCRAPES = 20;

export interface LatencyFigures {
  medianMs: number;
  p99Ms: number;
}

export interface MetricsLatency {
  scrapes: number;
  agent: LatencyFigures;
  nodeExporter: LatencyFigures;
  /** agent / node_exporter: at most 1 means the agent answers as fast or faster. */
  ratio: { median: number; p99: number };
}

function figuresOf(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}

export async function benchMetricsLatency(scrapes = 200): Promise<MetricsLatency> {
  const config = parseConfig({ port: 0 }, 'bench');
  const agent = await startAgent(config, { logger: silentLogger() });
  const connections = [scrapeConnection(), scrapeConnection()];
  try {
    await waitForUrl(`${agent.url}/healthz`);
    const nodeExporter = await startNodeExporter(config);
    try {
      const targets = [`${agent.url}/metrics`, nodeExporter.metricsUrl];
      const samples: number[][] = [[], []];
      for (let i = 0; i < WARMUP_SCRAPES + scrapes; i++) {
        for (const [t, url] of targets.entries()) {
          const ms = await timeScrape(url, connections[t]!);
          if (i >= WARMUP_SCRAPES) samples[t]!.push(ms);
        }
      }
      const [ours, peer] = samples.map(figuresOf) as [LatencyFigures, LatencyFigures];
      return { scrapes, agent: ours, nodeExporter: peer, ratio: { median: ours.medianMs / peer.medianMs, p99: ours.p99Ms / peer.p99Ms } };
    } finally {
      await nodeExporter.stop();
    }
  } finally {
    for (const connection of connections) connection.destroy();
    await agent.stop();
  }
}
