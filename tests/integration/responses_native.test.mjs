// POST /v1/responses passed through (issue 17): a node started with
// --responses-models offers those models as answering the Responses API
// itself; the coordinator sends such a request there as a `responses` job
// (the request as it came, its output bounded by the hold, store false), and
// relays the engine's events with what it owns replaced: the id, created_at,
// model, store, sequence numbers and the billed usage. Models without it are
// still translated to chat (responses.test.mjs). The fake upstream answers
// natively with "native: <input>", so the path taken shows in the text.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { expectErrorEnvelope, readSse, useHarness } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('responses-native');
const NATIVE = 'native-model';
const TRANSLATED = 'chat-only-model';
const HOSTILE = 'hostile-native';
let coord, upstream, key, client, hostile;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [NATIVE, TRANSLATED] });
  coord = await h.startCoordinator({ args: ['--park-after-failures', '1000'] });
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, args: ['--responses-models', NATIVE] });
  hostile = await connectNode(coord.url, await coord.nodeToken('hostile'));
  await hostile.hello({ models: [{ id: HOSTILE, context: 512, owned_by: 'x', responses: true }] });
  for (const m of [NATIVE, TRANSLATED, HOSTILE]) await coord.waitForModel(key, m);
  client = new OpenAI({ apiKey: key, baseURL: `${coord.url}/v1`, maxRetries: 0, timeout: 30_000 });
}));

const respond = (body) => coord.post('/v1/responses', body, key);

