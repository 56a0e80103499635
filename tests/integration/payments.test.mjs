// Buying credits and paying providers out over Lightning (issue 21), against
// a fake LND that speaks LND's REST protocol over TLS, checks the macaroon
// and issues real signed BOLT 11 invoices (tests/lib/fake_lnd.mjs). Each
// case checks that money enters or leaves the ledger exactly once; the
// ledger sums to zero after all of them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bolt11 from 'bolt11';
import { filesContaining } from '../lib/canary.mjs';
import { freePort, randomToken, useHarness, waitFor } from '../lib/harness.mjs';
import { startFakeLnd } from '../lib/fake_lnd.mjs';

const h = useHarness('payments');
const RATE = '0.01';  // credits per sat: 10 credits = 1000 sats
let lnd, coord, port, admin, alice, aliceEmail, aliceId;

function serveArgs(extra = []) {
  return ['--payments', 'lnd', '--lnd-url', lnd.url, '--lnd-macaroon-file', lnd.macaroonFile,
    '--lnd-cert-file', lnd.certFile, '--lightning-network', 'regtest', '--credits-per-sat', RATE,
    '--min-payout', '1', '--max-payout-per-day', '200', '--max-open-topups', '5', ...extra];
}

async function startCoord(extra) {
  coord = await h.startCoordinator({ port, dataDir: h.dir('serve-data'), args: serveArgs(extra) });
  return coord;
}

async function restart(how = 'stop') {
  if (how === 'kill') await coord.proc.kill();
  else await coord.stop();
  return startCoord();
}

