// Exec jobs priced per CPU second through the ledger, and placed like
// completions: a node announces its price (`--exec-price`), the coordinator
// clamps it into the admin's exec bounds, holds the job's CPU-time limit at
// that price before dispatch (402 before any node is touched), and settles
// the CPU time actually used with the usage event (provider paid, platform
// fee, the rest released). A job that never ran, or lost its node before its
// result, gives its whole hold back. A cluster's exec nodes serve only its
// members, for free. Ledger facts are read straight from the coordinator's
// SQLite file.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness, randomToken, waitFor } from '../lib/harness.mjs';

const h = useHarness('exec-pricing');
const CREDIT = 1_000_000; // micro-credits
// A bash loop: enough CPU time to be measured in milliseconds.
const BUSY = 'i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done; echo done';
const memberEmail = `member-${randomToken(4)}@example.test`;
const providerEmail = `provider-${randomToken(4)}@example.test`;
let coord, admin, member, publicNode;
let alice, bob, bobEmail, carol, clusterId, clusterNode;

const exec = (key, extra = {}) => coord.post('/v1/exec', { language: 'bash', source: BUSY, ...extra }, key);

async function userId(email) {
  const [row] = await coord.query(`SELECT id FROM users WHERE email = '${email}'`);
  return row.id;
}

async function nodeIdOf(proc) {
  const name = proc.name;
  const [row] = await coord.query(`SELECT id FROM nodes WHERE name = '${name}'`);
  return row.id;
}

// Jobs the coordinator has ended, by any status.
async function jobsEnded() {
  const m = await coord.metrics();
  return Object.entries(m).filter(([k]) => k.startsWith('potluck_jobs_total')).reduce((sum, [, v]) => sum + v, 0);
}

