// Dashboard sessions without a browser: POST/GET/DELETE /api/session, the
// cookie's flags, cookie authentication of /v1 and /api (streaming and CSV
// included), the CSRF check on state changes, revocation, the session cap,
// --session-ttl-s and --secure-cookies, and no session id on disk.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, sseEvents } from '../lib/harness.mjs';

const h = useHarness('sessions');
const MODEL = 'fake-model';
let coord, upstream, admin;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator({ args: ['--session-ttl-s', '7200'] });
  admin = await coord.adminKey('admin@example.test');
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(admin, MODEL);
}));

/** Signs in with `key`; resolves {res, cookie, csrf} (cookie: "potluck_session=..."). */
async function signIn(c, key) {
  const res = await c.post('/api/session', { key });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, setCookie, cookie: setCookie.split(';')[0], csrf: res.json?.csrf_token };
}

function withSession(s, { csrf = false } = {}) {
  const headers = { cookie: s.cookie };
  if (csrf) headers['x-csrf-token'] = s.csrf;
  return headers;
}

describe('signing in', () => {
  test('a key is exchanged for an HttpOnly, SameSite=Strict session cookie', h.wrap(async () => {
    const s = await signIn(coord, admin);
    assert.equal(s.res.status, 200, s.res.text);
    assert.equal(s.res.json.user.email, 'admin@example.test');
    assert.equal(s.res.json.user.role, 'admin');
    assert.match(s.res.json.user.id, /\S/);
    assert.match(s.csrf, /^[a-z2-7]{32}$/);
    assert.match(s.setCookie, /^potluck_session=[a-z2-7]{52}; /);
    assert.match(s.setCookie, /; HttpOnly/);
    assert.match(s.setCookie, /; SameSite=Strict/);
    assert.match(s.setCookie, /; Path=\//);
    assert.match(s.setCookie, /; Max-Age=7200/, 'the cookie lives as long as --session-ttl-s');
    assert.doesNotMatch(s.setCookie, /Secure/, 'Secure only with --secure-cookies');
    const now = Date.now() / 1000;
    assert.ok(Math.abs(s.res.json.expires_at - (now + 7200)) < 60, `expires_at ${s.res.json.expires_at}`);
    assert.ok(!s.res.text.includes(admin), 'the answer repeats the key');
  }));

  test('GET /api/session answers the same user and CSRF token; without the cookie 401', h.wrap(async () => {
    const s = await signIn(coord, admin);
    const again = await coord.get('/api/session', undefined, { headers: withSession(s) });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json.user, s.res.json.user);
    assert.equal(again.json.csrf_token, s.csrf);
    expectErrorEnvelope(assert, await coord.get('/api/session'), 401);
    expectErrorEnvelope(assert, await coord.get('/api/session', admin), 401,
                        { type: 'authentication_error' });
    const forged = await coord.get('/api/session', undefined, { headers: { cookie: `potluck_session=${'a'.repeat(52)}` } });
    expectErrorEnvelope(assert, forged, 401);
  }));

  test('wrong, malformed and revoked keys are refused alike with "invalid API key"', h.wrap(async () => {
    const member = await coord.memberKey('revoked@example.test');
    const id = member.split('_')[1];
    const revoke = await coord.request('DELETE', `/api/keys/${id}`, { key: member });
    assert.equal(revoke.status, 200, revoke.text);
    const wrongSecret = admin.slice(0, -4) + (admin.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    for (const key of ['pl_nonsense', wrongSecret, member]) {
      const s = await signIn(coord, key);
      const e = expectErrorEnvelope(assert, s.res, 401);
      assert.equal(e.message, 'invalid API key');
      assert.equal(s.res.headers.get('set-cookie'), null);
    }
  }));

  test('a body without a key string is a 400; a body that is not JSON a 415', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.post('/api/session', {}), 400);
    expectErrorEnvelope(assert, await coord.post('/api/session', { key: 42 }), 400);
    expectErrorEnvelope(assert, await coord.request('POST', '/api/session', { rawBody: '{"key":', headers: { 'content-type': 'application/json' } }), 400);
    expectErrorEnvelope(assert, await coord.request('PUT', '/api/session', {}), 405);
    // A cross-site form posts text/plain or form data: refused, no cookie.
    const form = await coord.request('POST', '/api/session',
                                     { rawBody: JSON.stringify({ key: admin }), headers: { 'content-type': 'text/plain' } });
    expectErrorEnvelope(assert, form, 415, { code: 'unsupported_media_type' });
    assert.equal(form.headers.get('set-cookie'), null);
  }));
});

