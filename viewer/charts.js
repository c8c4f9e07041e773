// @ts-check
/**
 * uPlot time-series charts fed from a History. uPlot is loaded as a classic script before the modules (no build
 * step, served by the agent from node_modules); it draws on canvas, so its colours are read from the page's CSS
 * custom properties where the chart is, and the charts are rebuilt when those change (the theme, a card gone stale).
 */
import { formatClock, formatDay, formatDuration } from './format.js';
import { stackColumns } from './history.js';

/** @typedef {import('uplot')} UPlot */
/** @type {typeof import('uplot')} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const CHART_HEIGHT = 150;
const PALETTE_SIZE = 7;
/** Fill opacity: a light tint under a single line, denser for stacked bands so that each reads as an area. */
const FILL_ALPHA = 0.12;
const STACKED_FILL_ALPHA = 0.45;
/** The band between a series and its steps' max: lighter than a fill, so the mean stays the line that reads. */
const MAX_BAND_ALPHA = 0.18;

/** Axis steps at powers of two, so a bytes axis reads 256 MiB, 512 MiB, 1 GiB. */
export const BINARY_INCREMENTS = Array.from({ length: 60 }, (_, power) => 2 ** power);

/**
 * @typedef {import('./format.js').Thresholds} Thresholds
 *
 * @typedef {object} SeriesStyle
 * @property {number} colour index into the palette (--series-1 ...)
 * @property {boolean} [dashed]
 * @property {boolean} [filled]
 * @property {boolean} [levelled] stroked in the level colours of the chart's `levels` (ok, warn, critical) by height
 *
 * @typedef {object} ChartSpec
 * @property {string} title what the chart shows, for its accessible summary
 * @property {(value: number) => string} format a value on the axis, in the legend and the summary
 * @property {(dataMax: number) => [number, number]} yRange
 * @property {number[]} [yIncrements] candidate axis steps, uPlot's decimal ones by default
 * @property {(name: string, index: number) => SeriesStyle} style
 * @property {string} [stackedTotal] draws the series stacked, first at the bottom, and names their sum in the summary
 * @property {() => (Thresholds & { text: string }) | undefined} [levels] where the chart's values turn amber and red,
 *   drawn as dashed lines, and said in words in the summary
 *
 * @typedef {object} ChartView where a chart's samples come from and which stretch of time it shows
 * @property {() => import('./history.js').History} history the samples to draw: the live ones, or a zoomed range's
 * @property {() => number} windowMs the selected window, ending at the newest sample
 * @property {() => [number, number] | undefined} zoom a fixed range (ms) chosen by dragging, instead of the window
 * @property {(range: [number, number] | undefined) => void} onZoom a range was dragged (ms), or reset by double-click
 * @property {string} syncKey charts with the same key share one crosshair
 *
 * @typedef {object} Chart
 * @property {HTMLElement} figure the element given
 * @property {() => void} draw shows the history's current samples in the current window
 * @property {() => void} restyle rebuilds with the colours now in force where the chart is (theme, a card gone stale)
 */

/**
 * The computed colour of a CSS custom property where `scope` is (a card redefines some while it is stale), with
 * light-dark() resolved, read through a throwaway element.
 * @param {HTMLElement} scope @param {string} property
 */
function cssColour(scope, property) {
  const probe = document.createElement('span');
  probe.style.color = `var(${property})`;
  scope.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/** Away from the cursor, the legend shows the newest values rather than dashes. @param {UPlot} u */
function showNewestInLegend(u) {
  if (u.cursor.idx == null) u.setLegend({ idx: u.data[0].length - 1 });
}

/** @param {HTMLElement} scope */
function readPalette(scope) {
  return {
    series: Array.from({ length: PALETTE_SIZE }, (_, i) => cssColour(scope, `--series-${i + 1}`)),
    axis: cssColour(scope, '--muted'),
    grid: cssColour(scope, '--grid'),
    ok: cssColour(scope, '--ok'),
    warn: cssColour(scope, '--warn'),
    critical: cssColour(scope, '--critical'),
  };
}

/** @param {string} colour `rgb(r, g, b)` @param {number} alpha */
const translucent = (colour, alpha) => colour.replace(/^rgb\((.*)\)$/, `rgba($1, ${alpha})`);

/** The canvas y of a value, and the plot's top and bottom, in canvas pixels. @param {UPlot} u */
function plotEdges(u) {
  return { top: u.bbox.top, bottom: u.bbox.top + u.bbox.height, y: (/** @type {number} */ value) => u.valToPos(value, 'y', true) };
}

/**
 * A stroke that changes colour where the line crosses the thresholds: ok below warn, warn up to critical, critical
 * above. Recomputed at each draw, since the scale moves.
 * @param {() => Thresholds | undefined} levels @param {ReturnType<typeof readPalette>} palette
 * @returns {(u: UPlot) => CanvasRenderingContext2D['strokeStyle']}
 */
function levelStroke(levels, palette) {
  return (u) => {
    const thresholds = levels();
    const { top, bottom, y } = plotEdges(u);
    // Before the first layout the plot has no size, nor the scale a range.
    if (!thresholds || !Number.isFinite(y(thresholds.warn)) || !(bottom > top)) return palette.ok;
    const at = (/** @type {number} */ value) => Math.min(1, Math.max(0, (bottom - y(value)) / (bottom - top)));
    const gradient = u.ctx.createLinearGradient(0, bottom, 0, top);
    /** @type {[number, string][]} */
    const stops = [[0, palette.ok], [at(thresholds.warn), palette.ok], [at(thresholds.warn), palette.warn], [at(thresholds.critical), palette.warn], [at(thresholds.critical), palette.critical], [1, palette.critical]];
    for (const [offset, colour] of stops) gradient.addColorStop(offset, colour);
    return gradient;
  };
}

/**
 * Dashed lines across the plot at the warn and critical values, in their colours, where they fall inside it.
 * @param {() => Thresholds | undefined} levels @param {ReturnType<typeof readPalette>} palette
 * @returns {(u: UPlot) => void}
 */
function drawLevelLines(levels, palette) {
  return (u) => {
    const thresholds = levels();
    if (!thresholds) return;
    const { top, bottom, y } = plotEdges(u);
    const { ctx } = u;
    ctx.save();
    ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    for (const [value, colour] of /** @type {[number, string][]} */ ([[thresholds.warn, palette.warn], [thresholds.critical, palette.critical]])) {
      const at = Math.round(y(value));
      if (at < top || at > bottom) continue;
      ctx.strokeStyle = colour;
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, at);
      ctx.lineTo(u.bbox.left + u.bbox.width, at);
      ctx.stroke();
    }
    ctx.restore();
  };
}

