/**
 * npm run bench: each figure next to a peer measured in the same run. Loopback only; every process it starts is
 * ended by PID. BENCH_ONLY=overhead,rss1000,start,metrics,sse,viewer,history picks parts (default: all). The overhead part
 * (issue 11's scenarios A, B, C, two repetitions) measures BENCH_SECONDS (default 180) after BENCH_WARMUP_SECONDS
 * (default 120) per repetition: about 10 minutes at the defaults. The viewer part measures 6 pages for
 * BENCH_VIEWER_SECONDS (default 20) after BENCH_VIEWER_WARMUP_SECONDS (default 10) each, against the viewer of the git
 * ref BENCH_VIEWER_BASELINE (default main; empty for none): about 4 minutes.
 */
import { benchHistory, historyReport } from './history';
import { benchMetricsLatency } from './metrics-latency';
import { benchOverhead } from './overhead';
import { MB, mark, overheadReport } from './overhead-report';
import { benchClientsRss, RSS_1000_CLIENTS_TARGET_BYTES } from './rss-clients';
import { benchSseFanout, sseFanoutReport } from './sse-fanout';
import { benchStart } from './start';
import { benchViewerFrames, viewerFramesReport } from './viewer-frames';

const out = (line: string) => process.stdout.write(`${line}\n`);

function secondsFromEnv(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < min) throw new Error(`${name}: expected a whole number of seconds from ${min}, got ${JSON.stringify(text)}`);
  return seconds;
}

async function overhead(): Promise<void> {
  const seconds = secondsFromEnv('BENCH_SECONDS', 180);
  const warmup = secondsFromEnv('BENCH_WARMUP_SECONDS', 120, 0);
  out(overheadReport(await benchOverhead(warmup, seconds)));
}

async function rss1000(): Promise<void> {
  const [hostfeed, peer] = await benchClientsRss();
  out(`RSS with ${hostfeed.clients} SSE clients on /events (peak over 10 s, default config, MB = 10^6 bytes)`);
  out(`  hostfeed    ${(hostfeed.peakRssBytes / MB).toFixed(1)} MB (target <= ${RSS_1000_CLIENTS_TARGET_BYTES / MB} MB: ${mark(hostfeed.peakRssBytes <= RSS_1000_CLIENTS_TARGET_BYTES)})`);
  out(`  better-sse  ${(peer.peakRssBytes / MB).toFixed(1)} MB (the fan-out bench's server, one cpu event a second): hostfeed x${(hostfeed.peakRssBytes / peer.peakRssBytes).toFixed(2)}`);
}

async function start(): Promise<void> {
  out('start: spawn to the first /healthz 200 (polled every 10 ms), dist/ up to date; median (each start)');
  for (const { command, seconds, median, targetSeconds } of await benchStart()) {
    out(`  ${command.padEnd(24)} median ${median.toFixed(2)} s (${seconds.map((s) => s.toFixed(2)).join(' ')}) (target < ${targetSeconds} s: ${mark(median < targetSeconds)})`);
  }
}

async function metrics(): Promise<void> {
  const { scrapes, agent, nodeExporter, ratio: r } = await benchMetricsLatency();
  out(`/metrics latency: ${scrapes} sequential scrapes each, alternating, Prometheus' Accept and gzip`);
  out(`  hostfeed       median ${agent.medianMs.toFixed(2)} ms  p99 ${agent.p99Ms.toFixed(2)} ms`);
  out(`  node_exporter  median ${nodeExporter.medianMs.toFixed(2)} ms  p99 ${nodeExporter.p99Ms.toFixed(2)} ms`);
  out(`  ratio hostfeed / node_exporter: median x${r.median.toFixed(2)}  p99 x${r.p99.toFixed(2)}`);
}

async function sse(): Promise<void> {
  out(sseFanoutReport(await benchSseFanout()));
}

async function viewer(): Promise<void> {
  const baseline = process.env.BENCH_VIEWER_BASELINE ?? 'main';
  const seconds = secondsFromEnv('BENCH_VIEWER_SECONDS', 20);
  const warmup = secondsFromEnv('BENCH_VIEWER_WARMUP_SECONDS', 10, 0);
  out(viewerFramesReport(await benchViewerFrames(baseline || undefined, warmup, seconds)));
}

async function history(): Promise<void> {
  out(historyReport(benchHistory(), mark));
}

const PARTS: Record<string, () => Promise<void>> = { overhead, rss1000, start, metrics, sse, viewer, history };

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',') ?? Object.keys(PARTS);
  for (const name of only) {
    const part = PARTS[name];
    if (!part) throw new Error(`BENCH_ONLY: unknown part ${JSON.stringify(name)}; parts: ${Object.keys(PARTS).join(', ')}`);
    await part();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
