// The audit log over HTTP and the CLI: who may read it, and `potluck audit
// verify` finding a row edited directly in the SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { useHarness, expectErrorEnvelope } from '../lib/harness.mjs';

const h = useHarness('audit');
let coord, admin, alice, bob;

// Writes to the coordinator's database as someone holding the file would.
const sqliteWrite = (db, sql) => promisify(execFile)('sqlite3', [db, sql]);

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  admin = await coord.adminKey('root@example.test');
  alice = await coord.memberKey('alice@example.test', 'alice first');
  bob = await coord.memberKey('bob@example.test', 'bob first');
  const made = await coord.post('/api/keys', { name: 'to revoke' }, alice);
  assert.equal(made.status, 201, made.text);
  const revoked = await coord.request('DELETE', `/api/keys/${made.json.id}`, { key: alice });
  assert.equal(revoked.status, 200, revoked.text);
}));

const cli = (args, key) => h.potluck([...args, '--coordinator', coord.url, '--key', key]);

describe('GET /api/audit', () => {
  test('an admin reads every row, chained, with no secrets', h.wrap(async () => {
    const r = await coord.get('/api/audit?limit=1000', admin);
    assert.equal(r.status, 200, r.text);
    const actions = r.json.data.map((row) => row.action);
    for (const action of ['user.created', 'key.issued', 'key.revoked']) assert.ok(actions.includes(action), action);
    for (let i = 1; i < r.json.data.length; i++) {
      assert.equal(r.json.data[i].seq, r.json.data[i - 1].seq + 1);
      assert.equal(r.json.data[i].prev_sha256, r.json.data[i - 1].sha256);
    }
    for (const secret of [admin, alice, bob]) assert.ok(!r.text.includes(secret.split('_').pop()), 'a secret in the audit log');
    assert.ok(!r.text.includes('alice@example.test'), 'an email in the audit log');
  }));

  test('pages with after and limit', h.wrap(async () => {
    const first = await coord.get('/api/audit?limit=2', admin);
    assert.equal(first.json.data.length, 2);
    assert.equal(first.json.has_more, true);
    const next = await coord.get(`/api/audit?limit=2&after=${first.json.next_after}`, admin);
    assert.equal(next.json.data[0].seq, first.json.data[1].seq + 1);
  }));

  test('bad parameters are 400', h.wrap(async () => {
    for (const q of ['limit=0', 'limit=5000', 'limit=x', 'after=-1', 'after=%zz']) {
      expectErrorEnvelope(assert, await coord.get(`/api/audit?${q}`, admin), 400);
    }
  }));

  test('members, and an admin key without the admin scope, may not read the whole log', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.get('/api/audit', alice), 403);
    const weak = await coord.post('/api/keys', { name: 'weak', scopes: 'inference' }, admin);
    assert.equal(weak.status, 201, weak.text);
    expectErrorEnvelope(assert, await coord.get('/api/audit', weak.json.key), 403);
    expectErrorEnvelope(assert, await coord.get('/api/audit/verify', weak.json.key), 403);
    expectErrorEnvelope(assert, await coord.get('/api/audit/verify', alice), 403);
    expectErrorEnvelope(assert, await coord.get('/api/audit'), 401);
  }));

  test("a cluster's owner reads that cluster's rows; other members may not", h.wrap(async () => {
    const [aliceRow] = await coord.query("SELECT id FROM users WHERE email = 'alice@example.test'");
    await sqliteWrite(coord.dbPath,
      `INSERT INTO clusters (id, name, owner_id, created_at) VALUES ('cl_alice', 'alices', '${aliceRow.id}', 1);` +
      `INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES ('cl_alice', '${aliceRow.id}', 'owner', 1);`);
    const own = await coord.get('/api/audit?cluster=cl_alice', alice);
    assert.equal(own.status, 200, own.text);
    assert.ok(own.json.data.every((row) => row.cluster_id === 'cl_alice'));
    expectErrorEnvelope(assert, await coord.get('/api/audit?cluster=cl_alice', bob), 403);
    expectErrorEnvelope(assert, await coord.get('/api/audit?cluster=cl_nosuch', bob), 404);
    const asAdmin = await coord.get('/api/audit?cluster=cl_alice', admin);
    assert.equal(asAdmin.status, 200);
  }));

  test('other methods are 405', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.request('POST', '/api/audit', { key: admin, body: {} }), 405);
    expectErrorEnvelope(assert, await coord.request('DELETE', '/api/audit/verify', { key: admin }), 405);
  }));
});

describe('potluck audit (CLI)', () => {
  test('list prints the rows', h.wrap(async () => {
    const r = await cli(['audit', 'list', '--limit', '1000'], admin);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /user\.created/);
    assert.match(r.stdout, /key\.revoked/);
  }));

  test('list without rights fails with a message', h.wrap(async () => {
    const r = await cli(['audit', 'list'], alice);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /admin/);
  }));

  test('verify passes on an intact chain and fails at exactly the edited row', h.wrap(async () => {
    const intact = await coord.get('/api/audit/verify', admin);
    assert.equal(intact.status, 200, intact.text);
    assert.equal(intact.json.ok, true);
    assert.equal(intact.json.first_broken_seq, null);
    const ok = await cli(['audit', 'verify'], admin);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /intact/);

    // A row whose detail is not already '{}', so the edit changes it.
    const [target] = await coord.query("SELECT seq FROM audit_log WHERE action = 'key.issued' ORDER BY seq LIMIT 1 OFFSET 1");
    await sqliteWrite(coord.dbPath,
      `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{}' WHERE seq = ${target.seq};`);

    const broken = await coord.get('/api/audit/verify', admin);
    assert.equal(broken.json.ok, false);
    assert.equal(broken.json.first_broken_seq, target.seq);
    assert.equal(broken.json.row.seq, target.seq);
    assert.match(broken.json.reason, /digest/);
    const r = await cli(['audit', 'verify'], admin);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, new RegExp(`BROKEN at row ${target.seq}\\b`));
    assert.match(r.stdout, new RegExp(`^${target.seq}\\s+\\S+\\s+key\\.issued`, 'm'));
  }));
});
