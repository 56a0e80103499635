// A node survives its coordinator: the coordinator is stopped (SIGTERM) and
// started again on the same port and data dir, and the node reconnects on its
// own and serves again. Models offered once are remembered across restarts
// (503, not 404, while no node serves them), and a node keeps its identity.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, expectErrorEnvelope, freePort, waitFor } from '../lib/harness.mjs';

const h = useHarness('reconnect');
const MODEL = 'fake-model';
let upstream, port, dataDir, token, key, node, coord;

const chat = (content) => ({ model: MODEL, messages: [{ role: 'user', content }] });

async function startCoordinator() {
  // The port was free a moment ago; retry briefly in case the old socket lingers.
  let lastError;
  for (let i = 0; i < 20; i++) {
    try {
      return await h.startCoordinator({ port, dataDir });
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw lastError;
}

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  port = await freePort();
  dataDir = h.dir('serve-data');
  coord = await startCoordinator();
  key = await coord.adminKey();
  token = await coord.nodeToken();
  node = await h.startNode({ coordinator: coord, upstream, token });
  await coord.waitForModel(key, MODEL);
}));

test('the node serves through the first coordinator', h.wrap(async () => {
  const r = await coord.post('/v1/chat/completions', chat('first life'), key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, 'echo: first life');
}));

test('after a coordinator restart on the same port the node reconnects by itself', h.wrap(async () => {
  const exit = await coord.stop();
  assert.equal(exit.code, 0, `coordinator exit after SIGTERM: ${JSON.stringify(exit)}\n${coord.proc.tail()}`);
  assert.ok(!exit.forced, 'coordinator needed SIGKILL');
  assert.ok(node.running, 'the node must keep running while the coordinator is away');

  coord = await startCoordinator();
  await coord.waitForModel(key, MODEL); // the same key works: same data dir
  const r = await coord.post('/v1/chat/completions', chat('second life'), key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, 'echo: second life');
  const m = await coord.metrics();
  assert.equal(m.potluck_nodes_online, 1);
  assert.ok(m.potluck_node_connects_total >= 1);

  const nodes = await coord.query('SELECT id FROM nodes');
  assert.equal(nodes.length, 1, `one node, one identity: ${JSON.stringify(nodes)}`);
}));

test('a restarted coordinator remembers models: 503 while no node serves them', h.wrap(async () => {
  const exit = await node.stop();
  assert.equal(exit.code, 0, `node exit after SIGTERM: ${JSON.stringify(exit)}\n${node.tail()}`);
  await coord.waitForModel(key, MODEL, { present: false });
  let r = await coord.post('/v1/chat/completions', chat('nobody home'), key);
  expectErrorEnvelope(assert, r, 503);
  assert.ok(r.headers.get('retry-after'), 'Retry-After missing');

  await coord.stop();
  coord = await startCoordinator();
  r = await coord.post('/v1/chat/completions', chat('still nobody'), key);
  expectErrorEnvelope(assert, r, 503);
  assert.ok(r.headers.get('retry-after'), 'Retry-After missing');
}));

test('a node restarted with the same state dir keeps its node id', h.wrap(async () => {
  const before = await coord.query('SELECT id FROM nodes');
  node = await h.startNode({ coordinator: coord, upstream, token, stateDir: node.stateDir });
  await coord.waitForModel(key, MODEL);
  const r = await coord.post('/v1/chat/completions', chat('third life'), key);
  assert.equal(r.status, 200, r.text);
  const after = await waitFor(async () => {
    const rows = await coord.query('SELECT id, last_seen FROM nodes');
    return rows.length >= 1 ? rows : null;
  });
  assert.deepEqual(after.map((n) => n.id), before.map((n) => n.id));
}));
