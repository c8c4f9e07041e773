// @ts-check
/**
 * uPlot time-series charts fed from a History. uPlot is loaded as a classic script before the modules (no build
 * step, served by the agent from node_modules); it draws on canvas, so its colours are read from the page's CSS
 * custom properties and the charts are rebuilt when the theme changes.
 */
import { formatClock, formatDuration } from './format.js';

/** @typedef {import('uplot')} UPlot */
/** @type {typeof import('uplot')} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const CHART_HEIGHT = 150;
const PALETTE_SIZE = 6;

/** Axis steps at powers of two, so a bytes axis reads 256 MiB, 512 MiB, 1 GiB. */
export const BINARY_INCREMENTS = Array.from({ length: 60 }, (_, power) => 2 ** power);

/**
 * @typedef {object} SeriesStyle
 * @property {number} colour index into the palette (--series-1 ...)
 * @property {boolean} [dashed]
 * @property {boolean} [filled]
 *
 * @typedef {object} ChartSpec
 * @property {string} title what the chart shows, for its accessible summary
 * @property {(value: number) => string} format a value on the axis, in the legend and the summary
 * @property {(dataMax: number) => [number, number]} yRange
 * @property {number[]} [yIncrements] candidate axis steps, uPlot's decimal ones by default
 * @property {(name: string, index: number) => SeriesStyle} style
 *
 * @typedef {object} Chart
 * @property {() => void} draw shows the history's current samples in the current window
 * @property {() => void} restyle rebuilds with the colours of the current theme
 */

/** The computed colour of a CSS custom property (light-dark() resolved), read through a throwaway element. */
function cssColour(/** @type {string} */ property) {
  const probe = document.createElement('span');
  probe.style.color = `var(${property})`;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/** Away from the cursor, the legend shows the newest values rather than dashes. @param {UPlot} u */
function showNewestInLegend(u) {
  if (u.cursor.idx == null) u.setLegend({ idx: u.data[0].length - 1 });
}

function readPalette() {
  return {
    series: Array.from({ length: PALETTE_SIZE }, (_, i) => cssColour(`--series-${i + 1}`)),
    axis: cssColour('--muted'),
    grid: cssColour('--grid'),
  };
}

/**
 * @param {HTMLElement} figure holds the canvas; gets `data-samples` and an aria-label summarising what is drawn
 * @param {ChartSpec} spec
 * @param {import('./history.js').History} history
 * @param {() => number} windowMs the selected window
 * @returns {Chart}
 */
export function createChart(figure, spec, history, windowMs) {
  const plotArea = /** @type {HTMLElement} */ (figure.querySelector('.chart-plot'));
  /** @type {UPlot | undefined} */
  let plot;
  /** @type {string[]} */
  let names = [];

  const width = () => Math.max(plotArea.clientWidth, 200);

  /** @returns {import('uplot').AlignedData} */
  const data = () => [history.times, ...names.map((name) => /** @type {(number | null)[]} */ (history.columns.get(name)))];

  const build = () => {
    plot?.destroy();
    names = [...history.columns.keys()];
    const palette = readPalette();
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
        // Zooming by drag would fight the live window; the window selector is the zoom.
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        hooks: { setData: [showNewestInLegend], setCursor: [showNewestInLegend] },
        scales: {
          x: {
            time: true,
            range: (_u, _min, max) => {
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
            values: (_u, splits, _axis, _space, increment) => splits.map((t) => formatClock(t * 1000, increment < 60)),
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
              stroke: colour,
              width: 1.5,
              dash: style.dashed ? [5, 3] : undefined,
              fill: style.filled ? colour.replace(/^rgb\((.*)\)$/, 'rgba($1, 0.12)') : undefined,
              value: (/** @type {UPlot} */ _u, /** @type {number | null} */ v) => (v == null ? '–' : spec.format(v)),
              points: { show: false },
            };
          }),
        ],
      },
      data(),
      plotArea,
    );
  };

  const summarise = () => {
    const since = (history.times[history.times.length - 1] ?? 0) - windowMs() / 1000;
    const shown = history.times.filter((t) => t >= since).length;
    figure.dataset.samples = String(shown);
    const latest = names
      .map((name) => {
        const column = /** @type {(number | null)[]} */ (history.columns.get(name));
        const value = column[column.length - 1];
        return value == null ? undefined : `${name} ${spec.format(value)}`;
      })
      .filter(Boolean)
      .join(', ');
    figure.setAttribute('aria-label', `${spec.title} over the last ${formatDuration(windowMs())}: ${shown} samples${latest ? `; now ${latest}` : ''}`);
  };

  new ResizeObserver(() => plot?.setSize({ width: width(), height: CHART_HEIGHT })).observe(plotArea);

  return {
    draw() {
      if (!plot || history.columns.size !== names.length) build();
      else plot.setData(data());
      summarise();
    },
    restyle: build,
  };
}
