// Graceful stops. A coordinator that gets SIGTERM stops accepting but lets an
// in-flight stream finish within its grace period, then exits 0; past the
// grace period it still exits, after ending every job still running (an
// error to its consumer, settled, usage written). A node that gets SIGTERM drains: it finishes
// the job it runs, takes no new one, and exits 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness, sseEvents, streamText, waitFor } from '../lib/harness.mjs';

const h = useHarness('shutdown');
const MODEL = 'fake-model';

async function world({ graceMs }) {
  const upstream = await h.startUpstream({ models: [MODEL] });
  const coord = await h.startCoordinator({ args: ['--grace-period-ms', String(graceMs)] });
  const key = await coord.adminKey();
  const node = await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(key, MODEL);
  return { upstream, coord, key, node };
}

function startStream(coord, key, chunks, delayMs) {
  return coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      fake_chunks: chunks,
      fake_delay_ms: delayMs,
    }),
  });
}

async function refuses(url) {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status === 503;
  } catch {
    return true; // connection refused or reset: no longer accepting
  }
}

test('SIGTERM on the coordinator lets an in-flight stream finish, then exits 0', h.wrap(async () => {
  const { coord, key } = await world({ graceMs: 30_000 });
  const CHUNKS = 40;
  const res = await startStream(coord, key, CHUNKS, 100);
  assert.equal(res.status, 200);
  const events = [];
  const it = sseEvents(res)[Symbol.asyncIterator]();
  // Wait for the first content chunk, so the job is surely in flight.
  for (;;) {
    const { value, done } = await it.next();
    assert.ok(!done, 'stream ended before any content');
    events.push(value);
    if (value.json?.choices?.[0]?.delta?.content) break;
  }
  coord.proc.signal('SIGTERM');
  // New connections are refused (or answered 503) while the stream goes on.
  await waitFor(() => refuses(`${coord.url}/healthz`), { what: 'the coordinator to stop accepting' });

  for (;;) {
    const { value, done } = await it.next();
    if (done) break;
    events.push(value);
  }
  assert.equal(events[events.length - 1].data, '[DONE]', 'the stream was cut instead of finishing');
  assert.equal(streamText(events), 't '.repeat(CHUNKS));
  assert.ok(!events.some((e) => e.json?.error), 'error event in a stream that should finish');

  const exit = await coord.proc.waitExit(15_000);
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${coord.proc.tail()}`);
  assert.ok(!exit.forced);
}));

test('past the grace period the coordinator exits anyway and the stream ends', h.wrap(async () => {
  const { coord, key } = await world({ graceMs: 300 });
  const res = await startStream(coord, key, 100_000, 50); // would take well over an hour
  assert.equal(res.status, 200);
  const it = sseEvents(res)[Symbol.asyncIterator]();
  await it.next();
  const exit = await coord.proc.stop({ timeoutMs: 15_000 });
  assert.ok(!exit.forced, `the coordinator ignored its grace period\n${coord.proc.tail()}`);
  // The client is not left hanging: the stream ends (cleanly closed or with an error).
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await it.next();
      if (done || value.data === '[DONE]') break;
    }
    ended = true;
  } catch {
    ended = true;
  }
  assert.ok(ended);
}));

test('past the grace period every stream gets an error event, is settled for what it got, and its usage is written', h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [MODEL] });
  const coord = await h.startCoordinator({
    name: 'serve-cut', args: ['--grace-period-ms', '2000', '--max-jobs-per-consumer', '64'],
  });
  const admin = await coord.adminKey();
  const email = `payer-${Date.now()}@example.test`;
  const key = await coord.memberKey(email);
  const granted = await coord.post('/api/admin/grants', { user: email, amount: '1000' }, admin);
  assert.equal(granted.status, 201, granted.text);
  await h.startNode({ coordinator: coord, upstream, args: ['--price', '2:4', '--max-jobs', '64'] });
  await coord.waitForModel(key, MODEL);

  const lastBefore = await coord.settle();
  // Fifty five-second streams (100 tokens, 50 ms apart), each seen running.
  const STREAMS = 50;
  const streams = await Promise.all(Array.from({ length: STREAMS }, async () => {
    const res = await startStream(coord, key, 100, 50);
    assert.equal(res.status, 200);
    const it = sseEvents(res)[Symbol.asyncIterator]();
    const events = [];
    for (;;) {
      const { value, done } = await it.next();
      assert.ok(!done, 'a stream ended before any content');
      events.push(value);
      if (value.json?.choices?.[0]?.delta?.content) break;
    }
    return { it, events };
  }));
  coord.proc.signal('SIGTERM');
  await Promise.all(streams.map(async (s) => {
    for (;;) {
      const { value, done } = await s.it.next();
      if (done) break;
      s.events.push(value);
    }
  }));
  const exit = await coord.proc.waitExit(20_000);
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${coord.proc.tail()}`);

  for (const { events } of streams) {
    const last = events[events.length - 1];
    assert.equal(last.json?.error?.code, 'node_lost', `the stream did not end with an error event: ${last.data}`);
    assert.ok(!events.some((e) => e.data === '[DONE]'), 'a cut stream ended with [DONE]');
  }
  const usage = await coord.query('SELECT status, completion_tokens, cost FROM usage_events ' +
    `WHERE user_id = (SELECT id FROM users WHERE email = '${email}') AND id > ${lastBefore}`);
  assert.equal(usage.length, STREAMS, 'a job\'s usage event was lost');
  for (const row of usage) {
    assert.equal(row.status, 'error', JSON.stringify(row));
    assert.ok(row.completion_tokens > 0 && row.completion_tokens < 100, `billed ${row.completion_tokens} tokens`);
  }
  const open = await coord.query(
    "SELECT account FROM ledger WHERE account LIKE 'escrow:%' GROUP BY account HAVING SUM(amount) != 0");
  assert.deepEqual(open, [], 'holds were left for the next start to release');
  const [sum] = await coord.query('SELECT COALESCE(SUM(amount), 0) AS s FROM ledger');
  assert.equal(sum.s, 0);
  assert.match(coord.proc.stderr(), /grace period over with \d+ jobs in flight and 0 waiting; ending them/);
}));

test('SIGTERM on a node drains it: the running job finishes, no new job starts, exit 0', h.wrap(async () => {
  const { coord, key, node } = await world({ graceMs: 30_000 });
  const CHUNKS = 30;
  const res = await startStream(coord, key, CHUNKS, 100);
  assert.equal(res.status, 200);
  const it = sseEvents(res)[Symbol.asyncIterator]();
  const events = [];
  for (;;) {
    const { value, done } = await it.next();
    assert.ok(!done);
    events.push(value);
    if (value.json?.choices?.[0]?.delta?.content) break;
  }
  node.signal('SIGTERM');
  // Draining: the model is no longer offered for new jobs (503: known, no node free).
  await waitFor(async () => {
    const r = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'n' }] }, key);
    return r.status === 503;
  }, { what: 'the draining node to refuse new jobs' });

  for (;;) {
    const { value, done } = await it.next();
    if (done) break;
    events.push(value);
  }
  assert.equal(events[events.length - 1].data, '[DONE]', 'the draining node cut its running job');
  assert.equal(streamText(events), 't '.repeat(CHUNKS));
  const exit = await node.waitExit(15_000);
  assert.equal(exit.code, 0, `node exit ${JSON.stringify(exit)}\n${node.tail()}`);
  assert.ok(!exit.forced);
}));