describe('the cookie authenticates like the key', () => {
  let s;
  before(h.wrap(async () => {
    s = await signIn(coord, admin);
    assert.equal(s.res.status, 200, s.res.text);
  }));

  test('reads on /v1 and /api need no CSRF token', h.wrap(async () => {
    const models = await coord.get('/v1/models', undefined, { headers: withSession(s) });
    assert.equal(models.status, 200, models.text);
    assert.ok(models.json.data.some((m) => m.id === MODEL));
    const keys = await coord.get('/api/keys', undefined, { headers: withSession(s) });
    assert.equal(keys.status, 200, keys.text);
    const csv = await coord.get('/api/usage.csv', undefined, { headers: withSession(s) });
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type'), /text\/csv/);
  }));

  test('a state change without the CSRF token is refused with 403 csrf_token_invalid', h.wrap(async () => {
    const noToken = await coord.post('/api/keys', { name: 'no csrf' }, undefined, { headers: withSession(s) });
    expectErrorEnvelope(assert, noToken, 403, { code: 'csrf_token_invalid', type: 'invalid_request_error' });
    const wrong = await coord.post('/api/keys', { name: 'no csrf' }, undefined,
                                   { headers: { ...withSession(s), 'x-csrf-token': 'b'.repeat(32) } });
    expectErrorEnvelope(assert, wrong, 403, { code: 'csrf_token_invalid' });
    const chat = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
                                  undefined, { headers: withSession(s) });
    expectErrorEnvelope(assert, chat, 403, { code: 'csrf_token_invalid' });
    const keys = await coord.get('/api/keys', admin);
    assert.ok(!keys.json.data.some((k) => k.name === 'no csrf'), 'a refused call changed state');
  }));

  test('with the CSRF token a state change works, streaming chat included', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'made by session' }, undefined,
                                  { headers: withSession(s, { csrf: true }) });
    assert.equal(made.status, 201, made.text);
    const res = await coord.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { ...withSession(s, { csrf: true }), 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hello stream' }] }),
    });
    assert.equal(res.status, 200);
    let text = '';
    for await (const event of sseEvents(res)) text += event.json?.choices?.[0]?.delta?.content ?? '';
    assert.ok(text.length > 0, 'no streamed content');
  }));

  test('a bearer key needs no CSRF token, even next to a cookie', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'bearer beside cookie' }, admin,
                                  { headers: { cookie: 'potluck_session=not-a-session' } });
    assert.equal(made.status, 201, made.text);
  }));
});

describe('ending a session', () => {
  test('sign-out needs the CSRF token, then expires the cookie and ends the session', h.wrap(async () => {
    const s = await signIn(coord, admin);
    const refused = await coord.request('DELETE', '/api/session', { headers: withSession(s) });
    expectErrorEnvelope(assert, refused, 403, { code: 'csrf_token_invalid' });
    assert.equal((await coord.get('/api/session', undefined, { headers: withSession(s) })).status, 200);
    const out = await coord.request('DELETE', '/api/session', { headers: withSession(s, { csrf: true }) });
    assert.equal(out.status, 204, out.text);
    assert.match(out.headers.get('set-cookie'), /^potluck_session=; .*Max-Age=0/);
    expectErrorEnvelope(assert, await coord.get('/api/session', undefined, { headers: withSession(s) }), 401);
    expectErrorEnvelope(assert, await coord.get('/api/keys', undefined, { headers: withSession(s) }), 401);
  }));

  test("revoking the session's key ends the session on its next request", h.wrap(async () => {
    const member = await coord.memberKey('member@example.test');
    const s = await signIn(coord, member);
    assert.equal(s.res.status, 200, s.res.text);
    assert.equal((await coord.get('/api/keys', undefined, { headers: withSession(s) })).status, 200);
    const id = member.split('_')[1];
    assert.equal((await coord.request('DELETE', `/api/keys/${id}`, { key: admin })).status, 404,
                 "an admin's key list is their own");
    const revoke = await coord.request('DELETE', `/api/keys/${id}`, { key: member });
    assert.equal(revoke.status, 200, revoke.text);
    const after = await coord.get('/api/keys', undefined, { headers: withSession(s) });
    const e = expectErrorEnvelope(assert, after, 401);
    assert.match(e.message, /revoked/);
    expectErrorEnvelope(assert, await coord.get('/api/session', undefined, { headers: withSession(s) }), 401);
  }));

  test('no session id is written to the data directory', h.wrap(async () => {
    const s = await signIn(coord, admin);
    const id = s.cookie.split('=')[1];
    await coord.settle();
    for (const name of readdirSync(coord.dataDir)) {
      const bytes = readFileSync(path.join(coord.dataDir, name));
      assert.ok(!bytes.includes(id), `${name} holds a session id`);
    }
  }));
});

describe('settings', () => {
  test('--max-sessions bounds the sessions held: the oldest is signed out', h.wrap(async () => {
    const c = await h.startCoordinator({ name: 'capped', args: ['--max-sessions', '2'] });
    const key = await c.adminKey();
    const first = await signIn(c, key);
    const second = await signIn(c, key);
    const third = await signIn(c, key);
    for (const s of [first, second, third]) assert.equal(s.res.status, 200, s.res.text);
    expectErrorEnvelope(assert, await c.get('/api/session', undefined, { headers: withSession(first) }), 401);
    assert.equal((await c.get('/api/session', undefined, { headers: withSession(second) })).status, 200);
    assert.equal((await c.get('/api/session', undefined, { headers: withSession(third) })).status, 200);
  }));

  test('--max-sessions-per-user: a user past it loses their oldest session, nobody else does', h.wrap(async () => {
    const c = await h.startCoordinator({ name: 'per-user', args: ['--max-sessions-per-user', '2'] });
    const key = await c.adminKey();
    const other = await signIn(c, await c.memberKey());
    const first = await signIn(c, key);
    const second = await signIn(c, key);
    const third = await signIn(c, key);
    for (const s of [other, first, second, third]) assert.equal(s.res.status, 200, s.res.text);
    expectErrorEnvelope(assert, await c.get('/api/session', undefined, { headers: withSession(first) }), 401);
    for (const s of [other, second, third])
      assert.equal((await c.get('/api/session', undefined, { headers: withSession(s) })).status, 200);
  }));

  test('--secure-cookies marks the cookie Secure', h.wrap(async () => {
    const c = await h.startCoordinator({ name: 'secure', args: ['--secure-cookies'] });
    const s = await signIn(c, await c.adminKey());
    assert.equal(s.res.status, 200, s.res.text);
    assert.match(s.setCookie, /; Secure/);
    assert.match(s.setCookie, /; HttpOnly/);
  }));
});
