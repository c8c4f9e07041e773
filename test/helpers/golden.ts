/**
 * Golden files: what the real agent serves on fixture input, kept equal to the code's output by the tests that read
 * them. After an intended change, regenerate them with UPDATE_GOLDEN=1 (see docs/metrics.md) and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The agent's /metrics on the fixture /proc tree (metrics-golden.test.ts). */
export const GOLDEN = join(__dirname, '../fixtures/metrics/e2e-output.txt');
/** The agent's /metrics on the systeminformation source over a capture of this VM (si-agent.test.ts). */
export const SI_GOLDEN = join(__dirname, '../fixtures/metrics/si-output.txt');
/** The same agent's /events: its hello and the first event of each topic (si-agent.test.ts). */
export const SI_EVENTS_GOLDEN = join(__dirname, '../fixtures/events/si-events.txt');

/** Families that depend on the clock or on this Node process (or on which samples the history has had by the scrape), not on the fixture: the golden files leave them out. */
export const NON_DETERMINISTIC = /^(node_time_seconds|node_scrape_collector_duration_seconds|hostfeed_history_(bytes|series)|process_\w+|nodejs_\w+)$/;

function familyNameOf(line: string): string {
  return line.startsWith('# ') ? line.split(' ')[2]! : /^[^{ ]+/.exec(line)![0];
}

/** An exposition without the NON_DETERMINISTIC families. */
export function deterministic(exposition: string): string {
  const kept = exposition.split('\n').filter((line) => line && !NON_DETERMINISTIC.test(familyNameOf(line).replace(/_(bucket|sum|count)$/, '')));
  return `${kept.join('\n')}\n`;
}

/** Expects `actual` to be the golden file's text; with UPDATE_GOLDEN=1, writes it there first. */
export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
