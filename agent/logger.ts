import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stderr (journald and log shippers read them; stdout is for the URLs); level from HOSTFEED_LOG_LEVEL,
 * default info. Written synchronously: the agent logs a few lines an hour, and an asynchronous write goes through
 * libuv's thread pool, which a hostile host can have blocked (the last line before a forced exit was lost so).
 */
export function createLogger(level = process.env.HOSTFEED_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'hostfeed', level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}

/** For tests and embedding: logs nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
