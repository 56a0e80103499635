// The Wallet page's Lightning top-up in a real browser (issue 21) against a
// real coordinator whose payment rail is the fake LND (tests/lib/fake_lnd.mjs):
// a member tops up 10 credits, the page shows the invoice as text and as a
// QR code, the fake LND settles it as a payer's wallet would, and the page
// says it was paid and shows the balance grown by 10 credits. Screenshots
// of the open invoice and of the paid one are saved as test artefacts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bolt11 from 'bolt11';
import { startFakeLnd } from '../lib/fake_lnd.mjs';
import { waitFor } from '../lib/harness.mjs';
import { newPage, screenshot, signIn, useDashboard } from './lib/browser.mjs';

const { h, start } = useDashboard('wallet-lightning');
let coord, browser, page, lnd, member;

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The page's balance line showing exactly `balance` credits. */
const balanceShown = (balance) => page.locator('.balance strong').filter({ hasText: new RegExp(`^${escapeRegExp(balance)} credits$`) });

async function wallet() {
  const r = await coord.get('/api/wallet', member);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

before(h.wrap(async () => {
  lnd = await startFakeLnd({ dir: h.dir('lnd') });
  ({ coord, browser } = await start({
    node: false,
    coordinatorArgs: [
      '--payments', 'lnd',
      '--lnd-url', lnd.url,
      '--lnd-macaroon-file', lnd.macaroonFile,
      '--lnd-cert-file', lnd.certFile,
      '--lightning-network', 'regtest',
      '--credits-per-sat', '0.01',
    ],
  }));
  member = await coord.memberKey();
  ({ page } = await newPage(browser, coord));
  await signIn(page, member);
}));

// Registered after useDashboard's hooks, so it runs once the coordinator is stopped.
after(() => lnd?.close());

describe('wallet over Lightning', { concurrency: false }, () => {
  test('a top-up of 10 credits shows its invoice and QR code, and once paid the balance grows by 10', h.wrap(async () => {
    const initial = await wallet();
    assert.equal(initial.payments.rail, 'lnd', JSON.stringify(initial.payments));
    assert.equal(initial.payments.network, 'regtest');

    await page.goto('/wallet');
    await page.getByRole('heading', { level: 1, name: 'Wallet' }).waitFor();
    await balanceShown(initial.balance).waitFor();
    await page.getByLabel('Amount (credits)').fill('10');
    await page.locator('.sats-equivalent', { hasText: '= 1,000 sats' }).waitFor();
    await page.getByRole('button', { name: 'Create invoice' }).click();

    const qr = page.getByRole('img', { name: /QR code of the Lightning invoice/ });
    await qr.waitFor({ state: 'visible' });
    const invoice = await page.getByLabel('Invoice to pay').inputValue();
    assert.match(invoice, /^lnbcrt/);
    const decoded = bolt11.decode(invoice);
    assert.equal(decoded.satoshis, 1000, '10 credits at 0.01 credits a sat');
    assert.equal(decoded.payeeNodeKey, lnd.pubkey, "the coordinator's LND issued it");
    const hash = decoded.tags.find((t) => t.tagName === 'payment_hash').data;
    assert.equal(lnd.invoiceState(hash), 'OPEN');

    const topup = (await wallet()).topups.find((t) => t.invoice === invoice);
    assert.ok(topup, 'GET /api/wallet lists the top-up');
    assert.equal(topup.payment_hash, hash);
    assert.equal(topup.state, 'open');
    assert.equal(topup.sats, 1000);
    assert.equal(topup.amount_micro, 10_000_000);
    const row = page.locator(`tr[data-key="${topup.id}"]`);
    await row.locator('.badge', { hasText: 'waiting for payment' }).waitFor();
    await page.locator('.topup-status', { hasText: 'Waiting for the payment of 1,000 sats' }).waitFor();
    await screenshot(page, 'wallet-lightning-invoice');

    // The coordinator learns of payments from its invoice subscription (or a
    // lookup): let it subscribe first, as a long-running one would have.
    await waitFor(() => lnd.stats.subscribers > 0, { timeoutMs: 10_000, what: 'the coordinator to subscribe to invoices' })
      .catch(() => {});
    lnd.settle(hash);

    await page.locator('.topup-status', { hasText: 'Paid' }).waitFor();
    const paid = await waitFor(async () => {
      const w = await wallet();
      return w.balance_micro === initial.balance_micro + 10_000_000 ? w : null;
    }, { what: 'the balance to grow by 10 credits' });
    await balanceShown(paid.balance).waitFor();
    await row.locator('.badge', { hasText: 'paid' }).waitFor();
    assert.equal(paid.topups.find((t) => t.id === topup.id).state, 'settled');
    assert.ok(await qr.isHidden(), 'a paid invoice is no longer offered to pay');
    await screenshot(page, 'wallet-lightning-paid');
  }));
});
