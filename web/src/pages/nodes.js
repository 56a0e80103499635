// Nodes: the caller's own and their clusters' nodes (admins: all), polled.
import { api, currentUser } from '../api.js';
import { livePoll } from '../components/live.js';
import { pageHeader } from '../components/page.js';
import { badge, dataTable } from '../components/table.js';
import { h, replace } from '../dom.js';
import { ago, milliseconds, percent } from '../format.js';

function health(node) {
  if (!node.health) return '—';
  const { ttft_ms: ttft, latency_ms: latency, error_rate: errors } = node.health;
  return h('span', { class: 'health' },
    `TTFT ${milliseconds(ttft)} · latency ${milliseconds(latency)} · errors ${percent(errors)}`);
}

function scope(node) {
  // Nodes enrolled with an operator's token (potluck admin node-token) have no owner.
  let mine = 'operator';
  if (node.owner_id) mine = node.owner_id === currentUser()?.id ? 'yours' : `owner ${node.owner_id}`;
  return node.cluster_id ? `cluster ${node.cluster_id} (${mine})` : `public pool (${mine})`;
}

const jobs = (node) => (node.max_jobs ? `${node.in_flight} / ${node.max_jobs}` : String(node.in_flight));

export function nodesTable(nodes, now = Date.now() / 1000) {
  return dataTable({
    caption: 'Nodes',
    empty: 'No node has connected yet. Start one with potluck node and a node token.',
    rows: nodes,
    rowKey: (n) => n.id,
    columns: [
      { label: 'Name', cell: (n) => h('span', { title: n.id }, n.name) },
      { label: 'State', cell: (n) => badge(n.state) },
      { label: 'OS', cell: (n) => `${n.os} ${n.arch ?? ''}`.trim() },
      { label: 'Version', cell: (n) => n.version },
      { label: 'Models', cell: (n) => n.models.map((m) => m.id).join(', ') || '—' },
      { label: 'Jobs in flight', numeric: true, cell: jobs },
      { label: 'Health', cell: health },
      { label: 'Trust', cell: (n) => n.trust },
      { label: 'Where', cell: scope },
      { label: 'Last seen', cell: (n) => h('time', { datetime: new Date(n.last_seen * 1000).toISOString() }, ago(n.last_seen, now)) },
    ],
  });
}

export default {
  path: '/nodes',
  title: 'Nodes',
  render(main) {
    const table = h('div');
    const count = h('p', { class: 'summary' });
    const poll = livePoll(async () => {
      const { data } = await api.get('/api/nodes');
      const online = data.filter((n) => n.state !== 'offline').length;
      count.textContent = `${online} of ${data.length} nodes connected.`;
      replace(table, nodesTable(data));
    });
    main.append(pageHeader('Nodes', poll.stamp), count, table);
    return poll.stop;
  },
};
