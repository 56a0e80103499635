// A node that inflates its usage reports (issue 14): each report above what
// the coordinator relayed is billed at the relayed bound, the consumer sees
// the bounded counts (streamed and not), and a public node that does it more
// than --max-usage-mismatches times gets no public-pool job until an admin
// clears its count, across reconnects.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, readSse, waitFor } from '../lib/harness.mjs';

const h = useHarness('usage-mismatch');
const MODEL = 'fake-model';
const LIMIT = 2;
let coord, upstream, admin, node, nodeId;

const inflated = (content, extra = {}) => ({
  model: MODEL, messages: [{ role: 'user', content }], fake_usage_factor: 1000, ...extra,
});

async function nodeEntry() {
  const r = await coord.get('/api/nodes', admin);
  assert.equal(r.status, 200, r.text);
  return r.json.data.find((n) => n.id === nodeId);
}

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator({ name: 'mismatch', args: ['--max-usage-mismatches', String(LIMIT)] });
  admin = await coord.adminKey();
  node = await h.startNode({ coordinator: coord, upstream, name: 'inflating-node' });
  await coord.waitForModel(admin, MODEL);
  nodeId = (await coord.get('/api/nodes', admin)).json.data[0].id;
}));

test('the consumer is shown the bounded counts, streamed and not', h.wrap(async () => {
  const last = await coord.settle();
  const whole = await coord.post('/v1/chat/completions', inflated('one two three'), admin);
  assert.equal(whole.status, 200, whole.text);
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(inflated('four five six', { stream: true, stream_options: { include_usage: true } })),
  });
  const { events, done } = await readSse(res);
  assert.ok(done);
  const usage = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data)).find((c) => c.usage)?.usage;
  assert.ok(usage, 'a usage chunk was sent');
  await coord.settle();
  const rows = await coord.usageEvents(`id > ${last}`);
  assert.equal(rows.length, 2);
  for (const row of rows) assert.ok(row.completion_tokens < 1000, `billed ${row.completion_tokens}`);
  // In the order the jobs ran: the non-streamed one, then the stream.
  assert.equal(whole.json.usage.completion_tokens, rows[0].completion_tokens);
  assert.equal(usage.completion_tokens, rows[1].completion_tokens);
  assert.equal((await nodeEntry()).state, 'online', `${LIMIT} mismatches are tolerated`);
}));

test('past --max-usage-mismatches the node gets no public job, across a reconnect, until an admin clears it', h.wrap(async () => {
  const third = await coord.post('/v1/chat/completions', inflated('seven'), admin);
  assert.equal(third.status, 200, third.text);
  await waitFor(async () => (await nodeEntry())?.state === 'suspended', { what: 'the node to be suspended' });
  const refused = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, admin);
  assert.equal(refused.status, 503, refused.text);
  assert.match(coord.proc.stderr(), new RegExp(`node ${nodeId} suspended from the public pool: 3 usage reports`));

  // The count is kept with the node's record: a reconnect does not clear it.
  await coord.settle();
  await node.stop();
  node = await h.startNode({ coordinator: coord, upstream, name: 'inflating-node', stateDir: node.stateDir, token: node.token });
  await waitFor(async () => (await nodeEntry())?.state === 'suspended', { what: 'the reconnected node to stay suspended' });
  assert.equal((await nodeEntry()).usage_mismatches, 3);

  const member = await coord.memberKey();
  const denied = await coord.post(`/api/nodes/${nodeId}/clear-mismatches`, {}, member);
  assert.equal(denied.status, 403, 'only an admin clears it');
  const cleared = await coord.post(`/api/nodes/${nodeId}/clear-mismatches`, {}, admin);
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.cleared, 3);
  assert.equal((await coord.post('/api/nodes/node_unknown/clear-mismatches', {}, admin)).status, 404);
  const served = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, admin);
  assert.equal(served.status, 200, served.text);
  const entry = await nodeEntry();
  assert.equal(entry.state, 'online');
  assert.equal(entry.usage_mismatches, 0);
  const [audit] = await coord.query("SELECT action, subject_id FROM audit_log WHERE action = 'node.mismatches_cleared'");
  assert.deepEqual(audit, { action: 'node.mismatches_cleared', subject_id: nodeId });
}));
