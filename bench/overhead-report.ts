/**
 * The overhead run as text: one table per scenario, each repetition's figure side by side, hostfeed's ratio to
 * node_exporter next to issue 11's target with a pass/miss mark (pass: every repetition meets it).
 */
import { USER_HZ } from './procstat';
import { SCENARIOS, SUBJECT_KINDS, type OverheadRun, type SubjectFigures, type SubjectKind } from './overhead';

/** The subjects a scrape loop drives (Netdata samples by itself). */
const SCRAPED_KINDS = SUBJECT_KINDS.filter((kind) => kind !== 'netdata');

/** Issue 11's bound on hostfeed's RSS at idle (scenario A's end); MB are 10^6 bytes, as in the issue. */
export const IDLE_RSS_TARGET_BYTES = 55e6;
export const MB = 1e6;

export const mark = (pass: boolean) => (pass ? 'pass' : 'miss');

/** Columns padded to their widest cell; the first left-aligned, the others right-aligned. */
export function table(rows: string[][], indent = '  '): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => indent + row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd())
    .join('\n');
}

/** `values` of every repetition, side by side. */
const each = (values: number[], format: (value: number) => string) => values.map(format).join(' ');

export function overheadReport(run: OverheadRun): string {
  const out: string[] = [
    `overhead: ${run.reps.length} repetitions, each with fresh processes, ${run.warmupSeconds} s warm-up then ${run.seconds} s measured, every scenario's subjects at once;`,
    '  CPU = utime+stime of the process tree (/proc/<pid>/stat), RSS of the tree at the window\'s end, MB = 10^6 bytes; figures are "rep 1 rep 2"',
  ];
  for (const scenario of SCENARIOS) {
    const reps = run.reps.map((figures) => figures.get(scenario.key)!);
    const of = (kind: SubjectKind) => reps.map((figures) => figures.find((f) => f.kind === kind));
    const peer = of('node_exporter') as SubjectFigures[];
    const rows = [['subject', 'scraped', 'CPU s/min', 'x node_exporter', 'RSS MB', 'target']];
    for (const kind of SUBJECT_KINDS) {
      const figures = of(kind);
      if (figures.some((f) => f === undefined)) continue;
      const ratios = (figures as SubjectFigures[]).map((f, i) => f.cpuSecondsPerMinute / peer[i].cpuSecondsPerMinute);
      const interval = scenario.scrapeSeconds[kind];
      rows.push([
        kind,
        interval === undefined ? '-' : `every ${interval} s`,
        each(figures.map((f) => f!.cpuSecondsPerMinute), (v) => v.toFixed(3)),
        each(ratios, (r) => `x${r.toFixed(2)}`),
        each(figures.map((f) => f!.rssBytes / MB), (v) => v.toFixed(1)),
        kind === 'hostfeed' ? `<= x${scenario.targetRatio.toFixed(1)}: ${mark(ratios.every((r) => r <= scenario.targetRatio))}` : '',
      ]);
    }
    out.push(`${scenario.key}: ${scenario.title}`, table(rows));
    // utime and stime are whole ticks: their sum over a window may be up to two ticks off.
    const peerTicks = Math.min(...peer.map((f) => (f.cpuSecondsPerMinute * run.seconds * USER_HZ) / 60));
    const uncertainty = 2 / Math.max(peerTicks, 1);
    if (uncertainty > 0.02) out.push(`  node_exporter used ${peerTicks.toFixed(0)} ticks of ${1000 / USER_HZ} ms in a window: its figure (and the ratios) are good to about ±${(uncertainty * 100).toFixed(0)} %`);
    const hostfeed = of('hostfeed') as SubjectFigures[];
    const children = hostfeed.map((f) => f.childProcesses ?? 0);
    out.push(`  hostfeed child processes: ${children.join(' ')} (target 0: ${mark(children.every((c) => c === 0))})`);
    if (scenario.key === 'A') {
      const rss = hostfeed.map((f) => f.rssBytes);
      out.push(`  hostfeed RSS at idle, A's end: ${each(rss, (b) => (b / MB).toFixed(1))} MB (target <= ${IDLE_RSS_TARGET_BYTES / MB} MB: ${mark(rss.every((b) => b <= IDLE_RSS_TARGET_BYTES))})`);
    }
    for (const [i, f] of hostfeed.entries()) {
      if (!f.events) continue;
      const counts = [...f.events.counts].map(([type, count]) => `${type} ${count}`).join(', ');
      out.push(`  /events client, rep ${i + 1}: ${counts || 'no event'} in the window${f.events.failure ? `; stream ended: ${f.events.failure}` : ''}`);
    }
    if (scenario.netdata && run.netdataSkipped) out.push(`  netdata: skipped, ${run.netdataSkipped}`);
    for (const kind of SCRAPED_KINDS) {
      const failed = of(kind).filter((f) => f?.scrapes && f.scrapes.failures > 0);
      for (const f of failed) out.push(`  ${kind}: ${f!.scrapes!.failures} failed scrapes in the window, last: ${f!.scrapes!.lastError}`);
    }
    out.push(`  scrapes in the window: ${SCRAPED_KINDS.map((kind) => `${kind} ${of(kind).map((f) => f?.scrapes?.scrapes ?? 0).join(' ')}`).join(', ')}`);
  }
  return out.join('\n');
}
