/** The real agent on 127.0.0.1 at a free port, with fast intervals and (by default) a fake source the test controls. */
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger, type Logger } from '../../agent/logger';
import type { Source } from '../../agent/sources/types';
import { createFakeSource } from './fake-source';

/** Merges objects key by key (config sections), replacing anything else. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const bothObjects = [current, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    out[key] = bothObjects ? merge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * Every collector at 100 ms. The timeout is set apart from the interval because the first cpu and disk samples wait
 * a 250 ms baseline (agent/collectors/deltas.ts), which the default timeout (the interval) would cut.
 */
const FAST = { interval: '100ms', timeout: '1s' };
export const FAST_CONFIG = { host: '127.0.0.1', port: 0, collectors: { cpu: FAST, memory: FAST, load: FAST, disk: FAST } };

const running: RunningAgent[] = [];

/** Started agents are stopped by stopTestAgents(): call it in afterEach or afterAll. */
export async function startTestAgent(
  config: Record<string, unknown> = {},
  source: Source = createFakeSource().source,
  logger: Logger = silentLogger(),
): Promise<RunningAgent> {
  const agent = await startAgent(parseConfig(merge(FAST_CONFIG, config), 'test config'), { logger, source });
  running.push(agent);
  return agent;
}

export async function stopTestAgents(): Promise<void> {
  await Promise.all(running.splice(0).map((agent) => agent.stop()));
}
