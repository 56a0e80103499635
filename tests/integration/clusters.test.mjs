// Private clusters over HTTP and the CLI: create (duplicate names 409),
// invite codes, join, members and roles, leave, removal by the owner, the
// refusals (outsiders 404, a member acting as owner 403, spent or expired
// codes 410), keys bound to a cluster, cluster and public-pool node tokens
// (revoking one disconnects its node), and the audit rows of each change.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, randomToken, waitFor } from '../lib/harness.mjs';

const h = useHarness('clusters');
let coord, alice, bob, carol, dave, ids;
let clusterId;

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  [alice, bob, carol, dave] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((who) => coord.memberKey(`${who}-${randomToken(3)}@example.test`)));
  ids = {};
  for (const [who, key] of Object.entries({ alice, bob, carol, dave }))
    ids[who] = (await coord.get('/api/me', key)).json.user.id;
}));

const cli = (args, key) => h.potluck([...args, '--coordinator', coord.url, '--key', key]);
const lastLine = (stdout) => stdout.trim().split('\n').pop().trim();
const path = (...parts) => ['/api/clusters', ...parts].join('/');

async function invite(key, id, body = {}) {
  const r = await coord.post(path(id, 'invites'), body, key);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

function sqliteWrite(sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', [coord.dbPath, sql], (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve()));
  });
}

async function auditCount(action, where = '1=1') {
  const [row] = await coord.query(`SELECT count(*) AS n FROM audit_log WHERE action = '${action}' AND ${where}`);
  return row.n;
}

