// CORS on /v1 for browser clients (--cors-origins, issue 17): preflights are
// answered without a key and before the body; every answer to an allowed
// origin (JSON, streamed SSE, errors) carries Access-Control-Allow-Origin;
// other origins and the dashboard's /api get no CORS fields at all; "*"
// never comes with Access-Control-Allow-Credentials.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, readSse } from '../lib/harness.mjs';

const h = useHarness('cors');
const MODEL = 'cors-model';
const APP = 'http://app.example:3000';
let listed, any, none, key;

before(h.wrap(async () => {
  listed = await h.startCoordinator({ name: 'listed', args: ['--cors-origins', `https://other.example, ${APP}`] });
  any = await h.startCoordinator({ name: 'any', args: ['--cors-origins', '*'] });
  none = await h.startCoordinator({ name: 'none' });
  key = await listed.adminKey();
  await h.startNode({ coordinator: listed, backend: 'mock', models: [MODEL] });
  await listed.waitForModel(key, MODEL);
}));

const preflight = (coord, path, origin, requestHeaders = 'authorization, content-type, x-stainless-os') =>
  coord.fetch(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
  });

const chat = (extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, ...extra });

const post = (coord, path, body, { origin = APP, auth = key } = {}) =>
  coord.fetch(path, {
    method: 'POST',
    headers: { origin, authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('a preflight from a listed origin is answered without a key', h.wrap(async () => {
  const r = await preflight(listed, '/v1/chat/completions', APP);
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), APP);
  assert.equal(r.headers.get('vary'), 'Origin');
  assert.match(r.headers.get('access-control-allow-methods'), /POST/);
  assert.equal(r.headers.get('access-control-allow-headers'), 'authorization, content-type, x-stainless-os');
  assert.equal(r.headers.get('access-control-allow-credentials'), null);
}));

test('a preflight from another origin, or with no origin allowed, is refused without CORS fields', h.wrap(async () => {
  for (const [coord, origin] of [[listed, 'https://evil.example'], [none, APP]]) {
    const r = await preflight(coord, '/v1/chat/completions', origin);
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    assert.equal((await r.json()).error.code, 'cors_origin_not_allowed');
  }
  const odd = await preflight(listed, '/v1/chat/completions', APP, 'authorization;x="y"');
  assert.equal(odd.status, 403);
}));

test('answers to a listed origin carry Allow-Origin: JSON, streamed, errors', h.wrap(async () => {
  const plain = await post(listed, '/v1/chat/completions', chat());
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('access-control-allow-origin'), APP);
  assert.match(plain.headers.get('access-control-expose-headers'), /Retry-After/);
  await plain.text();

  const streamed = await post(listed, '/v1/chat/completions', chat({ stream: true }));
  assert.equal(streamed.status, 200);
  assert.equal(streamed.headers.get('content-type'), 'text/event-stream');
  assert.equal(streamed.headers.get('access-control-allow-origin'), APP);
  const { events, done } = await readSse(streamed);
  assert.ok(done && events.length > 2, 'the stream reached [DONE]');

  const badKey = await post(listed, '/v1/chat/completions', chat(), { auth: 'pl_nope' });
  assert.equal(badKey.status, 401);
  assert.equal(badKey.headers.get('access-control-allow-origin'), APP);
  const unknown = await post(listed, '/v1/chat/completions', chat({ model: 'no-such-model' }));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('access-control-allow-origin'), APP);

  const other = await post(listed, '/v1/chat/completions', chat(), { origin: 'https://evil.example' });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  await other.text();
}));

test('the dashboard API never answers CORS', h.wrap(async () => {
  const r = await listed.fetch('/api/keys', { headers: { origin: APP, authorization: `Bearer ${key}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  const pre = await preflight(listed, '/api/keys', APP);
  assert.equal(pre.status, 405);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
}));

test('"*" allows any origin, never with credentials', h.wrap(async () => {
  const pre = await preflight(any, '/v1/models', 'https://anyone.example');
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.equal(pre.headers.get('access-control-allow-credentials'), null);
  const r = await any.fetch('/v1/models', { headers: { origin: 'https://anyone.example' } });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('access-control-allow-credentials'), null);
}));

test('a malformed --cors-origins stops serve at start', h.wrap(async () => {
  const r = await h.potluck(['serve', '--listen', '127.0.0.1:0', '--data-dir', h.dir('bad-cors'),
    '--cors-origins', 'https://app.example/path']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cors-origins/);
}));
