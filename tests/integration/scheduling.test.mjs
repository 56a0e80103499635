// Scheduling: requests wait in a bounded line for a free slot (503 with
// Retry-After when the line is full or the wait too long); a node that keeps
// failing is parked and no longer tried while others serve; GET /api/nodes
// shows state, load and health, and hides other people's nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useHarness, waitFor } from '../lib/harness.mjs';

const h = useHarness('scheduling');
const MODEL = 'fake-model';
const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

describe('the dispatch line', () => {
  test('with one slot, concurrent requests wait their turn and all succeed', h.wrap(async () => {
    const up = await h.startUpstream({ name: 'up-line' });
    const coord = await h.startCoordinator({ name: 'line' });
    const key = await coord.adminKey();
    await h.startNode({ coordinator: coord, upstream: up, maxJobs: 1, name: 'one-slot' });
    await coord.waitForModel(key, MODEL);
    const results = await Promise.all([0, 1, 2, 3].map((i) =>
      coord.post('/v1/chat/completions', chat(`turn ${i}`, { fake_delay_ms: 100 }), key)));
    results.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.choices[0].message.content, `turn ${i}`.replace(/^/, 'echo: '));
    });
  }));

  test('a full line and a wait past the queue timeout answer 503 with Retry-After', h.wrap(async () => {
    const up = await h.startUpstream({ name: 'up-full' });
    const coord = await h.startCoordinator({ name: 'full', args: ['--max-queue', '1', '--queue-timeout-ms', '300'] });
    const key = await coord.adminKey();
    await h.startNode({ coordinator: coord, upstream: up, maxJobs: 1, name: 'busy' });
    await coord.waitForModel(key, MODEL);
    const slow = coord.post('/v1/chat/completions', chat('slow', { fake_delay_ms: 2000 }), key);
    await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 1, { what: 'the slow job' });
    const waiting = coord.post('/v1/chat/completions', chat('waits'), key);
    await new Promise((r) => setTimeout(r, 50));
    const full = await coord.post('/v1/chat/completions', chat('no room'), key);
    assert.equal(full.status, 503, full.text);
    assert.match(full.json.error.message, /waiting/);
    assert.ok(full.headers.get('retry-after'));
    const timedOut = await waiting;
    assert.equal(timedOut.status, 503, timedOut.text);
    assert.match(timedOut.json.error.message, /stayed busy/);
    assert.equal((await slow).status, 200);
  }));
});

describe('node health', () => {
  test('a node that keeps failing is parked and passed over; /api/nodes shows it', h.wrap(async () => {
    const good = await h.startUpstream({ name: 'up-good' });
    const bad = await h.startUpstream({ name: 'up-bad' });
    const coord = await h.startCoordinator({ name: 'health', args: ['--park-cool-down-s', '600'] });
    const key = await coord.adminKey();
    const member = await coord.memberKey();
    await h.startNode({ coordinator: coord, upstream: good, name: 'healthy' });
    await h.startNode({ coordinator: coord, upstream: bad, name: 'failing', args: ['--models-refresh-s', '3600'] });
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'two nodes' });
    await bad.proc.kill();

    // Health weighs the choice, so a node that failed once is only picked
    // again while the healthy one is busy: bursts of slow requests get it
    // its three failures. Every request still succeeds (retried).
    await waitFor(async () => {
      const burst = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        coord.post('/v1/chat/completions', chat(`burst ${i}`, { fake_delay_ms: 100 }), key)));
      burst.forEach((r) => assert.equal(r.status, 200, r.text));
      const nodes = (await coord.get('/api/nodes', key)).json.data;
      return nodes.find((n) => n.name.startsWith('failing'))?.state === 'parked';
    }, { what: 'the failing node to be parked' });

    const retries = (await coord.metrics()).potluck_job_retries_total;
    for (let i = 0; i < 10; i++) {
      const r = await coord.post('/v1/chat/completions', chat(`after ${i}`), key);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await coord.metrics()).potluck_job_retries_total, retries, 'a parked node was tried');

    const nodes = (await coord.get('/api/nodes', key)).json.data;
    const healthy = nodes.find((n) => n.name.startsWith('healthy'));
    assert.equal(healthy.state, 'online');
    assert.equal(healthy.in_flight, 0);
    assert.ok(healthy.health.latency_ms >= 0);
    assert.equal(nodes.find((n) => n.name.startsWith('failing')).health.error_rate, 1);
    // A member who owns no node and is in no cluster sees none of them.
    const mine = await coord.get('/api/nodes', member);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json.data, []);
  }));
});
