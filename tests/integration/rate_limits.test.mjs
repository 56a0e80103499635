// Rate limits and request caps: token buckets per API key and per client
// address answer 429 in the OpenAI error shape with Retry-After, one key's
// excess does not affect another's, and max_tokens past the cap is a 400.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import net from 'node:net';
import { rawHttp, useHarness } from '../lib/harness.mjs';

const h = useHarness('rate-limits');

function assertLimited(r) {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.type, 'rate_limit_error');
  assert.equal(r.json.error.code, 'rate_limit_exceeded');
  assert.ok(Number(r.headers.get('retry-after')) >= 1, 'no Retry-After');
}

describe('rate limits', () => {
  test('a key past its burst gets 429 with Retry-After; another key is unaffected', h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'per-key', args: ['--rate-per-key', '0.5', '--burst-per-key', '3', '--rate-per-ip', '0'],
    });
    const a = await coord.memberKey();
    const b = await coord.memberKey();
    for (let i = 0; i < 3; i++) assert.equal((await coord.get('/v1/models', a)).status, 200, `request ${i}`);
    assertLimited(await coord.get('/v1/models', a));
    assertLimited(await coord.get('/api/keys', a));
    assert.equal((await coord.get('/v1/models', b)).status, 200);
    // Health and metrics are never limited.
    assert.equal((await coord.fetch('/healthz')).status, 200);
  }));

  test('a client address past its burst gets 429, even with bad keys', h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'per-ip', args: ['--rate-per-ip', '0.5', '--burst-per-ip', '5', '--rate-per-key', '0'],
    });
    const key = await coord.memberKey();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await coord.get('/v1/models', i % 2 ? key : 'pl_bad')).status);
    assert.deepEqual(statuses, [401, 200, 401, 200, 401]);
    assertLimited(await coord.get('/v1/models', key));
    assertLimited(await coord.post('/v1/chat/completions', { model: 'x', messages: [] }, key));
    assert.equal((await coord.fetch('/metrics')).status, 200);
  }));
});

// Opens `n` connections that stay open (no request sent yet); resolves with
// the sockets once each is connected.
async function openConnections(port, n) {
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    sockets.push(sock);
  }
  return sockets;
}

describe('behind a reverse proxy (--trusted-proxies)', () => {
  const forwarded = (coord, address, key) =>
    coord.request('GET', '/v1/models', { key, headers: { 'x-forwarded-for': address } });

  test("a trusted proxy's X-Forwarded-For names the client the per-address limit counts", h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'proxied',
      args: ['--trusted-proxies', '10.0.0.0/8, 127.0.0.1', '--rate-per-ip', '0.5', '--burst-per-ip', '3',
        '--rate-per-key', '0'],
    });
    const key = await coord.memberKey();
    for (let i = 0; i < 3; i++) assert.equal((await forwarded(coord, '203.0.113.5', key)).status, 200, `request ${i}`);
    assertLimited(await forwarded(coord, '203.0.113.5', key));
    // Another client behind the same proxy has its own bucket.
    assert.equal((await forwarded(coord, '203.0.113.6', key)).status, 200);
    // What the client wrote left of the proxy's entry is not believed; trusted hops are skipped.
    assertLimited(await forwarded(coord, '198.51.100.1, 203.0.113.5', key));
    assertLimited(await forwarded(coord, '203.0.113.5, 10.1.2.3', key));
    // Two header fields read as one list; the last names the client.
    const twoFields = await rawHttp(coord.port, 'GET /v1/models HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${key}\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 203.0.113.5\r\n` +
      'Connection: close\r\n\r\n');
    assert.equal(twoFields.status, 429);
    // An entry that is not an address stops the walk at the proxy itself.
    for (let i = 0; i < 3; i++) await forwarded(coord, 'not-an-address', key);
    assertLimited(await forwarded(coord, 'not-an-address', key));
    // ...and the proxy's own address is now spent too.
    assertLimited(await coord.get('/v1/models', key));
  }));

  test('from an untrusted peer the header is ignored: rotating it does not dodge the limit', h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'unproxied', args: ['--trusted-proxies', '10.0.0.0/8', '--rate-per-ip', '0.5', '--burst-per-ip', '3'],
    });
    const key = await coord.memberKey();
    for (let i = 0; i < 3; i++) await forwarded(coord, `203.0.113.${i}`, key);
    assertLimited(await forwarded(coord, '203.0.113.99', key));
  }));

  test("a trusted proxy's connections count against --max-connections only", h.wrap(async () => {
    const cap = ['--max-connections-per-ip', '2'];
    const plain = await h.startCoordinator({ name: 'cap-plain', args: cap });
    const held = await openConnections(plain.port, 2);
    const third = await rawHttp(plain.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(third.status, 503);
    const proxied = await h.startCoordinator({ name: 'cap-proxied', args: [...cap, '--trusted-proxies', '127.0.0.0/8'] });
    held.push(...await openConnections(proxied.port, 4));
    const fifth = await rawHttp(proxied.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(fifth.status, 200);
    for (const s of held) s.destroy();
  }));

  test('a bad --trusted-proxies value stops start-up with the reason', h.wrap(async () => {
    for (const bad of ['10.0.0.0/33', 'proxy.example.org', '::1/129', '10.0.0.0/']) {
      const r = await h.potluck(['serve', '--listen', '127.0.0.1:0', '--data-dir', h.dir('bad-proxies'),
        '--trusted-proxies', bad]);
      assert.notEqual(r.code, 0, bad);
      assert.match(r.stderr, /--trusted-proxies/, bad);
    }
  }));
});

describe('request caps', () => {
  test('max_tokens past --max-tokens-cap is refused with 400 before routing', h.wrap(async () => {
    const coord = await h.startCoordinator({ name: 'caps', args: ['--max-tokens-cap', '100'] });
    const key = await coord.memberKey();
    const body = (n) => ({ model: 'any-model', max_tokens: n, messages: [{ role: 'user', content: 'hi' }] });
    const over = await coord.post('/v1/chat/completions', body(101), key);
    assert.equal(over.status, 400, over.text);
    assert.equal(over.json.error.code, 'max_tokens_too_large');
    const completion = await coord.post('/v1/completions', { model: 'any-model', prompt: 'x', max_completion_tokens: 5000 }, key);
    assert.equal(completion.status, 400, completion.text);
    // At the cap it passes the check (and then finds no such model: 404).
    assert.equal((await coord.post('/v1/chat/completions', body(100), key)).status, 404);
  }));
});
