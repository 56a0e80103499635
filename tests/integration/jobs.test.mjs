// Asynchronous jobs (POST /v1/jobs, GET and DELETE /v1/jobs/{id}, `potluck
// jobs`): accepted at once, run in the background through the same line,
// holds and billing as the synchronous endpoints; states, timings, token
// counts and the result held in memory for --job-result-ttl-s; a claim
// timeout; fast priority; cancellation; the limits on held and pending jobs.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { expectErrorEnvelope, randomToken, useHarness, waitFor } from '../lib/harness.mjs';

const h = useHarness('jobs');
const MODEL = 'fake-model';
const FINISHED = ['completed', 'failed', 'cancelled', 'timed_out'];
const messages = (content) => [{ role: 'user', content }];
const chatJob = (content, extra = {}, payloadExtra = {}) =>
  ({ model: MODEL, payload: { messages: messages(content), ...payloadExtra }, ...extra });

async function setup(name, { args = [], maxJobs } = {}) {
  const up = await h.startUpstream({ name: `up-${name}` });
  const coord = await h.startCoordinator({ name, args });
  const key = await coord.adminKey();
  const node = await h.startNode({ coordinator: coord, upstream: up, maxJobs, name: `node-${name}` });
  await coord.waitForModel(key, MODEL);
  return { up, coord, key, node };
}

async function submit(coord, key, body) {
  const r = await coord.post('/v1/jobs', body, key);
  assert.equal(r.status, 202, r.text);
  return r.json;
}

async function untilFinished(coord, key, id) {
  let job;
  await waitFor(async () => {
    const r = await coord.get(`/v1/jobs/${id}`, key);
    assert.equal(r.status, 200, r.text);
    job = r.json;
    return FINISHED.includes(job.state);
  }, { what: `job ${id} to end` });
  return job;
}

// Holds the node's only slot with a slow synchronous request; `answer`
// resolves when it is done (wrapped: an async function would wait for it).
async function occupySlot(coord, key, delayMs) {
  const answer = coord.post('/v1/chat/completions', { model: MODEL, messages: messages('slow'), fake_delay_ms: delayMs }, key);
  await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 1, { what: 'the slow job' });
  return { answer };
}

