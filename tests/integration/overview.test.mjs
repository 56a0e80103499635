// GET /api/overview: nodes online, models, the last 60 minutes of usage by
// minute and the recent failures, scoped like the rest of usage: an admin
// sees everyone's, a member their own. Checked against the usage_events
// table the coordinator wrote.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope } from '../lib/harness.mjs';

const h = useHarness('overview');
const MODEL = 'fake-model';
let coord, admin, member, other, memberId;

const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  admin = await coord.adminKey();
  member = await coord.memberKey('member@example.test');
  other = await coord.memberKey('other@example.test');
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(admin, MODEL);
  for (const content of ['one', 'two words', 'three more words']) {
    const r = await coord.post('/v1/chat/completions', chat(content), member);
    assert.equal(r.status, 200, r.text);
  }
  const failed = await coord.post('/v1/chat/completions', chat('x', { fake_status: 400 }), member);
  assert.equal(failed.status, 400, failed.text);
  assert.equal((await coord.post('/v1/chat/completions', chat('other'), other)).status, 200);
  await coord.settle();
  memberId = (await coord.query("SELECT id FROM users WHERE email = 'member@example.test'"))[0].id;
}));

/** What usage_events holds for the overview's window, for one user or everyone. */
async function expected(userId) {
  const scope = userId ? `AND user_id = '${userId}'` : '';
  const [row] = await coord.query(
    `SELECT COUNT(*) AS jobs, COALESCE(SUM(prompt_tokens), 0) AS tokens_in,
            COALESCE(SUM(completion_tokens), 0) AS tokens_out,
            COALESCE(SUM(status IN ('error', 'timeout')), 0) AS errors
     FROM usage_events WHERE ts >= (strftime('%s', 'now') / 60 - 59) * 60000 ${scope}`);
  const failures = await coord.query(
    `SELECT ts, model, error_code, node_id FROM usage_events
     WHERE status IN ('error', 'timeout') ${scope} ORDER BY ts DESC, id DESC LIMIT 20`);
  return { row, failures };
}

function totals(perMinute) {
  const sum = (field) => perMinute.reduce((s, m) => s + m[field], 0);
  return { jobs: sum('jobs'), tokens_in: sum('tokens_in'), tokens_out: sum('tokens_out'), errors: sum('errors') };
}

describe('GET /api/overview', () => {
  test('a member sees their own usage by minute and their failures, metadata only', h.wrap(async () => {
    const r = await coord.get('/api/overview', member);
    assert.equal(r.status, 200, r.text);
    const o = r.json;
    assert.equal(o.per_minute.length, 60);
    for (let i = 1; i < 60; i++) assert.equal(o.per_minute[i].minute - o.per_minute[i - 1].minute, 60);
    const nowMinute = Math.floor(Date.now() / 60000) * 60;
    assert.ok(o.per_minute[59].minute <= nowMinute && o.per_minute[59].minute >= nowMinute - 60);
    const { row, failures } = await expected(memberId);
    assert.equal(row.jobs, 4);
    assert.equal(row.errors, 1);
    assert.deepEqual(totals(o.per_minute), row);
    // The node is not the member's: its name and an alias, not its id (docs/privacy.md).
    const alias = (nodeId) => `alias_${createHash('sha256').update(`${memberId}:${nodeId}`).digest('hex').slice(0, 12)}`;
    const names = Object.fromEntries((await coord.query('SELECT id, name FROM nodes')).map((n) => [n.id, n.name]));
    assert.deepEqual(o.recent_errors, failures.map((f) => ({
      at: Math.floor(f.ts / 1000), model: f.model, code: f.error_code, node_id: alias(f.node_id), node_name: names[f.node_id],
    })));
    assert.deepEqual(o.models, [MODEL]);
    assert.ok(!r.text.includes('three more words'), 'the overview holds prompt text');
  }));

  test('an admin sees everyone', h.wrap(async () => {
    const r = await coord.get('/api/overview', admin);
    assert.equal(r.status, 200, r.text);
    const { row } = await expected(null);
    assert.equal(row.jobs, 5);
    assert.deepEqual(totals(r.json.per_minute), row);
    assert.equal(r.json.nodes_online, 1);
    assert.equal(r.json.recent_errors.length, 1);
    const [node] = await coord.query('SELECT id FROM nodes');
    assert.equal(r.json.recent_errors[0].node_id, node.id, 'the operator sees node ids');
  }));

  test('nodes_online counts the connected nodes the caller may see, as /api/nodes does', h.wrap(async () => {
    for (const key of [admin, member]) {
      const nodes = await coord.get('/api/nodes', key);
      const online = nodes.json.data.filter((n) => n.state !== 'offline').length;
      assert.equal((await coord.get('/api/overview', key)).json.nodes_online, online);
    }
  }));

  test('needs a key and GET', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.get('/api/overview'), 401);
    expectErrorEnvelope(assert, await coord.post('/api/overview', {}, admin), 405);
  }));
});
