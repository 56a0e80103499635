// Models: every model served now, the nodes serving it, their prices and the
// public tiers that include it.
import { api } from '../api.js';
import { fill } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { dataTable } from '../components/table.js';
import { h } from '../dom.js';

function range(values) {
  const numbers = values.map(Number).sort((a, b) => a - b);
  if (!numbers.length) return '—';
  const [low, high] = [numbers[0], numbers.at(-1)];
  return low === high ? String(low) : `${low}–${high}`;
}

/**
 * One row per model and placement (a model served both in the public pool
 * and in one of the caller's clusters has two entries in /v1/models, told
 * apart by owned_by): from /v1/models, /api/nodes and /api/tiers.
 */
export function modelRows(models, nodes, tiers) {
  const online = nodes.filter((n) => n.state !== 'offline');
  return models.map((model) => {
    const offers = online.flatMap((n) => n.models.filter((m) => m.id === model.id).map((m) => ({ node: n, ...m })));
    return {
      id: model.id,
      placement: model.owned_by,
      nodes: offers.map((o) => o.node.name),
      priceIn: range(offers.map((o) => o.price_in)),
      priceOut: range(offers.map((o) => o.price_out)),
      tiers: tiers.filter((t) => t.models.includes(model.id)).map((t) => t.name),
    };
  });
}

function render([models, nodes, tiers, pricing]) {
  const rows = modelRows(models.data, nodes.data, tiers.data);
  return h('div', {},
    dataTable({
      caption: `Models served now; prices in ${pricing.unit}`,
      empty: 'No model is served right now.',
      rows,
      rowKey: (r) => `${r.placement}/${r.id}`,
      columns: [
        { label: 'Model', cell: (r) => h('code', {}, r.id) },
        { label: 'Served by', cell: (r) => r.nodes.join(', ') || 'nodes you cannot see' },
        { label: 'Price in', numeric: true, cell: (r) => r.priceIn },
        { label: 'Price out', numeric: true, cell: (r) => r.priceOut },
        { label: 'Tiers', cell: (r) => r.tiers.join(', ') || '—' },
      ],
    }),
    section('Tiers',
      dataTable({
        caption: 'Tiers of the public pool (use as "model": "tier:NAME")',
        empty: 'No tiers are defined.',
        rows: tiers.data,
        columns: [
          { label: 'Tier', cell: (t) => t.name },
          { label: 'Models', cell: (t) => t.models.join(', ') },
          { label: 'Minimum trust', cell: (t) => t.min_trust },
          { label: 'Max price in', numeric: true, cell: (t) => t.max_price_in },
          { label: 'Max price out', numeric: true, cell: (t) => t.max_price_out },
        ],
      }),
      h('p', { class: 'hint' },
        `Node prices are bounded by ${pricing.min_price}–${pricing.max_price} ${pricing.unit}; platform fee ${pricing.fee_percent} %.`)),
  );
}

export default {
  path: '/models',
  title: 'Models',
  render(main) {
    const body = h('div');
    main.append(pageHeader('Models'), body);
    fill(body, () => Promise.all([api.get('/v1/models'), api.get('/api/nodes'), api.get('/api/tiers'), api.get('/api/pricing')]), render);
  },
};
