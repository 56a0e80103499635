// /v1/responses against a node that sends exactly what a test says
// (tests/lib/fake_node.mjs): parallel tool calls become function_call items
// in order, a streamed response holds its output within --max-result-bytes
// (past it: an error event and the job cancelled on the node), and a node
// that sends thousands of tool calls gets an answer, not a stuck coordinator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readSse, useHarness, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('responses-node');
const MODEL = 'responses-node-model';
const MAX_RESULT_BYTES = 256 * 1024;
let coord, key, n;

before(h.wrap(async () => {
  coord = await h.startCoordinator({ args: ['--max-result-bytes', String(MAX_RESULT_BYTES)] });
  key = await coord.adminKey();
  n = await connectNode(coord.url, await coord.nodeToken());
  await n.hello({ models: [{ id: MODEL, context: 4096, owned_by: 'fake-node' }] });
  await coord.waitForModel(key, MODEL);
}));

after(() => n?.terminate());

// Sends the request, answers its job with `deltas` (chat deltas, in order),
// and returns the HTTP response once the answer is under way.
async function run(body, deltas, { finish = 'tool_calls', stream = false } = {}) {
  const seen = n.frames.filter((f) => f.type === 'job').length;
  const pending = coord.fetch('/v1/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, input: 'call them', ...body, stream }),
  });
  const job = await waitFor(() => n.frames.filter((f) => f.type === 'job')[seen], { what: 'the job frame' });
  let seq = 0;
  for (const delta of deltas) n.send({ type: 'chunk', id: job.id, seq: seq++, delta });
  n.send({ type: 'chunk', id: job.id, seq: seq++, delta: {}, finish_reason: finish });
  n.send({ type: 'done', id: job.id, usage: { prompt_tokens: 2, completion_tokens: 9 }, timings: { ttft_ms: 1, total_ms: 2 } });
  return { res: await pending, job };
}

const call = (index, extra) => ({ tool_calls: [{ index, ...extra }] });
const opening = (index, id, name) => call(index, { id, type: 'function', function: { name, arguments: '' } });
const piece = (index, args) => call(index, { function: { arguments: args } });

// Two calls whose argument pieces interleave, as engines stream parallel calls.
const parallelDeltas = [
  { role: 'assistant', content: null },
  opening(0, 'call_a', 'weather'), opening(1, 'call_b', 'time'),
  piece(0, '{"city":'), piece(1, '{"zone":'), piece(0, '"Rome"}'), piece(1, '"CET"}'),
];

describe('/v1/responses from a hand-driven node', () => {
  test('parallel tool calls: one function_call item each, in order', h.wrap(async () => {
    const { res } = await run({}, parallelDeltas);
    const body = await res.json();
    assert.deepEqual(body.output.map((o) => [o.type, o.call_id, o.name, o.arguments]), [
      ['function_call', 'call_a', 'weather', '{"city":"Rome"}'],
      ['function_call', 'call_b', 'time', '{"zone":"CET"}'],
    ]);

    const streamed = await run({}, parallelDeltas, { stream: true });
    const events = (await readSse(streamed.res)).events.map((e) => e.json);
    const done = events.filter((e) => e.type === 'response.function_call_arguments.done');
    assert.deepEqual(done.map((e) => [e.output_index, e.name, e.arguments]),
                     [[0, 'weather', '{"city":"Rome"}'], [1, 'time', '{"zone":"CET"}']]);
    const final = events.at(-1);
    assert.equal(final.type, 'response.completed');
    assert.deepEqual(final.response.output.map((o) => o.arguments), ['{"city":"Rome"}', '{"zone":"CET"}']);
  }));

  test('thousands of tool calls are answered (each call is found without a walk)', h.wrap(async () => {
    const count = 2000;
    const deltas = [];
    for (let i = 0; i < count; i++) deltas.push(opening(i, `c${i}`, 'f'));
    const { res } = await run({}, deltas);
    const body = await res.json();
    assert.equal(body.output.length, count);
    assert.equal(body.output.at(-1).call_id, `c${count - 1}`);
  }));

  test('a streamed response past --max-result-bytes: an error event, the job cancelled', h.wrap(async () => {
    const big = 'x'.repeat(1024);
    const deltas = Array.from({ length: 300 }, () => ({ content: big }));
    const { res, job } = await run({}, deltas, { finish: 'stop', stream: true });
    const events = (await readSse(res)).events.map((e) => e.json);
    const last = events.at(-1);
    assert.equal(last.type, 'error');
    assert.equal(last.code, 'result_too_large');
    assert.ok(!events.some((e) => e.type === 'response.completed'));
    await n.next((f) => f.type === 'cancel' && f.id === job.id);
  }));
});
