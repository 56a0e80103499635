// A node id belongs to the owner of the token that first enrolled it: a
// stranger's token saying hello with a verified node's id is refused, while
// that node is online and while it is offline, and the honest node keeps
// serving with its trust and record; its owner brings it back with a new
// token. Text a node sends is checked: a hostile hello or status is refused
// with a reason that does not echo it, and nothing of it reaches the log.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { useHarness, waitFor, randomToken } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('node-identity');
const TAKEN = 'node id belongs to another owner';
let coord, admin, honestEmail, strangerEmail, honestKey, honestToken, strangerToken;
const nodes = [];

before(h.wrap(async () => {
  coord = await h.startCoordinator({ logLevel: 'info' });
  admin = await coord.adminKey();
  honestEmail = `honest-${randomToken(4)}@example.test`;
  strangerEmail = `stranger-${randomToken(4)}@example.test`;
  honestKey = await coord.memberKey(honestEmail);
  await coord.memberKey(strangerEmail);
  honestToken = await coord.nodeToken('honest box', honestEmail);
  strangerToken = await coord.nodeToken('stranger box', strangerEmail);
}));

after(() => {
  for (const n of nodes) n.terminate();
});

async function connect(token) {
  const n = await connectNode(coord.url, token);
  nodes.push(n);
  return n;
}

const log = () => coord.proc.stdout() + coord.proc.stderr();
const chat = (model, content) => ({ model, messages: [{ role: 'user', content }] });
const offer = (model) => [{ id: model, context: 4096, owned_by: 'fake-node' }];

async function nodeRow(id) {
  const [row] = await coord.query(`SELECT token_id, owner_id, name, trust FROM nodes WHERE id = '${id}'`);
  return row;
}

/** The stranger's hello with `nodeId`: the close it gets, and no welcome. */
async function strangerHello(nodeId, model) {
  const s = await connect(strangerToken);
  const welcomed = s.hello({ nodeId, models: offer(model), extra: { name: 'evil-twin' } }).then(() => true, () => false);
  const closed = await s.closed;
  assert.equal(await welcomed, false, 'the stranger was welcomed');
  return closed;
}

/** Sends a chat for `model` and has `node` answer it; resolves the answer's text. */
async function served(node, model, text) {
  const res = coord.post('/v1/chat/completions', chat(model, text), admin);
  const job = await node.next('job');
  node.answerChat(job, [text]);
  const r = await res;
  assert.equal(r.status, 200, r.text);
  return r.json.choices[0].message.content;
}

describe('node identity', () => {
  const model = `id-model-${randomToken(4)}`;
  const nodeId = `node_${randomToken(10)}`;
  let honest;

  before(h.wrap(async () => {
    honest = await connect(honestToken);
    await honest.hello({ nodeId, models: offer(model) });
    await coord.waitForModel(admin, model);
    const trusted = await coord.request('PUT', `/api/nodes/${nodeId}/trust`, { key: admin, body: { trust: 'verified' } });
    assert.equal(trusted.status, 200, trusted.text);
  }));

  test('a stranger saying hello with an online node\'s id is refused; the node keeps serving', h.wrap(async () => {
    const before = await nodeRow(nodeId);
    const closed = await strangerHello(nodeId, model);
    assert.deepEqual(closed, { code: 1008, reason: TAKEN });
    assert.ok(honest.open, 'the honest node was bumped');
    assert.deepEqual(await nodeRow(nodeId), before, 'the row changed');
    assert.equal(before.trust, 'verified');
    const listed = (await coord.get('/api/nodes', admin)).json.data.find((n) => n.id === nodeId);
    assert.notEqual(listed.state, 'offline');
    assert.equal(listed.trust, 'verified');
    assert.equal(await served(honest, model, 'still mine'), 'still mine');
    const lines = log().split('\n').filter((l) => l.includes('node hello refused'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], new RegExp(`node id ${nodeId} belongs to another owner`));
    assert.doesNotMatch(lines[0], /evil-twin/);
  }));

  test('a stranger saying hello with an offline node\'s id is refused; the node comes back as it was', h.wrap(async () => {
    await honest.close();
    await waitFor(async () => (await coord.get('/api/nodes', admin)).json.data.some((n) => n.id === nodeId && n.state === 'offline'),
      { what: 'the honest node to be offline' });
    const closed = await strangerHello(nodeId, model);
    assert.deepEqual(closed, { code: 1008, reason: TAKEN });
    const row = await nodeRow(nodeId);
    assert.equal(row.name, 'fake-node', 'the stranger renamed the record');
    assert.equal(row.trust, 'verified');

    honest = await connect(honestToken);
    await honest.hello({ nodeId, models: offer(model) });
    const listed = await waitFor(async () => (await coord.get('/api/nodes', admin)).json.data.find((n) => n.id === nodeId && n.state !== 'offline'),
      { what: 'the honest node online again' });
    assert.equal(listed.trust, 'verified');
    assert.equal(await served(honest, model, 'back again'), 'back again');
  }));

  test('the owner brings the node back with a new token after revoking the old one', h.wrap(async () => {
    const tokens = await coord.get('/api/node-tokens', honestKey);
    assert.equal(tokens.status, 200, tokens.text);
    const old = tokens.json.data.find((t) => t.name === 'honest box');
    const revoked = await coord.request('DELETE', `/api/node-tokens/${old.id}`, { key: honestKey });
    assert.equal(revoked.status, 200, revoked.text);
    await honest.closed;
    const made = await coord.post('/api/node-tokens', { name: 'honest box 2' }, honestKey);
    assert.equal(made.status, 201, made.text);

    honest = await connect(made.json.token);
    await honest.hello({ nodeId, models: offer(model) });
    const row = await nodeRow(nodeId);
    assert.equal(row.token_id, made.json.id);
    assert.equal(row.trust, 'verified');
    assert.equal(await served(honest, model, 'new token'), 'new token');
    // The stranger is still refused.
    assert.deepEqual(await strangerHello(nodeId, model), { code: 1008, reason: TAKEN });
  }));
});