describe('a cluster from creation to removal', () => {
  test('`potluck cluster create` prints the id last; the name is unique', h.wrap(async () => {
    const name = `team-${randomToken(3)}`;
    const r = await cli(['cluster', 'create', name], alice);
    assert.equal(r.code, 0, r.stderr);
    clusterId = lastLine(r.stdout);
    assert.match(clusterId, /^cl_/);
    const dup = await coord.post('/api/clusters', { name }, bob);
    expectErrorEnvelope(assert, dup, 409);
    expectErrorEnvelope(assert, await coord.post('/api/clusters', { name: 'bad/name' }, bob), 400);
    expectErrorEnvelope(assert, await coord.post('/api/clusters', {}, bob), 400);
    const list = await coord.get('/api/clusters', alice);
    assert.deepEqual(list.json.data, [{ id: clusterId, name, role: 'owner' }]);
    assert.equal(await auditCount('cluster.created', `subject_id = '${clusterId}'`), 1);
  }));

  test('the owner invites with the CLI; bob joins with the CLI and sees the members', h.wrap(async () => {
    const inv = await cli(['cluster', 'invite', clusterId, '--max-uses', '3'], alice);
    assert.equal(inv.code, 0, inv.stderr);
    const code = lastLine(inv.stdout);
    assert.match(code, /^pli_/);
    const joined = await cli(['cluster', 'join', code], bob);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, new RegExp(clusterId));
    const shown = await coord.get(path(clusterId), bob);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.role, 'member');
    assert.deepEqual(shown.json.members.map((m) => [m.user_id, m.role]),
      [[ids.alice, 'owner'], [ids.bob, 'member']]);
    const showCli = await cli(['cluster', 'show', clusterId], bob);
    assert.equal(showCli.code, 0, showCli.stderr);
    assert.ok(showCli.stdout.includes(ids.alice) && showCli.stdout.includes(ids.bob), showCli.stdout);
    const me = await coord.get('/api/me', bob);
    assert.deepEqual(me.json.clusters.map((c) => [c.id, c.role]), [[clusterId, 'member']]);
    // Joining again: 409, and the code keeps its use.
    expectErrorEnvelope(assert, await coord.post(path('join'), { code }, bob), 409);
    const listed = await coord.get(path(clusterId, 'invites'), alice);
    assert.equal(listed.json.data[0].uses, 1);
    assert.ok(!listed.text.includes(code));
    assert.equal(await auditCount('cluster.member_joined', `subject_id = '${ids.bob}' AND cluster_id = '${clusterId}'`), 1);
    assert.equal(await auditCount('invite.used', `actor_id = '${ids.bob}'`), 1);
  }));

  test('outsiders get 404 for the cluster and everything under it', h.wrap(async () => {
    for (const [method, p] of [
      ['GET', path(clusterId)],
      ['GET', path(clusterId, 'invites')],
      ['POST', path(clusterId, 'invites')],
      ['POST', path(clusterId, 'leave')],
      ['DELETE', path(clusterId, 'members', ids.bob)],
      ['GET', path(clusterId, 'node-tokens')],
    ]) {
      const r = await coord.request(method, p, { key: carol, body: method === 'POST' ? {} : undefined });
      expectErrorEnvelope(assert, r, 404);
    }
    expectErrorEnvelope(assert, await coord.get(path('cl_nosuchcluster00'), alice), 404);
    const list = await coord.get('/api/clusters', carol);
    assert.deepEqual(list.json.data, []);
  }));

  test('a member acting as owner gets 403', h.wrap(async () => {
    for (const [method, p] of [
      ['POST', path(clusterId, 'invites')],
      ['GET', path(clusterId, 'invites')],
      ['DELETE', path(clusterId, 'members', ids.alice)],
      ['DELETE', path(clusterId, 'invites', 'anyinvite')],
      ['POST', path(clusterId, 'node-tokens')],
      ['GET', path(clusterId, 'node-tokens')],
    ]) {
      const r = await coord.request(method, p, { key: bob, body: method === 'POST' ? {} : undefined });
      expectErrorEnvelope(assert, r, 403);
    }
    const r = await cli(['cluster', 'invite', clusterId], bob);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /owner/);
  }));

  test('a key bound to the cluster, for members only', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'team key', cluster: clusterId }, bob);
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.cluster, clusterId);
    const me = await coord.get('/api/me', made.json.key);
    assert.equal(me.json.key.cluster, clusterId);
    const list = await coord.get('/api/keys', bob);
    assert.equal(list.json.data.find((k) => k.id === made.json.id).cluster, clusterId);
    expectErrorEnvelope(assert, await coord.post('/api/keys', { name: 'x', cluster: clusterId }, carol), 404);
    const viaCli = await cli(['keys', 'create', '--name', 'cli team key', '--cluster', clusterId], alice);
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.match(viaCli.stdout, new RegExp(`cluster ${clusterId}`));
  }));

  test('bob leaves; the owner cannot', h.wrap(async () => {
    const left = await cli(['cluster', 'leave', clusterId], bob);
    assert.equal(left.code, 0, left.stderr);
    expectErrorEnvelope(assert, await coord.get(path(clusterId), bob), 404);
    const owner = await coord.post(path(clusterId, 'leave'), {}, alice);
    const e = expectErrorEnvelope(assert, owner, 409);
    assert.match(e.message, /owner/);
    expectErrorEnvelope(assert, await coord.request('DELETE', path(clusterId, 'members', ids.alice), { key: alice }), 409);
    assert.equal(await auditCount('cluster.member_left', `subject_id = '${ids.bob}'`), 1);
  }));

  test('the owner removes carol; a used-up code is then 410', h.wrap(async () => {
    const inv = await invite(alice, clusterId, { max_uses: 1 });
    assert.equal((await coord.post(path('join'), { code: inv.code }, carol)).status, 200);
    expectErrorEnvelope(assert, await coord.request('DELETE', path(clusterId, 'members', ids.dave), { key: alice }), 404);
    const removed = await cli(['cluster', 'remove', clusterId, ids.carol], alice);
    assert.equal(removed.code, 0, removed.stderr);
    expectErrorEnvelope(assert, await coord.get(path(clusterId), carol), 404);
    const spent = await coord.post(path('join'), { code: inv.code }, dave);
    const e = expectErrorEnvelope(assert, spent, 410);
    assert.match(e.message, /used up/);
    assert.equal(await auditCount('cluster.member_removed',
      `actor_id = '${ids.alice}' AND subject_id = '${ids.carol}'`), 1);
  }));

  test('expired, unknown, malformed and sign-up codes are refused', h.wrap(async () => {
    const inv = await invite(alice, clusterId, { max_uses: 5 });
    await sqliteWrite(`UPDATE invites SET expires_at = 1 WHERE id = '${inv.id}'`);
    const e = expectErrorEnvelope(assert, await coord.post(path('join'), { code: inv.code }, dave), 410);
    assert.match(e.message, /expired/);
    const unknown = `pli_${'c'.repeat(12)}_${'d'.repeat(40)}`;
    expectErrorEnvelope(assert, await coord.post(path('join'), { code: unknown }, dave), 404);
    expectErrorEnvelope(assert, await coord.post(path('join'), { code: 'pl_nonsense' }, dave), 400);
    const raw = await coord.request('POST', path('join'), {
      key: dave, rawBody: '[1,2', headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, raw, 400);
    const admin = await coord.adminKey();
    const platform = await coord.post('/api/invites', {}, admin);
    const wrongKind = await coord.post(path('join'), { code: platform.json.code }, dave);
    expectErrorEnvelope(assert, wrongKind, 400);
    const cliRun = await cli(['cluster', 'join', inv.code], dave);
    assert.notEqual(cliRun.code, 0);
    assert.match(cliRun.stderr, /expired/);
  }));

  test('the owner revokes a join code; members and platform admins cannot', h.wrap(async () => {
    const inv = await invite(alice, clusterId, { max_uses: 5 });
    const admin = await coord.adminKey();
    // The platform's invites are another scope: the cluster's code is not there.
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/invites/${inv.id}`, { key: admin }), 404);
    const r = await cli(['cluster', 'revoke-invite', clusterId, inv.id], alice);
    assert.equal(r.code, 0, r.stderr);
    const e = expectErrorEnvelope(assert, await coord.post(path('join'), { code: inv.code }, dave), 410);
    assert.match(e.message, /revoked/);
    expectErrorEnvelope(assert, await coord.request('DELETE', path(clusterId, 'invites', 'nosuchinvite'), { key: alice }), 404);
  }));

  test('sign-up with a cluster invite joins the cluster', h.wrap(async () => {
    const inv = await invite(alice, clusterId);
    const r = await h.potluck(['signup', '--coordinator', coord.url, '--invite', inv.code,
      '--email', `erin-${randomToken(3)}@example.test`]);
    assert.equal(r.code, 0, r.stderr);
    const key = lastLine(r.stdout);
    const me = await coord.get('/api/me', key);
    assert.deepEqual(me.json.clusters.map((c) => [c.id, c.role]), [[clusterId, 'member']]);
  }));
});

describe('node tokens', () => {
  test('cluster node tokens: owner only; revoking one disconnects its node', h.wrap(async () => {
    const made = await cli(['cluster', 'node-token', clusterId, '--name', 'rack 1'], alice);
    assert.equal(made.code, 0, made.stderr);
    const token = lastLine(made.stdout);
    assert.match(token, /^pln_/);
    const list = await coord.get(path(clusterId, 'node-tokens'), alice);
    assert.equal(list.status, 200);
    const row = list.json.data.find((t) => t.name === 'rack 1');
    assert.equal(row.cluster, clusterId);
    assert.ok(!list.text.includes(token));
    const [stored] = await coord.query(`SELECT cluster_id, owner_id FROM node_tokens WHERE id = '${row.id}'`);
    assert.deepEqual(stored, { cluster_id: clusterId, owner_id: ids.alice });

    const node = await h.startNode({ coordinator: coord, token, models: ['cluster-model'] });
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 1, { what: 'the node online' });
    const revoked = await cli(['cluster', 'revoke-token', clusterId, row.id], alice);
    assert.equal(revoked.code, 0, revoked.stderr);
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 0, { what: 'the node disconnected' });
    // It keeps trying, and is refused: the token is revoked.
    await waitFor(() => /refused the node token/.test(node.stderr() + node.stdout()), { what: 'the node to see the refusal' });
    assert.equal(await auditCount('node_token.revoked', `subject_id = '${row.id}' AND cluster_id = '${clusterId}'`), 1);
    await node.stop();
  }));

  test('public-pool tokens belong to their provider', h.wrap(async () => {
    const made = await cli(['node-tokens', 'create', '--name', 'home box'], carol);
    assert.equal(made.code, 0, made.stderr);
    const token = lastLine(made.stdout);
    assert.match(token, /^pln_/);
    const mine = await coord.get('/api/node-tokens', carol);
    const row = mine.json.data.find((t) => t.name === 'home box');
    assert.equal(row.cluster, null);
    const theirs = await coord.get('/api/node-tokens', dave);
    assert.ok(!theirs.json.data.some((t) => t.id === row.id), "dave sees carol's token");
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/node-tokens/${row.id}`, { key: dave }), 404);
    const listed = await cli(['node-tokens', 'list'], carol);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(row.id));
    const revoked = await cli(['node-tokens', 'revoke', row.id], carol);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await coord.get('/api/node-tokens', carol);
    assert.ok(after.json.data.find((t) => t.id === row.id).revoked_at);
    expectErrorEnvelope(assert, await coord.request('DELETE', '/api/node-tokens/nosuchtoken0', { key: carol }), 404);
    assert.equal(await auditCount('node_token.issued', `subject_id = '${row.id}'`), 1);
  }));
});
