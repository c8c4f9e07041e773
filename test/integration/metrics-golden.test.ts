/**
 * /metrics of the real agent on the fixture /proc tree, against test/fixtures/metrics/e2e-output.txt, as
 * node_exporter's end-to-end test. Auth is on, so that its families are served (and documented) too. Regenerate after
 * an intended change with
 *   UPDATE_GOLDEN=1 npx jest test/integration/metrics-golden
 * and review the diff.
 */
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { createProcfsSource, type StatfsResult } from '../../agent/sources/procfs/source';
import type { Source } from '../../agent/sources/types';
import { waitForUrl } from '../../bench/processes';
import { parseExposition } from '../helpers/exposition';
import { deterministic, expectGolden, GOLDEN, NON_DETERMINISTIC } from '../helpers/golden';
import { misdocumented, undocumented } from '../helpers/metrics-docs';
import { HANG_GUARD_MS } from '../helpers/until';

const PROC = join(__dirname, '../fixtures/proc');
const SYS = join(__dirname, '../fixtures/sys');
const TOKEN = 'the-golden-files-token';

/** statfs as a fixture: the root filesystem of the capture, and a mount that refuses (EACCES). */
async function fakeStatfs(path: string): Promise<StatfsResult> {
  if (path === '/') return { bsize: 4096, blocks: 66053998, bfree: 60090000, bavail: 20635999, files: 16777216, ffree: 16350638 };
  throw Object.assign(new Error(`EACCES: permission denied, statfs '${path}'`), { code: 'EACCES' });
}

/** The fixture source, with uname fixed: the procfs source reads it from this machine's os module. */
function fixtureSource(): Source {
  const procfs = createProcfsSource({ root: PROC, sysfsRoot: SYS, statfs: fakeStatfs });
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

describe('/metrics on the fixture /proc tree', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    // The longest sample timeout: a loaded machine must not turn a slow first sample into a collector error.
    const patient = { timeout: '10s' };
    const collectors = { cpu: patient, memory: patient, disk: patient, load: patient, network: patient, pressure: patient };
    const auth = { token: TOKEN };
    agent = await startAgent(parseConfig({ port: 0, host: '127.0.0.1', collectors, auth }, 'golden'), { logger: silentLogger(), source: fixtureSource() });
    await waitForUrl(`${agent.url}/healthz`, HANG_GUARD_MS);
  });

  afterAll(() => agent.stop());

  const scrape = async () => (await fetch(`${agent.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();

  it('matches the golden file', async () => {
    expectGolden(GOLDEN, deterministic(await scrape()));
  });

  it('serves the families the golden file leaves out (the clock\'s, the process\'s) as docs/metrics.md documents them', async () => {
    const live = [...parseExposition(await scrape()).values()].filter((family) => NON_DETERMINISTIC.test(family.name));
    expect(live.map((family) => family.name)).toEqual(expect.arrayContaining(['node_time_seconds', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']));
    expect(undocumented(live)).toEqual([]);
    expect(misdocumented(live)).toEqual([]);
  });
});