describe('hostile text', () => {
  test('a hello with an escape sequence in its name is refused without echo or log', h.wrap(async () => {
    const canary = `CANARY${randomToken(6)}`;
    const n = await connect(strangerToken);
    n.hello({ extra: { name: `\u001b]0;${canary}\u0007\u001b[2J` } }).catch(() => {});
    const { code, reason } = await n.closed;
    assert.equal(code, 1008);
    assert.equal(reason, "field 'name' has a control character");
    assert.ok(!log().includes(canary), 'the hostile name reached the log');
    const rows = await coord.query(`SELECT count(*) AS c FROM nodes WHERE id = '${n.nodeId}'`);
    assert.equal(rows[0].c, 0, 'the hostile node was recorded');
  }));

  test('a status with more than 256 models closes the link', h.wrap(async () => {
    const n = await connect(strangerToken);
    await n.hello({ models: offer(`hostile-${randomToken(4)}`) });
    const models = Array.from({ length: 257 }, (_, i) => ({ id: `flood-${i}` }));
    n.send({ type: 'status', in_flight: 0, draining: false, models });
    const { code, reason } = await n.closed;
    assert.equal(code, 1008);
    assert.equal(reason, "field 'models' has more than 256 entries");
  }));
});

describe('what consumers see of the nodes that ran their jobs', () => {
  const model = `seen-model-${randomToken(4)}`;
  const nodeId = `node_${randomToken(10)}`;
  let provider, consumer, consumerId;

  before(h.wrap(async () => {
    const email = `consumer-${randomToken(4)}@example.test`;
    consumer = await coord.memberKey(email);
    [{ id: consumerId }] = await coord.query(`SELECT id FROM users WHERE email = '${email}'`);
    provider = await connect(await coord.nodeToken('seen box', honestEmail));
    await provider.hello({ nodeId, models: offer(model) });
    await coord.waitForModel(admin, model);
  }));

  /** A chat by `key` answered by the provider's node, then a finished async job's record. */
  async function runJobs(key) {
    const res = coord.post('/v1/chat/completions', chat(model, 'sync'), key);
    provider.answerChat(await provider.next('job'), ['sync']);
    assert.equal((await res).status, 200);
    const submitted = await coord.post('/v1/jobs', { model, payload: { messages: [{ role: 'user', content: 'async' }] } }, key);
    assert.equal(submitted.status, 202, submitted.text);
    provider.answerChat(await provider.next('job'), ['async']);
    const record = await waitFor(async () => {
      const r = await coord.get(`/v1/jobs/${submitted.json.id}`, key);
      return r.json.state === 'completed' && r.json;
    }, { what: 'the async job to complete' });
    await coord.settle();
    return record;
  }

  test('another owner\'s consumer sees the node\'s name and a per-consumer alias, never its id', h.wrap(async () => {
    const alias = `alias_${createHash('sha256').update(`${consumerId}:${nodeId}`).digest('hex').slice(0, 12)}`;
    const record = await runJobs(consumer);
    assert.equal(record.node_id, alias);
    assert.equal(record.node_name, 'fake-node');

    const csv = await coord.get('/api/usage.csv', consumer);
    assert.equal(csv.status, 200, csv.text);
    const [header, ...rows] = csv.text.trimEnd().split('\r\n');
    const columns = header.split(',');
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const cells = row.split(',');
      assert.equal(cells[columns.indexOf('node_id')], alias);
      assert.equal(cells[columns.indexOf('node_name')], 'fake-node');
    }
    const exported = await coord.get('/api/me/export', consumer);
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(exported.json.usage_events.map((e) => [e.node_id, e.node_name]), [[alias, 'fake-node'], [alias, 'fake-node']]);
    for (const text of [csv.text, exported.text, JSON.stringify(record)])
      assert.ok(!text.includes(nodeId), 'the node id reached the consumer');

    // Another consumer gets another alias for the same node.
    const other = await coord.memberKey(`other-${randomToken(4)}@example.test`);
    const otherRecord = await runJobs(other);
    assert.match(otherRecord.node_id, /^alias_[0-9a-f]{12}$/);
    assert.notEqual(otherRecord.node_id, alias);
  }));

  test('the node\'s owner sees its id; the operator too', h.wrap(async () => {
    const record = await runJobs(honestKey);
    assert.equal(record.node_id, nodeId);
    const own = await coord.get('/api/usage.csv', honestKey);
    assert.ok(own.text.includes(nodeId), own.text);
    const all = await coord.get('/api/usage.csv?all=1', admin);
    assert.ok(all.text.includes(nodeId), 'the admin reads the ids');
  }));
});
