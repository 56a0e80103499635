// Wallet: balance and ledger history (newest first, paged with "before").
import { api } from '../api.js';
import { errorBox } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { dataTable } from '../components/table.js';
import { h, replace } from '../dom.js';
import { dateTime } from '../format.js';

const PAGE = 50;

function historyTable(rows) {
  return dataTable({
    caption: 'Ledger entries of your account',
    empty: 'No entries yet.',
    rows,
    rowKey: (e) => String(e.id),
    columns: [
      { label: 'When', cell: (e) => dateTime(e.ts) },
      { label: 'Kind', cell: (e) => e.kind },
      { label: 'Amount', numeric: true, cell: (e) => h('span', { class: e.amount_micro < 0 ? 'debit' : 'credit' }, e.amount) },
      { label: 'Job', cell: (e) => (e.job_id ? h('code', {}, e.job_id) : '—') },
      { label: 'Memo', cell: (e) => e.memo || '—' },
    ],
  });
}

export default {
  path: '/wallet',
  title: 'Wallet',
  render(main) {
    const balance = h('p', { class: 'balance', 'aria-live': 'polite' });
    const history = h('div');
    const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Older entries');
    const rows = [];

    async function load(before) {
      more.disabled = true;
      try {
        const query = new URLSearchParams({ limit: String(PAGE) });
        if (before) query.set('before', String(before));
        const wallet = await api.get(`/api/wallet?${query}`);
        replace(balance, 'Balance: ', h('strong', {}, `${wallet.balance} credits`));
        rows.push(...wallet.history);
        replace(history, historyTable(rows));
        more.hidden = wallet.history.length < PAGE;
      } catch (err) {
        replace(history, errorBox(err));
      } finally {
        more.disabled = false;
      }
    }

    more.addEventListener('click', () => load(rows.at(-1)?.id));
    main.append(pageHeader('Wallet'), balance, section('History', history, more));
    load();
  },
};