describe('submitting and collecting', () => {
  test('a job is accepted at once, runs in the background and reports its result', h.wrap(async () => {
    const { coord, key } = await setup('basic');
    const accepted = await submit(coord, key, chatJob('hello job'));
    assert.match(accepted.id, /^job_/);
    assert.equal(accepted.object, 'job');
    assert.ok(['pending', 'assigned'].includes(accepted.state), accepted.state);
    assert.equal(accepted.priority, 'normal');
    assert.equal(accepted.result, null);

    const job = await untilFinished(coord, key, accepted.id);
    assert.equal(job.state, 'completed', JSON.stringify(job));
    assert.equal(job.error, null);
    assert.equal(job.kind, 'chat');
    assert.equal(job.model, MODEL);
    assert.equal(job.result.object, 'chat.completion');
    assert.equal(job.result.choices[0].message.content, 'echo: hello job');
    assert.ok(job.tokens_in > 0 && job.tokens_out > 0, JSON.stringify(job));
    assert.equal(typeof job.node_id, 'string');
    assert.ok(job.created_at <= job.assigned_at && job.assigned_at <= job.started_at &&
              job.started_at <= job.finished_at, JSON.stringify(job));
    assert.ok(job.ttft_ms >= 0);

    // The same metadata-only usage event as a synchronous request.
    await coord.settle();
    const [event] = await coord.usageEvents(`job_id = '${accepted.id}'`);
    assert.equal(event.status, 'ok');
    assert.equal(event.completion_tokens, job.tokens_out);

    // A completion job with the tier-less model named inside the payload.
    const completion = await submit(coord, key, { kind: 'completion', payload: { model: MODEL, prompt: 'plain', stream: true } });
    const done = await untilFinished(coord, key, completion.id);
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.equal(done.result.object, 'text_completion');
    assert.equal(done.result.choices[0].text, 'echo: plain');
  }));

  test('bad input is 400, an unknown model 404, and only the submitter sees a job', h.wrap(async () => {
    const { coord, key } = await setup('refusals');
    const bad = [
      ['{not json', 'invalid_request'],
      [JSON.stringify({ model: MODEL }), 'invalid_payload'],
      [JSON.stringify({ ...chatJob('x'), priority: 'urgent' }), 'invalid_priority'],
      [JSON.stringify({ ...chatJob('x'), kind: 'responses' }), 'invalid_kind'],
      [JSON.stringify({ ...chatJob('x'), kind: 'embedding' }), 'invalid_input'],
      [JSON.stringify({ ...chatJob('x'), tier: 'fast' }), 'invalid_model'],
      [JSON.stringify({ model: MODEL, payload: { prompt: 'no messages' } }), 'invalid_messages'],
      [JSON.stringify(chatJob('x', {}, { max_tokens: 10_000_000 })), 'max_tokens_too_large'],
    ];
    for (const [rawBody, code] of bad) {
      const r = await coord.request('POST', '/v1/jobs', { key, rawBody, headers: { 'content-type': 'application/json' } });
      expectErrorEnvelope(assert, r, 400, { code });
    }
    const unknown = await coord.post('/v1/jobs', { ...chatJob('x'), model: 'no-such-model' }, key);
    expectErrorEnvelope(assert, unknown, 404, { code: 'model_not_found' });
    const noKey = await coord.post('/v1/jobs', chatJob('x'));
    assert.equal(noKey.status, 401, noKey.text);

    const mine = await submit(coord, key, chatJob('mine'));
    const other = await coord.memberKey();
    const seen = await coord.get(`/v1/jobs/${mine.id}`, other);
    expectErrorEnvelope(assert, seen, 404, { code: 'job_not_found' });
    const cancelled = await coord.request('DELETE', `/v1/jobs/${mine.id}`, { key: other });
    expectErrorEnvelope(assert, cancelled, 404, { code: 'job_not_found' });
    const missing = await coord.get('/v1/jobs/job_nonexistent', key);
    expectErrorEnvelope(assert, missing, 404, { code: 'job_not_found' });
    const put = await coord.request('PUT', `/v1/jobs/${mine.id}`, { key, body: {} });
    assert.equal(put.status, 405, put.text);
    assert.equal((await untilFinished(coord, key, mine.id)).state, 'completed');
  }));

  test('a result is read once: the first read of the completed job drops it, unless kept', h.wrap(async () => {
    const { coord, key } = await setup('read-once');
    const once = await submit(coord, key, chatJob('read me once'));
    assert.equal(once.keep_result, false);
    const kept = await submit(coord, key, chatJob('read me twice', { keep_result: true }));
    const first = await untilFinished(coord, key, once.id);
    assert.equal(first.state, 'completed');
    assert.equal(first.result.choices[0].message.content, 'echo: read me once');
    expectErrorEnvelope(assert, await coord.get(`/v1/jobs/${once.id}`, key), 404, { code: 'job_not_found' });
    for (let read = 0; read < 2; read++) {
      const again = await untilFinished(coord, key, kept.id);
      assert.equal(again.result.choices[0].message.content, 'echo: read me twice');
    }
    const bad = await coord.post('/v1/jobs', chatJob('x', { keep_result: 'yes' }), key);
    expectErrorEnvelope(assert, bad, 400, { code: 'invalid_keep_result' });
  }));

  test('finished jobs are dropped after --job-result-ttl-s', h.wrap(async () => {
    const { coord, key } = await setup('ttl', { args: ['--job-result-ttl-s', '1'] });
    const job = await submit(coord, key, chatJob('short-lived', { keep_result: true }));
    assert.equal((await untilFinished(coord, key, job.id)).state, 'completed');
    assert.equal((await coord.get(`/v1/jobs/${job.id}`, key)).json.keep_result, true, 'kept past its first read');
    await waitFor(async () => (await coord.get(`/v1/jobs/${job.id}`, key)).status === 404,
      { what: 'the finished job to expire' });
  }));
});

