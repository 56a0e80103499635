// The fake LND (tests/lib/fake_lnd.mjs) alone, through node's https and the
// bolt11 decoder, as the coordinator's LND client will see it: TLS with its
// own certificate, the macaroon, invoices that are real signed BOLT11,
// lookups, the invoice subscription (settles once and twice, the backlog
// after a reconnect), payments that succeed, fail or hang until completed,
// tracking, and lnd's refusals (already paid, in transition, expired, wrong
// network, no amount, fee limit). Needs no potluck build.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bolt11 from 'bolt11';
import { startFakeLnd } from '../lib/fake_lnd.mjs';

const root = mkdtempSync(path.join(os.tmpdir(), 'potluck-fake-lnd-'));
const fakes = [];
let lnd;
let ca;

after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(root, { recursive: true, force: true });
});

async function start(opts = {}) {
  const f = await startFakeLnd({ dir: path.join(root, `lnd-${fakes.length}`), ...opts });
  fakes.push(f);
  return f;
}

const sha256hex = (hex) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const b64ToHex = (b64) => Buffer.from(b64, 'base64').toString('hex');
const hexToB64url = (hex) => Buffer.from(hex, 'hex').toString('base64url'); // unpadded
const padded = (b64) => b64 + '='.repeat((4 - (b64.length % 4)) % 4);
const tag = (decoded, name) => decoded.tags.find((t) => t.tagName === name)?.data;

function options(f, method, pathname, { macaroon = f.macaroonHex, headers = {} } = {}) {
  const h = { ...headers };
  if (macaroon !== null) h['grpc-metadata-macaroon'] = macaroon;
  return { method, host: '127.0.0.1', port: f.port, path: pathname, ca: readFileSync(f.certFile), agent: false, headers: h };
}

