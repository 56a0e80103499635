// Slow clients and the connection caps (issue 4's limits):
//   - slowloris: hundreds of connections that trickle a request head a byte
//     at a time hold no one else up (the coordinator keeps answering health
//     checks and completions), and each is closed once its header deadline
//     (--header-timeout-ms, counted from accept, not extended by the trickle)
//     has passed;
//   - past --max-connections-per-ip and --max-connections, a new connection
//     gets 503 with Retry-After in the error envelope, and a freed place is
//     given to the next client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, test } from 'node:test';
import { Harness, expectErrorEnvelope, rawHttp, waitFor } from '../lib/harness.mjs';

const SLOW_CLIENTS = 400;
const HEADER_TIMEOUT_MS = 3000;
const TRICKLE_EVERY_MS = 500;
const MODEL = 'mock-slow';

// Every slow client holds one descriptor here and one in the coordinator.
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

/**
 * A connection that sends `head` one byte every TRICKLE_EVERY_MS and never
 * finishes it. `closed` resolves when the server ends the connection: with
 * the HTTP status it answered first (408), or null for a bare close.
 */
function slowClient(port, head, { localAddress } = {}) {
  const sock = net.createConnection({ host: '127.0.0.1', port, localAddress });
  let sent = 0;
  let answer = '';
  const client = { sock, bytesSent: () => sent, closedByServer: false };
  client.connected = new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  client.closed = new Promise((resolve) => {
    sock.on('data', (d) => (answer += d.toString('latin1')));
    sock.on('error', () => {}); // a reset is a close too
    sock.on('close', () => {
      client.closedByServer = !client.abandoned;
      const m = answer.match(/^HTTP\/1\.[01] (\d{3})/);
      resolve(m ? Number(m[1]) : null);
    });
  });
  client.tick = () => {
    if (sent < head.length && sock.writable) sock.write(head[sent++]);
  };
  client.abandon = () => {
    client.abandoned = true;
    sock.destroy();
  };
  return client;
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` (a hang guard, not a measure). */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('slowloris: hundreds of half-open connections', () => {
  const h = new Harness('slowloris');

  test('the coordinator keeps answering others, then closes every slow client at its header deadline', h.wrap(async (t) => {
    t.after(() => h.close());
    const limit = openFileLimit();
    assert.ok(limit >= SLOW_CLIENTS + 200,
      `this test opens ${SLOW_CLIENTS} connections: raise the open-file limit (ulimit -n is ${limit})`);
    const coord = await h.startCoordinator({
      logLevel: 'info',
      args: ['--header-timeout-ms', String(HEADER_TIMEOUT_MS),
        '--max-connections-per-ip', String(SLOW_CLIENTS * 2), '--max-connections', String(SLOW_CLIENTS * 3)],
    });
    const key = await coord.adminKey();
    await h.startNode({ coordinator: coord, backend: 'mock', models: [MODEL], logLevel: 'info' });
    await coord.waitForModel(key, MODEL);

    // A head longer than the trickle can send before the deadline.
    const head = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(64)}\r\n`;
    const slow = Array.from({ length: SLOW_CLIENTS }, () => slowClient(coord.port, head));
    const ticker = setInterval(() => slow.forEach((c) => c.tick()), TRICKLE_EVERY_MS);
    try {
      await Promise.all(slow.map((c) => c.connected));
      slow.forEach((c) => c.tick());

      const health = await coord.get('/healthz');
      assert.equal(health.status, 200, health.text);
      const completion = await coord.post('/v1/chat/completions',
        { model: MODEL, messages: [{ role: 'user', content: 'are you still there?' }], max_tokens: 8 }, key);
      assert.equal(completion.status, 200, completion.text);
      assert.ok(completion.json.choices[0].message.content.length > 0);
      // Answered after the two above: had any slow client been dropped before
      // them, fewer than SLOW_CLIENTS connections would be open now.
      const during = await coord.metrics();
      assert.ok(during.potluck_open_connections >= SLOW_CLIENTS,
        `the slow clients were not all held while others were answered: ${during.potluck_open_connections} open`);

      const statuses = await within(HEADER_TIMEOUT_MS * 10, Promise.all(slow.map((c) => c.closed)),
        'the coordinator to close every slow client');
      assert.equal(slow.filter((c) => c.closedByServer).length, SLOW_CLIENTS, 'every slow client is closed by the server');
      for (const s of statuses) assert.ok(s === 408 || s === null, `a slow client got HTTP ${s}`);
      assert.ok(slow.every((c) => c.bytesSent() < head.length), 'a client finished its head: the test proves nothing');
    } finally {
      clearInterval(ticker);
      slow.forEach((c) => c.abandon());
    }

    // The places are free again, and the coordinator still answers.
    await waitFor(async () => (await coord.metrics()).potluck_open_connections < 10,
      { what: 'the slow connections to be forgotten' });
    const after = await coord.post('/v1/chat/completions',
      { model: MODEL, messages: [{ role: 'user', content: 'and now?' }], max_tokens: 8 }, key);
    assert.equal(after.status, 200, after.text);
  }));
});

describe('connection caps', () => {
  const h = new Harness('connection-caps');
  const PER_IP = 20;
  const TOTAL = 30;
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
  const ask = (localAddress) => rawHttp(port, healthz, { localAddress });
  const refusedWith503 = (r) => {
    expectErrorEnvelope(assert, { status: r.status, json: JSON.parse(r.body), text: r.body }, 503);
    assert.ok(Number(r.headers['retry-after']) > 0, `Retry-After: ${r.headers['retry-after']}`);
  };
  let port;

  test('past --max-connections and --max-connections-per-ip: 503 with Retry-After; a freed place is served', h.wrap(async (t) => {
    t.after(() => h.close());
    // The held connections send nothing: a long header deadline keeps them.
    const coord = await h.startCoordinator({
      logLevel: 'info',
      args: ['--max-connections-per-ip', String(PER_IP), '--max-connections', String(TOTAL), '--header-timeout-ms', '120000'],
    });
    port = coord.port;
    // Loopback addresses stand for clients (127.0.0.x are all this machine).
    const hold = async (n, localAddress) => {
      const clients = Array.from({ length: n }, () => slowClient(port, '', { localAddress }));
      await Promise.all(clients.map((c) => c.connected));
      return clients;
    };
    const fromOne = await hold(PER_IP, '127.0.0.1');
    const fromThree = await hold(TOTAL - PER_IP, '127.0.0.3');
    try {
      // Full: a new address, with no connection of its own, is refused.
      refusedWith503(await ask('127.0.0.4'));

      // Room in the total again, but 127.0.0.1 is at its own cap.
      fromThree.forEach((c) => c.abandon());
      await waitFor(async () => (await ask('127.0.0.4')).status === 200, { what: 'places freed by 127.0.0.3' });
      refusedWith503(await ask('127.0.0.1'));
      assert.equal((await ask('127.0.0.2')).status, 200);

      // One of its places freed: 127.0.0.1 is served.
      fromOne[0].abandon();
      await waitFor(async () => (await ask('127.0.0.1')).status === 200, { what: 'a place freed by 127.0.0.1' });
      assert.equal(fromOne.filter((c) => c.closedByServer).length, 0, 'a held connection was dropped');
    } finally {
      [...fromOne, ...fromThree].forEach((c) => c.abandon());
    }
  }));
});
