// Wallet: balance and ledger history (newest first, paged with "before").
// When the coordinator has a Lightning rail (payments.rail "lnd"): top-ups
// (an amount of credits becomes an invoice, shown as text to copy and as a
// QR code, polled every second until it is paid or expires; then the balance
// and history reload) and payouts to an invoice of the user's own wallet
// (polled while in flight). Without a rail the page shows balance and
// history only.
import { api } from '../api.js';
import { actionForm, field } from '../components/form.js';
import { errorBox, infoBox } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { qrCode } from '../components/qr.js';
import { badge, dataTable } from '../components/table.js';
import { h, replace, uniqueId } from '../dom.js';
import { clockTime, dateTime } from '../format.js';
import { failureText, formatSats, isMainnet, lightningUri, payoutState, satsForCredits, topupState } from '../lightning.js';

const PAGE = 50;
const POLL_MS = 1000;
const SLOW_POLL_MS = 5000; // a payout still in flight after a minute
const TOPUP_GRACE_S = 300; // polling stops this long after an invoice's expiry even if no answer said so

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

const stateBadge = ({ label, tone }) => badge(label, tone);
const clockOf = (unixSeconds) => clockTime(new Date(unixSeconds * 1000));

/**
 * Runs `fn` every `everyMs(n)` ms (n: runs so far) until it returns false;
 * returns stop(). A throw counts as "go on".
 */
function every(everyMs, fn) {
  let timer = null;
  let stopped = false;
  let n = 0;
  const run = async () => {
    timer = null;
    let again = true;
    try {
      again = (await fn()) !== false;
    } catch {
      again = true;
    }
    n += 1;
    if (again && !stopped) timer = setTimeout(run, everyMs(n));
  };
  timer = setTimeout(run, everyMs(0));
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Copies `text`, selecting the field first so a refused clipboard leaves it ready for Ctrl+C. */
async function copyFrom(field, text, status) {
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    status.textContent = copied ? 'Copied.' : 'Select the text and copy it by hand.';
  }
}

