/**
 * RSS of the agent (`node dist/agent/main.js`, default config, real sampling) with 1,000 SSE clients on /events, next
 * to better-sse's server of the fan-out bench with the same clients: raw TCP clients in another process, opened in
 * batches, held while the peak RSS is sampled, then closed. Loopback only; every process ended by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { startAgentProcess } from './agent-process';
import { stopProcess } from './processes';
import { peakRssBytesOf } from './procstat';
import { CLIENTS_SCRIPT, nextMessage, SERVER_SCRIPT, startChild } from './sse-fanout';
import type { ClientsMessage } from './sse-fanout/clients';

export const CLIENTS = 1000;
/** Issue 11's bound, MB of 10^6 bytes. */
export const RSS_1000_CLIENTS_TARGET_BYTES = 120e6;
/** After the last client connects: the connection ramp's garbage settles. */
const SETTLE_MS = 2000;
/** Long enough for every topic of the agent (disk and load every 5 s) to reach every client twice. */
const SAMPLE_MS = 10_000;

export interface ClientsRss {
  server: 'hostfeed' | 'better-sse';
  clients: number;
  peakRssBytes: number;
}

/** Holds CLIENTS clients on the server at `port` while sampling `serverPid`'s RSS. */
async function peakWithClients(serverPid: number, port: number, what: string): Promise<number> {
  const clients = startChild(CLIENTS_SCRIPT, [String(port), String(CLIENTS)]);
  try {
    await nextMessage<ClientsMessage>(clients, `${what} clients connecting`, 120_000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return await peakRssBytesOf(serverPid, SAMPLE_MS);
  } finally {
    await stopProcess(clients);
  }
}

export async function benchClientsRss(): Promise<ClientsRss[]> {
  const agent = await startAgentProcess();
  let hostfeed: number;
  try {
    hostfeed = await peakWithClients(agent.child.pid!, Number(new URL(agent.url).port), 'hostfeed');
  } finally {
    await agent.stop();
  }
  const peer: ChildProcess = startChild(SERVER_SCRIPT, ['better-sse']);
  try {
    const { port } = await nextMessage<{ port: number }>(peer, 'better-sse server', 15_000);
    const betterSse = await peakWithClients(peer.pid!, port, 'better-sse');
    return [
      { server: 'hostfeed', clients: CLIENTS, peakRssBytes: hostfeed },
      { server: 'better-sse', clients: CLIENTS, peakRssBytes: betterSse },
    ];
  } finally {
    await stopProcess(peer);
  }
}
