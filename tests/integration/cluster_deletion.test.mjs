// Deleting a private cluster (DELETE /api/clusters/{id}, `potluck cluster
// delete ID --yes`): owner only; its invites and node tokens are revoked, its
// node is disconnected at once and cannot come back, memberships, node
// records and the cluster's name are gone, usage rows lose the cluster's id,
// and it is audited. Isolation holds afterwards: the former members' keys see
// nothing of it. Past --audit-retention-days-after-delete its audit rows are
// pruned under a checkpoint and `potluck audit verify` still passes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { useHarness, expectErrorEnvelope, randomToken, rawHttp, waitFor } from '../lib/harness.mjs';

const h = useHarness('cluster-deletion');
const PRIVATE = 'private-model';
let coord, admin, alice, carol, bob, cluster, clusterName, inviteCode;

const cli = (args, key) => h.potluck([...args, '--coordinator', coord.url, '--key', key]);
const chat = (extra = {}) => ({ model: PRIVATE, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...extra });
const count = async (sql) => (await coord.query(sql))[0].n;

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  admin = await coord.adminKey();
  [alice, carol, bob] = await Promise.all(
    ['alice', 'carol', 'bob'].map((who) => coord.memberKey(`${who}-${randomToken(3)}@example.test`)));
  cluster = await coord.makeCluster(alice, [carol]);
  [{ name: clusterName }] = await coord.query(`SELECT name FROM clusters WHERE id = '${cluster.id}'`);
  inviteCode = (await coord.post(`/api/clusters/${cluster.id}/invites`, { max_uses: 5 }, alice)).json.code;
  await h.startNode({ coordinator: coord, token: cluster.nodeToken, models: [PRIVATE], name: 'lab-node' });
  await coord.waitForModel(carol, PRIVATE);
  const job = await coord.post('/v1/chat/completions', chat({ cluster: cluster.id }), carol);
  assert.equal(job.status, 200, job.text);
  await coord.settle();
  assert.equal(await count(`SELECT count(*) AS n FROM usage_events WHERE cluster_id = '${cluster.id}'`), 1);
  // A folded day of the cluster's, as retention would have left it.
  await promisify(execFile)('sqlite3', [coord.dbPath,
    "INSERT INTO usage_daily (day, cluster_id, model, kind, status, jobs, prompt_tokens, completion_tokens, " +
    `latency_ms_total, cost) VALUES ('2026-01-01', '${cluster.id}', '${PRIVATE}', 'chat', 'ok', 2, 1, 1, 1, 0)`]);
}));