/** The invoice of one top-up: status line, QR code, the text with a copy button. update(topup) redraws the state. */
function topupView(topup) {
  const textId = uniqueId('invoice');
  const text = h('textarea', { id: textId, class: 'invoice-text mono', readOnly: true, rows: 4, spellcheck: false }, topup.invoice);
  const copyStatus = h('span', { class: 'copy-status', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button', onclick: () => copyFrom(text, topup.invoice, copyStatus) }, 'Copy');
  const sats = formatSats(topup.sats);
  const status = h('p', { class: 'topup-status', role: 'status', 'aria-live': 'polite' });
  const problem = h('div', { 'aria-live': 'polite' });
  const payable = h('div', { class: 'invoice-layout' },
    h('figure', { class: 'qr' },
      qrCode(lightningUri(topup.invoice), { label: `QR code of the Lightning invoice for ${sats} sats` }),
      h('figcaption', {}, 'Scan with a Lightning wallet')),
    h('div', { class: 'invoice-copy' },
      h('label', { for: textId }, 'Invoice to pay'),
      text,
      h('div', { class: 'form-actions' },
        copy,
        h('a', { class: 'button', href: `lightning:${topup.invoice}` }, 'Open in a wallet app'),
        copyStatus)));
  const element = h('div', { class: 'topup-invoice', dataset: { topup: topup.id } },
    h('h3', {}, `Invoice for ${topup.amount} credits (${sats} sats)`), status, problem, payable);

  function update(t) {
    replace(problem);
    element.dataset.state = t.state;
    if (t.state === 'settled') {
      status.textContent = `Paid: ${t.amount} credits were added to your balance.`;
      payable.hidden = true;
    } else if (t.state === 'expired') {
      status.textContent = 'This invoice expired before it was paid. Create a new one to top up.';
      payable.hidden = true;
    } else {
      status.textContent = `Waiting for the payment of ${sats} sats. The invoice expires at ${clockOf(t.expires_at)}.`;
    }
  }
  update(topup);
  return { element, update, problem: (err) => replace(problem, errorBox(err)) };
}

export default {
  path: '/wallet',
  title: 'Wallet',
  render(main) {
    const balance = h('p', { class: 'balance', 'aria-live': 'polite' });
    const history = h('div');
    const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Older entries');
    const lightning = h('div');
    const rows = [];
    const stops = new Set();
    let left = false;
    let generation = 0; // a reload from the first page starts a new one: older pages still on the way are dropped
    let rail = null; // the sections of the Lightning rail, made on the first load that names one

    /** Runs `fn` every second (see every()) until it returns false or the page is left. */
    function poll(fn, everyMs = () => POLL_MS) {
      let stop = null;
      const stopThis = () => {
        stop?.();
        stops.delete(stopThis);
      };
      stop = every(everyMs, async () => {
        if (left) return false;
        const again = await fn();
        if (again === false) stops.delete(stopThis);
        return again;
      });
      stops.add(stopThis);
      return stopThis;
    }

    async function load(before) {
      const mine = before ? generation : ++generation;
      more.disabled = true;
      try {
        const query = new URLSearchParams({ limit: String(PAGE) });
        if (before) query.set('before', String(before));
        const wallet = await api.get(`/api/wallet?${query}`);
        if (left || mine !== generation) return;
        replace(balance, 'Balance: ', h('strong', {}, `${wallet.balance} credits`));
        if (!before) rows.length = 0;
        rows.push(...wallet.history);
        replace(history, historyTable(rows));
        more.hidden = wallet.history.length < PAGE;
        if (!before) showPayments(wallet);
      } catch (err) {
        replace(history, errorBox(err));
      } finally {
        more.disabled = false;
      }
    }

    function showPayments(wallet) {
      const payments = wallet.payments ?? { rail: 'none' };
      if (payments.rail !== 'lnd') {
        replace(lightning);
        return;
      }
      rail ??= lightningSections(payments);
      rail.update(wallet);
      if (!lightning.contains(rail.element)) replace(lightning, rail.element);
    }

    function lightningSections(payments) {
      const watchedPayouts = new Map(); // payout id -> stop()
      let stopTopup = null;
      const invoiceBox = h('div', { class: 'topup-current' });
      const topupsTable = h('div');
      const payoutsTable = h('div');

      // --- Top up
      function showTopup(topup) {
        stopTopup?.();
        stopTopup = null;
        const view = topupView(topup);
        replace(invoiceBox, view.element);
        if (topup.state !== 'open') return;
        stopTopup = poll(async () => {
          let now;
          try {
            now = await api.get(`/api/wallet/topups/${encodeURIComponent(topup.id)}`);
          } catch (err) {
            view.problem(err);
            return true;
          }
          view.update(now);
          if (now.state === 'open' && Date.now() / 1000 < now.expires_at + TOPUP_GRACE_S) return true;
          await load(); // paid or expired: the balance, history and tables
          return false;
        });
      }

      const satsOut = h('output', { class: 'sats-equivalent', 'aria-live': 'polite' });
      const topupForm = actionForm({
        label: 'Top up with Lightning',
        submit: 'Create invoice',
        fields: [
          field({
            label: 'Amount (credits)', name: 'amount', required: true, inputmode: 'decimal', autocomplete: 'off',
            pattern: '\\s*[0-9]+(\\.[0-9]+)?\\s*', placeholder: '10',
            hint: `1 sat = ${payments.credits_per_sat} credits.`,
          }),
          satsOut,
        ],
        onSubmit: async ({ amount }, form) => {
          const topup = await api.post('/api/wallet/topups', { amount: amount.trim() });
          form.reset();
          satsOut.textContent = '';
          showTopup(topup);
          load();
          return null;
        },
      });
      const amountInput = topupForm.querySelector('input[name="amount"]');
      satsOut.htmlFor.add(amountInput.id);
      amountInput.addEventListener('input', () => {
        const sats = satsForCredits(amountInput.value, payments.credits_per_sat);
        satsOut.textContent = sats ? `${sats.exact ? '=' : '≈'} ${formatSats(sats.sats)} sats` : '';
      });

      // --- Pay out
      function watchPayout(payout) {
        if (payout.state !== 'in_flight' || watchedPayouts.has(payout.id)) return;
        const stop = poll(async () => {
          const now = await api.get(`/api/wallet/payouts/${encodeURIComponent(payout.id)}`);
          if (now.state === 'in_flight') return true;
          watchedPayouts.delete(payout.id);
          await load(); // the payout's row, and the balance (a failed payout is refunded)
          return false;
        }, (n) => (n < 60 ? POLL_MS : SLOW_POLL_MS));
        watchedPayouts.set(payout.id, stop);
      }

      const payoutForm = actionForm({
        label: 'Pay out with Lightning',
        submit: 'Pay out',
        fields: [
          field({
            label: 'Invoice from your wallet', name: 'invoice', multiline: true, rows: 3, required: true,
            spellcheck: false, autocomplete: 'off', class: 'mono', placeholder: 'lnbc…',
            hint: 'An invoice made by your own Lightning wallet for the amount to withdraw.',
          }),
        ],
        onSubmit: async ({ invoice }, form) => {
          const payout = await api.post('/api/wallet/payouts', { invoice: invoice.trim() });
          form.reset();
          watchPayout(payout);
          load();
          return h('p', { class: 'notice' },
            `Payout of ${formatSats(payout.sats)} sats (${payout.amount} credits): ${payoutState(payout.state).label}. `,
            'Its state is shown in the list below.');
        },
      });

      const limits = h('p', { class: 'hint payout-limits' },
        `At least ${payments.min_payout} credits a payout, at most ${payments.max_payout_per_day} credits a day.`);
      const network = isMainnet(payments.network)
        ? null
        : infoBox(`This coordinator uses the ${payments.network} Lightning network: its invoices move test coins, not real bitcoin.`);

      const element = h('div', { class: 'lightning' },
        network,
        section('Top up', topupForm, invoiceBox, h('h3', {}, 'Recent top-ups'), topupsTable),
        section('Pay out', limits, payoutForm, h('h3', {}, 'Recent payouts'), payoutsTable));

      function update(wallet) {
        const topups = wallet.topups ?? [];
        const payouts = wallet.payouts ?? [];
        replace(topupsTable, dataTable({
          caption: 'Your top-ups, newest first',
          empty: 'No top-ups yet.',
          rows: topups,
          rowKey: (t) => t.id,
          columns: [
            { label: 'Created', cell: (t) => dateTime(t.created_at) },
            { label: 'Credits', numeric: true, cell: (t) => t.amount },
            { label: 'Sats', numeric: true, cell: (t) => formatSats(t.sats) },
            { label: 'State', cell: (t) => stateBadge(topupState(t.state)) },
            { label: 'Paid / expires', cell: (t) => (t.state === 'settled' ? dateTime(t.settled_at) : dateTime(t.expires_at)) },
            {
              label: 'Invoice',
              cell: (t) => (t.state === 'open'
                ? h('button', { type: 'button', class: 'button', 'aria-label': `Show the invoice of ${t.id}`, onclick: () => showTopup(t) }, 'Show')
                : '—'),
            },
          ],
        }));
        replace(payoutsTable, dataTable({
          caption: 'Your payouts, newest first',
          empty: 'No payouts yet.',
          rows: payouts,
          rowKey: (p) => p.id,
          columns: [
            { label: 'Created', cell: (p) => dateTime(p.created_at) },
            { label: 'Credits', numeric: true, cell: (p) => p.amount },
            { label: 'Sats', numeric: true, cell: (p) => formatSats(p.sats) },
            { label: 'Fee (sats)', numeric: true, cell: (p) => formatSats(p.fee_sat) },
            { label: 'State', cell: (p) => stateBadge(payoutState(p.state)) },
            { label: 'Finished', cell: (p) => dateTime(p.finished_at) },
            { label: 'Why it failed', cell: (p) => failureText(p.failure) || '—' },
          ],
        }));
        for (const p of payouts) watchPayout(p);
      }

      return { element, update };
    }

    more.addEventListener('click', () => load(rows.at(-1)?.id));
    main.append(pageHeader('Wallet'), balance, lightning, section('History', history, more));
    load();
    return () => {
      left = true;
      for (const stop of [...stops]) stop();
    };
  },
};
