// Accounts: invite-only sign-up (HTTP and `potluck signup`), admin-made users
// and platform invites, /api/me, and the refusals: spent and expired invites
// (410), unknown codes (404), malformed bodies (400), admin endpoints for
// members and for keys without the admin scope (403). Audit rows are read
// from the coordinator's SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, randomToken } from '../lib/harness.mjs';

const h = useHarness('accounts');
let coord, admin, member;

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  admin = await coord.adminKey();
  member = await coord.memberKey();
}));

const email = (who) => `${who}-${randomToken(4)}@example.test`;
const cli = (args, key) => h.potluck([...args, '--coordinator', coord.url, ...(key ? ['--key', key] : [])]);
const lastLine = (stdout) => stdout.trim().split('\n').pop().trim();

async function platformInvite(body = {}) {
  const r = await coord.post('/api/invites', body, admin);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** Writes to the coordinator's database (the test's way to age an invite). */
function sqliteWrite(sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', [coord.dbPath, sql], (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve()));
  });
}

describe('sign-up with a platform invite', () => {
  test('an admin mints a code shown once; the listing never shows it', h.wrap(async () => {
    const invite = await platformInvite({ max_uses: 3, expires_in_s: 3600 });
    assert.match(invite.code, /^pli_[a-z2-7]+_[a-z2-7]+$/);
    assert.ok(invite.code.includes(invite.id));
    assert.equal(invite.max_uses, 3);
    assert.equal(invite.cluster, null);
    const list = await coord.get('/api/invites', admin);
    assert.equal(list.status, 200);
    const row = list.json.data.find((i) => i.id === invite.id);
    assert.equal(row.state, 'active');
    assert.equal(row.uses, 0);
    assert.ok(!list.text.includes(invite.code), 'the listing shows a code');
    const [stored] = await coord.query(`SELECT sha256 FROM invites WHERE id = '${invite.id}'`);
    assert.equal(stored.sha256.length, 64, 'only a digest is stored');
  }));

  test('signup over HTTP returns a working member key once', h.wrap(async () => {
    const invite = await platformInvite();
    const who = email('http');
    const r = await coord.post('/api/signup', { invite: invite.code, email: who });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.email, who);
    assert.equal(r.json.user.role, 'member');
    assert.equal(r.json.cluster, null);
    assert.match(r.json.key.key, /^pl_/);
    const me = await coord.get('/api/me', r.json.key.key);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.id, r.json.user.id);
    assert.equal(me.json.key.id, r.json.key.id);
    assert.equal(me.json.key.scopes, 'inference exec account');
    assert.deepEqual(me.json.clusters, []);
    const audit = await coord.query(
      `SELECT action FROM audit_log WHERE actor_id = '${r.json.user.id}' ORDER BY seq`);
    assert.deepEqual(audit.map((a) => a.action), ['invite.used', 'user.created', 'key.issued']);
    const leaked = await coord.query(`SELECT count(*) AS n FROM audit_log WHERE detail LIKE '%${who}%'`);
    assert.equal(leaked[0].n, 0, 'an email in the audit log');
  }));

  test('`potluck signup` prints the key last', h.wrap(async () => {
    const invite = await platformInvite();
    const r = await cli(['signup', '--invite', invite.code, '--email', email('cli')]);
    assert.equal(r.code, 0, r.stderr);
    const key = lastLine(r.stdout);
    assert.match(key, /^pl_/);
    const who = await cli(['whoami'], key);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /role\s+member/);
    assert.match(who.stdout, /scopes\s+inference exec account/);
  }));

  test('a spent invite is refused with 410 and a clear message', h.wrap(async () => {
    const invite = await platformInvite({ max_uses: 1 });
    assert.equal((await coord.post('/api/signup', { invite: invite.code, email: email('first') })).status, 201);
    const r = await coord.post('/api/signup', { invite: invite.code, email: email('second') });
    const e = expectErrorEnvelope(assert, r, 410);
    assert.match(e.message, /used up/);
    const cliRun = await cli(['signup', '--invite', invite.code, '--email', email('third')]);
    assert.notEqual(cliRun.code, 0);
    assert.match(cliRun.stderr, /used up/);
  }));

  test('an expired invite is refused with 410 and is not spent', h.wrap(async () => {
    const invite = await platformInvite({ max_uses: 5 });
    await sqliteWrite(`UPDATE invites SET expires_at = 1 WHERE id = '${invite.id}'`);
    const r = await coord.post('/api/signup', { invite: invite.code, email: email('late') });
    const e = expectErrorEnvelope(assert, r, 410);
    assert.match(e.message, /expired/);
    const [row] = await coord.query(`SELECT uses FROM invites WHERE id = '${invite.id}'`);
    assert.equal(row.uses, 0);
    const list = await coord.get('/api/invites', admin);
    assert.equal(list.json.data.find((i) => i.id === invite.id).state, 'expired');
  }));

  test('`potluck invites revoke`: the code is refused from then on (410)', h.wrap(async () => {
    const invite = await platformInvite({ max_uses: 5 });
    const r = await cli(['invites', 'revoke', invite.id], admin);
    assert.equal(r.code, 0, r.stderr);
    const e = expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: invite.code, email: email('r') }), 410);
    assert.match(e.message, /revoked/);
    const list = await coord.get('/api/invites', admin);
    assert.equal(list.json.data.find((i) => i.id === invite.id).state, 'revoked');
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/invites/${invite.id}`, { key: member }), 403);
    expectErrorEnvelope(assert, await coord.request('DELETE', '/api/invites/nosuchinvite', { key: admin }), 404);
    const [row] = await coord.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'invite.revoked' AND subject_id = '${invite.id}'`);
    assert.equal(row.n, 1);
  }));

  test('unknown and malformed codes, a taken email, bad bodies', h.wrap(async () => {
    const invite = await platformInvite({ max_uses: 2 });
    const forged = invite.code.slice(0, -4) + (invite.code.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: forged, email: email('f') }), 404);
    const unknown = `pli_${'a'.repeat(12)}_${'b'.repeat(40)}`;
    expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: unknown, email: email('u') }), 404);
    expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: 'nonsense', email: email('m') }), 400);
    expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: invite.code, email: 'not-an-email' }), 400);
    expectErrorEnvelope(assert, await coord.post('/api/signup', { email: email('n') }), 400);
    const who = email('dup');
    assert.equal((await coord.post('/api/signup', { invite: invite.code, email: who })).status, 201);
    expectErrorEnvelope(assert, await coord.post('/api/signup', { invite: invite.code, email: who }), 409);
    const [row] = await coord.query(`SELECT uses FROM invites WHERE id = '${invite.id}'`);
    assert.equal(row.uses, 1, 'a failed sign-up spent a use');
    const raw = await coord.request('POST', '/api/signup', {
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, raw, 400);
    expectErrorEnvelope(assert, await coord.get('/api/signup'), 405);
  }));
});

