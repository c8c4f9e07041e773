/** The real agent on 127.0.0.1 at a free port, with fast intervals and (by default) a fake source the test controls. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
let started = 0;

/**
 * Started agents are stopped by stopTestAgents(): call it in afterEach or afterAll. Each keeps its history in a file
 * of its own (in the test file's STATE_DIRECTORY, test/setup/state-directory.ts), so that one test's samples never
 * show up, as a restart, in the next; a test of restarts names the file.
 */
export async function startTestAgent(
  config: Record<string, unknown> = {},
  source: Source = createFakeSource().source,
  logger: Logger = silentLogger(),
): Promise<RunningAgent> {
  started += 1;
  const ownHistory = { history: { file: join(process.env.STATE_DIRECTORY ?? tmpdir(), `agent-${started}.bin`) } };
  const agent = await startAgent(parseConfig(merge(merge(FAST_CONFIG, ownHistory), config), 'test config'), { logger, source });
  running.push(agent);
  return agent;
}

export async function stopTestAgents(): Promise<void> {
  await Promise.all(running.splice(0).map((agent) => agent.stop()));
}
