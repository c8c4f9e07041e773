import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stderr (journald and log shippers read them; stdout is for the URLs); level from HOSTFEED_LOG_LEVEL, default info. */
export function createLogger(level = process.env.HOSTFEED_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'hostfeed', level, base: { pid: process.pid } }, pino.destination(2));
}

/** For tests and embedding: logs nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
