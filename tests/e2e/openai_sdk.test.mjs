// End to end with the official `openai` npm SDK (v4) as the consumer:
// coordinator + node + fake upstream, and the SDK pointed at /v1. If the SDK
// parses it, the wire format is right.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { useHarness } from '../lib/harness.mjs';
import {
  PERSON, SLOW_STREAM, WEATHER_ARGS, assertRetriedAfter, expectCancelledUpstream, failOnce429, recordingFetch,
  weatherRunnableTool,
} from './sdk_stack.mjs';
import { asFloat32, expectedVector } from '../lib/fake_embeddings.mjs';

const h = useHarness('e2e-sdk');
const MODEL = 'fake-model';
let coord, key, client, upstream;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL, 'fake-model-2'] });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, args: ['--embedding-models', MODEL] });
  await coord.waitForModel(key, MODEL);
  await coord.waitForModel(key, 'fake-model-2');
  client = new OpenAI({ apiKey: key, baseURL: `${coord.url}/v1`, maxRetries: 0, timeout: 30_000 });
}));

describe('openai SDK', () => {
  test('models.list() contains the upstream models', h.wrap(async () => {
    const ids = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    assert.ok(ids.includes(MODEL), `models: ${ids}`);
    assert.ok(ids.includes('fake-model-2'), `models: ${ids}`);
  }));

  test('chat.completions.create, non-streamed', h.wrap(async () => {
    const c = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello from the sdk' }],
    });
    assert.equal(c.object, 'chat.completion');
    assert.equal(c.model, MODEL);
    assert.equal(c.choices[0].message.role, 'assistant');
    assert.equal(c.choices[0].message.content, 'echo: hello from the sdk');
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  }));

  test('chat.completions.create, streamed: chunks assemble to the echo', h.wrap(async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'stream through potluck' }],
      stream: true,
    });
    let text = '';
    let role;
    let finish;
    const ids = new Set();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      assert.equal(chunk.object, 'chat.completion.chunk');
      const choice = chunk.choices[0];
      if (!choice) continue;
      role ??= choice.delta.role;
      text += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    assert.equal(text, 'echo: stream through potluck');
    assert.equal(role, 'assistant');
    assert.equal(finish, 'stop');
    assert.equal(ids.size, 1, 'all chunks share one id');
  }));

  test('streamed with stream_options.include_usage: the usage arrives', h.wrap(async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'four words right here' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.equal(text, 'echo: four words right here');
    assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  }));

  test('the stream helper assembles a final chat completion', h.wrap(async () => {
    const runner = client.beta.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'helper test' }],
    });
    let deltas = '';
    runner.on('content', (delta) => {
      deltas += delta;
    });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.content, 'echo: helper test');
    assert.equal(deltas, 'echo: helper test');
  }));

  test('completions.create, non-streamed and streamed', h.wrap(async () => {
    const c = await client.completions.create({ model: MODEL, prompt: 'complete me' });
    assert.equal(c.object, 'text_completion');
    assert.equal(c.choices[0].text, 'echo: complete me');
    const stream = await client.completions.create({ model: MODEL, prompt: 'stream me', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, 'echo: stream me');
  }));

  test('an unknown model is a NotFoundError (404)', h.wrap(async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `${err.constructor.name}: ${err.message}`);
        assert.equal(err.status, 404);
        assert.equal(typeof err.error?.message, 'string');
        return true;
      },
    );
  }));

  test('a bad key is an AuthenticationError (401)', h.wrap(async () => {
    const bad = new OpenAI({ apiKey: 'pl_bad', baseURL: `${coord.url}/v1`, maxRetries: 0 });
    await assert.rejects(bad.models.list(), (err) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.status, 401);
      return true;
    });
    await assert.rejects(
      bad.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }),
      (err) => err instanceof OpenAI.AuthenticationError && err.status === 401,
    );
  }));

  test('a malformed request is a BadRequestError (400)', h.wrap(async () => {
    await assert.rejects(client.chat.completions.create({ model: MODEL }), (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.status, 400);
      return true;
    });
  }));

  test('an upstream failure is an APIError with status 502', h.wrap(async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'x' }],
        // Unknown fields pass through to the fake upstream, which fails on request.
        fake_status: 500,
      }),
      (err) => {
        assert.ok(err instanceof OpenAI.APIError, `${err.constructor.name}: ${err.message}`);
        assert.equal(err.status, 502);
        return true;
      },
    );
  }));

  test('a stream that breaks mid-way throws from the iterator', h.wrap(async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'one two three four five' }],
      stream: true,
      fake_fail_after: 2,
    });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
      (err) => err instanceof OpenAI.APIError,
    );
    assert.equal(text, 'echo: one ');
  }));

  test('runTools: the SDK calls the function and sends its result back', h.wrap(async () => {
    const calls = [];
    const runner = client.beta.chat.completions.runTools({
      model: MODEL,
      messages: [{ role: 'user', content: JSON.stringify(WEATHER_ARGS) }],
      tools: [weatherRunnableTool(calls)],
    });
    assert.equal(await runner.finalContent(), 'echo: sunny in Paris');
    assert.deepEqual(calls, [WEATHER_ARGS]);
    const messages = runner.messages;
    assert.equal(messages.at(-2).role, 'tool');
    assert.equal(messages.at(-2).tool_call_id, 'call_fake_1');
  }));

  test('structured output: response_format json_schema', h.wrap(async () => {
    const c = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: JSON.stringify(PERSON) }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          strict: true,
          schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } },
                    required: ['name', 'age'], additionalProperties: false },
        },
      },
    });
    assert.deepEqual(JSON.parse(c.choices[0].message.content), PERSON);
  }));

  test('aborting a stream cancels the job on the node', h.wrap(async () => {
    const before = (await upstream.stats()).generations_aborted_by_client;
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'slow' }], stream: true, ...SLOW_STREAM,
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (text === 't t ') stream.controller.abort();
    }
    assert.equal(text, 't t ');
    await expectCancelledUpstream({ coord, upstream }, before);
  }));

  test('a 429 with Retry-After is a RateLimitError, and the SDK retries after waiting', h.wrap(async () => {
    const plain = failOnce429();
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], ...plain }),
      (err) => err instanceof OpenAI.RateLimitError && err.status === 429 && err.headers['retry-after'] === '1',
    );
    const { fetch, attempts } = recordingFetch(failOnce429());
    const retrying = new OpenAI({ apiKey: key, baseURL: `${coord.url}/v1`, maxRetries: 1, fetch });
    const c = await retrying.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'again' }] });
    assert.equal(c.choices[0].message.content, 'echo: again');
    assertRetriedAfter(attempts);
  }));

  test('embeddings.create: one vector per input, as the engine computed them (base64 on the wire)', h.wrap(async () => {
    const r = await client.embeddings.create({ model: MODEL, input: ['hello world', 'potluck'] });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 2);
    assert.deepEqual(asFloat32(r.data[0].embedding), expectedVector('hello world'));
    assert.deepEqual(asFloat32(r.data[1].embedding), expectedVector('potluck'));
    assert.ok(r.usage.prompt_tokens > 0);
    const floats = await client.embeddings.create({ model: MODEL, input: 'one', encoding_format: 'float' });
    assert.deepEqual(asFloat32(floats.data[0].embedding), expectedVector('one'));
  }));
});
