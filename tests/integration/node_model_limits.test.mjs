// Model lists a node sends are bounded (issue 14, node identity): a real node
// whose engine lists more models than the coordinator takes, or ids it would
// refuse, drops them and still connects; status frames that change a node's
// model list are paced, so a burst of them causes a handful of record writes
// and the last list sent is the one that holds; a model no node offers any
// longer is forgotten after --known-model-ttl-h.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useHarness, waitFor, randomToken, expectErrorEnvelope } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('node-model-limits');
const MAX_MODELS = 256;
let coord, admin;
const fakeNodes = [];

before(h.wrap(async () => {
  coord = await h.startCoordinator({
    logLevel: 'info',
    args: ['--node-status-interval-ms', '1000', '--known-model-ttl-h', '0', '--max-node-jobs', '16'],
  });
  admin = await coord.adminKey();
}));

after(() => {
  for (const n of fakeNodes) n.terminate();
});

async function fakeNode(models) {
  const n = await connectNode(coord.url, await coord.nodeToken(`fake ${randomToken(4)}`));
  fakeNodes.push(n);
  await n.hello({ models });
  return n;
}

const offer = (id) => ({ id, context: 4096, owned_by: 'fake-node' });
const writes = async () => (await coord.metrics()).potluck_node_record_writes_total;
const log = (proc) => proc.stdout() + proc.stderr();

describe('a node whose engine lists models the coordinator would refuse', () => {
  test('drops them, keeps the first 256, and connects', h.wrap(async () => {
    const prefix = `many-${randomToken(4)}-`;
    const listed = Array.from({ length: 300 }, (_, i) => `${prefix}${i}`);
    const tooLong = `${prefix}${'x'.repeat(200)}`;
    const escape = `${prefix}evil\x1b[31m`;
    const upstream = await h.startUpstream({ models: [tooLong, escape, ...listed], name: 'many-models' });
    const node = await h.startNode({ coordinator: coord, upstream, logLevel: 'info', name: 'many-models-node' });

    const offered = await waitFor(async () => {
      const ids = (await coord.models(admin)).filter((id) => id.startsWith(prefix));
      return ids.length > 0 ? ids : null;
    }, { what: 'the node\'s models to be listed' });
    assert.equal(offered.length, MAX_MODELS);
    assert.deepEqual(new Set(offered), new Set(listed.slice(0, MAX_MODELS)), 'the engine\'s first 256 valid ids');

    // One chat to a kept model proves the node is serving, not just listed.
    const r = await coord.post('/v1/chat/completions',
      { model: listed[0], messages: [{ role: 'user', content: 'hi' }] }, admin);
    assert.equal(r.status, 200, r.text);

    const nodeLog = log(node);
    assert.match(nodeLog, /lists 302 models; offering 256: 2 dropped for an id the coordinator refuses/);
    assert.match(nodeLog, /44 dropped past the first 256/);
    assert.ok(!nodeLog.includes('\x1b'), 'an id with a control character reached the node\'s log');
    assert.ok(!log(coord.proc).includes('\x1b'));
    assert.doesNotMatch(log(coord.proc), /malformed frame/, 'the coordinator refused a frame of the node');
  }));
});

describe('status frames that change the model list', () => {
  test('a burst of 200 causes a few record writes and the last list holds', h.wrap(async () => {
    const a = `pace-a-${randomToken(4)}`;
    const b = `pace-b-${randomToken(4)}`;
    const n = await fakeNode([offer(a)]);
    const before = await writes();

    // One message: the coordinator handles all 200 at one moment, so the
    // count below does not depend on how fast the test sends.
    const burst = Array.from({ length: 200 }, (_, i) => ({
      type: 'status', in_flight: 0, draining: false, models: [offer(i % 2 ? b : a)],
    }));
    n.send(burst);

    const row = await waitFor(async () => {
      const [r] = await coord.query(`SELECT models FROM nodes WHERE id = '${n.nodeId}'`);
      return r && JSON.parse(r.models)[0] === b ? r : null;
    }, { what: 'the node record to hold the last list sent' });
    assert.deepEqual(JSON.parse(row.models), [b]);
    const made = (await writes()) - before;
    assert.ok(made >= 1 && made <= 2, `${made} node record writes for 200 model-list changes`);

    const listed = await coord.models(admin);
    assert.ok(listed.includes(b), 'the last list is offered');
    assert.ok(!listed.includes(a), 'an earlier list is not');
    assert.ok(n.open, 'the link stays open');
  }));

  test('a draining status and a paced model change sent together both take effect', h.wrap(async () => {
    const model = `drain-${randomToken(4)}`;
    const n = await fakeNode([offer(model)]);
    n.send([{ type: 'status', in_flight: 0, draining: false, models: [offer(model), offer(`${model}-2`)] },
      { type: 'status', in_flight: 0, draining: true }]);
    const node = await waitFor(async () => {
      const r = await coord.get('/api/nodes', admin);
      const entry = r.json.data.find((x) => x.id === n.nodeId);
      return entry?.state === 'draining' && entry.models.length === 2 ? entry : null;
    }, { what: 'the node to be draining with both models' });
    assert.deepEqual(node.models.map((m) => m.id), [model, `${model}-2`]);
    assert.ok(n.open);
  }));
});

describe('known models', () => {
  test('a model no node offers any longer is forgotten after the TTL (0 here)', h.wrap(async () => {
    const model = `forgotten-${randomToken(4)}`;
    const n = await fakeNode([offer(model)]);
    await coord.waitForModel(admin, model);
    await n.close();
    await coord.waitForModel(admin, model, { present: false });
    const r = await coord.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, admin);
    expectErrorEnvelope(assert, r, 404, { code: 'model_not_found' });
  }));
});

describe('a node that declares a huge capacity', () => {
  test('its max_jobs is clamped to --max-node-jobs', h.wrap(async () => {
    const n = await connectNode(coord.url, await coord.nodeToken(`greedy ${randomToken(4)}`));
    fakeNodes.push(n);
    const nodeId = `node_greedy_${randomToken(6)}`;
    await n.hello({ nodeId, models: [offer(`greedy-${randomToken(4)}`)], maxJobs: 1_000_000 });
    const listed = await waitFor(async () => (await coord.get('/api/nodes', admin)).json.data.find((x) => x.id === nodeId),
      { what: 'the greedy node to be listed' });
    assert.equal(listed.max_jobs, 16);
    await waitFor(() => /declared max_jobs 1000000; clamped to --max-node-jobs 16/.test(log(coord.proc)),
      { what: 'the clamp to be logged' });
  }));
});
