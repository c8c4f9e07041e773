/**
 * docs/metrics.md read as data: the rows of its two family tables (name, type, label names) and the families its
 * systeminformation section says that source does not serve. test/unit/metrics-docs.test.ts holds them against the
 * golden files, metrics-golden.test.ts against what only a live agent serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labelNamesOf, type ParsedFamily } from './exposition';

const doc = readFileSync(join(__dirname, '../../docs/metrics.md'), 'utf8');

export interface DocumentedFamily {
  /** As written: `node_disk_reads_merged_total`, `node_memory_<Field>_bytes`, `process_*`. */
  written: string;
  pattern: RegExp;
  /** Without a wildcard: one family, which the agent must serve. */
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

/** The names a cell gives: a name written `_rest` continues the cell's first name after its subsystem. */
function namesOf(cell: string): string[] {
  const written = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const subsystem = /^[a-z]+_[a-z]+_/.exec(written[0] ?? '')?.[0] ?? '';
  return written.map((name) => (name.startsWith('_') ? subsystem + name.slice(1) : name)).flatMap(expandBraces);
}

function section(from: string, to: string): string {
  const start = doc.indexOf(from);
  const end = doc.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`docs/metrics.md: no section from "${from}" to "${to}"`);
  return doc.slice(start, end);
}

/**
 * The rows of the two family tables (`node_disk_reads_completed_total`, `_reads_merged_total` in one cell). The labels
 * cell lists the label names, with their values in parentheses where the table gives them.
 */
export const documented: DocumentedFamily[] = [section('## Families', 'A filesystem statfs'), section("## The agent's own metrics", 'The `process_*` and `nodejs_*` families carry')].flatMap(
  (table) =>
    table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => {
        const [names, type, labels] = line.split('|').slice(1, -1).map((cell) => cell.trim());
        const labelNames = labels!.replace(/\([^)]*\)/g, '').split(',').map((l) => l.trim()).filter(Boolean).sort();
        return namesOf(names!).map((name) => ({
          written: name,
          pattern: new RegExp(`^${name.replace('<Field>', '[A-Za-z0-9_]+').replace('*', '\\w+')}$`),
          exact: !/[<*]/.test(name),
          type: type!,
          labels: labelNames,
        }));
      }),
);

/** Served families no row names. */
export function undocumented(served: Iterable<ParsedFamily>): string[] {
  return [...served].filter((family) => !documented.some((row) => row.pattern.test(family.name))).map((family) => family.name);
}

/** Served families whose type or label names are not their row's, as `name: served ..., documented ...`. */
export function misdocumented(served: Iterable<ParsedFamily>): string[] {
  return [...served].flatMap((family) => {
    const row = documented.find((r) => r.pattern.test(family.name));
    if (!row) return [];
    const [servedShape, documentedShape] = [`${family.type} {${labelNamesOf(family).join(',')}}`, `${row.type} {${row.labels.join(',')}}`];
    return servedShape === documentedShape ? [] : [`${family.name}: served ${servedShape}, documented ${documentedShape}`];
  });
}

/** The families the "With the systeminformation source" section says that source leaves out ("**no `...`**"). */
export function leftOutBySystemInformation(): string[] {
  const part = section('## With the systeminformation source', '## Tests');
  return [...part.matchAll(/\*\*no (.+?)\*\*:/g)].flatMap((m) => namesOf(m[1]!));
}
