/**
 * Who may open an /events stream beyond the hub's sse.maxClients: at most sse.maxClientsPerAddress streams per client
 * address, so one client cannot take every slot. The address is the socket's, or the client a proxy named in
 * trustProxy reports (express's req.ip); an IPv6 client is counted by its /64, which one host or customer has whole.
 */
import type { ServerResponse } from 'node:http';
import { isIP, isIPv6 } from 'node:net';
import type { Request } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { throttledWarning } from '../throttled-log';

/** max_clients: the hub holds sse.maxClients streams; per_address: this address holds sse.maxClientsPerAddress. */
export type Refusal = 'max_clients' | 'per_address';

/** A flood of refusals logs one line per reason this often. */
const REFUSAL_LOG_MS = 10_000;

export interface StreamAdmission {
  /** The cap a new stream from `address` would pass (counted and logged), or undefined: it may open. */
  refusal(address: string, hubFull: boolean): Refusal | undefined;
  /** Counts an admitted stream against its address until its response closes. */
  hold(address: string, res: ServerResponse): void;
  /** Refusals so far, by reason. */
  refused(): Record<Refusal, number>;
}

/** The eight groups of an IPv6 address (without zone), as hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split('%')[0].split('::');
  // An embedded IPv4 address is the last two groups; only their number matters for the /64.
  const groups = (part: string | undefined) =>
    part ? part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [parseInt(group, 16).toString(16)])) : [];
  // Without "::" the address has all eight groups, and nothing is filled in.
  const left = groups(head);
  const right = groups(tail);
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/** What an address is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/**
 * The client's address: express's req.ip follows X-Forwarded-For through the proxies trustProxy names; what a proxy
 * wrote there that is not an address counts as the socket's own.
 */
export function clientAddress(req: Request): string {
  const ip = req.ip;
  return addressKey(ip && isIP(ip) ? ip : (req.socket.remoteAddress ?? 'unknown'));
}

export function createStreamAdmission(sse: Config['sse'], logger: Logger): StreamAdmission {
  const streams = new Map<string, number>();
  const refused: Record<Refusal, number> = { max_clients: 0, per_address: 0 };
  const warnings: Record<Refusal, (fields: Record<string, unknown>) => void> = {
    max_clients: throttledWarning(logger, 'SSE stream refused: sse.maxClients reached', REFUSAL_LOG_MS),
    per_address: throttledWarning(logger, 'SSE stream refused: its address holds sse.maxClientsPerAddress', REFUSAL_LOG_MS),
  };

  const release = (address: string) => {
    const count = (streams.get(address) ?? 1) - 1;
    if (count === 0) streams.delete(address);
    else streams.set(address, count);
  };

  return {
    refusal(address, hubFull) {
      const reason = hubFull ? 'max_clients' : (streams.get(address) ?? 0) >= sse.maxClientsPerAddress ? 'per_address' : undefined;
      if (reason) {
        refused[reason] += 1;
        warnings[reason]({ reason, address, maxClients: sse.maxClients, maxClientsPerAddress: sse.maxClientsPerAddress });
      }
      return reason;
    },

    hold(address, res) {
      // Gone already: its 'close' may have been emitted, and the slot would never come back.
      if (res.destroyed) return;
      streams.set(address, (streams.get(address) ?? 0) + 1);
      res.once('close', () => release(address));
    },

    refused: () => ({ ...refused }),
  };
}
