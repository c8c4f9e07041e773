/**
 * Out of file descriptors, libuv accepts each new connection on a descriptor it keeps in reserve and closes it at
 * once (clients see a reset) without telling Node: the server's 'error' event never fires. So the agent opens and
 * closes a descriptor when a request comes (at most once a second): when that fails with EMFILE (or ENFILE, the
 * system's table), accept fails alike, and the agent says so (rate-limited) and counts it. Requests still come on
 * connections opened before, as Prometheus' kept-alive one: no timer wakes an agent nobody asks anything.
 */
import { closeSync, openSync } from 'node:fs';
import { Counter, type Registry } from './metrics/prom-client';
import type { Server } from 'node:net';
import type { Logger } from './logger';

const PROBE_EVERY_MS = 1000;
/** A host out of descriptors for minutes must not fill the log: one line per this long at most. */
const LOG_EVERY_MS = 10_000;
const EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

export function probeDescriptors(server: Server, logger: Logger, registry: Registry | undefined): void {
  const exhausted = new Counter({
    name: 'hostfeed_file_descriptors_exhausted_total',
    help: 'hostfeed: Requests on which the agent found no file descriptor free (checked at most once a second); new connections are reset meanwhile.',
    registers: registry ? [registry] : [],
  });
  let lastProbe = -Infinity;
  let lastLogged = -Infinity;
  // Synchronous: /dev/null opens at once, and a probe must not wait behind statfs or file reads on the thread pool.
  const probe = () => {
    try {
      closeSync(openSync('/dev/null', 'r'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !EXHAUSTED.has(code)) return;
      exhausted.inc();
      if (Date.now() - lastLogged < LOG_EVERY_MS) return;
      lastLogged = Date.now();
      logger.warn({ code }, 'out of file descriptors: new connections are reset until some close (raise LimitNOFILE / ulimit -n?)');
    }
  };
  server.on('request', () => {
    const now = Date.now();
    if (now - lastProbe < PROBE_EVERY_MS) return;
    lastProbe = now;
    probe();
  });
}
