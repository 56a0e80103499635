// A fake LND for the coordinator's Lightning payment rail (issue 21): an HTTPS
// server that answers the REST calls Potluck makes the way LND's REST proxy
// (grpc-gateway in front of lnd's gRPC server) answers them, so that a real
// LND client cannot tell the two apart on these calls:
//
//   GET  /v1/getinfo                          the node (identity key, chain, network)
//   POST /v1/invoices                         AddInvoice
//   GET  /v1/invoices                         ListInvoices (index_offset, num_max_invoices, pending_only, reversed)
//   GET  /v1/invoice/{r_hash_str}             LookupInvoice (hash as hex)
//   GET  /v2/invoices/lookup?payment_hash=    LookupInvoiceV2 (hash as base64 / base64url)
//   GET  /v1/invoices/subscribe               SubscribeInvoices (streamed)
//   GET  /v1/payreq/{pay_req}                 DecodePayReq
//   POST /v2/router/send                      SendPaymentV2 (streamed)
//   GET  /v2/router/track/{payment_hash}      TrackPaymentV2 (streamed)
//
// Invoices are real BOLT11 payment requests (the `bolt11` package), signed
// with the fake node's own secp256k1 key; each has a random preimage and
// payment hash = sha256(preimage). The transport is TLS with a self-signed
// P-256 certificate that is its own CA, as lnd's tls.cert, made with the
// `openssl` command; every call must carry the hex of the macaroon file in
// the Grpc-Metadata-macaroon header.
//
// The wire conventions are grpc-gateway's with lnd's marshaler options
// (UseProtoNames, EmitUnpopulated): every field is present, int64/uint64 are
// JSON strings, bytes are standard base64 (payment hashes and preimages in
// Payment objects are hex strings, as lnd declares them), enums are names.
// Bytes in a path or query are base64 or base64url WITH padding (grpc-gateway
// decodes them with Go's padded StdEncoding, then URLEncoding); `+` in a query
// is a space, as Go's query parser reads it.
//
// Errors come in grpc-gateway's two shapes, with the HTTP status it derives
// from the gRPC code (2 -> 500, 3 -> 400, 5 -> 404, 6 -> 409, 12 -> 501):
//   unary calls, unknown paths, and request decoding on any call:
//     {"code":5,"message":"...","details":[]}
//   streamed calls (subscribe, send, track) once the call reached lnd:
//     {"error":{"code":6,"message":"...","details":[]}}\n
// A streamed call's HTTP headers go out with its first message (grpc-gateway
// waits for lnd's response headers, which lnd sends with the first message):
// a subscription with nothing to replay answers nothing until an invoice is
// added or settled.
//
// The test steers it: settle(hash) pays an invoice (and notifies
// subscribers), paymentOutcome / setPaymentOutcome decide what happens to
// payments (succeed, fail, or hang until completePayment), makeExternalInvoice
// makes an invoice of another node (a provider's wallet) to pay out to.
// Everything the fake keeps is bounded (invoices, payments, open streams,
// request bodies, what a slow stream reader may leave unread).
import bolt11 from 'bolt11';
import { execFileSync } from 'node:child_process';
import { createECDH, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

/** Networks as bolt11 knows them, and the name lnd gives each in getinfo. */
const NETWORKS = {
  bitcoin: { lnd: 'mainnet', params: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1] } },
  testnet: { lnd: 'testnet', params: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] } },
  regtest: { lnd: 'regtest', params: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] } },
};

export const PAYMENT_OUTCOMES = ['succeed', 'fail', 'hang'];
export const FAILURE_REASONS = [
  'FAILURE_REASON_NONE',
  'FAILURE_REASON_TIMEOUT',
  'FAILURE_REASON_NO_ROUTE',
  'FAILURE_REASON_ERROR',
  'FAILURE_REASON_INCORRECT_PAYMENT_DETAILS',
  'FAILURE_REASON_INSUFFICIENT_BALANCE',
  'FAILURE_REASON_CANCELED',
];

const DEFAULT_EXPIRY_S = 86400; // lnd's default invoice expiry (24 h)
const MAX_EXPIRY_S = 31536000; // lnd refuses an expiry over a year
const CLTV_DELTA = 80; // lnd's default final CLTV delta
const MAX_PAYMENT_MSAT = 4294967295; // lnd's invoice amount limit
const MAX_MEMO_BYTES = 1024; // lnd's memo limit
const MAX_BOLT11_MEMO_BYTES = 639; // what one bolt11 `d` field holds (the bolt11 package's limit)
const ZERO_PREIMAGE = '0'.repeat(64);

// Bounds on what the fake keeps.
const MAX_INVOICES = 10_000;
const MAX_PAYMENTS = 10_000;
const MAX_EXTERNAL = 10_000;
const MAX_STREAMS = 256; // open subscribe + send + track streams together
const MAX_BODY_BYTES = 1 << 20;
const MAX_UNREAD_BYTES = 1 << 20; // a stream reader this far behind is cut off

// The invoice features lnd sets: tlv-onion and payment-addr required, mpp optional.
const FEATURE_BITS = {
  word_length: 4,
  var_onion_optin: { required: true, supported: false },
  payment_secret: { required: true, supported: false },
  basic_mpp: { required: false, supported: true },
};
const FEATURES_JSON = {
  8: { name: 'tlv-onion', is_required: true, is_known: true },
  14: { name: 'payment-addr', is_required: true, is_known: true },
  17: { name: 'multi-path-payments', is_required: false, is_known: true },
};