describe('DELETE /api/clusters/{id}', () => {
  test('outsiders get 404, members 403, and the CLI refuses without --yes', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/clusters/${cluster.id}`, { key: bob }), 404);
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/clusters/${cluster.id}`, { key: carol }), 403);
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/clusters/${cluster.id}`, { key: admin }), 404);
    const unconfirmed = await cli(['cluster', 'delete', cluster.id], alice);
    assert.notEqual(unconfirmed.code, 0);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.equal((await coord.get(`/api/clusters/${cluster.id}`, carol)).status, 200, 'still there');
    assert.equal((await coord.metrics()).potluck_nodes_online, 1);
  }));

  test('the owner deletes it: node disconnected, tokens and invites revoked, rows erased, audited', h.wrap(async () => {
    const r = await cli(['cluster', 'delete', cluster.id, '--yes'], alice);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted cluster/);
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 0, { what: 'the node disconnected' });

    assert.equal(await count(`SELECT count(*) AS n FROM cluster_members WHERE cluster_id = '${cluster.id}'`), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM invites WHERE cluster_id = '${cluster.id}' AND revoked_at IS NULL`), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM node_tokens WHERE cluster_id = '${cluster.id}' AND (revoked_at IS NULL OR name <> '')`), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM nodes WHERE cluster_id = '${cluster.id}' OR name = 'lab-node'`), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM usage_events WHERE cluster_id = '${cluster.id}'`), 0);
    assert.equal(await count('SELECT count(*) AS n FROM usage_events'), 1, 'the usage row stays, anonymised');
    assert.equal(await count(`SELECT count(*) AS n FROM usage_daily WHERE cluster_id = '${cluster.id}'`), 0);
    assert.equal(await count(`SELECT sum(jobs) AS n FROM usage_daily WHERE cluster_id = ''`), 2);
    assert.equal(await count(`SELECT count(*) AS n FROM clusters WHERE name = '${clusterName}'`), 0);

    const audit = await coord.get(`/api/audit?cluster=${cluster.id}&limit=1000`, admin);
    assert.equal(audit.status, 200, audit.text);
    const row = audit.json.data.find((a) => a.action === 'cluster.deleted');
    assert.ok(row, audit.text);
    assert.equal(row.actor_id, (await coord.get('/api/me', alice)).json.user.id);
    assert.equal((await coord.get('/api/audit/verify', admin)).json.ok, true);
  }));

  test("isolation afterwards: the former members' keys see nothing of it", h.wrap(async () => {
    for (const key of [alice, carol]) {
      expectErrorEnvelope(assert, await coord.get(`/api/clusters/${cluster.id}`, key), 404);
      expectErrorEnvelope(assert, await coord.get(`/api/clusters/${cluster.id}/invites`, key), 404);
      expectErrorEnvelope(assert, await coord.get(`/api/audit?cluster=${cluster.id}`, key), 404);
      assert.deepEqual((await coord.get('/api/clusters', key)).json.data, []);
      assert.deepEqual((await coord.get('/api/me', key)).json.clusters, []);
      assert.ok(!(await coord.models(key)).includes(PRIVATE));
      const named = await coord.post('/v1/chat/completions', chat({ cluster: cluster.id }), key);
      assert.equal(named.status, 403, named.text);
      assert.deepEqual((await coord.get('/api/nodes', key)).json.data, []);
    }
    // The invite code no longer joins, and deleting again is 404.
    const join = await coord.post('/api/clusters/join', { code: inviteCode }, bob);
    assert.equal(join.status, 410, join.text);
    expectErrorEnvelope(assert, await coord.request('DELETE', `/api/clusters/${cluster.id}`, { key: alice }), 404);
    // The node token is refused: the node cannot come back.
    const connect = await rawHttp(coord.port,
      'GET /v1/nodes/connect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      `Authorization: Bearer ${cluster.nodeToken}\r\n\r\n`);
    assert.equal(connect.status, 401);
    assert.equal((await coord.metrics()).potluck_nodes_online, 0);
  }));

  test('the name is free again for a new cluster', h.wrap(async () => {
    const again = await coord.post('/api/clusters', { name: clusterName }, bob);
    assert.equal(again.status, 201, again.text);
  }));

  test('past --audit-retention-days-after-delete its audit rows are pruned under a checkpoint; verify still passes', h.wrap(async () => {
    const rows = await count(`SELECT count(*) AS n FROM audit_log WHERE cluster_id = '${cluster.id}'`);
    assert.ok(rows >= 5, `the cluster's trail: ${rows} rows`);
    // 91 days on, as the store sees it: the deletion time moved back.
    await coord.stop();
    await promisify(execFile)('sqlite3', [coord.dbPath,
      `UPDATE clusters SET deleted_at = deleted_at - 91 * 86400000 WHERE id = '${cluster.id}'`]);
    coord = await h.startCoordinator({ dataDir: coord.dataDir, name: 'after-retention' });
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM audit_log WHERE cluster_id = '${cluster.id}'`)) === 0,
      { what: "the deleted cluster's audit rows to be pruned" });
    const [checkpoint] = await coord.query("SELECT subject_id, detail FROM audit_log WHERE action = 'audit.pruned'");
    assert.equal(checkpoint.subject_id, cluster.id);
    assert.equal(JSON.parse(checkpoint.detail).rows_pruned, rows);

    const verified = await cli(['audit', 'verify'], admin);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, new RegExp(`audit chain intact: \\d+ rows \\(${rows} pruned by retention under 1 checkpoints\\)`));
    // A remaining row edited with the file in hand is still found.
    await promisify(execFile)('sqlite3', [coord.dbPath,
      "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET subject_id = 'forged' " +
      "WHERE seq = (SELECT min(seq) FROM audit_log WHERE action = 'user.created')"]);
    const broken = await cli(['audit', 'verify'], admin);
    assert.equal(broken.code, 2, broken.stdout + broken.stderr);
    assert.match(broken.stdout, /its contents do not match its digest/);
  }));
});
