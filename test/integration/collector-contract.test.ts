/**
 * Every collector's events break no rule of the contract (agent/events.ts). The agent checks events against it only in
 * tests and at log level debug, so this is where a collector that drifts from the contract is caught: each
 * collector runs on each source, the captured /proc tree and the real systeminformation library on this host.
 */
import { join } from 'node:path';
import { createCollectors } from '../../agent/collectors';
import { parseConfig } from '../../agent/config';
import { eventSchemas } from '../../agent/events';
import { createProcfsSource } from '../../agent/sources/procfs/source';
import { createSystemInformationSource } from '../../agent/sources/systeminformation/source';
import type { Source } from '../../agent/sources/types';

const PROC = join(__dirname, '../fixtures/proc');
const SYS = join(__dirname, '../fixtures/sys');
const config = parseConfig({ procfsRoot: PROC }, 'test');

const sources: [string, () => Source][] = [
  ['procfs on the captured tree', () => createProcfsSource({ root: PROC, sysfsRoot: SYS, statfs: async () => ({ bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 50, ffree: 20 }) })],
  ['systeminformation on this host', () => createSystemInformationSource()],
];

describe.each(sources)('the collectors on %s', (_name, makeSource) => {
  it('publish events the contract accepts, from the second read on', async () => {
    const collectors = createCollectors(makeSource(), config);
    expect(collectors.map((c) => c.topic).sort()).toEqual(['cpu', 'disk', 'load', 'memory', 'network', 'pressure']);
    for (const collector of collectors) {
      await collector.collect(); // a rate collector's first read is a baseline
      const { data } = await collector.collect();
      expect(data).toBeDefined();
      const checked = eventSchemas[collector.topic].safeParse(data);
      expect(checked.error?.issues ?? []).toEqual([]);
    }
  });
});
