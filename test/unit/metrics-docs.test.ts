/**
 * docs/metrics.md describes the families /metrics serves: their names, types and labels as the agent's output on the
 * fixture /proc tree has them (the golden file, which metrics-golden.test.ts keeps equal to the code's output).
 * A family added, renamed, retyped or relabelled there fails here until the tables say so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labelNamesOf, parseExposition } from '../helpers/exposition';
import { GOLDEN, NON_DETERMINISTIC } from '../helpers/golden';

const doc = readFileSync(join(__dirname, '../../docs/metrics.md'), 'utf8');
const served = parseExposition(readFileSync(GOLDEN, 'utf8'));

interface DocumentedFamily {
  /** As written: `node_disk_reads_merged_total`, `node_memory_<Field>_bytes`, `process_*`. */
  written: string;
  pattern: RegExp;
  /** Without a wildcard: one family, which the fixture output must have. */
  exact: boolean;
  type: string;
  labels: string[];
}

/** `a_{x,y}_b` -> a_x_b, a_y_b. */
function expandBraces(name: string): string[] {
  const match = /\{([^}]+)\}/.exec(name);
  if (!match) return [name];
  return match[1]!.split(',').flatMap((part) => expandBraces(name.replace(match[0], part)));
}

/**
 * The rows of the two family tables. A row names one or more families; a name written `_rest` continues the row's
 * first name after its subsystem (`node_disk_reads_completed_total`, `_reads_merged_total`). The labels cell lists
 * the label names, with their values in parentheses where the table gives them.
 */
function documentedFamilies(): DocumentedFamily[] {
  const tables = [doc.slice(doc.indexOf('## Families'), doc.indexOf('A filesystem statfs')), doc.slice(doc.indexOf("## The agent's own metrics"), doc.indexOf('The `process_*` and `nodejs_*` families carry'))];
  return tables.flatMap((table) =>
    table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => {
        const [names, type, labels] = line.split('|').slice(1, -1).map((cell) => cell.trim());
        const written = [...names!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
        const subsystem = /^[a-z]+_[a-z]+_/.exec(written[0]!)?.[0] ?? '';
        const labelNames = labels!.replace(/\([^)]*\)/g, '').split(',').map((l) => l.trim()).filter(Boolean);
        return written
          .map((name) => (name.startsWith('_') ? subsystem + name.slice(1) : name))
          .flatMap(expandBraces)
          .map((name) => ({
            written: name,
            pattern: new RegExp(`^${name.replace('<Field>', '[A-Za-z0-9_]+').replace('*', '\\w+')}$`),
            exact: !/[<*]/.test(name),
            type,
            labels: labelNames.sort(),
          }));
      }),
  );
}

const documented = documentedFamilies();

describe('docs/metrics.md', () => {
  it('reads the tables (a change of their layout must not make this test vacuous)', () => {
    expect(documented.filter((f) => f.exact).length).toBeGreaterThan(30);
    expect(documented.map((f) => f.written)).toEqual(expect.arrayContaining(['node_disk_reads_merged_total', 'node_filesystem_free_bytes', 'process_cpu_system_seconds_total']));
  });

  it('documents every family the agent serves', () => {
    const undocumented = [...served.keys()].filter((name) => !documented.some((f) => f.pattern.test(name)));
    expect(undocumented).toEqual([]);
  });

  it('documents no family the agent does not serve', () => {
    const missing = documented.filter((f) => f.exact && !served.has(f.written) && !NON_DETERMINISTIC.test(f.written)).map((f) => f.written);
    expect(missing).toEqual([]);
  });

  it.each(documented.filter((f) => f.type).map((f) => [f.written, f] as const))('%s: type and labels as served', (_, family) => {
    const matching = [...served.values()].filter((f) => family.pattern.test(f.name));
    for (const servedFamily of matching) {
      expect({ name: servedFamily.name, type: servedFamily.type }).toEqual({ name: servedFamily.name, type: family.type });
      expect({ name: servedFamily.name, labels: labelNamesOf(servedFamily) }).toEqual({ name: servedFamily.name, labels: family.labels });
    }
  });
});
