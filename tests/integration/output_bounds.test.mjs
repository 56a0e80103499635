// What a completion may cost is bounded before it runs (issue 14, "Money"):
//   - the node gets the held output bound in max_tokens and in every other
//     field an engine reads as an answer's length (max_completion_tokens,
//     llama.cpp's n_predict, Ollama's num_predict), so the engine cannot write
//     more than the consumer paid for;
//   - bounds above --max-tokens-cap, unbounded ones (n_predict -1) and more
//     than 8 answers (n, best_of) are refused with 400 before any node sees
//     the job;
//   - synchronous and asynchronous requests alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectErrorEnvelope, useHarness, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('output-bounds');
const MODEL = 'bounded-model';
const CAP = 100;
let coord, key, n;

before(h.wrap(async () => {
  coord = await h.startCoordinator({ args: ['--max-tokens-cap', String(CAP)] });
  key = await coord.adminKey();
  n = await connectNode(coord.url, await coord.nodeToken());
  await n.hello({ models: [{ id: MODEL, context: 4096, owned_by: 'fake-node' }] });
  await coord.waitForModel(key, MODEL);
}));

after(() => n?.terminate());

const chat = (extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'bounded' }], ...extra });
const payloadOf = (job) => (typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload);

/** Sends `body` synchronously; returns the payload the node got and the answer. */
async function forwarded(body) {
  const seen = n.frames.filter((f) => f.type === 'job').length;
  const answer = coord.post('/v1/chat/completions', body, key);
  const job = await waitFor(() => n.frames.filter((f) => f.type === 'job')[seen], { what: 'the job frame' });
  n.answerChat(job, ['ok']);
  const res = await answer;
  assert.equal(res.status, 200, res.text);
  return payloadOf(job);
}

describe('the node gets the held bound', () => {
  test('no bound given: the cap', h.wrap(async () => {
    const payload = await forwarded(chat());
    assert.equal(payload.max_tokens, CAP);
    assert.equal(payload.messages[0].content, 'bounded', 'the rest of the body is relayed');
  }));

  test('engine-specific bounds: the smallest one, in every field', h.wrap(async () => {
    const payload = await forwarded(chat({ n_predict: 60, max_completion_tokens: 40, options: { num_predict: 80 } }));
    assert.equal(payload.max_tokens, 40);
    assert.equal(payload.n_predict, 40);
    assert.equal(payload.max_completion_tokens, 40);
    assert.equal(payload.options.num_predict, 40);
  }));

  test('an asynchronous job too', h.wrap(async () => {
    const accepted = await coord.post('/v1/jobs', { model: MODEL, payload: { messages: [{ role: 'user', content: 'later' }], n_predict: 30 } }, key);
    assert.equal(accepted.status, 202, accepted.text);
    const job = await waitFor(() => n.frames.find((f) => f.type === 'job' && f.id === accepted.json.id), { what: 'the async job frame' });
    const payload = payloadOf(job);
    assert.equal(payload.max_tokens, 30);
    assert.equal(payload.n_predict, 30);
    n.answerChat(job, ['done']);
    await waitFor(async () => (await coord.get(`/v1/jobs/${accepted.json.id}`, key)).json.state === 'completed',
      { what: 'the async job to complete' });
  }));
});

describe('refused before any node sees the job', () => {
  for (const [what, extra, code] of [
    ['max_tokens above the cap', { max_tokens: CAP + 1 }, 'max_tokens_too_large'],
    ['n_predict above the cap', { n_predict: 10_000 }, 'max_tokens_too_large'],
    ['Ollama num_predict above the cap', { options: { num_predict: CAP + 1 } }, 'max_tokens_too_large'],
    ['an unbounded n_predict', { n_predict: -1 }, 'invalid_n_predict'],
    ['more than 8 answers', { n: 9 }, 'too_many_choices'],
    ['best_of past the limit', { best_of: 50 }, 'too_many_choices'],
  ]) {
    test(what, h.wrap(async () => {
      const jobsBefore = n.frames.filter((f) => f.type === 'job').length;
      const sync = await coord.post('/v1/chat/completions', chat(extra), key);
      expectErrorEnvelope(assert, sync, 400, { type: 'invalid_request_error', code });
      const async = await coord.post('/v1/jobs', { model: MODEL, payload: { messages: [{ role: 'user', content: 'x' }], ...extra } }, key);
      expectErrorEnvelope(assert, async, 400, { code });
      assert.equal(n.frames.filter((f) => f.type === 'job').length, jobsBefore, 'no job reached the node');
    }));
  }
});
