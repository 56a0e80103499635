// Time-series charts with uPlot, sized to their container and coloured from
// the page's CSS variables so they follow the light/dark theme. Each chart
// carries a text summary for screen readers.
import uPlot from 'uplot';
import { h } from '../dom.js';

const PALETTE = ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5', '--chart-6'];

// The variables hold light-dark() pairs, which a canvas cannot read: let
// the browser resolve one into a plain colour on a hidden probe element.
function cssVar(name) {
  const probe = document.createElement('span');
  probe.style.color = `var(${name})`;
  probe.hidden = true;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour || '#888';
}

function options(width, seriesLabels, yLabel) {
  const ink = cssVar('--muted');
  const grid = cssVar('--border');
  const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: 220,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, label: yLabel, size: 60 }],
    series: [
      {},
      ...seriesLabels.map((label, i) => ({
        label,
        stroke: cssVar(PALETTE[i % PALETTE.length]),
        width: 2,
        // Values are totals per time bucket: steps, not slopes between them.
        paths: uPlot.paths.stepped({ align: 1 }),
      })),
    ],
  };
}

/**
 * A line chart over time. `x`: Unix seconds; `series`: [{label, values}].
 * Returns {element, update(x, series), destroy()}.
 */
export function timeChart({ title, yLabel = '', x, series, describe }) {
  const plotBox = h('div', { class: 'chart-plot' });
  const summary = h('p', { class: 'visually-hidden' });
  const element = h('figure', { class: 'chart' }, h('figcaption', {}, title), plotBox, summary);
  let plot = null;
  let labels = [];
  let data = [x, ...series.map((s) => s.values)];

  function build() {
    plot?.destroy();
    labels = series.map((s) => s.label);
    plot = new uPlot(options(Math.max(plotBox.clientWidth, 240), labels, yLabel), data, plotBox);
  }
  const resize = new ResizeObserver(() => {
    if (!plot) build();
    else plot.setSize({ width: Math.max(plotBox.clientWidth, 240), height: 220 });
  });
  resize.observe(plotBox);

  function update(newX, newSeries) {
    data = [newX, ...newSeries.map((s) => s.values)];
    summary.textContent = describe ? describe(newX, newSeries) : '';
    const sameSeries = newSeries.length === labels.length && newSeries.every((s, i) => s.label === labels[i]);
    series = newSeries;
    if (plot && sameSeries) plot.setData(data);
    else if (plot) build();
  }
  update(x, series);

  return {
    element,
    update,
    destroy() {
      resize.disconnect();
      plot?.destroy();
    },
  };
}
