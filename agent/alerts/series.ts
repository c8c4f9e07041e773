/**
 * The engine's own bounded windows of recent samples, and the two PromQL functions the node-mixin's rules need over
 * them: rate() (Prometheus' extrapolated rate of a counter) and predict_linear() (a least-squares fit). Times in ms.
 */

export interface Point {
  ts: number;
  value: number;
}

/** Points a window keeps at most: a 6 h range holds one every 30 s, a 2 m range sampled each second every sample. */
export const MAX_POINTS = 720;

/**
 * The points of the last `rangeMs`, at most MAX_POINTS + 2: the newest point stands in for every sample since the one
 * before it until it is rangeMs / MAX_POINTS apart from that one, so the newest sample is always the last point and
 * memory never grows with the sampling rate.
 */
export class SeriesWindow {
  private points: Point[] = [];
  private readonly spacingMs: number;

  constructor(private readonly rangeMs: number) {
    this.spacingMs = rangeMs / MAX_POINTS;
  }

  push(ts: number, value: number): void {
    const { points } = this;
    const last = points[points.length - 1];
    if (last && ts <= last.ts) {
      // A clock step back: what came before is no longer a past of this sample.
      if (ts < last.ts) points.length = 0;
      else points.pop();
    }
    const previous = points[points.length - 2];
    const newest = points[points.length - 1];
    if (newest && previous && newest.ts - previous.ts < this.spacingMs) points.pop();
    points.push({ ts, value });
    // Prometheus' range is left-open: (t - range, t].
    let stale = 0;
    while (stale < points.length && points[stale]!.ts <= ts - this.rangeMs) stale += 1;
    if (stale) points.splice(0, stale);
  }

  /** The points in (ts - range, ts], oldest first. */
  range(): readonly Point[] {
    return this.points;
  }
}

/**
 * Per-second rate of a counter over the points, as PromQL's rate(v[range]) at the time of the last point: the
 * increase (counter resets added back), extrapolated towards the range's start by at most half the mean gap between
 * samples (and never below zero), divided by the range. Undefined with fewer than two points, as Prometheus returns
 * nothing.
 */
export function rate(points: readonly Point[], rangeMs: number, evalTs: number): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let increase = last.value - first.value;
  for (let i = 1; i < points.length; i += 1) {
    const before = points[i - 1]!.value;
    if (points[i]!.value < before) increase += before;
  }
  const sampled = (last.ts - first.ts) / 1000;
  const averageGap = sampled / (points.length - 1);
  let toStart = (first.ts - (evalTs - rangeMs)) / 1000;
  let toEnd = (evalTs - last.ts) / 1000;
  // A counter does not go below zero: the extrapolation stops where the line would reach it (Prometheus 2.x order:
  // this bound, then the threshold).
  if (increase > 0 && first.value >= 0) toStart = Math.min(toStart, sampled * (first.value / increase));
  const threshold = averageGap * 1.1;
  if (toStart >= threshold) toStart = averageGap / 2;
  if (toEnd >= threshold) toEnd = averageGap / 2;
  return (increase * ((sampled + toStart + toEnd) / sampled)) / (rangeMs / 1000);
}

/**
 * PromQL's predict_linear(v[range], horizonSeconds) at `evalTs`: the least-squares line through the points, read
 * `horizonSeconds` after evalTs. Undefined with fewer than two points.
 */
export function predictLinear(points: readonly Point[], horizonSeconds: number, evalTs: number): number | undefined {
  if (points.length < 2) return undefined;
  // Times relative to evalTs, in seconds, as Prometheus' linearRegression(samples, interceptTime).
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  for (const { ts, value } of points) {
    const x = (ts - evalTs) / 1000;
    n += 1;
    sumX += x;
    sumY += value;
    sumXY += x * value;
    sumX2 += x * x;
  }
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = varX === 0 ? 0 : covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return intercept + slope * horizonSeconds;
}