async function wallet(key = alice) {
  const r = await coord.get('/api/wallet?limit=500', key);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

const micro = async (key = alice) => (await wallet(key)).balance_micro;

async function topup(body, key = alice) {
  const r = await coord.post('/api/wallet/topups', body, key);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function payout(invoice, key = alice, status = 202) {
  const r = await coord.post('/api/wallet/payouts', { invoice }, key);
  assert.equal(r.status, status, r.text);
  return r.json;
}

function waitState(kind, id, state, key = alice) {
  return waitFor(async () => {
    const r = await coord.get(`/api/wallet/${kind}/${id}`, key);
    return r.status === 200 && r.json.state === state;
  }, { what: `${kind} ${id} ${state}` });
}

const ledgerTotal = async () => (await coord.query('SELECT coalesce(sum(amount), 0) AS s FROM ledger'))[0].s;
const transfers = async (kind, memo) =>
  (await coord.query(`SELECT count(DISTINCT transfer_id) AS n FROM ledger WHERE kind = '${kind}' AND memo LIKE '%${memo}'`))[0].n;

before(h.wrap(async () => {
  lnd = await startFakeLnd({ dir: h.dir('lnd'), network: 'regtest' });
  port = await freePort();
  await startCoord();
  admin = await coord.adminKey();
  aliceEmail = `alice-${randomToken(4)}@example.test`;
  alice = await coord.memberKey(aliceEmail);
  aliceId = (await coord.query(`SELECT id FROM users WHERE email = '${aliceEmail}'`))[0].id;
}));

after(() => lnd?.close());

describe('top-ups', () => {
  test('an invoice for the credits asked, credited once when paid', h.wrap(async () => {
    const before = await micro();
    const t = await topup({ amount: '10' });
    assert.equal(t.state, 'open');
    assert.equal(t.sats, 1000);
    assert.equal(t.amount, '10');
    const decoded = bolt11.decode(t.invoice);
    assert.equal(decoded.satoshis, 1000);
    assert.equal(decoded.tagsObject.payment_hash, t.payment_hash);
    assert.ok(t.expires_at > t.created_at);
    lnd.settle(t.payment_hash);
    await waitState('topups', t.id, 'settled');
    assert.equal(await micro(), before + 10_000_000);
    const w = await wallet();
    assert.equal(w.payments.rail, 'lnd');
    assert.equal(w.payments.credits_per_sat, RATE);
    assert.equal(w.topups[0].id, t.id);
    assert.ok(w.history.some((e) => e.kind === 'topup' && e.amount_micro === 10_000_000));
  }));

  test('a duplicate settlement notification credits nothing more', h.wrap(async () => {
    const before = await micro();
    const t = await topup({ sats: 500 });
    assert.equal(t.amount, '5');
    lnd.settle(t.payment_hash, { notifications: 2 });
    await waitState('topups', t.id, 'settled');
    // The second notification is handled like the first: wait until both were seen.
    await waitFor(async () => (await coord.query(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'topup.settled' AND subject_id = '${t.id}'`))[0].n === 1);
    assert.equal(await micro(), before + 5_000_000);
    assert.equal(await transfers('topup', t.id), 1);
  }));

  test('an invoice paid while the coordinator is down is credited at start', h.wrap(async () => {
    const before = await micro();
    const t = await topup({ amount: '3' });
    await coord.stop();
    lnd.settle(t.payment_hash);
    await startCoord();
    await waitState('topups', t.id, 'settled');
    assert.equal(await micro(), before + 3_000_000);
    assert.equal(await transfers('topup', t.id), 1);
  }));

  test('an invoice paid after it was shown as expired is still credited', h.wrap(async () => {
    const before = await micro();
    const t = await topup({ amount: '2' });
    await coord.stop();
    // The coordinator's clock says it expired an hour ago.
    const { execFileSync } = await import('node:child_process');
    execFileSync('sqlite3', [`${coord.dataDir}/potluck.db`,
      `UPDATE topups SET expires_at = strftime('%s','now') - 3600 WHERE id = '${t.id}'`]);
    await startCoord();
    await waitState('topups', t.id, 'expired');
    assert.equal(await micro(), before);  // expired unpaid: nothing credited
    lnd.settle(t.payment_hash);
    await waitState('topups', t.id, 'settled');
    assert.equal(await micro(), before + 2_000_000);
  }));

  test('bad amounts and too many unpaid invoices are refused', h.wrap(async () => {
    for (const body of [{}, { amount: '1', sats: 100 }, { amount: '0' }, { amount: '-1' }, { amount: 'ten' },
      { sats: 0 }, { sats: 1.5 }, { amount: '10000000000' }]) {
      const r = await coord.post('/api/wallet/topups', body, alice);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_amount');
    }
    const bobKey = await coord.memberKey(`bob-${randomToken(4)}@example.test`);
    for (let i = 0; i < 5; ++i) await topup({ sats: 10 }, bobKey);
    const r = await coord.post('/api/wallet/topups', { sats: 10 }, bobKey);
    assert.equal(r.status, 429, r.text);
    assert.ok(r.headers.get('retry-after'));
  }));
});

describe('payouts', () => {
  before(h.wrap(async () => {
    const r = await coord.post('/api/admin/grants', { user: aliceEmail, amount: '100' }, admin);
    assert.equal(r.status, 201, r.text);
  }));

  test('a payout is held, paid once and debited', h.wrap(async () => {
    const before = await micro();
    const { paymentRequest, paymentHash } = lnd.makeExternalInvoice({ sats: 2000 });
    const p = await payout(paymentRequest);
    assert.equal(p.state, 'in_flight');
    assert.equal(p.sats, 2000);
    assert.equal(p.amount, '20');
    assert.equal(p.payment_hash, paymentHash);
    await waitState('payouts', p.id, 'succeeded');
    assert.equal(await micro(), before - 20_000_000);
    assert.equal(lnd.sendCalls(paymentHash), 1);
    const again = await payout(paymentRequest, alice, 409);
    assert.equal(again.error.code, 'conflict');
    assert.equal(lnd.sendCalls(paymentHash), 1);
  }));

  test('a failed payment gives the credits back', h.wrap(async () => {
    const before = await micro();
    const { paymentRequest, paymentHash } = lnd.makeExternalInvoice({ sats: 1000 });
    lnd.setPaymentOutcome(paymentHash, 'fail');
    const p = await payout(paymentRequest);
    await waitState('payouts', p.id, 'failed');
    assert.equal(await micro(), before);
    const shown = (await coord.get(`/api/wallet/payouts/${p.id}`, alice)).json;
    assert.match(shown.failure, /^FAILURE_REASON_/);
  }));

  test('a coordinator killed mid-payment asks LND before sending again: paid once', h.wrap(async () => {
    const before = await micro();
    const { paymentRequest, paymentHash } = lnd.makeExternalInvoice({ sats: 1500 });
    lnd.setPaymentOutcome(paymentHash, 'hang');
    const p = await payout(paymentRequest);
    await waitFor(() => lnd.payments().some((x) => x.paymentHash === paymentHash && x.status === 'IN_FLIGHT'),
      { what: 'the payment in flight at LND' });
    await restart('kill');
    lnd.completePayment(paymentHash, 'succeed');
    await waitState('payouts', p.id, 'succeeded');
    assert.equal(lnd.sendCalls(paymentHash), 1);
    assert.equal(await micro(), before - 15_000_000);
    assert.equal(await transfers('payout_sent', p.id), 1);
  }));

  test('a coordinator killed mid-payment that then fails releases the hold once', h.wrap(async () => {
    const before = await micro();
    const { paymentRequest, paymentHash } = lnd.makeExternalInvoice({ sats: 700 });
    lnd.setPaymentOutcome(paymentHash, 'hang');
    const p = await payout(paymentRequest);
    await waitFor(() => lnd.payments().some((x) => x.paymentHash === paymentHash && x.status === 'IN_FLIGHT'));
    await restart('kill');
    lnd.completePayment(paymentHash, 'fail');
    await waitState('payouts', p.id, 'failed');
    assert.equal(lnd.sendCalls(paymentHash), 1);
    assert.equal(await micro(), before);
    assert.equal(await transfers('payout_release', p.id), 1);
  }));

  test('refusals: balance, minimum, daily limit, and invoices that cannot be paid', h.wrap(async () => {
    const carol = await coord.memberKey(`carol-${randomToken(4)}@example.test`);
    const expectError = async (invoice, status, code, key = alice) => {
      const r = await coord.post('/api/wallet/payouts', { invoice }, key);
      assert.equal(r.status, status, r.text);
      if (code) assert.equal(r.json.error.code, code);
    };
    await expectError(lnd.makeExternalInvoice({ sats: 100 }).paymentRequest, 402, 'insufficient_credits', carol);
    await expectError(lnd.makeExternalInvoice({ sats: 50 }).paymentRequest, 403, 'not_allowed');  // 0.5 < 1 credit
    // 200 credits a day: 35 went out above; 170 more is over.
    await expectError(lnd.makeExternalInvoice({ sats: 17_000 }).paymentRequest, 403, 'not_allowed');
    await expectError('lnbcrt1notaninvoice', 400, 'invalid_invoice');
    await expectError('', 400, 'invalid_invoice');
    await expectError('x'.repeat(5000), 400, 'invalid_invoice');
    await expectError(lnd.makeExternalInvoice({ sats: 1000, network: 'bitcoin' }).paymentRequest, 400, 'wrong_network');
    await expectError(lnd.makeExternalInvoice({ noAmount: true }).paymentRequest, 400, 'invoice_without_amount');
    await expectError(lnd.makeExternalInvoice({ msat: 1500500 }).paymentRequest, 400, 'invalid_invoice');
    await expectError(lnd.makeExternalInvoice({ sats: 1000, expirySeconds: 1, timestamp: 1_600_000_000 }).paymentRequest,
      400, 'invoice_expired');
    const notJson = await coord.request('POST', '/api/wallet/payouts', { key: alice, rawBody: '{"invoice":' });
    assert.equal(notJson.status, 400);
  }));

  test('the CLI buys and pays out', h.wrap(async () => {
    const before = await micro();
    const made = await h.potluck(['wallet', 'topup', '4', '--coordinator', coord.url, '--key', alice]);
    assert.equal(made.code, 0, made.stderr);
    const invoice = made.stdout.trim().split('\n').at(-1);
    lnd.settle(bolt11.decode(invoice).tagsObject.payment_hash);
    const { paymentRequest } = lnd.makeExternalInvoice({ sats: 100 });
    const paid = await h.potluck(['wallet', 'payout', paymentRequest, '--wait', '--coordinator', coord.url,
      '--key', alice]);
    assert.equal(paid.code, 0, paid.stderr);
    assert.match(paid.stdout, /payout succeeded/);
    await waitFor(async () => (await micro()) === before + 4_000_000 - 1_000_000, { what: 'top-up and payout' });
  }));
});

describe('after all of them', () => {
  test('the ledger sums to zero, every step is audited, the chain is intact, the macaroon is in no log', h.wrap(async () => {
    assert.equal(await ledgerTotal(), 0);
    const actions = new Set((await coord.query('SELECT DISTINCT action FROM audit_log')).map((r) => r.action));
    for (const a of ['topup.created', 'topup.settled', 'payout.requested', 'payout.succeeded', 'payout.failed'])
      assert.ok(actions.has(a), a);
    const verify = await coord.get('/api/audit/verify', admin);
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.json.ok, true, verify.text);
    const open = await coord.query("SELECT account, sum(amount) AS s FROM ledger WHERE account LIKE 'payout:%' GROUP BY account HAVING s != 0");
    assert.deepEqual(open, []);
    assert.deepEqual(filesContaining(h.dir(), [lnd.macaroonHex]).filter((f) => !f.includes('/lnd/')), []);
  }));
});

describe('rail settings', () => {
  test('--payments none answers 404 payments_disabled and shows no rail', h.wrap(async () => {
    const plain = await h.startCoordinator({ name: 'plain' });
    const key = await plain.adminKey();
    for (const [path, body] of [['/api/wallet/topups', { amount: '1' }], ['/api/wallet/payouts', { invoice: 'x' }]]) {
      const r = await plain.post(path, body, key);
      assert.equal(r.status, 404, r.text);
      assert.equal(r.json.error.code, 'payments_disabled');
    }
    assert.deepEqual((await plain.get('/api/wallet', key)).json.payments, { rail: 'none' });
    await plain.stop();
  }));

  test('a wrong macaroon is refused by LND, and the coordinator says the rail is unavailable', h.wrap(async () => {
    const wrong = path.join(h.dir(), 'wrong.macaroon');
    writeFileSync(wrong, Buffer.from(randomToken(32)));
    const refusedBefore = lnd.stats.badMacaroon;
    const other = await h.startCoordinator({
      name: 'wrongmac',
      args: ['--payments', 'lnd', '--lnd-url', lnd.url, '--lnd-macaroon-file', wrong, '--lnd-cert-file', lnd.certFile,
        '--lightning-network', 'regtest'],
    });
    const key = await other.adminKey();
    const r = await other.post('/api/wallet/topups', { sats: 100 }, key);
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.error.code, 'payment_rail_unavailable');
    assert.ok(lnd.stats.badMacaroon > refusedBefore);
    await other.stop();
  }));

  test('start-up refuses a missing macaroon file and a plain-text LND URL', h.wrap(async () => {
    for (const args of [
      ['--payments', 'lnd', '--lnd-url', lnd.url, '--lnd-macaroon-file', path.join(h.dir(), 'missing.macaroon'), '--lnd-cert-file', lnd.certFile],
      ['--payments', 'lnd', '--lnd-url', lnd.url.replace('https', 'http'), '--lnd-macaroon-file', lnd.macaroonFile,
        '--lnd-cert-file', lnd.certFile],
      ['--credits-per-sat', '0'],
      ['--payments', 'paypal'],
    ]) {
      const result = await h.potluck(['serve', '--listen', '127.0.0.1:0', '--data-dir', h.dir(`bad-${randomToken(3)}`), ...args]);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, /lnd|credits-per-sat|payments/i);
    }
  }));
});
