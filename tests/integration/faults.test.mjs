// Faults with real processes (issue 4): a node SIGKILLed mid-stream or
// before its first chunk, the coordinator SIGKILLed under load and restarted
// on the same port and data directory, and 1,000 concurrent streams over three
// nodes. After each: usage events, the ledger and the in-flight counters are
// consistent. Ledger facts are read straight from the coordinator's SQLite file.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { useHarness, readSse, sseEvents, streamText, waitFor, randomToken, freePort } from '../lib/harness.mjs';

const h = useHarness('faults');
const MODEL = 'fake-model';
// Credits per million tokens, input:output; one credit per million tokens is
// one micro-credit per token, the unit of usage_events.cost.
const PRICE = 100;

const chat = (content, extra = {}) => ({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content }], ...extra });

/**
 * A fake upstream, a coordinator, a member with credits to spend, and priced
 * nodes (one per name) online.
 */
async function pricedWorld(name, { port = 0, nodes = [] } = {}) {
  const up = await h.startUpstream({ name: `up-${name}` });
  const coord = await h.startCoordinator({ name, port });
  const admin = await coord.adminKey();
  const email = `member-${randomToken(4)}@example.test`;
  const member = await coord.memberKey(email);
  const grant = await coord.post('/api/admin/grants', { user: email, amount: '1000' }, admin);
  assert.equal(grant.status, 201, grant.text);
  const procs = [];
  for (const nodeName of nodes) procs.push(await startPricedNode(coord, up, nodeName));
  await nodesOnline(coord, nodes.length);
  return { up, coord, member, nodes: procs };
}

function startPricedNode(coord, upstream, name) {
  return h.startNode({ coordinator: coord, upstream, name, args: ['--price', `${PRICE}:${PRICE}`] });
}

