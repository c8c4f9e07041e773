/**
 * /metrics of the real agent on the fixture /proc tree, against test/fixtures/metrics/e2e-output.txt, as
 * node_exporter's end-to-end test. Regenerate after an intended change with
 *   UPDATE_GOLDEN=1 npx jest test/integration/metrics-golden
 * and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { createProcfsSource, type StatfsResult } from '../../agent/sources/procfs/source';
import type { Source } from '../../agent/sources/types';
import { waitForUrl } from '../../bench/processes';
import { GOLDEN, NON_DETERMINISTIC } from '../helpers/golden';
import { HANG_GUARD_MS } from '../helpers/until';

const PROC = join(__dirname, '../fixtures/proc');

/** statfs as a fixture: the root filesystem of the capture, and a mount that refuses (EACCES). */
async function fakeStatfs(path: string): Promise<StatfsResult> {
  if (path === '/') return { bsize: 4096, blocks: 66053998, bfree: 60090000, bavail: 20635999, files: 16777216, ffree: 16350638 };
  throw Object.assign(new Error(`EACCES: permission denied, statfs '${path}'`), { code: 'EACCES' });
}

/** The fixture source, with uname fixed: the procfs source reads it from this machine's os module. */
function fixtureSource(): Source {
  const procfs = createProcfsSource({ root: PROC, statfs: fakeStatfs });
  return {
    ...procfs,
    inventory: async () => ({
      ...(await procfs.inventory()),
      hostname: 'fixture',
      uname: {
        sysname: 'Linux',
        release: '6.1.0-fixture',
        version: '#1 SMP PREEMPT_DYNAMIC',
        machine: 'x86_64',
        nodename: 'fixture',
        domainname: '(none)',
      },
    }),
  };
}

function familyNameOf(line: string): string {
  return line.startsWith('# ') ? line.split(' ')[2]! : /^[^{ ]+/.exec(line)![0];
}

function deterministic(text: string): string {
  const kept = text.split('\n').filter((line) => line && !NON_DETERMINISTIC.test(familyNameOf(line).replace(/_(bucket|sum|count)$/, '')));
  return `${kept.join('\n')}\n`;
}

describe('/metrics on the fixture /proc tree', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    // The longest sample timeout: a loaded machine must not turn a slow first sample into a collector error.
    const patient = { timeout: '10s' };
    const collectors = { cpu: patient, memory: patient, disk: patient, load: patient };
    agent = await startAgent(parseConfig({ port: 0, host: '127.0.0.1', collectors }, 'golden'), { logger: silentLogger(), source: fixtureSource() });
    await waitForUrl(`${agent.url}/healthz`, HANG_GUARD_MS);
  });

  afterAll(() => agent.stop());

  it('matches the golden file', async () => {
    const actual = deterministic(await (await fetch(`${agent.url}/metrics`)).text());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
