/**
 * Out of file descriptors, libuv accepts each new connection on a descriptor it keeps in reserve and closes it at
 * once (clients see a reset) without telling Node: the server's 'error' event never fires. So a probe opens and
 * closes a descriptor once a second while the server listens; when that fails with EMFILE (or ENFILE, the system's
 * table), accept fails alike, and the agent says so (rate-limited) and counts the seconds.
 */
import { open } from 'node:fs/promises';
import { Counter, type Registry } from 'prom-client';
import type { Server } from 'node:net';
import type { Logger } from './logger';

const PROBE_MS = 1000;
/** A host out of descriptors for minutes must not fill the log: one line per this long at most. */
const LOG_EVERY_MS = 10_000;
const EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

export function probeDescriptors(server: Server, logger: Logger, registry: Registry | undefined): void {
  const exhausted = new Counter({
    name: 'hostfeed_file_descriptors_exhausted_seconds_total',
    help: 'hostfeed: Seconds the agent had no file descriptor left, probed once a second; new connections are reset meanwhile.',
    registers: registry ? [registry] : [],
  });
  let lastLogged = -Infinity;
  let probing = false;
  const probe = async () => {
    if (probing) return; // a probe still waiting on the thread pool: the next tick would only queue behind it
    probing = true;
    try {
      await (await open('/dev/null', 'r')).close();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !EXHAUSTED.has(code)) return;
      exhausted.inc(PROBE_MS / 1000);
      if (Date.now() - lastLogged < LOG_EVERY_MS) return;
      lastLogged = Date.now();
      logger.warn({ code }, 'out of file descriptors: new connections are reset until some close (raise LimitNOFILE / ulimit -n?)');
    } finally {
      probing = false;
    }
  };
  const timer = setInterval(() => void probe(), PROBE_MS).unref();
  server.once('close', () => clearInterval(timer));
}