function openStream(coord, key, body, signal) {
  return coord.fetch('/v1/chat/completions', {
    method: 'POST',
    signal,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
}

/**
 * An OpenAI-compatible upstream that lists MODEL but never answers a
 * completion: a node in front of it holds its job, before any chunk, for as
 * long as the test wants. Resolves {url, received} (received: a promise of the
 * first completion request's arrival).
 */
async function hangingUpstream() {
  let arrived;
  const received = new Promise((resolve) => { arrived = resolve; });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', owned_by: 'hanging' }] }));
      return;
    }
    req.resume();
    arrived(); // and never answer
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${server.address().port}`, received };
}

async function ledgerSum(coord, where = '1=1') {
  const [row] = await coord.query(`SELECT COALESCE(SUM(amount), 0) AS s FROM ledger WHERE ${where}`);
  return row.s;
}

function openEscrows(coord) {
  return coord.query(
    "SELECT account, SUM(amount) AS s FROM ledger WHERE account LIKE 'escrow:%' GROUP BY account HAVING s != 0");
}

async function nodesOnline(coord, n) {
  return waitFor(async () => (await coord.metrics()).potluck_nodes_online === n, { what: `${n} nodes online` });
}

/** The ledger sums to zero overall and for every job, and no escrow is open. */
async function assertLedgerBalanced(coord) {
  assert.equal(await ledgerSum(coord), 0, 'the ledger does not sum to zero');
  assert.deepEqual(await openEscrows(coord), [], 'an escrow was left open');
  const unbalanced = await coord.query(
    'SELECT job_id, SUM(amount) AS s FROM ledger WHERE job_id IS NOT NULL GROUP BY job_id HAVING s != 0');
  assert.deepEqual(unbalanced, [], 'a job\'s transfers do not sum to zero');
}

describe('a node killed with SIGKILL', () => {
  test('mid-stream: the consumer gets one final error event and pays only for what was delivered', h.wrap(async () => {
    const { coord, member, nodes: [node] } = await pricedWorld('serve-mid', { nodes: ['node-mid'] });
    const last = await coord.settle();

    // 200 tokens, 50 ms apart: ten seconds of stream, killed after a few.
    const res = await openStream(coord, member, chat('slow', { fake_chunks: 200, fake_delay_ms: 50 }));
    assert.equal(res.status, 200);
    const events = [];
    let killed = false;
    for await (const ev of sseEvents(res)) {
      events.push(ev);
      if (!killed && streamText(events).length >= 6) {
        killed = true;
        await node.kill();
      }
    }
    assert.ok(killed, 'the stream ended before the node could be killed');
    const final = events[events.length - 1];
    assert.ok(final.json?.error, `the last event is not an error: ${final.data}`);
    assert.equal(typeof final.json.error.message, 'string');
    assert.ok(final.json.error.message.length > 0);
    assert.equal(typeof final.json.error.type, 'string');
    assert.ok('code' in final.json.error, `no code in ${final.data}`);
    // The node was lost with the job: worth sending again (not "no capacity").
    assert.equal(final.json.error.code, 'node_lost', final.data);
    assert.equal(events.filter((e) => e.json?.error).length, 1, 'exactly one error event');
    assert.ok(!events.some((e) => e.data === '[DONE]'), 'a broken stream must not end with [DONE]');
    const delivered = events.filter((e) => e.json?.choices).length;

    await coord.settle();
    const rows = await coord.usageEvents(`id > ${last}`);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const [event] = rows;
    assert.equal(event.status, 'error');
    assert.ok(event.completion_tokens <= delivered, `billed ${event.completion_tokens} tokens for ${delivered} chunks`);
    assert.ok(event.cost <= PRICE * (event.prompt_tokens + delivered), `cost ${event.cost} for ${delivered} chunks`);
    const paid = -(await ledgerSum(coord, `job_id = '${event.job_id}' AND account LIKE 'user:%'`));
    assert.equal(paid, event.cost, 'the consumer paid something else than the usage event says');
    await assertLedgerBalanced(coord);
    assert.equal((await coord.metrics()).potluck_jobs_in_flight, 0);
    await coord.stop();
  }));

  test('before its first chunk: the request succeeds on another node, held and settled once', h.wrap(async () => {
    const { up, coord, member } = await pricedWorld('serve-first');
    // Alone at first, so the request is sure to go to the node that dies,
    // whose upstream never answers: killed, it has sent no chunk.
    const hanging = await hangingUpstream();
    const doomed = await startPricedNode(coord, hanging.url, 'node-doomed');
    await nodesOnline(coord, 1);
    const last = await coord.settle();

    const pending = coord.post('/v1/chat/completions', chat('retry me'), member);
    await hanging.received;
    await startPricedNode(coord, up, 'node-healthy');
    await nodesOnline(coord, 2);
    await doomed.kill();

    const r = await pending;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'echo: retry me');
    await coord.settle();
    const rows = await coord.usageEvents(`id > ${last}`);
    assert.equal(rows.length, 1, `not exactly one usage event: ${JSON.stringify(rows)}`);
    assert.equal(rows[0].status, 'ok');
    const jobId = rows[0].job_id;
    const [counts] = await coord.query(`SELECT
        SUM(kind = 'hold' AND amount > 0) AS holds, SUM(kind = 'settle') AS settles
      FROM ledger WHERE job_id = '${jobId}'`);
    assert.equal(counts.holds, 1, 'the job was held more than once');
    assert.equal(counts.settles, 1, 'the job was settled more than once');
    const paid = -(await ledgerSum(coord, `job_id = '${jobId}' AND account LIKE 'user:%'`));
    assert.equal(paid, rows[0].cost, 'charged other than once');
    await assertLedgerBalanced(coord);
    const m = await coord.metrics();
    assert.ok(m.potluck_job_retries_total >= 1, 'the job was not retried');
    assert.equal(m.potluck_jobs_in_flight, 0);
    await coord.stop();
  }));
});

describe('the coordinator killed with SIGKILL under load', () => {
  test('restarted on the same port and data: nodes reconnect, committed rows stay, holds are released', h.wrap(async () => {
    const port = await freePort();
    let { coord, member } = await pricedWorld('serve-crash', { port, nodes: ['node-crash-a', 'node-crash-b'] });
    // Committed before the crash: some finished jobs and their settlements.
    for (let i = 0; i < 5; i++) {
      const r = await coord.post('/v1/chat/completions', chat(`done ${i}`), member);
      assert.equal(r.status, 200, r.text);
    }
    await coord.settle();
    const usageBefore = await coord.query('SELECT id, job_id, cost FROM usage_events ORDER BY id');
    const ledgerBefore = await coord.query('SELECT id, account, amount, kind FROM ledger ORDER BY id');
    assert.equal(usageBefore.length, 5);

    // Under load: slow streams in flight, each holding credits.
    const inFlight = 8;
    const controller = new AbortController();
    const streams = Array.from({ length: inFlight }, (_, i) =>
      openStream(coord, member, chat(`in flight ${i}`, { fake_chunks: 100, fake_delay_ms: 100 }), controller.signal)
        .then((res) => res.text()).catch(() => null));
    await waitFor(async () => (await openEscrows(coord)).length === inFlight, { what: 'the holds of the streams' });
    await coord.proc.kill();
    controller.abort();
    await Promise.all(streams);

    coord = await h.startCoordinator({ port, dataDir: coord.dataDir, name: 'serve-crash-again' });
    // Nodes reconnect with backoff capped at 500 ms (the harness's setting).
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2,
      { timeoutMs: 5000, what: 'both nodes to reconnect within 5 s' });

    const [check] = await coord.query('PRAGMA integrity_check');
    assert.equal(check.integrity_check, 'ok');
    const usageIds = new Set((await coord.query('SELECT id FROM usage_events')).map((r) => r.id));
    for (const row of usageBefore) assert.ok(usageIds.has(row.id), `usage event ${row.id} was lost`);
    const ledgerAfter = new Map((await coord.query('SELECT id, account, amount, kind FROM ledger')).map((r) => [r.id, r]));
    for (const row of ledgerBefore) assert.deepEqual(ledgerAfter.get(row.id), row, `ledger row ${row.id} was lost or changed`);
    await assertLedgerBalanced(coord);
    assert.equal((await coord.metrics()).potluck_jobs_in_flight, 0);

    // And it serves again, charging as before. (coord.settle() compares the
    // rows with this process's job counters, which began at zero: not here.)
    const [{ top }] = await coord.query('SELECT COALESCE(MAX(id), 0) AS top FROM usage_events');
    const after = await coord.post('/v1/chat/completions', chat('after the crash'), member);
    assert.equal(after.status, 200, after.text);
    assert.equal(after.json.choices[0].message.content, 'echo: after the crash');
    const [event] = await waitFor(async () => {
      const rows = await coord.usageEvents(`id > ${top}`);
      return rows.length ? rows : null;
    }, { what: 'the usage event of the job after the restart' });
    assert.equal(event.status, 'ok');
    assert.ok(event.cost > 0, 'the job after the restart was not charged');
    await assertLedgerBalanced(coord);
    await coord.stop();
  }));
});

describe('1,000 concurrent streams', () => {
  test('over three nodes: all end with [DONE], one usage event each, nothing left in flight', h.wrap(async () => {
    const up = await h.startUpstream({ name: 'up-many', threads: 2 });
    const coord = await h.startCoordinator({
      name: 'serve-many',
      logLevel: 'info',
      args: ['--rate-per-key', '0', '--rate-per-ip', '0', '--max-jobs-per-consumer', '0',
        '--max-connections-per-ip', '2000', '--max-queue', '2000'],
    });
    const key = await coord.adminKey();
    for (const name of ['node-many-a', 'node-many-b', 'node-many-c'])
      await h.startNode({ coordinator: coord, upstream: up, name, maxJobs: 400, logLevel: 'info' });
    await nodesOnline(coord, 3);
    const last = await coord.settle();

    const n = 1000;
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const res = await openStream(coord, key, chat(`stream ${i}`));
      assert.equal(res.status, 200, `stream ${i}: HTTP ${res.status}`);
      const { events, done } = await readSse(res);
      return { done, text: streamText(events), error: events.find((e) => e.json?.error)?.data };
    }));
    results.forEach((r, i) => {
      assert.equal(r.error, undefined, `stream ${i} carried an error: ${r.error}`);
      assert.ok(r.done, `stream ${i} did not end with [DONE]`);
      assert.equal(r.text, `echo: stream ${i}`);
    });

    await coord.settle();
    const [rows] = await coord.query(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT job_id) AS jobs, SUM(status = 'ok') AS ok FROM usage_events WHERE id > ${last}`);
    assert.equal(rows.n, n, 'not one usage event per stream');
    assert.equal(rows.jobs, n, 'a job has two usage events');
    assert.equal(rows.ok, n);
    const nodes = await coord.query(`SELECT node_id, COUNT(*) AS c FROM usage_events WHERE id > ${last} GROUP BY node_id`);
    assert.equal(nodes.length, 3, `not spread over the three nodes: ${JSON.stringify(nodes)}`);
    assert.equal((await coord.metrics()).potluck_jobs_in_flight, 0);
  }));
});