// Starts a streamed bash job for the member and returns once the program
// has printed "started"; rest() reads the stream to its end.
async function startStreamed(source, timeoutMs) {
  const res = await coord.fetch('/v1/exec', {
    method: 'POST',
    headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
    body: JSON.stringify({ language: 'bash', source, timeout_ms: timeoutMs, stream: true }),
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  const more = async () => {
    const { value, done } = await reader.read();
    if (!done) seen += decoder.decode(value, { stream: true });
    return !done;
  };
  while (!seen.includes('started')) assert.ok(await more(), 'the stream ended before the program started');
  return { rest: async () => { while (await more()); return seen; } };
}

async function balance(key) {
  const r = await coord.get('/api/wallet?limit=500', key);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function grant(email, credits) {
  const r = await coord.post('/api/admin/grants', { user: email, amount: String(credits) }, admin);
  assert.equal(r.status, 201, r.text);
}

before(h.wrap(async () => {
  // Exec jobs wait in the dispatch line for a free slot like completions; a
  // short wait lets a job refused for capacity show its hold released.
  coord = await h.startCoordinator({ args: ['--queue-timeout-ms', '300'] });
  [admin, member] = await Promise.all([coord.adminKey(), coord.memberKey(memberEmail), coord.memberKey(providerEmail)]);
  const providerToken = await coord.nodeToken('provider node', providerEmail);
  // 1 credit per CPU second = 1,000 micro-credits per CPU millisecond. One
  // slot, so a second job finds it busy.
  publicNode = await h.startNode({
    coordinator: coord, token: providerToken, backend: 'none', maxJobs: 1, name: 'exec-public',
    args: ['--exec', '--exec-languages', 'bash', '--exec-price', '1'],
  });

  bobEmail = `bob-${randomToken(3)}@example.test`;
  [alice, bob, carol] = await Promise.all(
    [`alice-${randomToken(3)}@example.test`, bobEmail, `carol-${randomToken(3)}@example.test`]
      .map((email) => coord.memberKey(email)));
  const cluster = await coord.makeCluster(alice, [carol]);
  clusterId = cluster.id;
  // The cluster's node asks a price; inside the cluster it is never charged.
  clusterNode = await h.startNode({
    coordinator: coord, token: cluster.nodeToken, backend: 'none', name: 'exec-lab',
    args: ['--exec', '--exec-languages', 'bash', '--exec-price', '5'],
  });
  await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'both exec nodes' });
}));

describe('exec prices', () => {
  test('GET /api/nodes shows what each node asks per CPU second', h.wrap(async () => {
    const nodes = (await coord.get('/api/nodes', admin)).json.data;
    const byName = Object.fromEntries(nodes.map((n) => [n.name, n.exec]));
    assert.deepEqual(byName[publicNode.name], { languages: ['bash'], price: '1' });
    assert.deepEqual(byName[clusterNode.name], { languages: ['bash'], price: '5' });
  }));

  test('GET /api/pricing shows the exec bounds; only the admin sets them, and only sane ones', h.wrap(async () => {
    const shown = await coord.get('/api/pricing', member);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.exec_min_price, '0');
    assert.equal(shown.json.exec_max_price, '1000');
    assert.equal(shown.json.exec_unit, 'credits per CPU second');
    const refused = await coord.request('PUT', '/api/pricing', { key: member, body: { exec_max_price: '5' } });
    assert.equal(refused.status, 403, refused.text);
    for (const body of [{ exec_min_price: '-1' }, { exec_min_price: '10', exec_max_price: '5' },
      { exec_max_price: 'cheap' }, { exec_max_price: '1000001' }]) {
      const bad = await coord.request('PUT', '/api/pricing', { key: admin, body });
      assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.text}`);
    }
    const set = await h.potluck(['pricing', 'set', '--exec-max-price', '2', '--fee-percent', '10',
      '--coordinator', coord.url, '--key', admin]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /exec prices are clamped to 0 \.\. 2 credits per CPU second/);
    assert.equal((await coord.get('/api/pricing', member)).json.exec_max_price, '2');
  }));

  test('without enough credits an exec job is refused with 402 before any node is touched', h.wrap(async () => {
    const last = await coord.settle();
    const jobsBefore = await jobsEnded();
    const r = await exec(member, { timeout_ms: 2000 });
    assert.equal(r.status, 402, r.text);
    assert.equal(r.json.error.code, 'insufficient_credits');
    // 2 s of CPU at 1 credit per CPU second.
    assert.match(r.json.error.message, /may cost up to 2 credits \(timeout_ms as CPU seconds x price per CPU second\)/);
    await coord.settle();
    assert.deepEqual(await coord.usageEvents(`id > ${last}`), [], 'a refused job left a usage event');
    assert.equal(await jobsEnded(), jobsBefore, 'a refused job was dispatched');
    assert.equal(await coord.ledgerSum(`account = 'user:${await userId(memberEmail)}'`), 0);
  }));

  test('no timeout_ms holds the longest CPU limit; a short one holds less', h.wrap(async () => {
    await grant(memberEmail, 10);
    const long = await exec(member);
    assert.equal(long.status, 402, long.text);
    assert.match(long.json.error.message, /up to 300 credits/);
    const short = await exec(member, { timeout_ms: 3000 });
    assert.equal(short.status, 200, short.text);
  }));

  test('a job pays price x CPU time: provider paid, platform fee, the rest of the hold released', h.wrap(async () => {
    const last = await coord.settle();
    const before = await balance(member);
    const providerAccount = `user:${await userId(providerEmail)}`;
    const providerBefore = await coord.ledgerSum(`account = '${providerAccount}'`);
    const r = await exec(member, { timeout_ms: 3000 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, 'done\n');
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.equal(event.kind, 'exec');
    assert.equal(event.status, 'ok');
    assert.equal(event.node_id, await nodeIdOf(publicNode));
    assert.ok(event.cpu_ms > 0, 'the program used no measurable CPU time');
    assert.equal(event.cpu_ms, r.json.cpu_ms);
    const expected = 1000 * event.cpu_ms; // 1 credit per CPU second, under the admin's bound of 2
    assert.equal(event.cost, expected);

    const after = await balance(member);
    assert.equal(before.balance_micro - after.balance_micro, expected);
    const mine = after.history.filter((e) => e.job_id === event.job_id);
    assert.deepEqual(mine.map((e) => e.kind).sort(), ['hold', 'release']);
    const hold = mine.find((e) => e.kind === 'hold');
    assert.equal(hold.amount_micro, -3 * CREDIT, 'the hold is 3 CPU seconds at the price');
    assert.equal(mine.find((e) => e.kind === 'release').amount_micro, 3 * CREDIT - expected);

    const transfers = await coord.query(`SELECT * FROM ledger WHERE job_id = '${event.job_id}' ORDER BY id`);
    const byKind = Object.fromEntries(transfers.map((t) => [`${t.kind}:${t.account.split(':')[0]}`, t.amount]));
    const fee = Math.floor(expected * 10 / 100);
    assert.equal(byKind['payout:user'], expected - fee, JSON.stringify(transfers));
    assert.equal(byKind['fee:platform'], fee, JSON.stringify(transfers));
    assert.equal(await coord.ledgerSum(`job_id = '${event.job_id}'`), 0);
    assert.equal(await coord.ledgerSum(`account = '${providerAccount}'`) - providerBefore, expected - fee);
    assert.deepEqual(await coord.openEscrows(), []);
  }));

  test('the price is clamped into the admin bounds', h.wrap(async () => {
    const set = await coord.request('PUT', '/api/pricing', { key: admin, body: { exec_max_price: '0.5' } });
    assert.equal(set.status, 200, set.text);
    const last = await coord.settle();
    const r = await exec(member, { timeout_ms: 1000 });
    assert.equal(r.status, 200, r.text);
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.equal(event.cost, 500 * event.cpu_ms); // 0.5 credits per CPU second
    const [hold] = await coord.query(`SELECT amount FROM ledger WHERE job_id = '${event.job_id}' AND kind = 'hold' AND amount > 0`);
    assert.equal(hold.amount, CREDIT / 2);
    const reset = await coord.request('PUT', '/api/pricing', { key: admin, body: { exec_max_price: '1000' } });
    assert.equal(reset.status, 200, reset.text);
  }));

  test('a job that never ran gives its hold back', h.wrap(async () => {
    const memberAccount = `user:${await userId(memberEmail)}`;
    await coord.settle();
    const holdsBefore = (await coord.query("SELECT COUNT(*) AS n FROM ledger WHERE kind = 'hold' AND amount > 0"))[0].n;
    // The public node has one slot: a job that sleeps past the line's
    // timeout (300 ms) fills it.
    const running = await startStreamed('echo started; sleep 2', 4000);
    const balanceWhileRunning = await coord.ledgerSum(`account = '${memberAccount}'`);

    const busy = await exec(member, { timeout_ms: 1000 });
    assert.equal(busy.status, 503, busy.text);
    assert.ok(busy.headers.get('retry-after'));
    // It was held (1 credit) and released in full: the balance is as it was.
    const holds = (await coord.query("SELECT COUNT(*) AS n FROM ledger WHERE kind = 'hold' AND amount > 0"))[0].n;
    assert.equal(holds, holdsBefore + 2, 'the refused job was never held');
    assert.equal(await coord.ledgerSum(`account = '${memberAccount}'`), balanceWhileRunning);

    await running.rest();
    await coord.settle();
    assert.deepEqual(await coord.openEscrows(), []);
    assert.equal(await coord.ledgerSum('1=1'), 0, 'the ledger does not sum to zero');
  }));
});

describe('exec in clusters', () => {
  test("a member's exec in their cluster runs on its node and is free", h.wrap(async () => {
    const last = await coord.settle();
    // carol has no credits at all: the public pool refuses her.
    const pub = await exec(carol, { timeout_ms: 1000 });
    assert.equal(pub.status, 402, pub.text);
    const r = await exec(carol, { cluster: clusterId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, 'done\n');
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.equal(event.node_id, await nodeIdOf(clusterNode));
    assert.equal(event.cluster_id, clusterId);
    assert.equal(event.cost, 0);
    const [row] = await coord.query(`SELECT count(*) AS n FROM ledger WHERE job_id = '${event.job_id}'`);
    assert.equal(row.n, 0, 'a cluster job touched the ledger');
  }));

  test("an outsider's exec never reaches the cluster's node", h.wrap(async () => {
    const named = await exec(bob, { cluster: clusterId });
    assert.equal(named.status, 403, named.text);
    assert.match(named.json.error.message, /not a member/);
    await grant(bobEmail, 10);
    const lab = await nodeIdOf(clusterNode);
    for (let i = 0; i < 4; i++) {
      const last = await coord.settle();
      const r = await exec(bob, { timeout_ms: 1000 });
      assert.equal(r.status, 200, r.text);
      await coord.settle();
      const [event] = await coord.usageEvents(`id > ${last}`);
      assert.notEqual(event.node_id, lab);
      assert.equal(event.node_id, await nodeIdOf(publicNode));
      assert.ok(!event.cluster_id, 'a public job was recorded in a cluster');
    }
  }));

  test("a key bound to the cluster runs exec there; 'public' asks for the pool", h.wrap(async () => {
    const bound = await coord.post('/api/keys', { name: 'lab key', cluster: clusterId }, alice);
    assert.equal(bound.status, 201, bound.text);
    const key = bound.json.key;
    const last = await coord.settle();
    const r = await exec(key);
    assert.equal(r.status, 200, r.text);
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.equal(event.node_id, await nodeIdOf(clusterNode));
    assert.equal(event.cost, 0);
    const pub = await exec(key, { cluster: 'public', timeout_ms: 1000 });
    assert.equal(pub.status, 402, pub.text); // alice has no credits for the public pool
  }));
});

describe('jobs cut off before their result', () => {
  test('a consumer who hangs up pays for the CPU time its program used', h.wrap(async () => {
    const memberAccount = `user:${await userId(memberEmail)}`;
    const last = await coord.settle();
    // Measurable CPU before "started", then a loop that would run to the limit.
    const source = `${BUSY.replace('echo done', 'echo started')}; while :; do :; done`;
    const abort = new AbortController();
    const res = await coord.fetch('/v1/exec', {
      method: 'POST',
      signal: abort.signal,
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'bash', source, timeout_ms: 2000, stream: true }),
    });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    let seen = '';
    while (!seen.includes('started')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before the program started');
      seen += new TextDecoder().decode(value);
    }
    abort.abort();
    const event = await waitFor(async () => {
      await coord.settle();
      const [e] = await coord.usageEvents(`id > ${last}`);
      return e;
    }, { what: 'the usage event of the abandoned job' });
    assert.equal(event.status, 'cancelled');
    assert.equal(event.error_code, 'client_disconnected');
    assert.ok(event.cpu_ms > 0, `cpu_ms ${event.cpu_ms}: the node's acknowledgement reported no CPU time`);
    assert.ok(event.cost > 0, 'the abandoned job was run for free');
    assert.equal(await coord.ledgerSum(`job_id = '${event.job_id}'`), 0);
    assert.ok(await coord.ledgerSum(`account = '${memberAccount}'`) >= 0);
    assert.deepEqual(await coord.openEscrows(), []);
  }));

  // Last: it kills the public node.
  test('a job whose node is lost pays nothing and its hold comes back in full', h.wrap(async () => {
    const memberAccount = `user:${await userId(memberEmail)}`;
    const last = await coord.settle();
    const before = await coord.ledgerSum(`account = '${memberAccount}'`);
    const running = await startStreamed('echo started; sleep 3', 2000);
    await publicNode.kill();
    assert.match(await running.rest(), /"error"/);
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.notEqual(event.status, 'ok');
    assert.equal(event.cost, 0);
    const transfers = await coord.query(`SELECT kind, account, amount FROM ledger WHERE job_id = '${event.job_id}'`);
    const held = transfers.find((t) => t.kind === 'hold' && t.amount > 0);
    assert.equal(held.amount, 2 * CREDIT, JSON.stringify(transfers));
    const released = transfers.find((t) => t.kind === 'release');
    assert.equal(released.amount, 2 * CREDIT, JSON.stringify(transfers));
    assert.equal(await coord.ledgerSum(`job_id = '${event.job_id}'`), 0);
    assert.equal(await coord.ledgerSum(`account = '${memberAccount}'`), before);
    assert.deepEqual(await coord.openEscrows(), []);
  }));
});

test('a malformed --exec-price stops the node at start with a clear error', h.wrap(async () => {
  const bad = await h.potluck(['node', '--coordinator', coord.url, '--token', 'pln_x', '--backend', 'none', '--exec',
    '--exec-price', 'lots', '--state-dir', h.dir('bad-price-state')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--exec-price 'lots'/);
}));
