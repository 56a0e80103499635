// POST /v1/responses, the Responses API in its stateless form, with raw
// fetch through a real coordinator and node against the fake upstream: the
// request runs as a chat job (the upstream sees a chat body; one usage event,
// metered as chat), the answer comes back as a response object or as the
// typed events in their order, and whatever needs stored state is refused
// with 400.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { expectErrorEnvelope, readSse, useHarness } from '../lib/harness.mjs';

const h = useHarness('responses');
const MODEL = 'fake-model';
let coord, upstream, key;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(key, MODEL);
}));

const respond = (body) => coord.post('/v1/responses', { model: MODEL, ...body }, key);

async function respondStreamed(body) {
  const res = await coord.fetch('/v1/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, ...body, stream: true }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const { events } = await readSse(res);
  for (const [i, e] of events.entries()) {
    assert.equal(e.event, e.json.type, 'the event line names the data type');
    assert.equal(e.json.sequence_number, i, 'sequence numbers count from 0');
  }
  return events.map((e) => e.json);
}

const weatherTool = {
  type: 'function', name: 'weather', description: 'the weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('POST /v1/responses', () => {
  test('non-streamed: a response object with the text, usage, and one chat job metered', h.wrap(async () => {
    const before = await coord.settle();
    const r = await respond({ instructions: 'be brief', input: 'hello responses api' });
    assert.equal(r.status, 200, r.text);
    const body = r.json;
    assert.match(body.id, /^resp_/);
    assert.equal(body.object, 'response');
    assert.equal(body.status, 'completed');
    assert.equal(body.model, MODEL);
    assert.equal(body.instructions, 'be brief');
    assert.equal(body.store, false);
    assert.equal(body.previous_response_id, null);
    assert.equal(body.output.length, 1);
    const [message] = body.output;
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.status, 'completed');
    assert.match(message.id, /^msg_/);
    assert.deepEqual(message.content, [{ type: 'output_text', text: 'echo: hello responses api', annotations: [], logprobs: [] }]);
    // Instructions and input are words of the prompt: 2 + 3; the echo is 4 tokens.
    assert.deepEqual(body.usage, {
      input_tokens: 5, input_tokens_details: { cached_tokens: 0 },
      output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 9,
    });
    // The upstream got a chat request, not the Responses members.
    const keys = (await upstream.stats()).last_body_keys;
    assert.ok(keys.includes('messages'), keys);
    for (const k of ['input', 'instructions', 'store']) assert.ok(!keys.includes(k), `${k} reached the engine: ${keys}`);
    await coord.settle();
    const rows = await coord.usageEvents(`id > ${before}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].kind, 'chat');
    assert.equal(rows[0].status, 'ok');
    assert.equal(rows[0].prompt_tokens, 5);
    assert.equal(rows[0].completion_tokens, 4);
  }));

  test('streamed: the typed events in order, the text assembled, usage at the end', h.wrap(async () => {
    const events = await respondStreamed({
      input: [{ role: 'developer', content: 'terse' },
              { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'stream' }, { type: 'input_text', text: ' me please' }] }],
    });
    const types = events.map((e) => e.type);
    const deltas = types.filter((t) => t === 'response.output_text.delta').length;
    assert.equal(deltas, 4);
    assert.deepEqual(types, [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      ...Array(deltas).fill('response.output_text.delta'),
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, 'echo: stream me please');
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    assert.equal(byType['response.created'].response.status, 'in_progress');
    assert.equal(byType['response.output_text.done'].text, text);
    assert.equal(byType['response.content_part.done'].part.text, text);
    const item = byType['response.output_item.done'].item;
    assert.equal(item.id, byType['response.output_item.added'].item.id);
    assert.equal(item.content[0].text, text);
    const done = byType['response.completed'].response;
    assert.equal(done.id, byType['response.created'].response.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.output[0].content[0].text, text);
    assert.equal(done.usage.input_tokens, 4);
    assert.equal(done.usage.output_tokens, 4);
    assert.equal(done.usage.total_tokens, 8);
  }));

  test('token logprobs: asked for with include, given per output_text token, streamed and not', h.wrap(async () => {
    const body = { input: 'a b c', include: ['message.output_text.logprobs'], top_logprobs: 2 };
    const r = await respond(body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.top_logprobs, 2);
    const [part] = r.json.output[0].content;
    assert.equal(part.text, 'echo: a b c');
    assert.equal(part.logprobs.map((t) => t.token).join(''), part.text, 'one entry per token of the text');
    assert.equal(part.logprobs[0].logprob, -0.25);
    assert.deepEqual(part.logprobs[0].bytes, [...Buffer.from(part.logprobs[0].token)]);
    const keys = (await upstream.stats()).last_body_keys;
    for (const k of ['logprobs', 'top_logprobs']) assert.ok(keys.includes(k), `${k} did not reach the engine: ${keys}`);
    assert.ok(!keys.includes('include'), keys);

    const events = await respondStreamed(body);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    assert.equal(deltas.flatMap((d) => d.logprobs.map((t) => t.token)).join(''), 'echo: a b c');
    const done = events.find((e) => e.type === 'response.output_text.done');
    assert.deepEqual(done.logprobs, deltas.flatMap((d) => d.logprobs));
    const completed = events.find((e) => e.type === 'response.completed');
    assert.deepEqual(completed.response.output[0].content[0].logprobs, done.logprobs);

    const without = await respond({ input: 'a b c', top_logprobs: 2 });
    assert.deepEqual(without.json.output[0].content[0].logprobs, [], 'not included, not given');
    assert.ok(!(await upstream.stats()).last_body_keys.includes('logprobs'));
    expectErrorEnvelope(assert, await respond({ input: 'x', include: ['message.output_text.logprobs'], top_logprobs: 21 }),
      400, { code: 'invalid_top_logprobs' });
  }));

  test('function tools: a streamed call, then its output answered', h.wrap(async () => {
    const input = JSON.stringify({ city: 'Oslo' });
    const events = await respondStreamed({ input, tools: [weatherTool] });
    assert.deepEqual(events.map((e) => e.type), [
      'response.created', 'response.in_progress', 'response.output_item.added',
      'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done', 'response.completed',
    ]);
    const args = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
    assert.equal(args, input);
    const call = events.at(-1).response.output[0];
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'weather');
    assert.equal(call.call_id, 'call_fake_1');
    assert.equal(call.arguments, input);
    assert.match(call.id, /^fc_/);

    const r = await respond({
      tools: [weatherTool],
      input: [{ role: 'user', content: input }, call, { type: 'function_call_output', call_id: call.call_id, output: 'cold in Oslo' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.output[0].content[0].text, 'echo: cold in Oslo');
  }));

  test("an engine's reasoning_content is a reasoning item before the message", h.wrap(async () => {
    const r = await respond({ input: 'think first', fake_reasoning: 'let me see' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.output.map((o) => o.type), ['reasoning', 'message']);
    assert.deepEqual(r.json.output[0].content, [{ type: 'reasoning_text', text: 'let me see' }]);
    assert.match(r.json.output[0].id, /^rs_/);
    assert.equal(r.json.output[1].content[0].text, 'echo: think first');

    const events = await respondStreamed({ input: 'think first', fake_reasoning: 'let me see' });
    assert.deepEqual(events.map((e) => e.type).slice(0, 8), [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.reasoning_text.delta', 'response.reasoning_text.done', 'response.content_part.done',
      'response.output_item.done',
    ]);
    assert.equal(events[3].part.type, 'reasoning_text');
    assert.equal(events[4].delta, 'let me see');
    assert.equal(events[7].item.content[0].text, 'let me see');
    assert.equal(events.at(-1).response.output[1].content[0].text, 'echo: think first');
  }));

  test('text.format json_schema becomes a response_format', h.wrap(async () => {
    const person = JSON.stringify({ name: 'Ada', age: 36 });
    const r = await respond({
      input: person,
      text: { format: { type: 'json_schema', name: 'person', schema: { type: 'object' }, strict: true } },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.output[0].content[0].text, person);
  }));

  test('max_output_tokens: an answer cut at its length is incomplete', h.wrap(async () => {
    const r = await respond({ input: 'one two three four', max_output_tokens: 2 });
    assert.equal(r.json.status, 'incomplete');
    assert.deepEqual(r.json.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(r.json.output[0].content[0].text, 'echo: one ');
    const events = await respondStreamed({ input: 'one two three four', max_output_tokens: 2 });
    assert.equal(events.at(-1).type, 'response.incomplete');
  }));

  test('a stream that breaks after it began ends with an error event', h.wrap(async () => {
    const events = await respondStreamed({ input: 'one two three four five', fake_fail_after: 2 });
    const last = events.at(-1);
    assert.equal(last.type, 'error');
    assert.equal(typeof last.message, 'string');
    assert.equal(typeof last.error.message, 'string');
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, 'echo: one ');
  }));

  test('what needs stored state is refused with 400: nothing is stored', h.wrap(async () => {
    const cases = [
      [{ input: 'x', previous_response_id: 'resp_abc' }, 'previous_response_not_supported'],
      [{ input: 'x', store: true }, 'store_not_supported'],
      [{ input: 'x', conversation: 'conv_1' }, 'conversation_not_supported'],
      [{ input: 'x', background: true }, 'background_not_supported'],
      [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'item_reference_not_supported'],
    ];
    for (const [body, code] of cases) {
      const r = await respond(body);
      const e = expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error', code });
      assert.match(e.message, /not stored/);
    }
    for (const [method, path] of [['GET', '/v1/responses/resp_1'], ['DELETE', '/v1/responses/resp_1'],
                                  ['GET', '/v1/responses/resp_1/input_items'], ['POST', '/v1/responses/resp_1/cancel']]) {
      const r = await coord.request(method, path, { key });
      expectErrorEnvelope(assert, r, 400, { code: 'response_not_stored' });
    }
    const ok = await respond({ input: 'x', store: false });
    assert.equal(ok.status, 200, ok.text);
  }));

  test('bad input is a 400 naming it; input items are bounded', h.wrap(async () => {
    const cases = [
      [{}, 'invalid_input'],
      [{ input: [] }, 'invalid_input'],
      [{ input: 42 }, 'invalid_input'],
      [{ input: [{ role: 'wizard', content: 'x' }] }, 'invalid_input'],
      [{ input: [{ type: 'function_call', name: 'f' }] }, 'invalid_input'],
      [{ input: [{ type: 'computer_call_output', call_id: 'c' }] }, 'invalid_input'],
      [{ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'invalid_input'],
      [{ input: 'x', tools: [{ type: 'web_search' }] }, 'unsupported_tool'],
      [{ input: 'x', tool_choice: { type: 'file_search' } }, 'invalid_tool_choice'],
      [{ input: 'x', text: { format: { type: 'yaml' } } }, 'invalid_text_format'],
      [{ input: 'x', max_output_tokens: -1 }, 'invalid_max_output_tokens'],
      [{ input: 'x', instructions: ['no'] }, 'invalid_instructions'],
      [{ input: Array(4097).fill({ role: 'user', content: 'x' }) }, 'too_many_input_items'],
    ];
    for (const [body, code] of cases) {
      const r = await respond(body);
      expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error', code });
    }
    const raw = await coord.request('POST', '/v1/responses', { key, rawBody: '{"model":', headers: { 'content-type': 'application/json' } });
    expectErrorEnvelope(assert, raw, 400);
    // The chat path's own checks still apply to what the request became.
    const big = await respond({ input: 'x', max_output_tokens: 1e9 });
    expectErrorEnvelope(assert, big, 400, { code: 'max_tokens_too_large' });
    const unknown = await coord.post('/v1/responses', { model: 'no-such-model', input: 'x' }, key);
    expectErrorEnvelope(assert, unknown, 404, { code: 'model_not_found' });
    const anonymous = await coord.post('/v1/responses', { model: MODEL, input: 'x' });
    assert.equal(anonymous.status, 401);
  }));
});