/**
 * A dashed vertical line, in the muted colour, at each time the agent came back after being down.
 * @param {() => number[]} restarts seconds @param {ReturnType<typeof readPalette>} palette @returns {(u: UPlot) => void}
 */
function drawRestarts(restarts, palette) {
  return (u) => {
    const { ctx } = u;
    ctx.save();
    ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.strokeStyle = palette.axis;
    for (const t of restarts()) {
      const x = Math.round(u.valToPos(t, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
}

/**
 * @param {HTMLElement} figure holds the canvas; gets `data-samples` and an aria-label summarising what is drawn
 * @param {ChartSpec} spec
 * @param {ChartView} view
 * @returns {Chart}
 */
export function createChart(figure, spec, view) {
  const { windowMs } = view;
  const plotArea = /** @type {HTMLElement} */ (figure.querySelector('.chart-plot'));
  /** @type {UPlot | undefined} */
  let plot;
  /** @type {string[]} */
  let names = [];

  const width = () => Math.max(plotArea.clientWidth, 200);
  /** The history drawn by the plot now: a zoom swaps it for the range's. */
  let drawn = view.history();
  const columnOf = (/** @type {string} */ name) => drawn.columns.get(name) ?? new Array(drawn.times.length).fill(null);

  /** The series whose stored steps hold a higher sample than their value: each drawn as a band up to it. */
  /** @type {string[]} */
  let maxNames = [];

  /** @returns {import('uplot').AlignedData} */
  const data = () => {
    const columns = names.map(columnOf);
    const maxes = maxNames.map((name) => /** @type {(number | null)[]} */ (drawn.maxes.get(name)));
    return [drawn.times, ...(spec.stackedTotal === undefined ? columns : stackColumns(columns)), ...maxes];
  };

  const build = () => {
    plot?.destroy();
    drawn = view.history();
    names = [...drawn.columns.keys()];
    maxNames = [...drawn.maxes.keys()];
    const palette = readPalette(figure);
    const stacked = spec.stackedTotal !== undefined;
    const colourOf = (/** @type {string} */ name) => palette.series[spec.style(name, names.indexOf(name)).colour % PALETTE_SIZE];
    const axis = {
      stroke: palette.axis,
      grid: { stroke: palette.grid, width: 1 },
      ticks: { stroke: palette.grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    plot = new uPlot(
      {
        width: width(),
        height: CHART_HEIGHT,
        // Dragging selects a range to zoom into (the page fetches it at a finer step); the scale itself follows
        // the page's zoom state, so that every chart and the URL agree. One crosshair across the card's charts.
        cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: view.syncKey } },
        legend: { live: true },
        hooks: {
          setData: [showNewestInLegend],
          setCursor: [showNewestInLegend],
          setSelect: [
            (u) => {
              if (u.select.width < 2) return;
              const range = /** @type {[number, number]} */ ([u.posToVal(u.select.left, 'x'), u.posToVal(u.select.left + u.select.width, 'x')].map((t) => Math.round(t * 1000)));
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              view.onZoom(range);
            },
          ],
          draw: [drawRestarts(() => drawn.restarts, palette), ...(spec.levels ? [drawLevelLines(spec.levels, palette)] : [])],
        },
        scales: {
          x: {
            time: true,
            range: (_u, _min, max) => {
              const zoom = view.zoom();
              if (zoom) return [zoom[0] / 1000, zoom[1] / 1000];
              const end = max ?? Date.now() / 1000;
              return [end - windowMs() / 1000, end];
            },
          },
          y: { range: (_u, _min, max) => spec.yRange(max ?? 0) },
        },
        axes: [
          {
            ...axis,
            // One line per tick, 24-hour like the legend; uPlot's default stacks the date under the time.
            space: 56,
            size: 30,
            values: (_u, splits, _axis, _space, increment) => splits.map((t) => (increment >= 86400 ? formatDay(t * 1000) : formatClock(t * 1000, increment < 60))),
          },
          {
            ...axis,
            size: 72,
            incrs: spec.yIncrements,
            values: (_u, splits) => splits.map(spec.format),
          },
        ],
        series: [
          { label: 'Time', value: (_u, /** @type {number | null} */ t) => (t == null ? '–' : formatClock(t * 1000)) },
          ...names.map((name, index) => {
            const style = spec.style(name, index);
            const colour = palette.series[style.colour % PALETTE_SIZE];
            return {
              label: name,
              stroke: style.levelled && spec.levels ? levelStroke(spec.levels, palette) : colour,
              width: 1.5,
              dash: style.dashed ? [5, 3] : undefined,
              fill: stacked ? translucent(colour, STACKED_FILL_ALPHA) : style.filled ? translucent(colour, FILL_ALPHA) : undefined,
              // A stacked series is drawn at the sum up to it; its legend shows its own value.
              value: (/** @type {UPlot} */ u, /** @type {number | null} */ v, /** @type {number} */ series, /** @type {number | null} */ idx) => {
                const below = stacked && series > 1 && idx != null ? u.data[series - 1][idx] : null;
                return v == null ? '–' : spec.format(v - (below ?? 0));
              },
              points: { show: false },
            };
          }),
          // Zoomed out, a step's mean hides its spikes: its max, a thin line over a light band (the stacked chart's
          // top, busy, is not one of its series: its max is a dotted line in the axis colour).
          ...maxNames.map((name) => ({
            label: `${name} max`,
            stroke: stacked ? palette.axis : translucent(colourOf(name), 0.5),
            width: 1,
            dash: stacked ? [2, 2] : undefined,
            value: (/** @type {UPlot} */ _u, /** @type {number | null} */ v) => (v == null ? '–' : spec.format(v)),
            points: { show: false },
          })),
        ],
        bands: [
          // Each stacked series fills only down to the one below it.
          ...(stacked ? names.slice(1).map((_, i) => ({ series: /** @type {[number, number]} */ ([i + 2, i + 1]) })) : []),
          ...(stacked
            ? []
            : maxNames.flatMap((name, i) => {
                const value = names.indexOf(name);
                return value < 0 ? [] : [{ series: /** @type {[number, number]} */ ([names.length + 1 + i, value + 1]), fill: translucent(colourOf(name), MAX_BAND_ALPHA) }];
              })),
        ],
      },
      data(),
      plotArea,
    );
    plot.over.addEventListener('dblclick', () => view.onZoom(undefined));
  };

  const summarise = () => {
    const { times } = drawn;
    const zoom = view.zoom();
    const [since, until] = zoom ? [zoom[0] / 1000, zoom[1] / 1000] : [(times[times.length - 1] ?? 0) - windowMs() / 1000, Infinity];
    // Times increase: count back from the newest rather than scan all that is kept.
    let shown = 0;
    while (shown < times.length && times[times.length - 1 - shown] >= since) shown += 1;
    if (zoom) shown -= times.filter((t) => t > until).length;
    figure.dataset.samples = String(shown);
    /** @type {[string, number][]} */
    const newest = names.flatMap((name) => {
      const column = columnOf(name);
      const value = column[column.length - 1];
      return value == null ? [] : [[name, value]];
    });
    const parts = newest.map(([name, value]) => `${name} ${spec.format(value)}`).join(', ');
    const total = spec.stackedTotal === undefined || newest.length === 0 ? '' : `${spec.stackedTotal} ${spec.format(newest.reduce((sum, [, value]) => sum + value, 0))}: `;
    const levels = spec.levels?.();
    const now = newest.length ? `; ${zoom ? 'at its end' : 'now'} ${total}${parts}` : '';
    const span = zoom ? `from ${formatClock(zoom[0])} to ${formatClock(zoom[1])}` : `over the last ${formatDuration(windowMs())}`;
    // The marks drawn for restarts are said in words too.
    const restarts = drawn.restarts.filter((t) => t >= since && t <= until).map((t) => `; the agent restarted at ${formatClock(t * 1000)}`).join('');
    figure.setAttribute('aria-label', `${spec.title} ${span}: ${shown} samples${now}${levels ? `; ${levels.text}` : ''}${restarts}`);
  };

  new ResizeObserver(() => plot?.setSize({ width: width(), height: CHART_HEIGHT })).observe(plotArea);

  return {
    figure,
    draw() {
      if (!plot || drawn !== view.history() || drawn.columns.size !== names.length || drawn.maxes.size !== maxNames.length) build();
      else plot.setData(data());
      summarise();
    },
    restyle() {
      if (plot) build();
    },
  };
}
