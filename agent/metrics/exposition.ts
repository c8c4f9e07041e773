/**
 * The two exposition formats Prometheus reads: text 0.0.4 and OpenMetrics 1.0. Written here rather than by
 * prom-client's Registry.metrics(): that one renames counters in place for OpenMetrics (so a later text scrape of the
 * same registry loses `_total`), writes NaN as "Nan", and rejects the whole scrape when one metric's collect() throws.
 */
import { weakMemo } from '../weak-memo';
import type { Family, FamilyType, Series } from './family';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value === Infinity ? '+Inf' : '-Inf';
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '"': '\\"' };
const LABEL_VALUE_SPECIALS = /[\\\n"]/g;
/** The text format leaves double quotes in HELP as they are. */
const TEXT_HELP_SPECIALS = /[\\\n]/g;

/** Most strings need no escape: test before replacing, as this runs for every label of every series. */
function escaped(value: string, specials: RegExp): string {
  specials.lastIndex = 0;
  return specials.test(value) ? value.replace(specials, (c) => ESCAPES[c]!) : value;
}

function sampleLine(name: string, { labels, value }: Series): string {
  let pairs = '';
  for (const label in labels) pairs += `${pairs ? ',' : ''}${label}="${escaped(labels[label]!, LABEL_VALUE_SPECIALS)}"`;
  return `${name}${pairs ? `{${pairs}}` : ''} ${formatValue(value)}`;
}

/**
 * Families with series, sorted by name as node_exporter's are (byte order: the default sort of ASCII names), the
 * first of any name only: no duplicate ever.
 */
function servable(families: readonly Family[]): Family[] {
  const byName = new Map<string, Family>();
  for (const f of families) if (f.series.length && !byName.has(f.name)) byName.set(f.name, f);
  return [...byName.keys()].sort().map((name) => byName.get(name)!);
}

/**
 * Each family's lines, kept as long as the family object lives. A family is never changed once built, and the ones
 * of samples that did not change since the last scrape (disk every 5 s, the process metrics' 5 s cache) are the same
 * objects again: a scrape writes only what is new since the last one.
 */
const textBlock = weakMemo((f: Family): string => {
  let block = `# HELP ${f.name} ${escaped(f.help, TEXT_HELP_SPECIALS)}\n# TYPE ${f.name} ${f.type}\n`;
  for (const s of f.series) block += `${sampleLine(s.name ?? f.name, s)}\n`;
  return block;
});

export function writeText(families: readonly Family[]): string {
  let text = '';
  for (const f of servable(families)) text += textBlock(f);
  return text;
}

const OPENMETRICS_TYPES: Record<FamilyType, string> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};

/** OpenMetrics names a counter family without `_total` and each of its samples with it. */
const openMetricsBlock = weakMemo((f: Family): string => {
  const counter = f.type === 'counter';
  const name = counter ? f.name.replace(/_total$/, '') : f.name;
  let block = `# HELP ${name} ${escaped(f.help, LABEL_VALUE_SPECIALS)}\n# TYPE ${name} ${OPENMETRICS_TYPES[f.type]}\n`;
  for (const s of f.series) block += `${sampleLine(counter ? `${name}_total` : (s.name ?? name), s)}\n`;
  return block;
});

export function writeOpenMetrics(families: readonly Family[]): string {
  let text = '';
  for (const f of servable(families)) text += openMetricsBlock(f);
  return `${text}# EOF\n`;
}