/** One whole request: {status, headers, text, json}. */
function call(f, method, pathname, { body, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(options(f, method, pathname, opts), (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/**
 * A streamed call read line by line: `response` resolves when the headers
 * arrive, next() resolves the next parsed line, `ended` when the server ends
 * the stream (true) or the connection breaks (false), close() drops it.
 */
function openStream(f, method, pathname, { body, ...opts } = {}) {
  const lines = [];
  const waiting = [];
  let buffer = '';
  let finished = null;
  let resolveEnded;
  const ended = new Promise((resolve) => (resolveEnded = resolve));
  const finish = (clean) => {
    if (finished !== null) return;
    finished = clean;
    resolveEnded(clean);
    for (const w of waiting.splice(0)) w.reject(new Error(`stream ended (${clean ? 'cleanly' : 'broken'}) with no more lines`));
  };
  let req;
  const response = new Promise((resolve, reject) => {
    req = https.request(options(f, method, pathname, opts), (res) => {
      resolve(res);
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buffer += d;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          const w = waiting.shift();
          if (w) w.resolve(line);
          else lines.push(line);
        }
      });
      res.on('end', () => finish(true));
      res.on('aborted', () => finish(false));
      res.on('error', () => finish(false));
      res.on('close', () => finish(res.complete));
    });
    req.on('error', (err) => {
      reject(err);
      finish(false);
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  response.catch(() => {});
  return {
    response,
    ended,
    next(timeoutMs = 10_000) {
      if (lines.length) return Promise.resolve(lines.shift());
      if (finished !== null) return Promise.reject(new Error('stream already ended'));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no line within the time limit')), timeoutMs);
        waiting.push({
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    },
    pending: () => lines.length,
    close: () => req.destroy(),
  };
}

async function addInvoice(f, body) {
  const r = await call(f, 'POST', '/v1/invoices', { body });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

const send = (f, paymentRequest, extra = {}) =>
  openStream(f, 'POST', '/v2/router/send', { body: { payment_request: paymentRequest, timeout_seconds: 60, fee_limit_sat: '10', ...extra } });

/** Reads a streamed call to its end: [lines]. */
async function drain(stream) {
  const out = [];
  for (;;) {
    try {
      out.push(await stream.next());
    } catch {
      return out;
    }
  }
}

before(async () => {
  lnd = await start();
  ca = readFileSync(lnd.certFile);
});

describe('transport and authentication', () => {
  test('the certificate is a self-signed P-256 CA for 127.0.0.1 and localhost, and verifies', async () => {
    const cert = new X509Certificate(ca);
    assert.ok(cert.ca, 'basicConstraints CA:TRUE');
    assert.ok(cert.checkIssued(cert), 'self-signed');
    assert.match(cert.subjectAltName, /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName, /DNS:localhost/);
    assert.equal(cert.publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
    assert.match(lnd.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    // https.request verifies against `ca` (rejectUnauthorized is on by default).
    const r = await call(lnd, 'GET', '/v1/getinfo');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.chains, [{ chain: 'bitcoin', network: 'regtest' }]);
    assert.match(r.json.identity_pubkey, /^0[23][0-9a-f]{64}$/);
    await assert.rejects(
      new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: lnd.port, path: '/v1/getinfo', agent: false }, resolve).on('error', reject);
      }),
      /self.signed/i,
      'a client that does not trust the certificate is refused',
    );
  });

  test('the macaroon file holds the bytes whose hex the header must carry', () => {
    const bytes = readFileSync(lnd.macaroonFile);
    assert.equal(path.basename(lnd.macaroonFile), 'admin.macaroon');
    assert.equal(bytes.length, 64);
    assert.equal(bytes.toString('hex'), lnd.macaroonHex);
  });

  test('a missing or wrong macaroon is refused as lnd does: HTTP 500, gRPC code 2', async () => {
    const before = lnd.stats.badMacaroon;
    const missing = await call(lnd, 'GET', '/v1/getinfo', { macaroon: null });
    assert.equal(missing.status, 500);
    assert.deepEqual(missing.json, { code: 2, message: 'expected 1 macaroon, got 0', details: [] });

    const wrong = await call(lnd, 'POST', '/v1/invoices', { macaroon: 'ab'.repeat(64), body: { value: '1' } });
    assert.equal(wrong.status, 500);
    assert.deepEqual(wrong.json, { code: 2, message: 'verification failed: signature mismatch after caveat verification', details: [] });

    // A streamed call's error is grpc-gateway's stream error chunk.
    const stream = await call(lnd, 'GET', '/v1/invoices/subscribe', { macaroon: 'zz' });
    assert.equal(stream.status, 500);
    assert.deepEqual(JSON.parse(stream.text.trim()), {
      error: { code: 2, message: 'verification failed: signature mismatch after caveat verification', details: [] },
    });
    assert.equal(lnd.stats.badMacaroon, before + 3);

    const upper = await call(lnd, 'GET', '/v1/getinfo', { macaroon: lnd.macaroonHex.toUpperCase() });
    assert.equal(upper.status, 200, 'hex is read case-insensitively');
  });

  test('unknown paths are grpc-gateway 404s, other methods on a known path 501', async () => {
    const r = await call(lnd, 'GET', '/v1/nothing');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 5, message: 'Not Found', details: [] });
    const m = await call(lnd, 'DELETE', '/v1/invoices');
    assert.equal(m.status, 501);
    assert.equal(m.json.code, 12);
    assert.ok(lnd.stats.requests >= 2);
  });
});

describe('invoices', () => {
  let created;
  let hashHex;

  test('before any invoice, a lookup says there are none', async () => {
    const fresh = await start();
    const r = await call(fresh, 'GET', `/v2/invoices/lookup?payment_hash=${padded(hexToB64url('11'.repeat(32)))}`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 5, message: 'there are no existing invoices', details: [] });
  });

  test('AddInvoice returns a signed BOLT11 invoice whose hash is r_hash', async () => {
    const info = (await call(lnd, 'GET', '/v1/getinfo')).json;
    created = await addInvoice(lnd, { value: '1000', memo: 'Potluck top-up', expiry: '3600' });
    assert.deepEqual(Object.keys(created).sort(), ['add_index', 'payment_addr', 'payment_request', 'r_hash']);
    assert.match(created.payment_request, /^lnbcrt10u1/);
    assert.equal(typeof created.add_index, 'string');
    hashHex = b64ToHex(created.r_hash);
    assert.equal(hashHex.length, 64);

    const decoded = bolt11.decode(created.payment_request);
    assert.equal(tag(decoded, 'payment_hash'), hashHex);
    assert.equal(tag(decoded, 'payment_secret'), b64ToHex(created.payment_addr));
    assert.equal(tag(decoded, 'description'), 'Potluck top-up');
    assert.equal(tag(decoded, 'expire_time'), 3600);
    assert.ok(tag(decoded, 'min_final_cltv_expiry') > 0);
    assert.equal(decoded.satoshis, 1000);
    assert.equal(decoded.network.bech32, 'bcrt');
    // The signature recovers the node's own key.
    assert.equal(decoded.payeeNodeKey, info.identity_pubkey);
    assert.equal(decoded.payeeNodeKey, lnd.pubkey);
    assert.equal(lnd.invoiceState(hashHex), 'OPEN');
  });

  test('amounts come as a string, a number or value_msat; bad ones are refused', async () => {
    const asNumber = await addInvoice(lnd, { value: 2000, memo: 'n' });
    assert.equal(bolt11.decode(asNumber.payment_request).satoshis, 2000);
    const msat = await addInvoice(lnd, { value_msat: '1500000' });
    assert.equal(bolt11.decode(msat.payment_request).millisatoshis, '1500000');
    const noAmount = await addInvoice(lnd, { memo: 'any amount' });
    assert.match(noAmount.payment_request, /^lnbcrt1/);
    assert.equal(bolt11.decode(noAmount.payment_request).millisatoshis, null);

    const both = await call(lnd, 'POST', '/v1/invoices', { body: { value: '1', value_msat: '1000' } });
    assert.equal(both.status, 500);
    assert.equal(both.json.code, 2);
    const fraction = await call(lnd, 'POST', '/v1/invoices', { body: { value: 1.5 } });
    assert.equal(fraction.status, 400);
    assert.equal(fraction.json.code, 3);
    const notJson = await call(lnd, 'POST', '/v1/invoices', { body: '{"value":' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.code, 3);
    const tooMuch = await call(lnd, 'POST', '/v1/invoices', { body: { value: '5000000' } });
    assert.equal(tooMuch.status, 500);
    assert.match(tooMuch.json.message, /too large/);
  });

  test('LookupInvoiceV2 by base64url or base64 hash (padded) returns the Invoice object', async () => {
    const byUrl = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${padded(hexToB64url(hashHex))}`);
    assert.equal(byUrl.status, 200, byUrl.text);
    const inv = byUrl.json;
    for (const field of ['value', 'value_msat', 'creation_date', 'settle_date', 'expiry', 'add_index', 'settle_index', 'amt_paid_sat', 'amt_paid_msat']) {
      assert.equal(typeof inv[field], 'string', `${field} is a JSON string`);
    }
    assert.equal(inv.memo, 'Potluck top-up');
    assert.equal(inv.value, '1000');
    assert.equal(inv.value_msat, '1000000');
    assert.equal(inv.settled, false);
    assert.equal(inv.state, 'OPEN');
    assert.equal(inv.settle_date, '0');
    assert.equal(inv.settle_index, '0');
    assert.equal(inv.amt_paid_sat, '0');
    assert.equal(inv.expiry, '3600');
    assert.equal(inv.r_hash, created.r_hash);
    assert.equal(inv.payment_addr, created.payment_addr);
    assert.equal(inv.payment_request, created.payment_request);
    assert.equal(inv.add_index, created.add_index);
    assert.equal(sha256hex(b64ToHex(inv.r_preimage)), hashHex, 'sha256(preimage) is the hash');
    assert.ok(Math.abs(Number(inv.creation_date) - Date.now() / 1000) < 60);

    const byStd = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${encodeURIComponent(created.r_hash)}`);
    assert.equal(byStd.status, 200, byStd.text);
    assert.equal(byStd.json.r_hash, created.r_hash);

    const v1 = await call(lnd, 'GET', `/v1/invoice/${hashHex}`);
    assert.equal(v1.status, 200);
    assert.equal(v1.json.r_hash, created.r_hash);
  });

  test('lookups refuse what lnd refuses: unpadded base64, a raw "+", an unknown hash', async () => {
    const unpadded = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${hexToB64url(hashHex)}`);
    assert.equal(unpadded.status, 400, 'grpc-gateway decodes bytes with padded base64');
    assert.equal(unpadded.json.code, 3);

    const unknown = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${padded(hexToB64url('22'.repeat(32)))}`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { code: 5, message: 'unable to locate invoice', details: [] });

    const short = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${padded(hexToB64url('22'.repeat(8)))}`);
    assert.equal(short.status, 500);
    assert.match(short.json.message, /invalid hash length of 8/);

    // A standard-base64 '+' sent unescaped in a query is a space to Go.
    let plusHash = null;
    for (let i = 0; i < 200 && !plusHash; i++) {
      const r = await addInvoice(lnd, { value: '1', memo: `plus ${i}` });
      if (r.r_hash.includes('+')) plusHash = r.r_hash;
    }
    assert.ok(plusHash, 'an r_hash with a "+" turned up');
    const raw = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${plusHash}`);
    assert.equal(raw.status, 400);
    const escaped = await call(lnd, 'GET', `/v2/invoices/lookup?payment_hash=${encodeURIComponent(plusHash)}`);
    assert.equal(escaped.status, 200);
  });

  test('an invoice past its expiry is CANCELED, and settle() still pays it', async () => {
    const inv = await addInvoice(lnd, { value: '10', expiry: '1' });
    const h = b64ToHex(inv.r_hash);
    const deadline = Date.now() + 5000;
    while (lnd.invoiceState(h) !== 'CANCELED' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(lnd.invoiceState(h), 'CANCELED');
    lnd.settle(h);
    const r = await call(lnd, 'GET', `/v1/invoice/${h}`);
    assert.equal(r.json.state, 'SETTLED');
    assert.equal(r.json.amt_paid_sat, '10');
  });
});

describe('invoice subscription', () => {
  test('adds and settles are streamed; a settle notified twice arrives twice', async () => {
    const sub = openStream(lnd, 'GET', '/v1/invoices/subscribe');
    await waitUntil(() => lnd.stats.subscribers === 1);
    const inv = await addInvoice(lnd, { value: '1000', memo: 'subscribed' });
    const res = await sub.response;
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'], /application\/json/);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    const added = await sub.next();
    assert.deepEqual(Object.keys(added), ['result']);
    assert.equal(added.result.r_hash, inv.r_hash);
    assert.equal(added.result.state, 'OPEN');

    const h = b64ToHex(inv.r_hash);
    const settled = lnd.settle(h);
    assert.equal(settled.state, 'SETTLED');
    const once = (await sub.next()).result;
    assert.equal(once.state, 'SETTLED');
    assert.equal(once.settled, true);
    assert.equal(once.amt_paid_sat, '1000');
    assert.equal(once.amt_paid_msat, '1000000');
    assert.notEqual(once.settle_date, '0');
    assert.notEqual(once.settle_index, '0');

    const inv2 = await addInvoice(lnd, { value: '20' });
    assert.equal((await sub.next()).result.r_hash, inv2.r_hash);
    lnd.settle(b64ToHex(inv2.r_hash), { notifications: 2 });
    const first = (await sub.next()).result;
    const second = (await sub.next()).result;
    assert.deepEqual(first, second);
    assert.equal(first.state, 'SETTLED');
    assert.equal(Number(first.settle_index), Number(once.settle_index) + 1);

    // Settling it again changes nothing and notifies once more: a late duplicate.
    const again = lnd.settle(b64ToHex(inv2.r_hash));
    assert.equal(again.settleIndex, Number(first.settle_index));
    assert.deepEqual((await sub.next()).result, first);

    sub.close();
    await waitUntil(() => lnd.stats.subscribers === 0);
  });

  test('no headers until the first message: grpc-gateway waits for lnd', async () => {
    const sub = openStream(lnd, 'GET', '/v1/invoices/subscribe');
    let answered = false;
    sub.response.then(() => (answered = true));
    await waitUntil(() => lnd.stats.subscribers === 1);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(answered, false, 'nothing answered while no invoice changed');
    await addInvoice(lnd, { value: '1' });
    assert.equal((await sub.response).statusCode, 200);
    assert.equal((await sub.next()).result.state, 'OPEN');
    sub.close();
    await waitUntil(() => lnd.stats.subscribers === 0);
  });

  test('settle_index replays the invoices settled since; dropSubscribers cuts the streams', async () => {
    const a = await addInvoice(lnd, { value: '5' });
    lnd.settle(b64ToHex(a.r_hash));
    const settledA = lnd.invoices().find((i) => i.paymentHash === b64ToHex(a.r_hash));
    const b = await addInvoice(lnd, { value: '6' });
    lnd.settle(b64ToHex(b.r_hash));

    const sub = openStream(lnd, 'GET', `/v1/invoices/subscribe?settle_index=${settledA.settleIndex - 1}`);
    const replayA = (await sub.next()).result;
    const replayB = (await sub.next()).result;
    assert.equal(replayA.r_hash, a.r_hash);
    assert.equal(replayB.r_hash, b.r_hash);
    assert.equal(replayA.state, 'SETTLED');
    assert.equal(sub.pending(), 0, 'nothing else replayed');

    const addReplay = openStream(lnd, 'GET', `/v1/invoices/subscribe?add_index=${Number(a.add_index)}`);
    const replayed = (await addReplay.next()).result;
    assert.equal(replayed.r_hash, b.r_hash, 'add_index replays the invoices added after it');

    await waitUntil(() => lnd.stats.subscribers === 2);
    assert.equal(lnd.dropSubscribers(), 2);
    assert.equal(await sub.ended, false, 'the connection was cut');
    assert.equal(await addReplay.ended, false);
    assert.equal(lnd.stats.subscribers, 0);
  });
});

describe('payments', () => {
  test('a payment that succeeds: IN_FLIGHT, then SUCCEEDED with the preimage, then the stream ends', async () => {
    const ext = lnd.makeExternalInvoice({ sats: 500 });
    assert.match(ext.paymentRequest, /^lnbcrt5u1/);
    const decoded = bolt11.decode(ext.paymentRequest);
    assert.notEqual(decoded.payeeNodeKey, lnd.pubkey, 'another node signed it');
    assert.equal(tag(decoded, 'payment_hash'), ext.paymentHash);

    const s = send(lnd, ext.paymentRequest);
    const res = await s.response;
    assert.equal(res.statusCode, 200);
    const [inflight, done, ...rest] = await drain(s);
    assert.equal(rest.length, 0);
    assert.equal(await s.ended, true, 'the stream ends after the final update');
    assert.equal(inflight.result.status, 'IN_FLIGHT');
    assert.equal(inflight.result.payment_preimage, '0'.repeat(64));
    const p = done.result;
    assert.equal(p.status, 'SUCCEEDED');
    assert.equal(p.payment_hash, ext.paymentHash);
    assert.equal(sha256hex(p.payment_preimage), ext.paymentHash, 'the preimage hashes to the payment hash');
    assert.equal(p.value_sat, '500');
    assert.equal(p.value_msat, '500000');
    assert.equal(p.value, '500');
    assert.equal(p.fee_sat, '0');
    assert.equal(p.fee_msat, '0');
    assert.equal(p.failure_reason, 'FAILURE_REASON_NONE');
    assert.equal(p.payment_request, ext.paymentRequest);
    assert.match(p.creation_time_ns, /^\d+$/);
    assert.match(p.payment_index, /^\d+$/);
    assert.deepEqual(p.htlcs, []);
    assert.equal(lnd.sendCalls(ext.paymentHash), 1);

    const again = await call(lnd, 'POST', '/v2/router/send', { body: { payment_request: ext.paymentRequest, timeout_seconds: 60 } });
    assert.equal(again.status, 409);
    assert.deepEqual(JSON.parse(again.text.trim()), { error: { code: 6, message: 'invoice is already paid', details: [] } });
    assert.equal(lnd.sendCalls(ext.paymentHash), 2, 'every send is counted');
    assert.equal(lnd.payments().find((x) => x.paymentHash === ext.paymentHash).status, 'SUCCEEDED');
  });

  test('a payment that fails, then is sent again and succeeds', async () => {
    const ext = lnd.makeExternalInvoice({ sats: 42 });
    lnd.setPaymentOutcome(ext.paymentHash, 'fail');
    const lines = await drain(send(lnd, ext.paymentRequest));
    assert.deepEqual(lines.map((l) => l.result.status), ['IN_FLIGHT', 'FAILED']);
    assert.equal(lines[1].result.failure_reason, 'FAILURE_REASON_NO_ROUTE');
    assert.equal(lines[1].result.payment_preimage, '0'.repeat(64));

    lnd.setPaymentOutcome(ext.paymentHash, 'succeed');
    const retry = await drain(send(lnd, ext.paymentRequest));
    assert.deepEqual(retry.map((l) => l.result.status), ['IN_FLIGHT', 'SUCCEEDED']);
    assert.notEqual(retry[1].result.payment_index, lines[1].result.payment_index, 'a new attempt');
    assert.equal(lnd.sendCalls(ext.paymentHash), 2);
    assert.equal(lnd.payments().find((x) => x.paymentHash === ext.paymentHash).attempts, 2);

    lnd.failureReason = 'FAILURE_REASON_INSUFFICIENT_BALANCE';
    lnd.paymentOutcome = 'fail';
    try {
      const other = lnd.makeExternalInvoice({ sats: 3 });
      const failed = await drain(send(lnd, other.paymentRequest, { no_inflight_updates: true }));
      assert.equal(failed.length, 1, 'no_inflight_updates: only the final update');
      assert.equal(failed[0].result.failure_reason, 'FAILURE_REASON_INSUFFICIENT_BALANCE');
    } finally {
      lnd.paymentOutcome = 'succeed';
      lnd.failureReason = 'FAILURE_REASON_NO_ROUTE';
    }
  });

  test('a hanging payment stays IN_FLIGHT (409 in transition) until completed; send and track streams both end', async () => {
    const ext = lnd.makeExternalInvoice({ sats: 77 });
    lnd.setPaymentOutcome(ext.paymentHash, 'hang');
    const s = send(lnd, ext.paymentRequest);
    assert.equal((await s.next()).result.status, 'IN_FLIGHT');

    const again = await call(lnd, 'POST', '/v2/router/send', { body: { payment_request: ext.paymentRequest, timeout_seconds: 60 } });
    assert.equal(again.status, 409);
    assert.deepEqual(JSON.parse(again.text.trim()), { error: { code: 6, message: 'payment is in transition', details: [] } });

    const t = openStream(lnd, 'GET', `/v2/router/track/${padded(hexToB64url(ext.paymentHash))}`);
    assert.equal((await t.next()).result.status, 'IN_FLIGHT');
    assert.equal(lnd.payments().find((x) => x.paymentHash === ext.paymentHash).openStreams, 2);

    lnd.completePayment(ext.paymentHash, 'succeed');
    const fromSend = (await s.next()).result;
    const fromTrack = (await t.next()).result;
    assert.equal(fromSend.status, 'SUCCEEDED');
    assert.deepEqual(fromTrack, fromSend);
    assert.equal(await s.ended, true);
    assert.equal(await t.ended, true);
  });

  test('a caller that leaves a hanging payment does not stop it; track shows the end', async () => {
    const ext = lnd.makeExternalInvoice({ sats: 88 });
    lnd.setPaymentOutcome(ext.paymentHash, 'hang');
    const s = send(lnd, ext.paymentRequest);
    assert.equal((await s.next()).result.status, 'IN_FLIGHT');
    s.close();
    await waitUntil(() => lnd.payments().find((x) => x.paymentHash === ext.paymentHash).openStreams === 0);
    assert.equal(lnd.payments().find((x) => x.paymentHash === ext.paymentHash).status, 'IN_FLIGHT');

    // Tracking with no_inflight_updates says nothing until the end.
    const t = openStream(lnd, 'GET', `/v2/router/track/${hexToB64url(ext.paymentHash)}%3D?no_inflight_updates=true`);
    await waitUntil(() => lnd.payments().find((x) => x.paymentHash === ext.paymentHash).openStreams === 1);
    lnd.completePayment(ext.paymentHash, 'fail', { failureReason: 'FAILURE_REASON_TIMEOUT' });
    const lines = await drain(t);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].result.status, 'FAILED');
    assert.equal(lines[0].result.failure_reason, 'FAILURE_REASON_TIMEOUT');

    // Once final, track answers the final state and ends.
    const later = await drain(openStream(lnd, 'GET', `/v2/router/track/${encodeURIComponent(Buffer.from(ext.paymentHash, 'hex').toString('base64'))}`));
    assert.deepEqual(later.map((l) => l.result.status), ['FAILED']);
  });

  test('track of an unknown payment is a 404 stream error', async () => {
    const r = await call(lnd, 'GET', `/v2/router/track/${padded(hexToB64url('33'.repeat(32)))}`);
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.text.trim()), { error: { code: 5, message: "payment isn't initiated", details: [] } });
  });

  test('sends lnd refuses: no timeout, undecodable, expired, another network, zero amount without amt', async () => {
    const refuse = async (body, pattern, status = 500) => {
      const r = await call(lnd, 'POST', '/v2/router/send', { body });
      assert.equal(r.status, status, r.text);
      const e = JSON.parse(r.text.trim()).error;
      assert.equal(e.code, 2);
      assert.match(e.message, pattern);
      assert.deepEqual(e.details, []);
    };
    const ok = lnd.makeExternalInvoice({ sats: 9 });
    await refuse({ payment_request: ok.paymentRequest }, /timeout_seconds must be specified/);
    await refuse({ payment_request: 'lnbcrt1notaninvoice', timeout_seconds: 60 }, /./);
    const expired = lnd.makeExternalInvoice({ sats: 9, expirySeconds: 0 });
    await refuse({ payment_request: expired.paymentRequest, timeout_seconds: 60 }, /invoice expired/);
    assert.equal(lnd.sendCalls(expired.paymentHash), 1, 'a refused send of a decodable invoice is counted');
    const mainnet = lnd.makeExternalInvoice({ sats: 9, network: 'bitcoin' });
    assert.match(mainnet.paymentRequest, /^lnbc90n1/);
    await refuse({ payment_request: mainnet.paymentRequest, timeout_seconds: 60 }, /not for current active network 'regtest'/);
    const any = lnd.makeExternalInvoice({ noAmount: true });
    await refuse({ payment_request: any.paymentRequest, timeout_seconds: 60 }, /amount must be specified/);
    await refuse({ payment_request: ok.paymentRequest, timeout_seconds: 60, amt: '5' }, /amount must not be specified/);

    const lines = await drain(send(lnd, any.paymentRequest, { amt: '700' }));
    assert.equal(lines.at(-1).result.status, 'SUCCEEDED');
    assert.equal(lines.at(-1).result.value_sat, '700');
  });

  test('the routing fee is kept within fee_limit_sat; a self-payment needs allow_self_payment', async () => {
    lnd.paymentFeeMsat = 2000;
    try {
      const a = lnd.makeExternalInvoice({ sats: 100 });
      const tight = await drain(send(lnd, a.paymentRequest, { fee_limit_sat: '1' }));
      assert.equal(tight.at(-1).result.status, 'FAILED');
      assert.equal(tight.at(-1).result.failure_reason, 'FAILURE_REASON_NO_ROUTE');
      const roomy = await drain(send(lnd, a.paymentRequest, { fee_limit_sat: '10' }));
      assert.equal(roomy.at(-1).result.status, 'SUCCEEDED');
      assert.equal(roomy.at(-1).result.fee_sat, '2');
      assert.equal(roomy.at(-1).result.fee_msat, '2000');
    } finally {
      lnd.paymentFeeMsat = 0;
    }
    const own = await addInvoice(lnd, { value: '10' });
    const self = await drain(send(lnd, own.payment_request));
    assert.equal(self.at(-1).result.status, 'FAILED');
    assert.equal(lnd.invoiceState(b64ToHex(own.r_hash)), 'OPEN');
  });
});

describe('networks', () => {
  test('testnet and bitcoin invoices carry their prefixes and getinfo names the network', async () => {
    const testnet = await start({ network: 'testnet' });
    const t = await addInvoice(testnet, { value: '1000' });
    assert.match(t.payment_request, /^lntb10u1/);
    assert.equal(bolt11.decode(t.payment_request).network.bech32, 'tb');
    assert.deepEqual((await call(testnet, 'GET', '/v1/getinfo')).json.chains, [{ chain: 'bitcoin', network: 'testnet' }]);

    const mainnet = await start({ network: 'bitcoin' });
    const m = await addInvoice(mainnet, { value: '1000' });
    assert.match(m.payment_request, /^lnbc10u1/);
    assert.deepEqual((await call(mainnet, 'GET', '/v1/getinfo')).json.chains, [{ chain: 'bitcoin', network: 'mainnet' }]);
    const decoded = await call(mainnet, 'GET', `/v1/payreq/${m.payment_request}`);
    assert.equal(decoded.status, 200);
    assert.equal(decoded.json.num_satoshis, '1000');
    assert.equal(decoded.json.payment_hash, b64ToHex(m.r_hash));
    assert.equal(decoded.json.destination, mainnet.pubkey);
  });
});

async function waitUntil(predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