describe('claiming and priority', () => {
  test('a job no node claims within --job-claim-timeout-ms ends timed_out', h.wrap(async () => {
    const { coord, key, node } = await setup('claim', { args: ['--job-claim-timeout-ms', '300'], maxJobs: 1 });
    // All busy: the only slot is taken for longer than the claim timeout.
    const slow = (await occupySlot(coord, key, 3000)).answer;
    const busy = await submit(coord, key, chatJob('no slot'));
    const ended = await untilFinished(coord, key, busy.id);
    assert.equal(ended.state, 'timed_out', JSON.stringify(ended));
    assert.equal(ended.error.code, 'claim_timeout');
    assert.equal(ended.assigned_at, null);
    assert.equal((await slow).status, 200);

    // No node online: the model was served before, so the job waits for one.
    // It holds what the dearest node allowed could charge (the admin's
    // maximum price): a wallet of 0 cannot pay for it (issue 14).
    await node.stop();
    await coord.waitForModel(key, MODEL, { present: false });
    const broke = await coord.post('/v1/jobs', chatJob('nobody home'), key);
    expectErrorEnvelope(assert, broke, 402, { code: 'insufficient_credits' });
    assert.match(broke.json.error.message, /highest price allowed/);
    const email = (await coord.get('/api/me', key)).json.user.email;
    const granted = await coord.post('/api/admin/grants', { user: email, amount: '100' }, key);
    assert.equal(granted.status, 201, granted.text);
    const orphan = await submit(coord, key, chatJob('nobody home'));
    const unclaimed = await untilFinished(coord, key, orphan.id);
    assert.equal(unclaimed.state, 'timed_out', JSON.stringify(unclaimed));
    assert.equal(unclaimed.error.code, 'claim_timeout');
  }));

  test('a fast job queued behind normal ones is served first', h.wrap(async () => {
    const { coord, key } = await setup('priority', { maxJobs: 1 });
    const slow = (await occupySlot(coord, key, 1500)).answer;
    const normal1 = await submit(coord, key, chatJob('normal one'));
    const normal2 = await submit(coord, key, chatJob('normal two'));
    const fast = await submit(coord, key, chatJob('fast one', { priority: 'fast' }));
    assert.equal(fast.priority, 'fast');
    assert.equal((await slow).status, 200);
    for (const job of [normal1, normal2, fast])
      assert.equal((await untilFinished(coord, key, job.id)).state, 'completed');
    // One slot: jobs end in the order they were served; usage rows keep it.
    await coord.settle();
    const order = (await coord.usageEvents(`job_id IN ('${normal1.id}', '${normal2.id}', '${fast.id}')`))
      .map((e) => e.job_id);
    assert.deepEqual(order, [fast.id, normal1.id, normal2.id]);
  }));
});

describe('cancelling', () => {
  test('DELETE cancels a pending or running job; an ended one is 409', h.wrap(async () => {
    const { coord, key, node } = await setup('cancel', { maxJobs: 1 });
    const running = await submit(coord, key, chatJob('runs long', {}, { fake_delay_ms: 60_000 }));
    await waitFor(async () => ['assigned', 'running'].includes((await coord.get(`/v1/jobs/${running.id}`, key)).json.state),
      { what: 'the job to reach the node' });
    const pending = await submit(coord, key, chatJob('waits'));
    assert.equal((await coord.get(`/v1/jobs/${pending.id}`, key)).json.state, 'pending');

    const cancelPending = await coord.request('DELETE', `/v1/jobs/${pending.id}`, { key });
    assert.equal(cancelPending.status, 200, cancelPending.text);
    assert.equal(cancelPending.json.state, 'cancelled');
    assert.equal(cancelPending.json.error.code, 'cancelled');
    assert.equal(cancelPending.json.assigned_at, null);

    const cancelRunning = await coord.request('DELETE', `/v1/jobs/${running.id}`, { key });
    assert.equal(cancelRunning.status, 200, cancelRunning.text);
    assert.equal(cancelRunning.json.state, 'cancelled');
    assert.equal(cancelRunning.json.result, null);
    assert.ok(cancelRunning.json.assigned_at > 0);
    // The node got `cancel`, as when a consumer hangs up.
    await waitFor(() => readFileSync(node.stderrPath, 'utf8').includes(`job ${running.id} cancelled by coordinator`),
      { what: 'the node to be told' });
    await coord.settle();
    const [event] = await coord.usageEvents(`job_id = '${running.id}'`);
    assert.equal(event.status, 'cancelled');
    assert.equal(event.error_code, 'cancelled');
    assert.equal(event.completion_tokens, 0, 'nothing was delivered, nothing is billed');
    assert.equal(event.cost, 0);

    const again = await coord.request('DELETE', `/v1/jobs/${running.id}`, { key });
    expectErrorEnvelope(assert, again, 409, { code: 'job_finished' });
  }));
});

