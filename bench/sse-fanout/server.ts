/**
 * One SSE server of the fan-out bench, in its own process so that its RSS is its own: `node server.js KIND` with
 * KIND hostfeed (the agent's /events: hub and endpoint behind express), better-sse (express, createSession,
 * Channel.broadcast) or bare (node:http writing one prebuilt frame to every response). It tells its parent its port,
 * then sends the same cpu event every EVENT_INTERVAL_MS, stamped with the time it is handed to the server, until
 * ended. Loopback only.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChannel, createSession } from 'better-sse';
import express from 'express';
import { interval, NEVER, Subject } from 'rxjs';
import { parseConfig } from '../../agent/config';
import type { AgentContext } from '../../agent/context';
import type { CpuEvent } from '../../agent/events';
import type { Feed } from '../../agent/feed';
import { silentLogger } from '../../agent/logger';
import type { FeedItem } from '../../agent/samples';
import { createApp } from '../../agent/server';
import { eventsEndpoint } from '../../agent/sse/endpoint';

export const SERVER_KINDS = ['hostfeed', 'better-sse', 'bare'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export const EVENT_INTERVAL_MS = 1000;
/** What every server is told: heartbeats as the agent's default, retry 2 s. */
const HEARTBEAT_MS = 15_000;
const RETRY_MS = 2000;

/** A cpu event of an 8-core host: the size of a typical frame. */
function cpuEvent(ts: number): CpuEvent {
  return {
    ts,
    usage: 0.2345678901234567,
    modes: { user: 0.1534567890123456, nice: 0, system: 0.0512345678901234, idle: 0.7654321098765433, iowait: 0.0123456789012345, irq: 0, softirq: 0.0087654321098765, steal: 0 },
    cores: Array.from({ length: 8 }, (_, i) => ({ cpu: String(i), usage: 0.2 + i / 100 })),
  };
}

/** A server and the way to send one event to all its clients. */
interface FanoutServer {
  listener: RequestListener;
  broadcast(event: CpuEvent): void;
}

function hostfeed(): FanoutServer {
  const items = new Subject<FeedItem>();
  const feed: Feed = {
    items$: items,
    topics: ['cpu'],
    intervals: { cpu: EVENT_INTERVAL_MS },
    latest: () => undefined,
    status: () => [],
    read: async () => undefined,
    sample: async () => undefined,
    live: () => NEVER,
    stop: () => undefined,
  };
  const context: AgentContext = {
    config: parseConfig(
      // Every client comes from loopback, and this listener is the bench's own: no cap of the agent's applies here.
      { sse: { maxClients: 100_000, maxClientsPerAddress: 100_000, heartbeat: HEARTBEAT_MS, retry: RETRY_MS }, server: { maxConnections: 200_000 } },
      'bench',
    ),
    feed,
    source: 'procfs',
    inventory: {
      hostname: 'bench',
      uname: { sysname: 'Linux', release: '6.1.0', version: '#1', machine: 'x86_64', nodename: 'bench', domainname: '(none)' },
      distro: 'bench',
      platform: 'linux',
      cpuModel: 'bench',
      cpuCores: 8,
      bootTimeSeconds: 1_700_000_000,
    },
    version: '0.0.0',
    boot: 'be7c4',
    logger: silentLogger(),
  };
  const raw = { kind: 'ratios' as const, total: {}, cpus: [] };
  return {
    listener: createApp([eventsEndpoint(context)], context.logger),
    broadcast: (data) => items.next({ topic: 'cpu', data, raw }),
  };
}

function betterSse(): FanoutServer {
  const channel = createChannel();
  const app = express();
  app.get('/events', async (req, res) => {
    channel.register(await createSession(req, res, { retry: RETRY_MS, keepAlive: HEARTBEAT_MS }));
  });
  let id = 0;
  return { listener: app, broadcast: (data) => channel.broadcast(data, 'cpu', { eventId: String((id += 1)) }) };
}

function bare(): FanoutServer {
  const clients = new Set<ServerResponse>();
  let id = 0;
  return {
    listener: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
      res.write(`retry: ${RETRY_MS}\n\n`);
      clients.add(res);
      res.once('close', () => clients.delete(res));
    },
    broadcast: (data) => {
      const frame = Buffer.from(`event: cpu\nid: ${(id += 1)}\ndata: ${JSON.stringify(data)}\n\n`);
      for (const res of clients) res.write(frame);
    },
  };
}

const FACTORIES: Record<ServerKind, () => FanoutServer> = { hostfeed, 'better-sse': betterSse, bare };

function main(kind: ServerKind): void {
  const { listener, broadcast } = FACTORIES[kind]();
  const server = createServer(listener);
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as AddressInfo).port });
  });
  interval(EVENT_INTERVAL_MS).subscribe(() => broadcast(cpuEvent(Date.now())));
  // Never outlive the bench: it ends this process by PID, and should it die first, the IPC channel closes.
  process.once('disconnect', () => process.exit(0));
}

if (require.main === module) main(process.argv[2] as ServerKind);