// grpc-gateway's runtime.HTTPStatusFromCode.
const HTTP_STATUS = { 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };

/** A gRPC status as lnd returns it. `decode`: raised while grpc-gateway decodes the request (always the unary shape). */
class GrpcError extends Error {
  constructor(code, message, { decode = false } = {}) {
    super(message);
    this.code = code;
    this.decode = decode;
  }
}
const unknown = (message) => new GrpcError(2, message);
const invalidArgument = (message) => new GrpcError(3, message, { decode: true });

const sha256 = (buf) => createHash('sha256').update(buf).digest();
const nowS = () => Math.floor(Date.now() / 1000);
const i64 = (n) => String(n);

/** A Go base64 decode as grpc-gateway's runtime.Bytes does it: padded standard, then padded URL alphabet. */
function goBytes(text) {
  for (const [alphabet, encoding] of [[/^[A-Za-z0-9+/]*={0,2}$/, 'base64'], [/^[A-Za-z0-9_-]*={0,2}$/, 'base64url']]) {
    if (text.length % 4 === 0 && alphabet.test(text)) {
      const padding = text.length - text.replace(/=+$/, '').length;
      if (padding === 0 || text.length >= 4) return Buffer.from(text, encoding);
    }
  }
  const bad = text.search(/[^A-Za-z0-9+/_=-]/);
  const at = bad >= 0 ? bad : Math.max(0, text.length - (text.length % 4 || 4));
  throw new Error(`illegal base64 data at input byte ${at}`);
}

/** An int64/uint64 field of a JSON body: a number or a decimal string (protojson); absent is 0. */
function int64Field(body, name, { unsigned = false } = {}) {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  const ok = (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,18}$/.test(v));
  if (!ok || (unsigned && Number(v) < 0)) {
    throw invalidArgument(`proto: (line 1:1): invalid value for ${unsigned ? 'uint64' : 'int64'} type: ${JSON.stringify(v)}`);
  }
  return Number(v);
}