describe('limits', () => {
  test('--max-pending-jobs-per-consumer answers 429, --max-jobs-held 503', h.wrap(async () => {
    const { coord, key } = await setup('limits', { args: ['--max-pending-jobs-per-consumer', '1', '--max-jobs-held', '2'] });
    const other = await coord.memberKey();
    const slow = await submit(coord, key, chatJob('slow', {}, { fake_delay_ms: 1000 }));
    const second = await coord.post('/v1/jobs', chatJob('one too many'), key);
    expectErrorEnvelope(assert, second, 429);
    assert.match(second.json.error.message, /unfinished jobs/);

    // Kept past its read, a finished job still holds its place until the ttl.
    const theirs = await submit(coord, other, chatJob('theirs', { keep_result: true }));
    assert.equal((await untilFinished(coord, other, theirs.id)).state, 'completed');
    const full = await coord.post('/v1/jobs', chatJob('no room'), other);
    expectErrorEnvelope(assert, full, 503);
    assert.match(full.json.error.message, /maximum of 2 jobs/);
    assert.ok(full.headers.get('retry-after'));
    assert.equal((await untilFinished(coord, key, slow.id)).state, 'completed');
  }));

  test('without credits a priced job is refused with 402 at submission', h.wrap(async () => {
    const up = await h.startUpstream({ name: 'up-priced' });
    const coord = await h.startCoordinator({ name: 'priced' });
    const admin = await coord.adminKey();
    const providerEmail = `provider-${randomToken(4)}@example.test`;
    await coord.memberKey(providerEmail);
    const r = await h.potluck(['admin', 'node-token', '--data-dir', coord.dataDir, '--owner-email', providerEmail]);
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim().split('\n').pop();
    await h.startNode({ coordinator: coord, upstream: up, token, name: 'node-priced', args: ['--price', '2:4'] });
    await coord.waitForModel(admin, MODEL);
    const member = await coord.memberKey();
    const refused = await coord.post('/v1/jobs', chatJob('no money'), member);
    expectErrorEnvelope(assert, refused, 402, { code: 'insufficient_credits' });
  }));
});

describe('potluck jobs', () => {
  test('submit, status --wait and cancel over the API', h.wrap(async () => {
    const { coord, key } = await setup('cli', { maxJobs: 1 });
    const api = ['--coordinator', coord.url, '--key', key];
    const submitted = await h.potluck(['jobs', 'submit', '--model', MODEL, '--prompt', 'from the cli', '--keep-result', ...api]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    assert.match(id, /^job_/);
    const status = await h.potluck(['jobs', 'status', id, '--wait', ...api]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /: completed/);
    assert.match(status.stdout, /echo: from the cli/);

    const payload = h.dir('payload') + '/slow.json';
    writeFileSync(payload, JSON.stringify({ messages: messages('slow from a file'), fake_delay_ms: 20_000 }));
    const slow = await h.potluck(['jobs', 'submit', '--model', MODEL, '--priority', 'fast', '--payload', payload, ...api]);
    assert.equal(slow.code, 0, slow.stderr);
    const slowId = slow.stdout.trim();
    const cancel = await h.potluck(['jobs', 'cancel', slowId, ...api]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancelled/);
    const shown = await h.potluck(['jobs', 'status', slowId, ...api]);
    assert.equal(shown.code, 1, 'a cancelled job is not a success');
    assert.match(shown.stdout, /error: cancelled/);

    // Kept (--keep-result): still there after it was read, and it has ended.
    const late = await h.potluck(['jobs', 'cancel', id, ...api]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /already ended/);
    const neither = await h.potluck(['jobs', 'submit', '--prompt', 'x', ...api]);
    assert.notEqual(neither.code, 0, 'a job needs --model or --tier');
  }));
});
