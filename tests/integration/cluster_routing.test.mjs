// Private clusters in routing: a cluster's nodes serve only its members, an
// outsider neither sees their models nor reaches them (with or without naming
// the cluster), members' jobs inside their cluster are free, a key bound to a
// cluster routes there by default, and leaving the cluster ends access at once.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness, randomToken, waitFor } from '../lib/harness.mjs';

const h = useHarness('cluster-routing');
const PRIVATE = 'private-model';
const SHARED = 'shared-model';
let coord, upPrivate, upPublic, admin, alice, bob, carol, clusterId, clusterNode, publicNode;

const chat = (model, content, extra = {}) => ({ model, max_tokens: 20, messages: [{ role: 'user', content }], ...extra });

async function nodeIdOf(name) {
  const [row] = await coord.query(`SELECT id FROM nodes WHERE name = '${name}'`);
  return row.id;
}

async function lastEvent() {
  await coord.settle();
  const [event] = await coord.query('SELECT * FROM usage_events ORDER BY id DESC LIMIT 1');
  return event;
}

before(h.wrap(async () => {
  upPrivate = await h.startUpstream({ models: [PRIVATE, SHARED], name: 'up-private' });
  upPublic = await h.startUpstream({ models: [SHARED], name: 'up-public' });
  coord = await h.startCoordinator();
  admin = await coord.adminKey();
  [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((who) => coord.memberKey(`${who}-${randomToken(3)}@example.test`)));
  const cluster = await coord.makeCluster(alice, [carol]);
  clusterId = cluster.id;
  // The cluster's node asks a price; inside the cluster it is never charged.
  clusterNode = await h.startNode({
    coordinator: coord, upstream: upPrivate, token: cluster.nodeToken, name: 'lab-node', args: ['--price', '50:50'],
  });
  publicNode = await h.startNode({ coordinator: coord, upstream: upPublic, name: 'public-node' });
  await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'both nodes' });
  await coord.waitForModel(alice, PRIVATE);
}));

describe('cluster isolation', () => {
  test("an outsider's model list never shows a cluster's models; a member's does", h.wrap(async () => {
    assert.deepEqual((await coord.models(bob)).sort(), [SHARED]);
    assert.deepEqual((await coord.models(admin)).sort(), [SHARED], 'not even an admin outside the cluster');
    // A member sees each model once per placement that serves it: the shared
    // model in the public pool and in the cluster (owned_by names which).
    for (const member of [alice, carol]) {
      const list = await coord.get('/v1/models', member);
      assert.equal(list.status, 200, list.text);
      const placed = list.json.data.map((m) => `${m.id}@${m.owned_by === 'potluck' ? 'public' : 'cluster'}`).sort();
      assert.deepEqual(placed, [`${PRIVATE}@cluster`, `${SHARED}@cluster`, `${SHARED}@public`]);
    }
  }));

  test("an outsider's jobs never reach the cluster's nodes", h.wrap(async () => {
    await upPrivate.resetStats();
    const hidden = await coord.post('/v1/chat/completions', chat(PRIVATE, 'let me in'), bob);
    assert.equal(hidden.status, 404, hidden.text);
    const named = await coord.post('/v1/chat/completions', chat(SHARED, 'let me in', { cluster: clusterId }), bob);
    assert.equal(named.status, 403, named.text);
    assert.match(named.json.error.message, /not a member/);
    for (let i = 0; i < 6; i++) {
      const r = await coord.post('/v1/chat/completions', chat(SHARED, `outsider ${i}`), bob);
      assert.equal(r.status, 200, r.text);
      assert.equal((await lastEvent()).node_id, await nodeIdOf('public-node'));
    }
    assert.equal((await upPrivate.stats()).requests, 0, "the cluster's upstream saw an outsider's request");
  }));

  test("members' jobs in their cluster run on its nodes and are free", h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat(SHARED, 'inside', { cluster: clusterId }), carol);
    assert.equal(r.status, 200, r.text);
    const event = await lastEvent();
    assert.equal(event.node_id, await nodeIdOf('lab-node'));
    assert.equal(event.cluster_id, clusterId);
    assert.equal(event.cost, 0);
    const [row] = await coord.query(`SELECT count(*) AS n FROM ledger WHERE job_id = '${event.job_id}'`);
    assert.equal(row.n, 0, 'a cluster job touched the ledger');
    // Without the field, the same member's request goes to the public pool.
    const pub = await coord.post('/v1/chat/completions', chat(SHARED, 'outside'), carol);
    assert.equal(pub.status, 200, pub.text);
    assert.equal((await lastEvent()).node_id, await nodeIdOf('public-node'));
  }));

  test('a key bound to the cluster routes there; leaving the cluster ends it', h.wrap(async () => {
    const bound = await coord.post('/api/keys', { name: 'lab key', cluster: clusterId }, carol);
    assert.equal(bound.status, 201, bound.text);
    const key = bound.json.key;
    const r = await coord.post('/v1/chat/completions', chat(PRIVATE, 'bound'), key);
    assert.equal(r.status, 200, r.text);
    assert.equal((await lastEvent()).cluster_id, clusterId);
    const pub = await coord.post('/v1/chat/completions', chat(SHARED, 'explicitly public', { cluster: 'public' }), key);
    assert.equal(pub.status, 200, pub.text);
    assert.equal((await lastEvent()).node_id, await nodeIdOf('public-node'));

    const left = await coord.post(`/api/clusters/${clusterId}/leave`, {}, carol);
    assert.equal(left.status, 200, left.text);
    const refused = await coord.post('/v1/chat/completions', chat(PRIVATE, 'after leaving'), key);
    assert.equal(refused.status, 403, refused.text);
    assert.deepEqual((await coord.models(carol)).sort(), [SHARED]);
  }));

  test("GET /api/nodes shows a cluster's node to its members only", h.wrap(async () => {
    const names = async (key) => (await coord.get('/api/nodes', key)).json.data.map((n) => n.name).sort();
    assert.deepEqual(await names(alice), ['lab-node']);
    assert.deepEqual(await names(bob), []);
    assert.deepEqual(await names(admin), ['lab-node', 'public-node']);
  }));
});
