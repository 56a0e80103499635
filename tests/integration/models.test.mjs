// GET /v1/models and GET /v1/models/{id} (issue 17, issue 20): one entry per
// model and placement, `owned_by` naming the placement ("potluck" for the
// public pool, the cluster's name in a cluster), `created` the time the model
// was first offered there (the same after a restart), and Potluck's fields:
// nodes_online, price, context_length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness, expectErrorEnvelope, freePort, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('models');

const entry = async (coord, key, id) => (await coord.get('/v1/models', key)).json.data.filter((m) => m.id === id);

test('public entries carry the placement, nodes online, price and context length', h.wrap(async () => {
  const coord = await h.startCoordinator({ name: 'public' });
  const key = await coord.adminKey();
  const price = { input: 2_000_000, output: 3_000_000 };
  const a = await connectNode(coord.url, await coord.nodeToken('a'));
  await a.hello({ models: [{ id: 'ctx-model', context: 8192, owned_by: 'engine', price }] });
  const b = await connectNode(coord.url, await coord.nodeToken('b'));
  await b.hello({ models: [{ id: 'ctx-model', context: 4096, owned_by: 'engine', price: { input: 1, output: 1 } }] });
  await waitFor(async () => (await entry(coord, key, 'ctx-model'))[0]?.nodes_online === 2, { what: 'two nodes' });
  const [m] = await entry(coord, key, 'ctx-model');
  assert.equal(m.object, 'model');
  assert.equal(m.owned_by, 'potluck');
  assert.equal(m.context_length, 4096, 'the smallest context a node serves');
  assert.deepEqual(m.price, price, 'the highest price: what a hold assumes');
  assert.ok(Number.isInteger(m.created) && m.created <= Date.now() / 1000);

  const one = await coord.get('/v1/models/ctx-model', key);
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(one.json, m);
}));

test('ids with "/" and ":" are retrieved, raw or percent-encoded; an unknown id is a 404 envelope', h.wrap(async () => {
  const coord = await h.startCoordinator({ name: 'ids' });
  const key = await coord.adminKey();
  const id = 'org/family:7b-q4';
  await h.startNode({ coordinator: coord, backend: 'mock', models: [id] });
  await coord.waitForModel(key, id);
  for (const path of [`/v1/models/${id}`, `/v1/models/${encodeURIComponent(id)}`]) {
    const r = await coord.get(path, key);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    assert.equal(r.json.id, id);
    assert.equal(r.json.owned_by, 'potluck');
    assert.equal(r.json.nodes_online, 1);
    assert.equal(r.json.context_length, 8192, "the mock's context");
  }
  expectErrorEnvelope(assert, await coord.get('/v1/models/org/nothing:here', key), 404,
    { type: 'not_found_error', code: 'model_not_found' });
  expectErrorEnvelope(assert, await coord.get('/v1/models/bad%zz', key), 400);
  expectErrorEnvelope(assert, await coord.get(`/v1/models/${id}`, 'pl_not_a_key'), 401);
}));

test("a cluster's model is owned_by the cluster's name, for members only", h.wrap(async () => {
  const coord = await h.startCoordinator({ name: 'cluster' });
  const owner = await coord.memberKey();
  const outsider = await coord.memberKey();
  const cluster = await coord.makeCluster(owner);
  const name = (await coord.get(`/api/clusters/${cluster.id}`, owner)).json.name;
  await h.startNode({ coordinator: coord, token: cluster.nodeToken, backend: 'mock', models: ['lab-model'] });
  await coord.waitForModel(owner, 'lab-model');
  const [m] = await entry(coord, owner, 'lab-model');
  assert.equal(m.owned_by, name);
  assert.deepEqual(m.price, { input: 0, output: 0 }, 'a cluster charges nothing');
  assert.equal((await coord.get('/v1/models/lab-model', owner)).json.owned_by, name);
  assert.deepEqual(await entry(coord, outsider, 'lab-model'), []);
  expectErrorEnvelope(assert, await coord.get('/v1/models/lab-model', outsider), 404);
}));

test('created is when the model was first seen, the same after a restart', h.wrap(async () => {
  const port = await freePort();
  const dataDir = h.dir('restart-data');
  let coord = await h.startCoordinator({ name: 'first', port, dataDir });
  const key = await coord.adminKey();
  const token = await coord.nodeToken();
  await h.startNode({ coordinator: coord, token, backend: 'mock', models: ['steady-model'] });
  await coord.waitForModel(key, 'steady-model');
  const [before] = await entry(coord, key, 'steady-model');
  // A restart within the same second would prove nothing.
  await waitFor(async () => Math.floor(Date.now() / 1000) > before.created + 1, { what: 'a later second' });
  await coord.stop();
  coord = await waitFor(() => h.startCoordinator({ name: 'second', port, dataDir }).catch(() => false),
    { what: 'the coordinator to restart on its port' });
  await coord.waitForModel(key, 'steady-model');
  const [after] = await entry(coord, key, 'steady-model');
  assert.equal(after.created, before.created);
}));
