// Audit log: the chain check's verdict (admins) and the rows, oldest first,
// a page at a time. A cluster's owner reads that cluster's rows.
import { api, isAdmin } from '../api.js';
import { field } from '../components/form.js';
import { fill } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { badge, dataTable } from '../components/table.js';
import { h, replace } from '../dom.js';

const PAGE = 100;

function verdict(check) {
  if (check.ok) {
    return h('p', { class: 'notice notice-ok', role: 'status' }, badge('intact', 'online'),
      ` The hash chain is intact: ${check.rows} rows checked.`);
  }
  return h('div', { class: 'notice notice-error', role: 'alert' },
    h('p', {}, badge('broken', 'offline'), ` The chain breaks at row ${check.first_broken_seq}: ${check.reason}.`),
    check.row ? h('pre', {}, JSON.stringify(check.row, null, 2)) : null);
}

function rowsTable(rows) {
  return dataTable({
    caption: 'Audit rows, oldest first',
    empty: 'No rows.',
    rows,
    rowKey: (r) => String(r.seq),
    columns: [
      { label: 'Seq', numeric: true, cell: (r) => String(r.seq) },
      { label: 'When', cell: (r) => new Date(r.ts).toLocaleString() },
      { label: 'Action', cell: (r) => h('code', {}, r.action) },
      { label: 'Actor', cell: (r) => r.actor_id || '—' },
      { label: 'Subject', cell: (r) => r.subject_id || '—' },
      { label: 'Cluster', cell: (r) => r.cluster_id || '—' },
      { label: 'Detail', cell: (r) => h('code', { class: 'detail' }, typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail)) },
    ],
  });
}

export default {
  path: '/audit',
  title: 'Audit log',
  render(main, { navigate, params }) {
    const cluster = params.get('cluster') ?? '';
    const after = Number(params.get('after') ?? 0);
    const check = h('div');
    const rows = h('div');
    const pager = h('nav', { class: 'pager', 'aria-label': 'Audit pages' });
    const filter = h('form', { class: 'form form-inline', 'aria-label': 'Audit filter' },
      field({ label: 'Cluster id', name: 'cluster', value: cluster, placeholder: isAdmin() ? 'all clusters' : 'required for a cluster owner' }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, 'Show')));
    filter.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = new FormData(filter).get('cluster').trim();
      navigate(value ? `/audit?cluster=${encodeURIComponent(value)}` : '/audit');
    });

    main.append(pageHeader('Audit log'), section('Chain check', check), filter, section('Rows', rows, pager));
    if (isAdmin()) fill(check, () => api.get('/api/audit/verify'), verdict);
    else check.append(h('p', { class: 'hint' }, 'Only an admin can run the chain check.'));

    if (!isAdmin() && !cluster) {
      rows.append(h('p', { class: 'hint' }, "Enter the id of a cluster you own to read its rows."));
      return;
    }
    const query = new URLSearchParams({ limit: String(PAGE), after: String(after) });
    if (cluster) query.set('cluster', cluster);
    fill(rows, () => api.get(`/api/audit?${query}`), (page) => {
      const base = cluster ? `/audit?cluster=${encodeURIComponent(cluster)}&` : '/audit?';
      replace(pager,
        after > 0 ? h('a', { href: cluster ? `/audit?cluster=${encodeURIComponent(cluster)}` : '/audit' }, 'First page') : null,
        page.has_more ? h('a', { href: `${base}after=${page.next_after}` }, 'Next page') : null);
      return rowsTable(page.data);
    });
  },
};
