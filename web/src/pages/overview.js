// Overview: nodes online, models, jobs and tokens per minute over the last
// hour (polled), and the latest errors (metadata only).
import { api } from '../api.js';
import { timeChart } from '../components/chart.js';
import { livePoll } from '../components/live.js';
import { section, pageHeader } from '../components/page.js';
import { dataTable } from '../components/table.js';
import { h, replace } from '../dom.js';
import { dateTime, integer } from '../format.js';
import { lastHour } from '../usage_series.js';

function stat(label, value) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
}

function perMinuteSeries(perMinute) {
  return {
    x: perMinute.map((m) => m.minute),
    jobs: [{ label: 'jobs', values: perMinute.map((m) => m.jobs) }, { label: 'errors', values: perMinute.map((m) => m.errors) }],
    tokens: [
      { label: 'tokens in', values: perMinute.map((m) => m.tokens_in) },
      { label: 'tokens out', values: perMinute.map((m) => m.tokens_out) },
    ],
  };
}

const sumOf = (x, series) => series.map((s) => `${s.label}: ${integer(s.values.reduce((a, b) => a + b, 0))}`).join(', ');
const describe = (x, series) => `Last ${x.length} minutes. Totals: ${sumOf(x, series)}.`;

function errorsTable(errors) {
  return dataTable({
    caption: 'Recent errors',
    empty: 'No errors recently.',
    rows: errors,
    columns: [
      { label: 'When', cell: (e) => dateTime(e.at) },
      { label: 'Model', cell: (e) => e.model },
      { label: 'Error', cell: (e) => h('code', {}, e.code) },
      { label: 'Node', cell: (e) => (e.node_name ? `${e.node_name} (${e.node_id})` : e.node_id || '—') },
    ],
  });
}

export default {
  path: '/',
  title: 'Overview',
  render(main) {
    const stats = h('div', { class: 'stats', 'aria-live': 'polite' });
    const modelList = h('p', { class: 'model-list' });
    const errors = h('div');
    const empty = perMinuteSeries([]);
    const jobsChart = timeChart({ title: 'Jobs per minute', yLabel: 'per minute', x: empty.x, series: empty.jobs, describe });
    const tokensChart = timeChart({ title: 'Tokens per minute', yLabel: 'per minute', x: empty.x, series: empty.tokens, describe });

    async function refresh() {
      const o = await api.get('/api/overview');
      const hour = lastHour(o.per_minute);
      const now = hour.at(-1);
      replace(stats,
        stat('Nodes online', integer(o.nodes_online)),
        stat('Models', integer(o.models.length)),
        stat('Jobs, last minute', integer(now.jobs)),
        stat('Tokens, last minute', integer(now.tokens_in + now.tokens_out)));
      modelList.textContent = o.models.length ? o.models.join(', ') : 'No model is served right now.';
      const series = perMinuteSeries(hour);
      jobsChart.update(series.x, series.jobs);
      tokensChart.update(series.x, series.tokens);
      replace(errors, errorsTable(o.recent_errors));
    }

    const poll = livePoll(refresh);
    main.append(
      pageHeader('Overview', poll.stamp),
      stats,
      section('Models online', modelList),
      section('Activity, last hour', h('div', { class: 'charts' }, jobsChart.element, tokensChart.element)),
      section('Recent errors', errors),
    );
    return () => {
      poll.stop();
      jobsChart.destroy();
      tokensChart.destroy();
    };
  },
};
