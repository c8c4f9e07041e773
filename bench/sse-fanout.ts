/**
 * SSE fan-out: delivery latency (receipt time - event ts) p50/p99 and server RSS at each number of clients, for
 * hostfeed's /events, better-sse's Channel.broadcast and a bare node:http server writing one prebuilt frame, in the
 * same run, each sending the same event every second (the agent's default cpu interval). Each server runs in its own process (its RSS is its own);
 * the clients are raw TCP connections in other processes, so the client side does not weigh on the servers' event
 * loops. Loopback only; every process it starts is ended by PID; every wait is bounded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { firstValueFrom, interval, takeUntil, timer } from 'rxjs';
import { stopProcess } from './processes';
import { rssBytesOf } from './procstat';
import type { ClientsCommand, ClientsMessage } from './sse-fanout/clients';
import { EVENT_INTERVAL_MS, SERVER_KINDS, type ServerKind } from './sse-fanout/server';

export const SERVER_SCRIPT = join(__dirname, 'sse-fanout', 'server.js');
export const CLIENTS_SCRIPT = join(__dirname, 'sse-fanout', 'clients.js');
/** Clients per client process: two processes at 10,000, as many as this machine has cores. */
const CLIENTS_PER_PROCESS = 5000;
/** Events stamped in this window count; the clients get this long again for the last ones to arrive. */
const MEASURE_MS = 10_000;
const LATE_MS = 3000;
/** After the last client connects, before measuring: the connection ramp's backlog drains. */
const SETTLE_MS = 1000;
const RSS_SAMPLE_MS = 250;
/** File descriptors a process needs besides its sockets. */
const SPARE_FDS = 64;

export interface FanoutFigures {
  server: ServerKind;
  clients: number;
  p50Ms: number;
  p99Ms: number;
  /** Highest RSS of the server process while measuring. */
  rssBytes: number;
  /** Events received / (events sent in the window x clients): below 1 means events lost or later than LATE_MS. */
  deliveredRatio: number;
}

/** The hard limit on open files, up to which each child raises its soft limit. */
function openFilesLimit(): number {
  const text = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text);
}

/** A node child with IPC, its soft open-files limit raised to the hard one (the shell execs node: same PID). */
export function startChild(script: string, args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export function nextMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => done(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => done(new Error(`${what}: process exited (${code}) before answering`));
    const onMessage = (message: T) => done(undefined, message);
    function done(err: Error | undefined, message?: T) {
      clearTimeout(timeout);
      child.off('exit', onExit).off('message', onMessage);
      if (err) reject(err);
      else resolve(message as T);
    }
    child.once('exit', onExit).once('message', onMessage);
  });
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function measure(kind: ServerKind, clients: number): Promise<FanoutFigures> {
  const server = startChild(SERVER_SCRIPT, [kind]);
  const clientProcesses: ChildProcess[] = [];
  try {
    const { port } = await nextMessage<{ port: number }>(server, `${kind} server`, 15_000);
    for (let left = clients; left > 0; left -= CLIENTS_PER_PROCESS) {
      clientProcesses.push(startChild(CLIENTS_SCRIPT, [String(port), String(Math.min(left, CLIENTS_PER_PROCESS))]));
    }
    await Promise.all(clientProcesses.map((child) => nextMessage<ClientsMessage>(child, `${kind} clients connecting`, 120_000)));
    await firstValueFrom(timer(SETTLE_MS));

    const send = (command: ClientsCommand) => clientProcesses.forEach((child) => child.send(command));
    let rssBytes = 0;
    const measureFrom = Date.now();
    send({ measureFrom });
    const sampling = interval(RSS_SAMPLE_MS)
      .pipe(takeUntil(timer(MEASURE_MS)))
      .subscribe(() => (rssBytes = Math.max(rssBytes, rssBytesOf(server.pid!))));
    await firstValueFrom(timer(MEASURE_MS + LATE_MS));
    sampling.unsubscribe();
    const reports = clientProcesses.map((child) => nextMessage<ClientsMessage>(child, `${kind} clients reporting`, 30_000));
    send('report');
    const inWindow: number[] = [];
    const events = new Set<number>();
    for (const report of await Promise.all(reports)) {
      if (!('ts' in report)) continue;
      report.ts.forEach((ts, i) => {
        if (ts >= measureFrom + MEASURE_MS) return;
        events.add(ts);
        inWindow.push(report.latenciesMs[i]);
      });
    }
    const sorted = Float64Array.from(inWindow).sort();
    return {
      server: kind,
      clients,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      rssBytes,
      deliveredRatio: inWindow.length / (clients * events.size),
    };
  } finally {
    await Promise.all([...clientProcesses, server].map(stopProcess));
  }
}

/** Every server at every size, sizes in turn; a size beyond the open-files limit is left out (see the report). */
export async function benchSseFanout(sizes = [100, 1000, 10000]): Promise<{ figures: FanoutFigures[]; skipped: string[] }> {
  const limit = openFilesLimit();
  const figures: FanoutFigures[] = [];
  const skipped: string[] = [];
  for (const clients of sizes) {
    if (clients + SPARE_FDS > limit) {
      skipped.push(`${clients} clients: the open-files hard limit (ulimit -Hn) is ${limit}; raise it to at least ${clients + SPARE_FDS}`);
      continue;
    }
    for (const kind of SERVER_KINDS) {
      process.stderr.write(`sse fan-out: ${kind}, ${clients} clients\n`);
      figures.push(await measure(kind, clients));
    }
  }
  return { figures, skipped };
}

/** One line per server and size, with hostfeed's ratios to the two peers. */
export function sseFanoutReport({ figures, skipped }: Awaited<ReturnType<typeof benchSseFanout>>): string {
  const MiB = 2 ** 20;
  const lines = figures.map((f) => {
    const of = (server: ServerKind) => figures.find((g) => g.server === server && g.clients === f.clients)!;
    const ratios =
      f.server === 'hostfeed'
        ? `  p99 x${(f.p99Ms / of('better-sse').p99Ms).toFixed(2)} better-sse, x${(f.p99Ms / of('bare').p99Ms).toFixed(2)} bare;` +
          ` RSS x${(f.rssBytes / of('better-sse').rssBytes).toFixed(2)} better-sse`
        : '';
    return (
      `  ${String(f.clients).padStart(6)} clients  ${f.server.padEnd(10)} p50 ${f.p50Ms.toFixed(1).padStart(7)} ms  p99 ${f.p99Ms.toFixed(1).padStart(7)} ms` +
      `  RSS ${(f.rssBytes / MiB).toFixed(0).padStart(4)} MiB  delivered ${(f.deliveredRatio * 100).toFixed(1)} %${ratios}`
    );
  });
  return [...lines, ...skipped.map((reason) => `  skipped ${reason}`)].join('\n');
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number);
  benchSseFanout(sizes.length ? sizes : undefined)
    .then((result) => process.stdout.write(`sse fan-out: one event every ${EVENT_INTERVAL_MS} ms, ${MEASURE_MS / 1000} s of events\n${sseFanoutReport(result)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`sse fan-out bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
