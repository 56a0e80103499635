// Failures between node and upstream: a node whose upstream is dead fails
// before the first chunk, so its jobs are retried on another node; an
// upstream error status reaches the consumer as 502 (or the 4xx or 503 it was); a
// stream that breaks after it began ends with one SSE error event. Every job
// leaves exactly one usage event.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, readSse, streamText, waitFor } from '../lib/harness.mjs';

const h = useHarness('failover');
const MODEL = 'fake-model';
let coord, good, dead, key;

before(h.wrap(async () => {
  good = await h.startUpstream({ models: [MODEL], name: 'upstream-good' });
  dead = await h.startUpstream({ models: [MODEL], name: 'upstream-dead' });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream: good, name: 'node-good' });
  // Registers the model from its upstream, which then dies; no refresh drops it.
  await h.startNode({
    coordinator: coord,
    upstream: dead,
    name: 'node-dead',
    args: ['--models-refresh-s', '3600'],
  });
  await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'two nodes online' });
  await coord.waitForModel(key, MODEL);
  await dead.proc.kill();
}));

const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

describe('failover', () => {
  test('requests succeed while one of two nodes has a dead upstream', h.wrap(async () => {
    const m0 = await coord.metrics();
    // Concurrent requests that each hold a slot for a moment, so the least
    // loaded choice sends some of them to the dead node.
    const n = 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        coord.post('/v1/chat/completions', chat(`request ${i}`, { fake_delay_ms: 200 }), key),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.status, 200, `request ${i}: ${r.text}`);
      assert.equal(r.json.choices[0].message.content, `echo: request ${i}`);
    });
    const m1 = await coord.metrics();
    assert.ok(
      m1.potluck_job_retries_total > m0.potluck_job_retries_total,
      'no job was retried: the dead node was never tried',
    );
    assert.equal(m1['potluck_jobs_total{status="ok"}'] - m0['potluck_jobs_total{status="ok"}'], n);
  }));

  test('streamed requests fail over too, before their first chunk', h.wrap(async () => {
    const streams = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        coord.fetch('/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(chat(`stream ${i}`, { stream: true, fake_delay_ms: 100 })),
        }),
      ),
    );
    for (const [i, res] of streams.entries()) {
      assert.equal(res.status, 200);
      const { events, done } = await readSse(res);
      assert.ok(done, `stream ${i} did not end with [DONE]`);
      assert.equal(streamText(events), `echo: stream ${i}`);
      assert.ok(!events.some((e) => e.json?.error), `stream ${i} carried an error event`);
    }
  }));
});

describe('upstream errors', () => {
  // The engine's own message may reach the consumer (fidelity.test.mjs);
  // privacy.test.mjs proves it reaches no file.
  test('an upstream 500 is a 502 for the consumer', h.wrap(async () => {
    const rows0 = await coord.settle();
    const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 500 }), key);
    const e = expectErrorEnvelope(assert, r, 502);
    assert.equal(e.type, 'server_error');
    const rows = await waitFor(async () => {
      const x = await coord.usageEvents(`id > ${rows0}`);
      return x.length ? x : null;
    }, { what: 'a usage event for the failed job' });
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].status, 'error');
  }));

  test('an upstream 500 on a streamed request is a 502 too (nothing was streamed yet)', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 500, stream: true }), key);
    expectErrorEnvelope(assert, r, 502);
  }));

  test('an upstream 400 reaches the consumer as 400, not retried', h.wrap(async () => {
    await good.resetStats();
    const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 400 }), key);
    expectErrorEnvelope(assert, r, 400);
    // (A first attempt on the dead node may be retried; the 400 itself is not.)
    assert.equal((await good.stats()).chat, 1, 'a 400 from the upstream must not be retried');
  }));

  test('a stream that breaks mid-way ends with one SSE error event, no [DONE]', h.wrap(async () => {
    const rows0 = await coord.settle();
    const res = await coord.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat('one two three four five six', { stream: true, fake_fail_after: 3, fake_delay_ms: 20 })),
    });
    assert.equal(res.status, 200);
    const { events, done } = await readSse(res);
    assert.ok(!done, 'a broken stream must not end with [DONE]');
    const last = events[events.length - 1];
    assert.ok(last.json?.error, `the last event is not an error: ${last.data}`);
    assert.equal(typeof last.json.error.message, 'string');
    assert.equal(typeof last.json.error.type, 'string');
    assert.equal(events.filter((e) => e.json?.error).length, 1, 'exactly one error event');
    // What was produced before the break was delivered.
    assert.equal(streamText(events), 'echo: one two ');
    const rows = await waitFor(async () => {
      const x = await coord.usageEvents(`id > ${rows0}`);
      return x.length ? x : null;
    }, { what: 'a usage event for the broken stream' });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'error');
  }));

  test('a non-streamed request whose upstream breaks mid-way gets 502', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat('one two three four', { fake_fail_after: 2 }), key);
    expectErrorEnvelope(assert, r, 502);
  }));
});

test('one usage event per job, whatever its end', h.wrap(async () => {
  const m = await waitFor(async () => {
    const x = await coord.metrics();
    return x.potluck_jobs_in_flight === 0 ? x : null;
  });
  const total = ['ok', 'error', 'cancelled', 'timeout'].reduce((s, st) => s + m[`potluck_jobs_total{status="${st}"}`], 0);
  const rows = await waitFor(async () => {
    const r = await coord.query('SELECT status, COUNT(*) AS n, COUNT(DISTINCT job_id) AS jobs FROM usage_events GROUP BY status');
    return r.reduce((s, x) => s + x.n, 0) === total ? r : null;
  }, { what: `${total} usage events, one per finished job` });
  for (const row of rows) {
    assert.equal(row.n, row.jobs, 'a job was recorded twice');
    assert.equal(row.n, m[`potluck_jobs_total{status="${row.status}"}`], `usage rows for ${row.status}`);
  }
}));
