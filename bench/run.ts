/**
 * npm run bench: each figure next to a peer measured in the same run. Loopback only; every process it starts is
 * ended by PID. BENCH_SECONDS sets the overhead run's measured time (default 60) and BENCH_WARMUP_SECONDS its warm-up
 * (default 15); BENCH_ONLY=overhead,metrics,sse picks parts.
 */
import { benchMetricsLatency } from './metrics-latency';
import { benchOverhead } from './overhead';
import { benchSseFanout, sseFanoutReport } from './sse-fanout';

const MiB = 2 ** 20;
const out = (line: string) => process.stdout.write(`${line}\n`);
const ratio = (ours: number, peer: number) => `x${(ours / peer).toFixed(2)}`;

function secondsFromEnv(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < min) throw new Error(`${name}: expected a whole number of seconds from ${min}, got ${JSON.stringify(text)}`);
  return seconds;
}

async function overhead(): Promise<void> {
  const seconds = secondsFromEnv('BENCH_SECONDS', 60);
  const warmup = secondsFromEnv('BENCH_WARMUP_SECONDS', 15, 0);
  out(`overhead: default intervals, each scraped every second for ${seconds} s after ${warmup} s (CPU = own + children, /proc/<pid>/stat)`);
  const figures = await benchOverhead(seconds, warmup);
  const peer = figures.find((f) => f.name === 'node_exporter')!;
  for (const f of figures) {
    const children = f.childProcesses === undefined ? '' : `  child processes ${f.childProcesses}`;
    out(
      `  ${f.name.padEnd(30)} CPU ${f.cpuSecondsPerMinute.toFixed(3)} s/min (${ratio(f.cpuSecondsPerMinute, peer.cpuSecondsPerMinute)} node_exporter)  RSS ${(f.rssBytes / MiB).toFixed(1)} MiB${children}`,
    );
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

const PARTS: Record<string, () => Promise<void>> = { overhead, metrics, sse };

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