describe('users (admin)', () => {
  test('an admin creates and lists users', h.wrap(async () => {
    const who = email('made');
    const r = await coord.post('/api/users', { email: who }, admin);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.role, 'member');
    assert.equal((await coord.get('/api/me', r.json.key.key)).status, 200);
    const made = await coord.post('/api/users', { email: email('boss'), admin: true }, admin);
    assert.equal(made.json.user.role, 'admin');
    assert.equal(made.json.key.scopes, 'inference exec account admin');
    const list = await coord.get('/api/users', admin);
    assert.equal(list.status, 200);
    assert.ok(list.json.data.some((u) => u.email === who));
    expectErrorEnvelope(assert, await coord.post('/api/users', { email: who }, admin), 409);
    expectErrorEnvelope(assert, await coord.post('/api/users', { email: email('x'), admin: 'yes' }, admin), 400);
    const [row] = await coord.query(
      `SELECT actor_id FROM audit_log WHERE action = 'user.created' AND subject_id = '${r.json.user.id}'`);
    const me = await coord.get('/api/me', admin);
    assert.equal(row.actor_id, me.json.user.id);
  }));

  test('the CLI creates and lists users and invites', h.wrap(async () => {
    const who = email('cliuser');
    const made = await cli(['users', 'create', '--email', who], admin);
    assert.equal(made.code, 0, made.stderr);
    assert.match(lastLine(made.stdout), /^pl_/);
    const list = await cli(['users', 'list'], admin);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(who));
    const inv = await cli(['invites', 'create', '--max-uses', '4', '--expires-in-s', '600'], admin);
    assert.equal(inv.code, 0, inv.stderr);
    const code = lastLine(inv.stdout);
    assert.match(code, /^pli_/);
    const invites = await cli(['invites', 'list'], admin);
    assert.equal(invites.code, 0, invites.stderr);
    assert.ok(invites.stdout.includes(code.split('_')[1]), invites.stdout);
    assert.ok(!invites.stdout.includes(code));
  }));

  test('members are refused the admin endpoints (403)', h.wrap(async () => {
    for (const [method, path, body] of [
      ['GET', '/api/users'],
      ['POST', '/api/users', { email: email('nope') }],
      ['GET', '/api/invites'],
      ['POST', '/api/invites', {}],
    ]) {
      const r = await coord.request(method, path, { key: member, body });
      const e = expectErrorEnvelope(assert, r, 403);
      assert.match(e.message, /admin/);
    }
    const r = await cli(['users', 'list'], member);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /403/);
  }));

  test("an admin's key without the admin scope is refused (403)", h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'narrow', scopes: 'inference' }, admin);
    assert.equal(made.status, 201, made.text);
    const e = expectErrorEnvelope(assert, await coord.get('/api/users', made.json.key), 403);
    assert.match(e.message, /scope/);
    // The same key holds no exec scope either, and no admin grants through it.
    expectErrorEnvelope(assert, await coord.post('/api/keys', { scopes: 'admin' }, made.json.key), 403);
  }));

  test('a key without the inference scope gets 403 on completions', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'exec only', scopes: 'exec' }, member);
    const r = await coord.post('/v1/chat/completions',
      { model: 'any', messages: [{ role: 'user', content: 'hi' }] }, made.json.key);
    expectErrorEnvelope(assert, r, 403);
  }));

  test('a key without the account scope cannot manage the account (403); the first key can', h.wrap(async () => {
    const owner = await coord.memberKey();
    const program = await coord.post('/api/keys', { name: 'for a program', scopes: 'inference exec' }, owner);
    assert.equal(program.status, 201, program.text);
    assert.equal(program.json.scopes, 'inference exec');
    const key = program.json.key;
    const me = await coord.get('/api/me', owner);
    const cluster = await coord.post('/api/clusters', { name: `scoped-${Date.now()}` }, owner);
    assert.equal(cluster.status, 201, cluster.text);
    const clusterId = cluster.json.id;
    const refused = [
      ['POST', '/api/keys', { name: 'more' }],
      ['DELETE', `/api/keys/${me.json.key.id}`],
      ['POST', '/api/node-tokens', { name: 'box' }],
      ['POST', `/api/clusters/${clusterId}/node-tokens`, { name: 'rack' }],
      ['GET', '/api/me/export'],
      ['DELETE', '/api/me'],
    ];
    for (const [method, path, body] of refused) {
      const e = expectErrorEnvelope(assert, await coord.request(method, path, { key, body }), 403);
      assert.match(e.message, /account/, `${method} ${path}`);
    }
    const viaCli = await cli(['keys', 'create', '--name', 'x'], key);
    assert.notEqual(viaCli.code, 0);
    assert.match(viaCli.stderr, /403/);
    // Reading is not managing: the key still lists keys and serves its scopes.
    assert.equal((await coord.get('/api/keys', key)).status, 200);
    assert.equal((await coord.get('/api/me', owner)).status, 200, 'nothing was deleted');
    // The first key holds the scope and may pass it on.
    const manager = await coord.post('/api/keys', { name: 'manager', scopes: 'account' }, owner);
    assert.equal(manager.status, 201, manager.text);
    assert.equal((await coord.post('/api/node-tokens', { name: 'box' }, manager.json.key)).status, 201);
    assert.equal((await coord.get('/api/me/export', owner)).status, 200);
  }));

  test('no key: 401 everywhere but signup', h.wrap(async () => {
    for (const path of ['/api/me', '/api/users', '/api/invites', '/api/clusters', '/api/node-tokens'])
      expectErrorEnvelope(assert, await coord.get(path), 401);
  }));

  test('invite terms are bounded', h.wrap(async () => {
    for (const body of [{ max_uses: 0 }, { max_uses: 10001 }, { expires_in_s: -5 }, { max_uses: 1.5 },
      { expires_in_s: '60' }])
      expectErrorEnvelope(assert, await coord.post('/api/invites', body, admin), 400);
  }));
});
