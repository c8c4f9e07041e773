/**
 * docs/metrics.md describes the families /metrics serves: their names, types and labels as the agent's output has
 * them in the golden files (procfs on the fixture /proc tree, systeminformation over a capture), which
 * metrics-golden.test.ts and si-agent.test.ts keep equal to the code's output. A family added, renamed, retyped or
 * relabelled there fails here until the tables say so; the families only a live agent serves (the clock's, the
 * process's) are checked by metrics-golden.test.ts.
 */
import { readFileSync } from 'node:fs';
import { parseExposition, type ParsedFamily } from '../helpers/exposition';
import { GOLDEN, NON_DETERMINISTIC, SI_GOLDEN } from '../helpers/golden';
import { documented, leftOutBySystemInformation, misdocumented, undocumented } from '../helpers/metrics-docs';

const procfs = parseExposition(readFileSync(GOLDEN, 'utf8'));
const systemInformation = parseExposition(readFileSync(SI_GOLDEN, 'utf8'));
const served: ParsedFamily[] = [...procfs.values(), ...systemInformation.values()];

describe('docs/metrics.md', () => {
  it('reads the tables and the systeminformation section (a change of their layout must not make this test vacuous)', () => {
    expect(documented.filter((f) => f.exact).length).toBeGreaterThan(40);
    expect(documented.map((f) => f.written)).toEqual(
      expect.arrayContaining(['node_disk_reads_merged_total', 'node_filesystem_free_bytes', 'process_cpu_system_seconds_total', 'hostfeed_auth_refused_total']),
    );
    expect(leftOutBySystemInformation()).toEqual(expect.arrayContaining(['node_cpu_seconds_total', 'node_disk_*', 'node_filesystem_files_free']));
  });

  it('documents every family the agent serves, on either source', () => {
    expect(undocumented(served)).toEqual([]);
  });

  it('gives each its type and label names as served', () => {
    expect(misdocumented(served)).toEqual([]);
  });

  it('documents no family the agent does not serve', () => {
    const names = new Set(served.map((f) => f.name));
    // Served only where the kernel has the file, which the captured tree's kernel has not (test/fixtures/proc/README.md):
    // /proc/pressure/irq. Its parsing is tested on test/fixtures/procfs-edge/pressure-irq.
    const kernelDependent = ['node_pressure_irq_stalled_seconds_total'];
    expect(
      documented.filter((f) => f.exact && !names.has(f.written) && !NON_DETERMINISTIC.test(f.written) && !kernelDependent.includes(f.written)).map((f) => f.written),
    ).toEqual([]);
  });

  it('says truly which families the systeminformation source leaves out: each is served on procfs, none on it', () => {
    for (const written of leftOutBySystemInformation()) {
      const pattern = new RegExp(`^${written.replace('*', '\\w+')}$`);
      expect({ written, procfs: [...procfs.keys()].some((name) => pattern.test(name)) }).toEqual({ written, procfs: true });
      expect({ written, systemInformation: [...systemInformation.keys()].filter((name) => pattern.test(name)) }).toEqual({ written, systemInformation: [] });
    }
  });
});
