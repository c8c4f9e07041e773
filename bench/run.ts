/**
 * npm run bench: each figure next to a peer measured in the same run. Loopback only; every process it starts is
 * ended by PID. BENCH_SECONDS shortens the overhead run (default 60).
 */
import { benchOverhead } from './overhead';

const MiB = 2 ** 20;

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  process.stdout.write(`overhead: default intervals, each scraped every second for ${seconds} s\n`);
  const overhead = await benchOverhead(seconds);
  const peer = overhead.find((f) => f.name === 'node_exporter')!;
  for (const f of overhead) {
    const children = f.childProcesses === undefined ? '' : `  child processes ${f.childProcesses}`;
    process.stdout.write(
      `  ${f.name.padEnd(30)} CPU ${f.cpuSecondsPerMinute.toFixed(3)} s/min  (x${(f.cpuSecondsPerMinute / peer.cpuSecondsPerMinute).toFixed(2)} node_exporter)  RSS ${(f.rssBytes / MiB).toFixed(1)} MiB${children}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
