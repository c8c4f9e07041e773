import type { Logger } from './logger';

/**
 * A warning that a flood repeats with every connection: logged at most once per period, each line with how many
 * times it happened since the last one (`times`), so the log says how big the flood was without growing with it.
 */
export function throttledWarning(logger: Logger, message: string, periodMs: number): (fields: Record<string, unknown>) => void {
  let lastLogged = -Infinity;
  let times = 0;
  return (fields) => {
    times += 1;
    const now = Date.now();
    if (now - lastLogged < periodMs) return;
    logger.warn({ ...fields, times }, message);
    lastLogged = now;
    times = 0;
  };
}