async function respondStreamed(body) {
  const res = await coord.fetch('/v1/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  assert.equal(res.status, 200);
  const { events } = await readSse(res);
  for (const [i, e] of events.entries()) {
    assert.equal(e.event, e.json.type, 'the event line names the data type');
    assert.equal(e.json.sequence_number, i, 'sequence numbers count from 0');
  }
  return events.map((e) => e.json);
}

describe('an engine that answers the Responses API itself', () => {
  test('non-streamed: the engine\'s response, with the id, model, store and usage the coordinator owns', h.wrap(async () => {
    const before = await coord.settle();
    const stats = await upstream.stats();
    const r = await respond({ model: NATIVE, instructions: 'be brief', input: 'hello native engine' });
    assert.equal(r.status, 200, r.text);
    const body = r.json;
    assert.equal(body.output[0].content[0].text, 'native: hello native engine', 'passed through, not translated');
    assert.equal(body.engine, 'fake-upstream', "the engine's own members reach the client");
    assert.match(body.id, /^resp_/);
    assert.doesNotMatch(body.id, /fake/, "the engine's response id is replaced");
    assert.equal(body.model, NATIVE);
    assert.equal(body.store, false);
    assert.equal(body.status, 'completed');
    assert.equal(body.usage.input_tokens, 5);
    assert.equal(body.usage.output_tokens, 4);
    assert.equal(body.usage.total_tokens, 9);
    assert.deepEqual(body.usage.input_tokens_details, { cached_tokens: 0 });

    const after = await upstream.stats();
    assert.equal(after.responses - stats.responses, 1);
    assert.equal(after.chat - stats.chat, 0, 'no chat request reached the engine');
    assert.equal(after.responses_stored, 0, 'the engine was asked to store nothing');
    for (const k of ['input', 'instructions', 'store', 'max_output_tokens']) assert.ok(after.last_body_keys.includes(k), `${k}: ${after.last_body_keys}`);
    await coord.settle();
    const rows = await coord.usageEvents(`id > ${before}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].kind, 'responses');
    assert.equal(rows[0].status, 'ok');
    assert.equal(rows[0].prompt_tokens, 5);
    assert.equal(rows[0].completion_tokens, 4);
  }));

  test("streamed: the engine's events in order, renumbered, the final one with the billed usage", h.wrap(async () => {
    const events = await respondStreamed({ model: NATIVE, input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream natively' }] }] });
    const types = events.map((e) => e.type);
    assert.deepEqual(types, [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, 'native: stream natively');
    const created = events[0].response;
    const completed = events.at(-1).response;
    assert.equal(completed.id, created.id);
    assert.doesNotMatch(created.id, /fake/);
    assert.equal(completed.model, NATIVE);
    assert.equal(completed.store, false);
    assert.equal(completed.output[0].content[0].text, text);
    assert.equal(completed.usage.input_tokens, 2);
    assert.equal(completed.usage.output_tokens, 3);
  }));

  test("the output is bounded by the hold: max_output_tokens always reaches the engine", h.wrap(async () => {
    const r = await respond({ model: NATIVE, input: 'one two three four five', max_output_tokens: 2 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'incomplete');
    assert.equal(r.json.output[0].content[0].text, 'native: one ');
  }));

  test('client.responses.create, streamed and not, through the openai SDK', h.wrap(async () => {
    const whole = await client.responses.create({ model: NATIVE, input: 'sdk whole' });
    assert.equal(whole.output_text, 'native: sdk whole');
    const stream = await client.responses.create({ model: NATIVE, input: 'sdk stream', stream: true });
    let text = '';
    let done;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') done = event.response;
    }
    assert.equal(text, 'native: sdk stream');
    assert.equal(done.output_text ?? done.output[0].content[0].text, 'native: sdk stream');
  }));

  test('a model whose engine lacks the Responses API is still translated to chat', h.wrap(async () => {
    const r = await respond({ model: TRANSLATED, input: 'translate me' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.output[0].content[0].text, 'echo: translate me');
  }));

  test('what needs stored state is refused before any node sees it', h.wrap(async () => {
    const stats = await upstream.stats();
    expectErrorEnvelope(assert, await respond({ model: NATIVE, input: 'x', previous_response_id: 'resp_1' }), 400,
      { code: 'previous_response_not_supported' });
    expectErrorEnvelope(assert, await respond({ model: NATIVE, input: 'x', store: true }), 400,
      { code: 'store_not_supported' });
    assert.equal((await upstream.stats()).responses, stats.responses);
  }));
});

describe('what a node passes through is checked', () => {
  // Answers the next job with `chunks` (deltas: objects sent as JSON text, or
  // raw text), then done.
  async function answerWith(chunks, { stream = false } = {}) {
    const body = { model: HOSTILE, input: 'x', stream };
    const pending = stream
      ? coord.fetch('/v1/responses', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      : respond(body);
    const job = await hostile.next('job');
    assert.equal(job.kind, 'responses');
    assert.equal(job.payload.store, false);
    assert.equal(typeof job.payload.max_output_tokens, 'number');
    let seq = 0;
    for (const delta of chunks) hostile.send({ type: 'chunk', id: job.id, seq: seq++, index: 0, delta });
    hostile.send({ type: 'done', id: job.id, usage: { prompt_tokens: 1, completion_tokens: 1 } });
    return pending;
  }
  const completed = { type: 'response.completed', response: { id: 'resp_engine', status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 1 } } };

  test('a well-formed stream passes', h.wrap(async () => {
    const res = await answerWith([{ type: 'response.created', response: { id: 'resp_engine', status: 'in_progress' } }, completed], { stream: true });
    const { events } = await readSse(res);
    assert.deepEqual(events.map((e) => e.json.type), ['response.created', 'response.completed']);
    assert.doesNotMatch(events[1].json.response.id, /engine/);
  }));

  test('a stream without its final event, an error event or a non-object fails the job', h.wrap(async () => {
    for (const chunks of [
      [{ type: 'response.created', response: {} }],
      [{ type: 'error', message: 'x' }, completed],
      [{ no_type: true }, completed],
      [completed, { type: 'response.output_text.delta', delta: 'after the end' }],
    ]) {
      const res = await answerWith(chunks, { stream: true });
      const text = await res.text();
      const what = `${JSON.stringify(chunks)}: ${res.status} ${text}`;
      // Refused before the stream began: a JSON error; after: an error event.
      if (res.status === 200) assert.match(text, /"type":"error"/, what);
      else assert.equal(res.status, 502, what);
      assert.match(text, /malformed_output|node_error/, what);
      assert.doesNotMatch(text, /"response.completed"/, what);
    }
  }));

  test('a whole answer must be one response object', h.wrap(async () => {
    const ok = await answerWith([{ id: 'resp_engine', object: 'response', status: 'completed', output: [] }]);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.store, false);
    expectErrorEnvelope(assert, await answerWith([completed]), 502);
    expectErrorEnvelope(assert, await answerWith([]), 502);
  }));
});
