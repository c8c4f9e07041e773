/**
 * A topic's payload as numeric series, generically, so that a topic or a field added later is kept without a change
 * here: top-level numbers by name (`usage`), nested objects by dotted path (`modes.user`), arrays of objects by the
 * field that names each element (`cores[0].usage`, `filesystems[/].usedRatio`). Strings, booleans and `ts` are not
 * series; neither is an array without an entry in IDENTITY (a top list of processes changes members every sample).
 */

/** How a coarser step keeps a series: the mean of its samples (ratios and rates) or the last (gauges). */
export type SeriesKind = 'mean' | 'last';

/** The arrays whose elements are series, by the field that tells the elements apart. */
export const IDENTITY: Readonly<Record<string, string>> = {
  cores: 'cpu',
  filesystems: 'mountpoint',
  devices: 'device',
  interfaces: 'device',
};

/** A share or a rate: the mean of a step means something; a gauge's mean would invent a value it never had. */
export function kindOf(path: string): SeriesKind {
  const name = path.slice(path.lastIndexOf('.') + 1);
  const averaged = name === 'usage' || name.endsWith('Ratio') || name.endsWith('PerSecond') || /(^|\.)modes\./.test(path);
  return averaged ? 'mean' : 'last';
}

export type SeriesVisitor = (path: string, value: number) => void;

function walk(value: unknown, path: string, visit: SeriesVisitor): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) visit(path, value);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    // The sample's time is the series' x, not one of them.
    if (!path && key === 'ts') continue;
    const at = path ? `${path}.${key}` : key;
    if (!Array.isArray(child)) {
      walk(child, at, visit);
      continue;
    }
    const identity = IDENTITY[key];
    if (identity === undefined) continue;
    for (const element of child) {
      const id = (element as Record<string, unknown> | null)?.[identity];
      if (typeof id === 'string' || typeof id === 'number') walk(element, `${at}[${id}]`, visit);
    }
  }
}

/** Calls `visit` with each series of a payload and its value. */
export function flatten(payload: object, visit: SeriesVisitor): void {
  walk(payload, '', visit);
}
