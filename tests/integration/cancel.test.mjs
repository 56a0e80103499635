// A consumer that hangs up cancels its job all the way down: the coordinator
// sends `cancel` to the node, the node aborts its upstream request (the fake
// upstream counts generations_aborted_by_client), the usage event says
// 'cancelled', and no job stays in flight.
import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { useHarness, sseEvents, streamText, waitFor } from '../lib/harness.mjs';

const h = useHarness('cancel');
const MODEL = 'fake-model';
let coord, upstream, key;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, maxJobs: 2 });
  await coord.waitForModel(key, MODEL);
}));

beforeEach(async () => {
  await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 0, { what: 'no job in flight' });
  await upstream.resetStats();
});

// A stream that would take minutes: 50 ms before each of 5000 chunks.
const slowBody = (stream) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'slow' }],
  stream,
  fake_chunks: 5000,
  fake_delay_ms: 50,
});

function post(body, signal) {
  return coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

async function expectCancelled(beforeMetrics, beforeRows) {
  const stats = await waitFor(async () => {
    const s = await upstream.stats();
    return s.generations_aborted_by_client >= 1 ? s : null;
  }, { what: 'the upstream request to be aborted' });
  assert.equal(stats.generations_aborted_by_client, 1);
  assert.equal(stats.generations_completed, 0);

  const rows = await waitFor(async () => {
    const r = await coord.usageEvents(`id > ${beforeRows}`);
    return r.length >= 1 ? r : null;
  }, { what: "a usage event for the cancelled job" });
  assert.equal(rows.length, 1, `one usage event for the job: ${JSON.stringify(rows)}`);
  assert.equal(rows[0].status, 'cancelled');

  const m = await waitFor(async () => {
    const x = await coord.metrics();
    return x.potluck_jobs_in_flight === 0 ? x : null;
  }, { what: 'potluck_jobs_in_flight to return to 0' });
  assert.equal(
    m['potluck_jobs_total{status="cancelled"}'] - beforeMetrics['potluck_jobs_total{status="cancelled"}'],
    1,
  );
}

const lastUsageId = () => coord.settle();

test('a client that disconnects mid-stream cancels the job on the node and upstream', h.wrap(async () => {
  const m0 = await coord.metrics();
  const rows0 = await lastUsageId();
  const ctl = new AbortController();
  const res = await post(slowBody(true), ctl.signal);
  assert.equal(res.status, 200);
  let contentChunks = 0;
  let text = '';
  try {
    for await (const ev of sseEvents(res)) {
      text += streamText([ev]);
      if (ev.json?.choices?.[0]?.delta?.content) contentChunks++;
      if (contentChunks >= 3) break; // leaving the loop cancels the body
    }
  } finally {
    ctl.abort();
  }
  assert.equal(text, 't t t ');
  await expectCancelled(m0, rows0);
}));

test('a client that disconnects before the first chunk (non-streamed) cancels too', h.wrap(async () => {
  const m0 = await coord.metrics();
  const rows0 = await lastUsageId();
  const ctl = new AbortController();
  const pending = post(slowBody(false), ctl.signal).then(
    (r) => r.text(),
    (e) => e,
  );
  // Wait until the request is running upstream, then hang up.
  await waitFor(async () => (await upstream.stats()).generations_started >= 1, { what: 'the upstream stream to start' });
  ctl.abort();
  const outcome = await pending;
  assert.ok(outcome instanceof Error, 'the request was aborted');
  await expectCancelled(m0, rows0);
}));

test('the node is usable after cancellations', h.wrap(async () => {
  const r = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'after' }] }, key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, 'echo: after');
  // Both slots are free again: two slow streams can run at once.
  const ctl = new AbortController();
  try {
    const a = await post(slowBody(true), ctl.signal);
    const b = await post(slowBody(true), ctl.signal);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
  } finally {
    ctl.abort();
  }
}));
