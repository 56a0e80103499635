// Usage: charts over time by model (requests, tokens in and out, latency
// percentiles) for a date range, the daily summary, and the CSV download.
// Charts are drawn from the raw events of /api/usage.csv (metadata only).
import { api } from '../api.js';
import { timeChart } from '../components/chart.js';
import { field } from '../components/form.js';
import { errorBox } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { dataTable } from '../components/table.js';
import { parseCsv } from '../csv.js';
import { h, replace } from '../dom.js';
import { integer, utcDay } from '../format.js';
import { bucketSeconds, buckets, latencyPercentiles, sumByModel, usageEvents } from '../usage_series.js';

const DAY = 86400;
const ALL = '';

function defaultRange() {
  const today = new Date();
  const weekAgo = new Date(today.getTime() - 6 * DAY * 1000);
  return { from: utcDay(weekAgo), to: utcDay(today) };
}

function query({ from, to }) {
  return new URLSearchParams({ from, to }).toString();
}

// `to` is inclusive: its whole UTC day is part of the range.
function rangeSeconds({ from, to }) {
  return [Date.parse(`${from}T00:00:00Z`) / 1000, Date.parse(`${to}T00:00:00Z`) / 1000 + DAY];
}

const describe = (x, series) =>
  series.map((s) => `${s.label}: ${integer(s.values.reduce((a, b) => a + (b ?? 0), 0))}`).join(', ') || 'No data.';
const describeLatency = (x, series) =>
  series.map((s) => `${s.label} up to ${integer(Math.max(0, ...s.values.filter((v) => v !== null)))} ms`).join(', ');

function summaryTable(summary) {
  return dataTable({
    caption: 'Usage by day and model',
    empty: 'No usage in this range.',
    rows: summary.data,
    columns: [
      { label: 'Day', cell: (d) => d.day },
      { label: 'Model', cell: (d) => d.model || 'exec (no model)' },
      { label: 'Requests', numeric: true, cell: (d) => integer(d.jobs) },
      { label: 'Succeeded', numeric: true, cell: (d) => integer(d.ok_jobs) },
      { label: 'Tokens in', numeric: true, cell: (d) => integer(d.prompt_tokens) },
      { label: 'Tokens out', numeric: true, cell: (d) => integer(d.completion_tokens) },
      { label: 'Mean latency', numeric: true, cell: (d) => (d.jobs ? `${integer(d.latency_ms_total / d.jobs)} ms` : '—') },
      { label: 'Cost (µcredits)', numeric: true, cell: (d) => integer(d.cost) },
    ],
  });
}

function chartSet() {
  const charts = {
    requests: timeChart({ title: 'Requests by model', x: [], series: [], describe }),
    tokensIn: timeChart({ title: 'Tokens in by model', x: [], series: [], describe }),
    tokensOut: timeChart({ title: 'Tokens out by model', x: [], series: [], describe }),
    latency: timeChart({ title: 'Latency percentiles', yLabel: 'ms', x: [], series: [], describe: describeLatency }),
  };
  return {
    element: h('div', { class: 'charts' }, Object.values(charts).map((c) => c.element)),
    draw(events, range) {
      const [fromS, toS] = rangeSeconds(range);
      const step = bucketSeconds(fromS, toS);
      const x = buckets(fromS, toS, step);
      charts.requests.update(x, sumByModel(events, x, step, () => 1));
      charts.tokensIn.update(x, sumByModel(events, x, step, (e) => e.prompt_tokens));
      charts.tokensOut.update(x, sumByModel(events, x, step, (e) => e.completion_tokens));
      charts.latency.update(x, latencyPercentiles(events, x, step));
    },
    destroy: () => Object.values(charts).forEach((c) => c.destroy()),
  };
}

export default {
  path: '/usage',
  title: 'Usage',
  render(main) {
    const range = defaultRange();
    const download = h('a', { class: 'button', download: 'potluck-usage.csv' }, 'Download CSV');
    const modelField = field({ label: 'Model', name: 'model', options: [{ value: ALL, label: 'All models' }] });
    const modelSelect = modelField.querySelector('select');
    const form = h('form', { class: 'form form-inline', 'aria-label': 'Date range' },
      field({ label: 'From (UTC)', name: 'from', type: 'date', value: range.from, required: true }),
      field({ label: 'To (UTC, included)', name: 'to', type: 'date', value: range.to, required: true }),
      modelField,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, 'Show'), download));
    const status = h('div', { 'aria-live': 'polite' });
    const summary = h('div');
    const charts = chartSet();
    let events = [];

    function showModels() {
      const chosen = modelSelect.value;
      const models = [...new Set(events.map((e) => e.model))].sort();
      replace(modelSelect, h('option', { value: ALL }, 'All models'),
        models.map((m) => h('option', { value: m, selected: m === chosen }, m)));
    }

    function draw() {
      const model = modelSelect.value;
      charts.draw(model === ALL ? events : events.filter((e) => e.model === model), range);
    }

    async function load() {
      download.href = `/api/usage.csv?${query(range)}`;
      replace(status);
      try {
        const [csv, days] = await Promise.all([api.text(download.href), api.get(`/api/usage?${query(range)}`)]);
        events = usageEvents(parseCsv(csv));
        showModels();
        draw();
        replace(summary, summaryTable(days));
        status.textContent = `${integer(events.length)} requests from ${range.from} to ${range.to} (UTC).`;
      } catch (err) {
        replace(status, errorBox(err));
      }
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form).entries());
      Object.assign(range, { from: values.from, to: values.to });
      load();
    });
    modelSelect.addEventListener('change', draw);
    main.append(pageHeader('Usage'), form, status, section('Over time', charts.element), section('By day', summary));
    load();
    return charts.destroy;
  },
};
