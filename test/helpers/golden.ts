import { join } from 'node:path';

/** The agent's /metrics on the fixture /proc tree, kept equal to the code's output by metrics-golden.test.ts. */
export const GOLDEN = join(__dirname, '../fixtures/metrics/e2e-output.txt');

/** Families that depend on the clock or on this Node process, not on the fixture: the golden file leaves them out. */
export const NON_DETERMINISTIC = /^(node_time_seconds|hostfeed_scrape_collector_duration_seconds|process_\w+|nodejs_\w+)$/;
