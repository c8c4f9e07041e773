/**
 * A small parser of the Prometheus text format (0.0.4), enough to compare two exporters' output: families with their
 * HELP, TYPE and samples. Timestamps are ignored; samples belong to the family declared last before them.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\n': '\n', '\\"': '"' };

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (LABEL.lastIndex < text.length && (match = LABEL.exec(text))) {
    labels[match[1]!] = match[2]!.replace(/\\[\\n"]/g, (e) => UNESCAPES[e]!);
  }
  if (LABEL.lastIndex !== text.length && text.length) throw new Error(`unreadable labels in: ${line}`);
  return labels;
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  const declare = (name: string) => {
    current = families.get(name) ?? { name, help: '', type: 'untyped', samples: [] };
    families.set(name, current);
    return current;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const f = current?.name === meta[2] ? current : declare(meta[2]!);
      if (meta[1] === 'HELP') f.help = meta[3]!;
      else f.type = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`unreadable line: ${line}`);
    const name = sample[1]!;
    const owner = current && name.startsWith(current.name) ? current : declare(name);
    owner.samples.push({ name, labels: parseLabels(sample[2] ?? '', line), value: parseValue(sample[3]!) });
  }
  return families;
}

/** The label names of a family's samples, sorted; throws when its samples disagree (a malformed family). */
export function labelNamesOf(family: ParsedFamily): string[] {
  const sets = new Set(family.samples.map((s) => Object.keys(s.labels).sort().join(',')));
  if (sets.size !== 1) throw new Error(`${family.name}: samples with different label names: ${[...sets].join(' | ')}`);
  return [...sets][0]!.split(',').filter(Boolean);
}
