// API keys: `potluck keys create|list|revoke` over the API, /api/keys
// directly, revocation taking effect on the very next request, and a user
// never reaching another user's keys. Also `potluck chat` end to end.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope } from '../lib/harness.mjs';

const h = useHarness('keys');
const MODEL = 'fake-model';
let coord, upstream, alice, bob;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  alice = await coord.memberKey('alice@example.test', 'alice first');
  bob = await coord.memberKey('bob@example.test', 'bob first');
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(alice, MODEL);
}));

const cli = (args, key, env = {}) => h.potluck([...args, '--coordinator', coord.url, '--key', key], { env });
const chat = (content) => ({ model: MODEL, messages: [{ role: 'user', content }] });

function createdKey(stdout) {
  const lines = stdout.trim().split('\n');
  const secret = lines[lines.length - 1].trim();
  const id = stdout.match(/created key (\S+)/)?.[1];
  return { secret, id };
}

describe('potluck keys (CLI)', () => {
  let made;

  test('create prints the new key alone on the last line, and it works', h.wrap(async () => {
    const r = await cli(['keys', 'create', '--name', 'ci-key'], alice);
    assert.equal(r.code, 0, r.stderr);
    made = createdKey(r.stdout);
    assert.match(made.secret, /^pl_[A-Za-z0-9]+_[A-Za-z0-9]+$/);
    assert.ok(made.id, `no key id in: ${r.stdout}`);
    assert.ok(made.secret.includes(made.id), 'the key id is part of the key');
    const models = await coord.get('/v1/models', made.secret);
    assert.equal(models.status, 200);
    const c = await coord.post('/v1/chat/completions', chat('new key'), made.secret);
    assert.equal(c.status, 200, c.text);
  }));

  test('list shows the keys by id and name, never a secret', h.wrap(async () => {
    const r = await cli(['keys', 'list'], alice);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(made.id), r.stdout);
    assert.ok(r.stdout.includes('ci-key'), r.stdout);
    assert.ok(r.stdout.includes('alice first'), r.stdout);
    assert.ok(!r.stdout.includes(made.secret), 'list printed a secret');
    assert.ok(!r.stdout.includes(alice), 'list printed a secret');
    assert.ok(!r.stdout.includes('bob first'), "list shows another user's key");
  }));

  test('the CLI takes the coordinator and key from the environment', h.wrap(async () => {
    const r = await h.potluck(['keys', 'list'], { env: { POTLUCK_COORDINATOR: coord.url, POTLUCK_API_KEY: alice } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(made.id));
  }));

  test('revoke takes effect on the very next request', h.wrap(async () => {
    // Used just before: any cache of the key is warm.
    assert.equal((await coord.get('/v1/models', made.secret)).status, 200);
    const r = await cli(['keys', 'revoke', made.id], alice);
    assert.equal(r.code, 0, r.stderr);
    const after = await coord.post('/v1/chat/completions', chat('revoked'), made.secret);
    expectErrorEnvelope(assert, after, 401, { type: 'authentication_error' });
    const models = await coord.get('/v1/models', made.secret);
    expectErrorEnvelope(assert, models, 401);
    // The revoking key itself still works, and the list shows the revocation.
    const list = await coord.get('/api/keys', alice);
    assert.equal(list.status, 200);
    const row = list.json.data.find((k) => k.id === made.id);
    assert.ok(row, 'revoked key still listed');
    assert.ok(row.revoked_at, 'revoked_at is set');
  }));

  test('a revoked key cannot use the CLI', h.wrap(async () => {
    const r = await cli(['keys', 'list'], made.secret);
    assert.notEqual(r.code, 0);
  }));

  test('revoking an unknown key fails with a non-zero exit', h.wrap(async () => {
    const r = await cli(['keys', 'revoke', 'nosuchkey000'], alice);
    assert.notEqual(r.code, 0);
  }));
});

describe('/api/keys', () => {
  test('create, list, use, revoke, refused', h.wrap(async () => {
    const created = await coord.post('/api/keys', { name: 'api-made' }, alice);
    assert.equal(created.status, 201, created.text);
    const { id, key } = created.json;
    assert.equal(typeof id, 'string');
    assert.match(key, /^pl_/);
    assert.equal(created.json.name, 'api-made');

    const list = await coord.get('/api/keys', alice);
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.json.data));
    const row = list.json.data.find((k) => k.id === id);
    assert.ok(row);
    assert.equal(row.name, 'api-made');
    assert.ok(!JSON.stringify(list.json).includes(key), 'the list shows a secret');

    // Warm the key on a kept-alive connection, revoke it, and use it at once.
    assert.equal((await coord.post('/v1/chat/completions', chat('before'), key)).status, 200);
    const del = await coord.request('DELETE', `/api/keys/${id}`, { key: alice });
    assert.equal(del.status, 200, del.text);
    const refused = await coord.post('/v1/chat/completions', chat('after'), key);
    expectErrorEnvelope(assert, refused, 401);
  }));

  test('a key can revoke itself, and is refused right after', h.wrap(async () => {
    const created = await coord.post('/api/keys', { name: 'self' }, alice);
    const { id, key } = created.json;
    const del = await coord.request('DELETE', `/api/keys/${id}`, { key });
    assert.equal(del.status, 200, del.text);
    expectErrorEnvelope(assert, await coord.get('/api/keys', key), 401);
  }));

  test("a user can neither see nor revoke another user's keys", h.wrap(async () => {
    const created = await coord.post('/api/keys', { name: 'alice private' }, alice);
    const { id, key } = created.json;
    const bobList = await coord.get('/api/keys', bob);
    assert.equal(bobList.status, 200);
    assert.ok(!bobList.json.data.some((k) => k.id === id), "bob sees alice's key");
    const del = await coord.request('DELETE', `/api/keys/${id}`, { key: bob });
    assert.ok([403, 404].includes(del.status), `bob revoking alice's key: ${del.status} ${del.text}`);
    assert.equal((await coord.get('/v1/models', key)).status, 200, "alice's key must still work");
  }));

  test('no key: 401', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.get('/api/keys'), 401);
    expectErrorEnvelope(assert, await coord.post('/api/keys', { name: 'x' }), 401);
  }));

  test('a bad body: 400', h.wrap(async () => {
    const r = await coord.request('POST', '/api/keys', {
      key: alice,
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, r, 400);
  }));
});

describe('potluck chat (CLI)', () => {
  test('streams the answer to stdout', h.wrap(async () => {
    const r = await cli(['chat', '-m', MODEL, 'hello from the cli'], alice);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('echo: hello from the cli'), r.stdout);
  }));

  test('the first chat says who sees the prompt; later ones do not', h.wrap(async () => {
    const env = { XDG_CONFIG_HOME: h.dir('chat-config') };
    const first = await cli(['chat', '-m', MODEL, 'first time'], alice, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /reads its prompt in clear/);
    assert.match(first.stderr, /private cluster keeps its jobs/);
    const second = await cli(['chat', '-m', MODEL, 'second time'], alice, env);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /reads its prompt in clear/);
  }));

  test('an unknown model: non-zero exit and a message', h.wrap(async () => {
    const r = await cli(['chat', '-m', 'no-such-model', 'x'], alice);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.length > 0);
  }));
});