function boolField(body, name) {
  const v = body[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalidArgument(`proto: (line 1:1): invalid value for bool type: ${JSON.stringify(v)}`);
  return v;
}

function stringField(body, name) {
  const v = body[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalidArgument(`proto: (line 1:1): invalid value for string type: ${JSON.stringify(v)}`);
  return v;
}

/** A query parameter parsed as grpc-gateway does (strconv.ParseUint / ParseBool, runtime.Bytes). */
function queryUint(query, name) {
  const v = query.get(name);
  if (v === null) return 0;
  if (!/^\d{1,19}$/.test(v)) throw invalidArgument(`strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function queryBool(query, name) {
  const v = query.get(name);
  if (v === null) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw invalidArgument(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function bytesParam(text, name) {
  try {
    return goBytes(text);
  } catch (err) {
    throw invalidArgument(`type mismatch, parameter: ${name}, error: ${err.message}`);
  }
}

function hashOf(bytes) {
  if (bytes.length !== 32) throw unknown(`invalid hash length of ${bytes.length}, want 32`);
  return bytes.toString('hex');
}

function lowerHex(hashHex) {
  if (typeof hashHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hashHex)) {
    throw new TypeError(`fake lnd: a payment hash is 64 hex digits, not ${JSON.stringify(hashHex)}`);
  }
  return hashHex.toLowerCase();
}

function checkOutcome(outcome) {
  if (!PAYMENT_OUTCOMES.includes(outcome)) throw new TypeError(`fake lnd: a payment outcome is one of ${PAYMENT_OUTCOMES.join(', ')}, not ${outcome}`);
  return outcome;
}

function checkReason(reason) {
  if (!FAILURE_REASONS.includes(reason)) throw new TypeError(`fake lnd: unknown failure reason ${reason}`);
  return reason;
}

/** lnd's self-signed tls.cert: P-256, its own CA, for 127.0.0.1 and localhost. */
function makeCertificate(dir) {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'tls.key', '-out', 'tls.cert', '-days', '2',
    '-subj', '/O=lnd autogenerated cert/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
    '-addext', 'extendedKeyUsage=serverAuth',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return { certFile: path.join(dir, 'tls.cert'), keyFile: path.join(dir, 'tls.key') };
}

function newNodeKey() {
  for (;;) {
    const key = randomBytes(32);
    try {
      const ecdh = createECDH('secp256k1');
      ecdh.setPrivateKey(key);
      return { privateKey: key, publicKeyHex: ecdh.getPublicKey('hex', 'compressed') };
    } catch {
      // not a valid secp256k1 scalar (vanishingly rare): draw again
    }
  }
}

/** A signed BOLT11 payment request. */
function signInvoice({ privateKey, network, paymentHash, paymentAddr, memo, expiry, msat, timestamp }) {
  const data = {
    network: NETWORKS[network].params,
    timestamp,
    tags: [
      { tagName: 'payment_hash', data: paymentHash.toString('hex') },
      { tagName: 'payment_secret', data: paymentAddr.toString('hex') },
      { tagName: 'description', data: memo },
      { tagName: 'expire_time', data: expiry },
      { tagName: 'min_final_cltv_expiry', data: CLTV_DELTA },
      { tagName: 'feature_bits', data: FEATURE_BITS },
    ],
  };
  if (msat > 0) data.millisatoshis = String(msat);
  return bolt11.sign(bolt11.encode(data, false), privateKey.toString('hex')).paymentRequest;
}

const tag = (decoded, name) => decoded.tags.find((t) => t.tagName === name)?.data;

const ROUTES = [
  { method: 'GET', pattern: /^\/v1\/getinfo$/, handler: 'getInfo' },
  { method: 'POST', pattern: /^\/v1\/invoices$/, handler: 'addInvoice' },
  { method: 'GET', pattern: /^\/v1\/invoices$/, handler: 'listInvoices' },
  { method: 'GET', pattern: /^\/v1\/invoices\/subscribe$/, handler: 'subscribeInvoices', stream: true },
  { method: 'GET', pattern: /^\/v1\/invoice\/([^/]+)$/, handler: 'lookupInvoiceV1' },
  { method: 'GET', pattern: /^\/v2\/invoices\/lookup$/, handler: 'lookupInvoiceV2' },
  { method: 'GET', pattern: /^\/v1\/payreq\/([^/]+)$/, handler: 'decodePayReq' },
  { method: 'POST', pattern: /^\/v2\/router\/send$/, handler: 'sendPayment', stream: true },
  { method: 'GET', pattern: /^\/v2\/router\/track\/([^/]+)$/, handler: 'trackPayment', stream: true },
];

/**
 * Starts a fake LND in `dir` (created; it gets tls.cert, tls.key and
 * admin.macaroon). `network`: 'regtest' (invoices lnbcrt…), 'testnet'
 * (lntb…) or 'bitcoin' (lnbc…). Resolves a FakeLnd listening on a random
 * port of 127.0.0.1.
 */
export async function startFakeLnd({ dir, network = 'regtest' } = {}) {
  if (!dir) throw new TypeError('startFakeLnd: dir is required');
  if (!NETWORKS[network]) throw new TypeError(`startFakeLnd: network is one of ${Object.keys(NETWORKS).join(', ')}`);
  mkdirSync(dir, { recursive: true });
  const lnd = new FakeLnd(dir, network);
  await lnd.listen();
  return lnd;
}

export class FakeLnd {
  constructor(dir, network) {
    this.dir = dir;
    this.network = network;
    const { certFile, keyFile } = makeCertificate(dir);
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.macaroonFile = path.join(dir, 'admin.macaroon');
    this.macaroon = randomBytes(64);
    writeFileSync(this.macaroonFile, this.macaroon);
    this.macaroonHex = this.macaroon.toString('hex');
    const key = newNodeKey();
    this.nodeKey = key.privateKey;
    /** The fake node's identity key (hex, compressed): the payee of its invoices. */
    this.pubkey = key.publicKeyHex;

    this.invoicesByHash = new Map(); // hash hex -> invoice record
    this.addCounter = 0;
    this.settleCounter = 0;
    this.paymentsByHash = new Map(); // hash hex -> payment record (the latest attempt)
    this.paymentCounter = 0;
    this.sendCounts = new Map(); // hash hex -> POST /v2/router/send calls
    this.external = new Map(); // hash hex -> preimage of makeExternalInvoice's invoices
    this.outcomes = new Map(); // hash hex -> {outcome, failureReason}
    this.subscribers = new Set(); // open SubscribeInvoices streams
    this.streamCount = 0;
    this.timers = new Set();

    this._paymentOutcome = 'succeed';
    this._failureReason = 'FAILURE_REASON_NO_ROUTE';
    /** Routing fee of a succeeding payment (msat); over the call's fee limit the payment fails with NO_ROUTE. */
    this.paymentFeeMsat = 0;
    /** How long a payment that succeeds or fails by itself stays IN_FLIGHT first. */
    this.paymentDelayMs = 10;
    this.counters = { requests: 0, badMacaroon: 0 };
    this.closed = false;
  }

  listen() {
    this.server = https.createServer(
      { cert: readFileSync(this.certFile), key: readFileSync(this.keyFile), minVersion: 'TLSv1.2' },
      (req, res) => this.handle(req, res),
    );
    this.server.on('clientError', (_err, socket) => socket.destroy());
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        this.url = `https://127.0.0.1:${this.port}`;
        resolve();
      });
    });
  }

  // -------------------------------------------------------------------------
  // Test controls

  /** What payments do: 'succeed' (default), 'fail', or 'hang' (IN_FLIGHT until completePayment). */
  get paymentOutcome() {
    return this._paymentOutcome;
  }

  set paymentOutcome(outcome) {
    this._paymentOutcome = checkOutcome(outcome);
  }

  /** The failure_reason of payments that fail (default FAILURE_REASON_NO_ROUTE). */
  get failureReason() {
    return this._failureReason;
  }

  set failureReason(reason) {
    this._failureReason = checkReason(reason);
  }

  /** The outcome of payments of one invoice from now on (overrides paymentOutcome). */
  setPaymentOutcome(hashHex, outcome, { failureReason = this._failureReason } = {}) {
    this.outcomes.set(lowerHex(hashHex), { outcome: checkOutcome(outcome), failureReason: checkReason(failureReason) });
  }

  /**
   * Finishes an IN_FLIGHT payment ('succeed' or 'fail'): every open send and
   * track stream of it gets the final Payment and ends.
   */
  completePayment(hashHex, outcome, { failureReason = this._failureReason } = {}) {
    const p = this.paymentsByHash.get(lowerHex(hashHex));
    if (!p) throw new Error(`fake lnd: no payment of ${hashHex}`);
    if (p.status !== 'IN_FLIGHT') throw new Error(`fake lnd: the payment of ${hashHex} is ${p.status}, not IN_FLIGHT`);
    if (outcome !== 'succeed' && outcome !== 'fail') throw new TypeError(`fake lnd: completePayment takes 'succeed' or 'fail', not ${outcome}`);
    this.finishPayment(p, outcome === 'succeed' ? { ok: true } : { ok: false, reason: checkReason(failureReason) });
  }

  /**
   * Pays one of the fake's invoices: SETTLED, amt_paid = its value (or
   * `amtPaidMsat` for an invoice without one), settle_date now, the next
   * settle_index; every open subscription gets it `notifications` times (2: a
   * duplicate notification). Works on an expired (CANCELED) invoice too.
   * On an invoice already settled it changes nothing and only notifies
   * again (`notifications` times): a late duplicate.
   */
  settle(hashHex, { notifications = 1, amtPaidMsat } = {}) {
    const inv = this.invoicesByHash.get(lowerHex(hashHex));
    if (!inv) throw new Error(`fake lnd: no invoice of ${hashHex}`);
    let sent = 0;
    if (inv.state !== 'SETTLED') {
      this.settleInvoice(inv, amtPaidMsat ?? inv.valueMsat);
      sent = 1;
    }
    for (; sent < notifications; sent++) this.notify(inv);
    return this.invoiceSnapshot(inv);
  }

  /** 'OPEN', 'SETTLED', 'CANCELED' (expired) or undefined for an unknown hash. */
  invoiceState(hashHex) {
    const inv = this.invoicesByHash.get(lowerHex(hashHex));
    return inv ? this.refresh(inv).state : undefined;
  }

  /** Every invoice the fake issued, oldest first. */
  invoices() {
    return [...this.invoicesByHash.values()].map((inv) => this.invoiceSnapshot(inv));
  }

  /** Every payment (the latest attempt per payment hash), oldest first. */
  payments() {
    return [...this.paymentsByHash.values()].map((p) => ({
      paymentHash: p.hashHex,
      paymentRequest: p.paymentRequest,
      status: p.status,
      sats: Math.floor(p.valueMsat / 1000),
      msat: p.valueMsat,
      feeMsat: p.feeMsat,
      preimage: p.status === 'SUCCEEDED' ? p.preimageHex : null,
      failureReason: p.failureReason,
      attempts: p.attempts,
      paymentIndex: p.paymentIndex,
      openStreams: p.streams.size,
    }));
  }

  /** How many times POST /v2/router/send was called for this payment hash (refused calls included). */
  sendCalls(hashHex) {
    return this.sendCounts.get(lowerHex(hashHex)) ?? 0;
  }

  /**
   * A BOLT11 invoice of another node (a fresh random key: a provider's own
   * wallet), payable at this fake through /v2/router/send; a payment that
   * succeeds reveals its preimage. Returns {paymentRequest, paymentHash, preimage, payee}.
   */
  makeExternalInvoice({ sats, expirySeconds = 3600, network = this.network, noAmount = false, msat, memo = 'payout', timestamp = nowS() } = {}) {
    if (!NETWORKS[network]) throw new TypeError(`fake lnd: unknown network ${network}`);
    let amountMsat = 0;
    if (!noAmount) {
      amountMsat = msat ?? sats * 1000;
      if (!Number.isSafeInteger(amountMsat) || amountMsat <= 0) throw new TypeError('fake lnd: makeExternalInvoice needs sats or msat (or noAmount)');
    }
    if (this.external.size >= MAX_EXTERNAL) this.external.delete(this.external.keys().next().value);
    const preimage = randomBytes(32);
    const paymentHash = sha256(preimage);
    const key = newNodeKey();
    const paymentRequest = signInvoice({
      privateKey: key.privateKey, network, paymentHash, paymentAddr: randomBytes(32), memo,
      expiry: expirySeconds, msat: amountMsat, timestamp,
    });
    this.external.set(paymentHash.toString('hex'), preimage);
    return { paymentRequest, paymentHash: paymentHash.toString('hex'), preimage: preimage.toString('hex'), payee: key.publicKeyHex };
  }

  /** {requests, badMacaroon, subscribers (open SubscribeInvoices streams)}. */
  get stats() {
    return { ...this.counters, subscribers: this.subscribers.size };
  }

  /**
   * Cuts every open invoice subscription (the connection is reset, as when
   * lnd restarts); `graceful`: ends the streams cleanly instead. Returns how many.
   */
  dropSubscribers({ graceful = false } = {}) {
    const n = this.subscribers.size;
    for (const sub of [...this.subscribers]) {
      this.subscribers.delete(sub);
      if (graceful && sub.res.headersSent) sub.res.end();
      else sub.res.destroy();
    }
    return n;
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------
  // Records

  invoiceSnapshot(inv) {
    this.refresh(inv);
    return {
      paymentHash: inv.hashHex,
      paymentRequest: inv.paymentRequest,
      memo: inv.memo,
      sats: Math.floor(inv.valueMsat / 1000),
      msat: inv.valueMsat,
      state: inv.state,
      expiry: inv.expiry,
      createdAt: inv.creationDate,
      settledAt: inv.settleDate || null,
      addIndex: inv.addIndex,
      settleIndex: inv.settleIndex,
      amtPaidMsat: inv.amtPaidMsat,
    };
  }

  /** lnd cancels an open invoice once it expires. */
  refresh(inv) {
    if (inv.state === 'OPEN' && nowS() >= inv.creationDate + inv.expiry) inv.state = 'CANCELED';
    return inv;
  }

  invoiceJson(inv) {
    this.refresh(inv);
    const settled = inv.state === 'SETTLED';
    return {
      memo: inv.memo,
      r_preimage: inv.preimage.toString('base64'),
      r_hash: inv.hash.toString('base64'),
      value: i64(Math.floor(inv.valueMsat / 1000)),
      value_msat: i64(inv.valueMsat),
      settled,
      creation_date: i64(inv.creationDate),
      settle_date: i64(inv.settleDate),
      payment_request: inv.paymentRequest,
      description_hash: '',
      expiry: i64(inv.expiry),
      fallback_addr: '',
      cltv_expiry: i64(CLTV_DELTA),
      route_hints: [],
      private: inv.private,
      add_index: i64(inv.addIndex),
      settle_index: i64(inv.settleIndex),
      amt_paid: i64(inv.amtPaidMsat),
      amt_paid_sat: i64(Math.floor(inv.amtPaidMsat / 1000)),
      amt_paid_msat: i64(inv.amtPaidMsat),
      state: inv.state,
      htlcs: [],
      features: FEATURES_JSON,
      is_keysend: false,
      payment_addr: inv.paymentAddr.toString('base64'),
      is_amp: false,
      amp_invoice_state: {},
    };
  }

  paymentJson(p) {
    const succeeded = p.status === 'SUCCEEDED';
    return {
      payment_hash: p.hashHex,
      value: i64(Math.floor(p.valueMsat / 1000)),
      creation_date: (p.creationNs / 1_000_000_000n).toString(),
      fee: i64(Math.floor(p.feeMsat / 1000)),
      payment_preimage: succeeded ? p.preimageHex : ZERO_PREIMAGE,
      value_sat: i64(Math.floor(p.valueMsat / 1000)),
      value_msat: i64(p.valueMsat),
      payment_request: p.paymentRequest,
      status: p.status,
      fee_sat: i64(Math.floor(p.feeMsat / 1000)),
      fee_msat: i64(p.feeMsat),
      creation_time_ns: p.creationNs.toString(),
      htlcs: [],
      payment_index: i64(p.paymentIndex),
      failure_reason: p.failureReason,
    };
  }

  settleInvoice(inv, amtPaidMsat) {
    inv.state = 'SETTLED';
    inv.amtPaidMsat = amtPaidMsat;
    inv.settleDate = nowS();
    inv.settleIndex = ++this.settleCounter;
    this.notify(inv);
  }

  /** Sends the invoice's current state to every open subscription. */
  notify(inv) {
    const json = this.invoiceJson(inv);
    for (const sub of this.subscribers) this.streamWrite(sub.res, json);
  }

  finishPayment(p, { ok, reason }) {
    if (ok) {
      p.status = 'SUCCEEDED';
      p.failureReason = 'FAILURE_REASON_NONE';
      p.feeMsat = p.plannedFeeMsat;
      // A payment to one of the fake's own invoices (allow_self_payment) settles it.
      const own = this.invoicesByHash.get(p.hashHex);
      if (own && own.state !== 'SETTLED') this.settleInvoice(own, p.valueMsat);
    } else {
      p.status = 'FAILED';
      p.failureReason = reason;
      p.feeMsat = 0;
    }
    const json = this.paymentJson(p);
    for (const s of p.streams) {
      this.streamWrite(s.res, json);
      s.res.end();
    }
    p.streams.clear();
  }

  // -------------------------------------------------------------------------
  // HTTP

  async handle(req, res) {
    this.counters.requests += 1;
    const url = new URL(req.url, 'https://127.0.0.1');
    let route = null;
    let match = null;
    let pathMatched = false;
    for (const r of ROUTES) {
      const m = url.pathname.match(r.pattern);
      if (!m) continue;
      pathMatched = true;
      if (r.method === req.method) {
        route = r;
        match = m;
        break;
      }
    }
    if (!route) {
      req.resume();
      // grpc-gateway's routing errors: 404 for an unknown path, 501 (Unimplemented) for another method.
      return pathMatched
        ? this.sendError(res, new GrpcError(12, 'Method Not Allowed'), false)
        : this.sendError(res, new GrpcError(5, 'Not Found'), false);
    }
    try {
      const body = req.method === 'POST' ? await readBody(req) : (req.resume(), {});
      const params = match.slice(1).map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          throw invalidArgument(`invalid path parameter ${JSON.stringify(segment)}`);
        }
      });
      this.checkMacaroon(req);
      if (route.stream && this.streamCount >= MAX_STREAMS) throw new GrpcError(8, 'fake lnd: too many open streams');
      await this[route.handler]({ req, res, body, params, query: url.searchParams });
    } catch (err) {
      if (!(err instanceof GrpcError)) {
        err = unknown(`fake lnd: ${err.message}`);
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.sendError(res, err, route.stream && !err.decode);
    }
  }

  checkMacaroon(req) {
    const given = req.headers['grpc-metadata-macaroon'];
    if (given === undefined) {
      this.counters.badMacaroon += 1;
      throw unknown('expected 1 macaroon, got 0');
    }
    const bytes = /^([0-9a-fA-F]{2})*$/.test(given) ? Buffer.from(given, 'hex') : null;
    if (!bytes || bytes.length !== this.macaroon.length || !timingSafeEqual(bytes, this.macaroon)) {
      this.counters.badMacaroon += 1;
      throw unknown('verification failed: signature mismatch after caveat verification');
    }
  }

  sendError(res, err, streamShape) {
    const status = { code: err.code, message: err.message, details: [] };
    const text = streamShape ? `${JSON.stringify({ error: status })}\n` : JSON.stringify(status);
    const headers = { 'content-type': 'application/json' };
    if (!streamShape) headers['content-length'] = Buffer.byteLength(text);
    res.writeHead(HTTP_STATUS[err.code] ?? 500, headers);
    res.end(text);
  }

  sendJson(res, obj) {
    const text = JSON.stringify(obj);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'grpc-metadata-content-type': 'application/grpc',
    });
    res.end(text);
  }

  /** Opens a stream: counted while open; `onClose` runs when it ends either way. */
  openStream(res, onClose) {
    this.streamCount += 1;
    res.once('close', () => {
      this.streamCount -= 1;
      onClose?.();
    });
  }

  /** One `{"result": ...}` line; the headers go out with the first. A reader too far behind is cut off. */
  streamWrite(res, message) {
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) {
      res.writeHead(200, { 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' });
    }
    res.write(`${JSON.stringify({ result: message })}\n`);
    if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
  }

  // -------------------------------------------------------------------------
  // Calls

  getInfo({ res }) {
    this.sendJson(res, {
      version: '0.18.5-beta fake',
      commit_hash: '',
      identity_pubkey: this.pubkey,
      alias: 'potluck-fake-lnd',
      color: '#3399ff',
      num_pending_channels: 0,
      num_active_channels: 1,
      num_inactive_channels: 0,
      num_peers: 1,
      block_height: 1000,
      block_hash: '00'.repeat(32),
      best_header_timestamp: i64(nowS()),
      synced_to_chain: true,
      synced_to_graph: true,
      testnet: this.network === 'testnet',
      chains: [{ chain: 'bitcoin', network: NETWORKS[this.network].lnd }],
      uris: [],
      features: {},
      require_htlc_interceptor: false,
      store_final_htlc_resolutions: false,
    });
  }

  addInvoice({ res, body }) {
    const value = int64Field(body, 'value');
    const valueMsat = int64Field(body, 'value_msat');
    const memo = stringField(body, 'memo');
    let expiry = int64Field(body, 'expiry');
    const isPrivate = boolField(body, 'private');
    if (value !== 0 && valueMsat !== 0) throw unknown('sat and msat arguments are mutually exclusive');
    const amountMsat = valueMsat || value * 1000;
    if (amountMsat < 0) throw unknown(`payments of negative value are not allowed, value is ${amountMsat}`);
    if (amountMsat > MAX_PAYMENT_MSAT) {
      throw unknown(`payment of ${amountMsat} mSAT is too large, max payment allowed is ${MAX_PAYMENT_MSAT} mSAT`);
    }
    const memoBytes = Buffer.byteLength(memo);
    if (memoBytes > MAX_MEMO_BYTES) throw unknown(`memo too large: ${memoBytes} bytes (maxsize=${MAX_MEMO_BYTES})`);
    if (memoBytes > MAX_BOLT11_MEMO_BYTES) throw unknown(`fake lnd: a memo over ${MAX_BOLT11_MEMO_BYTES} bytes is not supported`);
    if (expiry < 0) throw unknown('expiry must be positive');
    if (expiry > MAX_EXPIRY_S) throw unknown(`expiry of ${expiry} seconds is greater than max allowed (${MAX_EXPIRY_S} seconds)`);
    if (expiry === 0) expiry = DEFAULT_EXPIRY_S;
    let preimage = randomBytes(32);
    if (body.r_preimage !== undefined && body.r_preimage !== null && body.r_preimage !== '') {
      try {
        preimage = goBytes(stringField(body, 'r_preimage'));
      } catch (err) {
        throw invalidArgument(`proto: (line 1:1): invalid value for bytes type: ${err.message}`);
      }
      if (preimage.length !== 32) throw unknown(`invalid preimage length of ${preimage.length}, want 32`);
    }
    const hash = sha256(preimage);
    const hashHex = hash.toString('hex');
    if (this.invoicesByHash.has(hashHex)) throw unknown('invoice with payment hash already exists');
    if (this.invoicesByHash.size >= MAX_INVOICES) throw new GrpcError(8, 'fake lnd: too many invoices');
    const paymentAddr = randomBytes(32);
    const creationDate = nowS();
    const inv = {
      memo, preimage, hash, hashHex, paymentAddr, valueMsat: amountMsat, creationDate, expiry,
      private: isPrivate, settleDate: 0, settleIndex: 0, amtPaidMsat: 0, state: 'OPEN',
      addIndex: ++this.addCounter,
      paymentRequest: signInvoice({
        privateKey: this.nodeKey, network: this.network, paymentHash: hash, paymentAddr, memo,
        expiry, msat: amountMsat, timestamp: creationDate,
      }),
    };
    this.invoicesByHash.set(hashHex, inv);
    this.sendJson(res, {
      r_hash: hash.toString('base64'),
      payment_request: inv.paymentRequest,
      add_index: i64(inv.addIndex),
      payment_addr: paymentAddr.toString('base64'),
    });
    this.notify(inv);
  }

  listInvoices({ res, query }) {
    const offset = queryUint(query, 'index_offset');
    const max = queryUint(query, 'num_max_invoices') || 100;
    const pendingOnly = queryBool(query, 'pending_only');
    const reversed = queryBool(query, 'reversed');
    let all = [...this.invoicesByHash.values()].map((inv) => this.refresh(inv));
    if (pendingOnly) all = all.filter((inv) => inv.state === 'OPEN' || inv.state === 'ACCEPTED');
    let page;
    if (reversed) {
      page = all.filter((inv) => offset === 0 || inv.addIndex < offset).slice(-max);
    } else {
      page = all.filter((inv) => inv.addIndex > offset).slice(0, max);
    }
    this.sendJson(res, {
      invoices: page.map((inv) => this.invoiceJson(inv)),
      last_index_offset: i64(page.at(-1)?.addIndex ?? 0),
      first_index_offset: i64(page[0]?.addIndex ?? 0),
    });
  }

  lookup(hashHex) {
    const inv = this.invoicesByHash.get(hashHex);
    if (inv) return inv;
    throw new GrpcError(5, this.invoicesByHash.size === 0 ? 'there are no existing invoices' : 'unable to locate invoice');
  }

  lookupInvoiceV1({ res, params }) {
    if (!/^([0-9a-fA-F]{2})*$/.test(params[0])) throw invalidArgument(`encoding/hex: invalid byte in ${JSON.stringify(params[0])}`);
    this.sendJson(res, this.invoiceJson(this.lookup(hashOf(Buffer.from(params[0], 'hex')))));
  }

  lookupInvoiceV2({ res, query }) {
    const hash = bytesParam(query.get('payment_hash') ?? '', 'payment_hash');
    this.sendJson(res, this.invoiceJson(this.lookup(hashOf(hash))));
  }

  subscribeInvoices({ res, query }) {
    const addIndex = queryUint(query, 'add_index');
    const settleIndex = queryUint(query, 'settle_index');
    const sub = { res };
    this.subscribers.add(sub);
    this.openStream(res, () => this.subscribers.delete(sub));
    // lnd first sends the backlog the indexes ask for: invoices added after
    // add_index, then invoices settled after settle_index.
    const all = [...this.invoicesByHash.values()];
    if (addIndex > 0) {
      for (const inv of all.filter((i) => i.addIndex > addIndex).sort((a, b) => a.addIndex - b.addIndex)) {
        this.streamWrite(res, this.invoiceJson(inv));
      }
    }
    if (settleIndex > 0) {
      for (const inv of all.filter((i) => i.settleIndex > settleIndex).sort((a, b) => a.settleIndex - b.settleIndex)) {
        this.streamWrite(res, this.invoiceJson(inv));
      }
    }
  }

  decodeInvoice(paymentRequest) {
    let decoded;
    try {
      decoded = bolt11.decode(paymentRequest);
    } catch (err) {
      throw unknown(err.message);
    }
    if (decoded.network.bech32 !== NETWORKS[this.network].params.bech32) {
      throw unknown(`invoice not for current active network '${NETWORKS[this.network].lnd}'`);
    }
    return decoded;
  }

  decodePayReq({ res, params }) {
    const d = this.decodeInvoice(params[0]);
    const msat = Number(d.millisatoshis ?? 0);
    this.sendJson(res, {
      destination: d.payeeNodeKey,
      payment_hash: tag(d, 'payment_hash'),
      num_satoshis: i64(Math.floor(msat / 1000)),
      timestamp: i64(d.timestamp),
      expiry: i64(tag(d, 'expire_time') ?? 3600),
      description: tag(d, 'description') ?? '',
      description_hash: tag(d, 'purpose_commit_hash') ?? '',
      fallback_addr: '',
      cltv_expiry: i64(tag(d, 'min_final_cltv_expiry') ?? 18),
      route_hints: [],
      payment_addr: Buffer.from(tag(d, 'payment_secret') ?? '', 'hex').toString('base64'),
      num_msat: i64(msat),
      features: FEATURES_JSON,
      blinded_paths: [],
    });
  }

  sendPayment({ res, body }) {
    const paymentRequest = stringField(body, 'payment_request');
    const timeout = int64Field(body, 'timeout_seconds');
    const amt = int64Field(body, 'amt');
    const amtMsat = int64Field(body, 'amt_msat');
    const feeLimitSat = int64Field(body, 'fee_limit_sat');
    const feeLimitMsat = int64Field(body, 'fee_limit_msat');
    const noInflight = boolField(body, 'no_inflight_updates');
    const allowSelf = boolField(body, 'allow_self_payment');
    if (amt !== 0 && amtMsat !== 0) throw unknown('sat and msat arguments are mutually exclusive');
    if (feeLimitSat !== 0 && feeLimitMsat !== 0) throw unknown('sat and msat arguments are mutually exclusive');
    if (timeout === 0) throw unknown('timeout_seconds must be specified');
    if (!paymentRequest) throw unknown('fake lnd: only payments to a payment_request are supported');
    const decoded = this.decodeInvoice(paymentRequest);
    const hashHex = tag(decoded, 'payment_hash');
    if (!this.sendCounts.has(hashHex) && this.sendCounts.size >= MAX_PAYMENTS) this.sendCounts.delete(this.sendCounts.keys().next().value);
    this.sendCounts.set(hashHex, (this.sendCounts.get(hashHex) ?? 0) + 1);
    const expiresAt = decoded.timestamp + (tag(decoded, 'expire_time') ?? 3600);
    if (nowS() >= expiresAt) throw unknown(`invoice expired. Valid until ${new Date(expiresAt * 1000).toISOString().replace('.000Z', 'Z')}`);
    const reqMsat = amtMsat || amt * 1000;
    let valueMsat;
    if (decoded.millisatoshis === null || decoded.millisatoshis === undefined) {
      if (reqMsat === 0) throw unknown('amount must be specified when paying a zero amount invoice');
      valueMsat = reqMsat;
    } else {
      if (reqMsat !== 0) throw unknown('amount must not be specified when paying a non-zero  amount invoice');
      valueMsat = Number(decoded.millisatoshis);
    }
    const previous = this.paymentsByHash.get(hashHex);
    if (previous?.status === 'SUCCEEDED') throw new GrpcError(6, 'invoice is already paid');
    if (previous?.status === 'IN_FLIGHT') throw new GrpcError(6, 'payment is in transition');
    if (!previous && this.paymentsByHash.size >= MAX_PAYMENTS) throw new GrpcError(8, 'fake lnd: too many payments');

    const own = this.invoicesByHash.get(hashHex);
    const preimage = own?.preimage ?? this.external.get(hashHex) ?? randomBytes(32);
    const p = {
      hashHex,
      paymentRequest,
      valueMsat,
      creationNs: BigInt(Date.now()) * 1_000_000n,
      preimageHex: preimage.toString('hex'),
      status: 'IN_FLIGHT',
      failureReason: 'FAILURE_REASON_NONE',
      feeMsat: 0,
      plannedFeeMsat: this.paymentFeeMsat,
      paymentIndex: ++this.paymentCounter,
      attempts: (previous?.attempts ?? 0) + 1,
      streams: new Set(),
    };
    this.paymentsByHash.set(hashHex, p);

    const stream = { res, noInflight };
    p.streams.add(stream);
    this.openStream(res, () => p.streams.delete(stream)); // the payment goes on without its caller
    if (!noInflight) this.streamWrite(res, this.paymentJson(p));

    // What happens to it: a payment to the fake's own node needs
    // allow_self_payment; a fee over the limit finds no route; otherwise the
    // test's outcome for this invoice, else the default.
    let outcome;
    let reason;
    const feeLimit = feeLimitMsat || feeLimitSat * 1000;
    if (decoded.payeeNodeKey === this.pubkey && !allowSelf) {
      [outcome, reason] = ['fail', 'FAILURE_REASON_NO_ROUTE'];
    } else if (p.plannedFeeMsat > feeLimit) {
      [outcome, reason] = ['fail', 'FAILURE_REASON_NO_ROUTE'];
    } else {
      const set = this.outcomes.get(hashHex);
      outcome = set?.outcome ?? this._paymentOutcome;
      reason = set?.failureReason ?? this._failureReason;
    }
    if (outcome === 'hang') return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (p.status === 'IN_FLIGHT' && this.paymentsByHash.get(hashHex) === p) {
        this.finishPayment(p, outcome === 'succeed' ? { ok: true } : { ok: false, reason });
      }
    }, this.paymentDelayMs);
    this.timers.add(timer);
  }

  trackPayment({ res, params, query }) {
    const hashHex = hashOf(bytesParam(params[0], 'payment_hash'));
    const noInflight = queryBool(query, 'no_inflight_updates');
    const p = this.paymentsByHash.get(hashHex);
    if (!p) throw new GrpcError(5, "payment isn't initiated");
    if (p.status !== 'IN_FLIGHT') {
      this.streamWrite(res, this.paymentJson(p));
      res.end();
      return;
    }
    const stream = { res, noInflight };
    p.streams.add(stream);
    this.openStream(res, () => p.streams.delete(stream));
    if (!noInflight) this.streamWrite(res, this.paymentJson(p));
  }
}

/** A JSON request body (an object; empty is {}), at most MAX_BODY_BYTES. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalidArgument('fake lnd: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      let body;
      try {
        body = JSON.parse(text);
      } catch (err) {
        return reject(invalidArgument(`proto: syntax error (line 1:1): ${err.message}`));
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return reject(invalidArgument('proto: syntax error (line 1:1): unexpected token, want an object'));
      }
      resolve(body);
    });
  });
}
