// What an engine returns reaches the client unchanged (issue 17, fidelity):
// tool calls (content null stays null), logprobs, n > 1 choices with their
// indexes, reasoning_content, system_fingerprint and usage details, streamed
// and not, through the synchronous endpoints and /v1/jobs; an engine's 429,
// 503 and 400 keep their status, Retry-After and a sanitised message (which
// no log holds); a streamed answer to an HTTP/1.0 client comes unchunked and
// ends with the connection. Real processes: a coordinator, a node with the
// openai backend and the fake upstream, which produces each field.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { expectErrorEnvelope, randomToken, rawHttp, readSse, streamText, useHarness, waitFor } from '../lib/harness.mjs';

const h = useHarness('fidelity');
const MODEL = 'fake-model';
let coord, key, node;

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  node = await h.startNode({ coordinator: coord, upstream, models: [MODEL] });
  await coord.waitForModel(key, MODEL);
}));

const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });
const TOOL = { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' };

async function streamed(path, body) {
  const res = await coord.fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  assert.equal(res.status, 200);
  const sse = await readSse(res);
  assert.ok(sse.done, 'the stream ended with [DONE]');
  return sse.events.filter((e) => e.json);
}

async function ok(path, body) {
  const r = await coord.post(path, body, key);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// The tool calls of a stream, accumulated as the SDKs do (by index).
function streamedToolCalls(events) {
  const calls = [];
  for (const e of events) {
    for (const delta of (e.json.choices ?? []).map((c) => c.delta ?? {})) {
      for (const piece of delta.tool_calls ?? []) {
        calls[piece.index] ??= { id: '', type: '', function: { name: '', arguments: '' } };
        const call = calls[piece.index];
        if (piece.id) call.id = piece.id;
        if (piece.type) call.type = piece.type;
        if (piece.function?.name) call.function.name += piece.function.name;
        if (piece.function?.arguments) call.function.arguments += piece.function.arguments;
      }
    }
  }
  return calls;
}

describe('tool calls', () => {
  test('a non-streamed answer keeps its tool_calls, and content null stays null', h.wrap(async () => {
    const answer = await ok('/v1/chat/completions', chat('weather?', { fake_tool_call: TOOL }));
    const choice = answer.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, null);
    assert.deepEqual(choice.message.tool_calls, [{ id: 'call_fake_1', type: 'function', function: TOOL }]);
  }));

  test('a streamed answer relays the tool call deltas', h.wrap(async () => {
    const events = await streamed('/v1/chat/completions', chat('weather?', { fake_tool_call: TOOL }));
    assert.deepEqual(streamedToolCalls(events), [{ id: 'call_fake_1', type: 'function', function: TOOL }]);
    assert.ok(events.some((e) => e.json.choices[0]?.finish_reason === 'tool_calls'));
  }));

  test('an asynchronous job\'s result keeps its tool_calls', h.wrap(async () => {
    const submitted = await coord.post('/v1/jobs', { model: MODEL, payload: { messages: [{ role: 'user', content: 'w?' }], fake_tool_call: TOOL } }, key);
    assert.equal(submitted.status, 202, submitted.text);
    let job;
    await waitFor(async () => {
      job = (await coord.get(`/v1/jobs/${submitted.json.id}`, key)).json;
      return job.state !== 'pending' && job.state !== 'assigned' && job.state !== 'running';
    }, { what: 'the job to end' });
    assert.equal(job.state, 'completed', JSON.stringify(job));
    const message = job.result.choices[0].message;
    assert.equal(message.content, null);
    assert.deepEqual(message.tool_calls, [{ id: 'call_fake_1', type: 'function', function: TOOL }]);
  }));
});

describe('several choices', () => {
  test('n > 1 keeps every choice and its index, streamed and not', h.wrap(async () => {
    const answer = await ok('/v1/chat/completions', chat('three of them', { n: 3 }));
    assert.deepEqual(answer.choices.map((c) => c.index), [0, 1, 2]);
    for (const c of answer.choices) assert.equal(c.message.content, 'echo: three of them');
    const events = await streamed('/v1/chat/completions', chat('three of them', { n: 3 }));
    const indexes = new Set(events.flatMap((e) => e.json.choices.map((c) => c.index)));
    assert.deepEqual([...indexes].sort(), [0, 1, 2]);
    for (const index of indexes) {
      const text = events.flatMap((e) => e.json.choices.filter((c) => c.index === index)).map((c) => c.delta.content ?? '').join('');
      assert.equal(text, 'echo: three of them');
    }
  }));
});

describe('logprobs', () => {
  test('chat logprobs reach the client, non-streamed and streamed', h.wrap(async () => {
    const answer = await ok('/v1/chat/completions', chat('a b c', { logprobs: true }));
    const { content } = answer.choices[0].logprobs;
    assert.equal(content.map((t) => t.token).join(''), 'echo: a b c');
    assert.equal(content[0].logprob, -0.25);
    const events = await streamed('/v1/chat/completions', chat('a b c', { logprobs: true }));
    const tokens = events.flatMap((e) => e.json.choices).filter((c) => c.logprobs).flatMap((c) => c.logprobs.content.map((t) => t.token));
    assert.equal(tokens.join(''), 'echo: a b c');
  }));

  test('completion logprobs reach the client, non-streamed and streamed', h.wrap(async () => {
    const answer = await ok('/v1/completions', { model: MODEL, prompt: 'x y', logprobs: 1 });
    assert.equal(answer.choices[0].text, 'echo: x y');
    assert.deepEqual(answer.choices[0].logprobs.tokens, ['echo: ', 'x ', 'y']);
    assert.deepEqual(answer.choices[0].logprobs.token_logprobs, [-0.25, -0.5, -0.75]);
    const events = await streamed('/v1/completions', { model: MODEL, prompt: 'x y', logprobs: 1 });
    const tokens = events.flatMap((e) => e.json.choices).filter((c) => c.logprobs).flatMap((c) => c.logprobs.tokens);
    assert.deepEqual(tokens, ['echo: ', 'x ', 'y']);
  }));
});

describe('other fields the engine returns', () => {
  const extras = { fake_reasoning: 'think first', fake_fingerprint: 'fp_fake42', fake_usage_details: true };

  test('reasoning_content, system_fingerprint and usage details in a non-streamed answer', h.wrap(async () => {
    const answer = await ok('/v1/chat/completions', chat('why', extras));
    assert.equal(answer.choices[0].message.reasoning_content, 'think first');
    assert.equal(answer.choices[0].message.content, 'echo: why');
    assert.equal(answer.system_fingerprint, 'fp_fake42');
    assert.deepEqual(answer.usage.prompt_tokens_details, { cached_tokens: 1, audio_tokens: 0 });
    assert.deepEqual(answer.usage.completion_tokens_details, { reasoning_tokens: 1 });
    assert.match(answer.id, /^chatcmpl-/);
    assert.notEqual(answer.id.startsWith('chatcmpl-fake'), true, 'the coordinator owns the id');
  }));

  test('and in a stream', h.wrap(async () => {
    const events = await streamed('/v1/chat/completions', chat('why', { ...extras, stream_options: { include_usage: true } }));
    assert.ok(events.every((e) => e.json.system_fingerprint === 'fp_fake42'), 'every chunk carries the fingerprint');
    const reasoning = events.flatMap((e) => e.json.choices).map((c) => c.delta?.reasoning_content ?? '').join('');
    assert.equal(reasoning, 'think first');
    assert.equal(streamText(events), 'echo: why');
    const usage = events.at(-1).json.usage;
    assert.deepEqual(usage.prompt_tokens_details, { cached_tokens: 1, audio_tokens: 0 });
  }));
});

describe('engine errors', () => {
  const logs = () => node.stdout() + node.stderr() + coord.proc.stdout() + coord.proc.stderr();

  test('a 429 keeps its status and Retry-After', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 429, fake_retry_after: '7' }), key);
    const e = expectErrorEnvelope(assert, r, 429, { type: 'rate_limit_error' });
    assert.equal(r.headers.get('retry-after'), '7');
    assert.match(e.message, /fake_status 429/);
  }));

  test('a 503 stays 503, streamed or not', h.wrap(async () => {
    for (const stream of [false, true]) {
      const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 503, stream }), key);
      expectErrorEnvelope(assert, r, 503);
      assert.equal(r.headers.get('retry-after'), '1');
    }
  }));

  test('a 400 reaches the client with the engine\'s message, sanitised, bounded and logged nowhere', h.wrap(async () => {
    const marker = `ctx-${randomToken(6)}`;
    const message = `This model's maximum context length is 8192 tokens (${marker})\u001b[31m\u0007 red\u202e` + 'z'.repeat(5000);
    const r = await coord.post('/v1/chat/completions', chat('x', { fake_status: 400, fake_error_message: message }), key);
    const e = expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
    assert.ok(e.message.includes(`maximum context length is 8192 tokens (${marker})`), e.message);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(e.message), 'control characters were removed');
    assert.ok(e.message.length < 700, `the message is capped (${e.message.length} characters)`);
    const completion = await coord.post('/v1/completions', { model: MODEL, prompt: 'p', fake_status: 400, fake_error_message: marker }, key);
    expectErrorEnvelope(assert, completion, 400);
    assert.ok(completion.json.error.message.includes(marker));
    assert.ok(!logs().includes(marker), 'the engine\'s message reached a log');
  }));
});

describe('HTTP/1.0 clients', () => {
  test('a stream is sent without chunked encoding and ends with the connection', h.wrap(async () => {
    const body = JSON.stringify(chat('old client', { stream: true }));
    const r = await rawHttp(coord.port,
      `POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['transfer-encoding'], undefined);
    assert.equal(r.headers.connection, 'close');
    assert.match(r.body, /^data: \{/, 'the body starts with an event, not a chunk size');
    assert.ok(r.body.endsWith('data: [DONE]\n\n'), 'the body ends with [DONE] and no terminating chunk');
    const text = r.body.split('\n\n').filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'echo: old client');
  }));
});
