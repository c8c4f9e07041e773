/**
 * A metric family as one scrape serves it: name, HELP, TYPE and its series, built afresh from the latest samples (as
 * node_exporter's collectors send const metrics) or read from the prom-client registry.
 */

/** Prometheus' metric types; prom-client's `get()` gives the same strings. */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export type Labels = Readonly<Record<string, string>>;

export interface Series {
  /** The sample's own name where it differs from the family's (a histogram's `_bucket`, `_sum`, `_count`). */
  readonly name?: string;
  readonly labels: Labels;
  readonly value: number;
}

/** Never changed once built: the exposition keeps each family's written lines for as long as the object lives. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly series: readonly Series[];
}

/** One candidate series: its labels and a value, undefined where the source has none for it. */
export type SeriesInput = readonly [labels: Labels, value: number | undefined];

/** A counter is never negative nor NaN; a value that is (odd data) is left out rather than published. */
function publishable(type: FamilyType, value: number | undefined): value is number {
  if (typeof value !== 'number') return false;
  return type !== 'counter' || value >= 0;
}

/**
 * A family of hostfeed's own making. A series whose label set is already in the family is dropped (the first one
 * wins), so that no scrape ever holds a duplicate series, whatever the readings (bind mounts, repeated lines).
 */
export function family(name: string, help: string, type: 'counter' | 'gauge', inputs: Iterable<SeriesInput>): Family {
  const seen = new Set<string>();
  const series: Series[] = [];
  for (const [labels, value] of inputs) {
    if (!publishable(type, value)) continue;
    const key = Object.values(labels).join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    series.push({ labels, value });
  }
  return { name, help, type, series };
}

/** A family of one series without labels (node_load1, node_boot_time_seconds). */
export function single(name: string, help: string, type: 'counter' | 'gauge', value: number | undefined): Family {
  return family(name, help, type, [[{}, value]]);
}
