// Job deadlines (--job-deadline-ms): a job that runs past it ends with 504
// (or, mid-stream, an SSE error event), the node's upstream request is
// aborted, and the usage event says 'timeout'.
import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { useHarness, expectErrorEnvelope, readSse, waitFor } from '../lib/harness.mjs';

const h = useHarness('deadline');
const MODEL = 'fake-model';
const DEADLINE_MS = 1000;
let coord, upstream, key;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator({ args: ['--job-deadline-ms', String(DEADLINE_MS)] });
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(key, MODEL);
}));

beforeEach(async () => {
  await coord.settle();
  await upstream.resetStats();
});

// 200 chunks, 100 ms apart: 20 s, far past the deadline.
const slow = (stream) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'slow' }],
  stream,
  fake_chunks: 200,
  fake_delay_ms: 100,
});

async function expectTimedOut(rows0) {
  const rows = await waitFor(async () => {
    const r = await coord.usageEvents(`id > ${rows0}`);
    return r.length ? r : null;
  }, { what: 'the usage event of the timed-out job' });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, 'timeout');
  await waitFor(async () => (await upstream.stats()).generations_aborted_by_client >= 1, {
    what: 'the upstream request of the timed-out job to be aborted',
  });
  const m = await coord.metrics();
  assert.ok(m['potluck_jobs_total{status="timeout"}'] >= 1);
}

test('a non-streamed job past its deadline: 504', h.wrap(async () => {
  const rows0 = await coord.settle();
  const r = await coord.post('/v1/chat/completions', slow(false), key);
  expectErrorEnvelope(assert, r, 504);
  await expectTimedOut(rows0);
}));

test('a streamed job past its deadline ends with an SSE error event', h.wrap(async () => {
  const rows0 = await coord.settle();
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(slow(true)),
  });
  assert.equal(res.status, 200);
  const { events, done } = await readSse(res);
  assert.ok(!done, 'a timed-out stream must not end with [DONE]');
  const last = events[events.length - 1];
  assert.ok(last.json?.error, `last event is not an error: ${last.data}`);
  await expectTimedOut(rows0);
}));

test('jobs within the deadline are unaffected', h.wrap(async () => {
  const r = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'quick' }] }, key);
  assert.equal(r.status, 200, r.text);
}));
