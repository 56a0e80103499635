// The suite for the official `openai` npm SDK from its v5 API on (v4 is
// openai_sdk.test.mjs): chat, the tool runner, structured output with zod, the
// Responses API, abort and the error classes, against coordinator + node +
// fake upstream. One body for every major whose API it uses unchanged: each
// test file passes its own imports, which resolve from its own node_modules
// (openai 6 on Node 20 in tests/e2e, the newest major on Node 22 in
// tests/e2e/current).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';
import {
  MODEL, PERSON, SLOW_STREAM, WEATHER_ARGS, assertRetriedAfter, expectCancelledUpstream, failOnce429,
  recordingFetch, startStack, weatherRunnableTool,
} from './sdk_stack.mjs';
import { asFloat32, expectedVector } from '../lib/fake_embeddings.mjs';

// label: ends the describe block's title; name: the harness's (its
// directory); OpenAI: the SDK's default export; zodResponseFormat: from its
// helpers/zod; z: zod.
export function openaiSuite({ label, name, OpenAI, zodResponseFormat, z }) {
  const h = useHarness(name);
  let stack, client;

  before(h.wrap(async () => {
    stack = await startStack(h);
    client = new OpenAI({ apiKey: stack.key, baseURL: stack.baseURL, maxRetries: 0, timeout: 30_000 });
  }));

  const user = (content) => [{ role: 'user', content }];

  describe(`openai SDK, ${label}`, () => {
    test('chat.completions.create, non-streamed and streamed', h.wrap(async () => {
      const c = await client.chat.completions.create({ model: MODEL, messages: user('hello current sdk') });
      assert.equal(c.choices[0].message.content, 'echo: hello current sdk');
      assert.equal(c.choices[0].finish_reason, 'stop');
      const stream = await client.chat.completions.create({
        model: MODEL, messages: user('stream it'), stream: true, stream_options: { include_usage: true },
      });
      let text = '';
      let usage;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        usage ??= chunk.usage ?? undefined;
      }
      assert.equal(text, 'echo: stream it');
      assert.deepEqual(usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    }));

    test('chat.completions.runTools: the function is called and its result answered', h.wrap(async () => {
      const calls = [];
      const runner = client.chat.completions.runTools({
        model: MODEL,
        messages: user(JSON.stringify(WEATHER_ARGS)),
        tools: [weatherRunnableTool(calls)],
      });
      assert.equal(await runner.finalContent(), 'echo: sunny in Paris');
      assert.deepEqual(calls, [WEATHER_ARGS]);
    }));

    test('chat.completions.parse with a zod response format', h.wrap(async () => {
      const Person = z.object({ name: z.string(), age: z.number().int() });
      const c = await client.chat.completions.parse({
        model: MODEL, messages: user(JSON.stringify(PERSON)), response_format: zodResponseFormat(Person, 'person'),
      });
      assert.deepEqual(c.choices[0].message.parsed, PERSON);
    }));

    test('responses.create, non-streamed', h.wrap(async () => {
      const r = await client.responses.create({ model: MODEL, instructions: 'be brief', input: 'hello responses' });
      assert.equal(r.object, 'response');
      assert.equal(r.status, 'completed');
      assert.match(r.id, /^resp_/);
      assert.equal(r.output_text, 'echo: hello responses');
      assert.equal(r.usage.input_tokens, 4);
      assert.equal(r.usage.output_tokens, 3);
      assert.equal(r.usage.total_tokens, 7);
    }));

    test('responses.create, streamed: typed events and the final response', h.wrap(async () => {
      const stream = await client.responses.create({
        model: MODEL, input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream the responses' }] }],
        stream: true,
      });
      const types = [];
      let text = '';
      let final;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') final = event.response;
      }
      assert.equal(text, 'echo: stream the responses');
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
      assert.equal(final.output[0].content[0].text, text);
      assert.equal(final.usage.output_tokens, 4);
    }));

    test('responses.stream helper: the final response from the events (reasoning, then text)', h.wrap(async () => {
      const runner = client.responses.stream({ model: MODEL, input: 'helper stream', fake_reasoning: 'first this' });
      let deltas = '';
      runner.on('response.output_text.delta', (e) => {
        deltas += e.delta;
      });
      const final = await runner.finalResponse();
      assert.equal(final.output_text, 'echo: helper stream');
      assert.equal(deltas, 'echo: helper stream');
      assert.deepEqual(final.output.map((o) => o.type), ['reasoning', 'message']);
    }));

    test('responses: a function call round trip', h.wrap(async () => {
      const tools = [{
        type: 'function', name: 'weather', strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'],
                      additionalProperties: false },
      }];
      const first = await client.responses.create({ model: MODEL, input: JSON.stringify(WEATHER_ARGS), tools });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.equal(call.name, 'weather');
      assert.deepEqual(JSON.parse(call.arguments), WEATHER_ARGS);
      const second = await client.responses.create({
        model: MODEL, tools,
        input: [{ role: 'user', content: JSON.stringify(WEATHER_ARGS) }, call,
                { type: 'function_call_output', call_id: call.call_id, output: 'sunny in Paris' }],
      });
      assert.equal(second.output_text, 'echo: sunny in Paris');
    }));

    test('responses: previous_response_id and store are refused (nothing is stored)', h.wrap(async () => {
      for (const extra of [{ previous_response_id: 'resp_x' }, { store: true }]) {
        await assert.rejects(client.responses.create({ model: MODEL, input: 'x', ...extra }), (err) => {
          assert.ok(err instanceof OpenAI.BadRequestError, `${err.constructor.name}: ${err.message}`);
          assert.match(err.message, /not stored|stores nothing/);
          return true;
        });
      }
    }));

    test('aborting a stream cancels the job on the node', h.wrap(async () => {
      const before = (await stack.upstream.stats()).generations_aborted_by_client;
      const stream = await client.chat.completions.create({
        model: MODEL, messages: user('slow'), stream: true, ...SLOW_STREAM,
      });
      let text = '';
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (text === 't t ') stream.controller.abort();
      }
      assert.equal(text, 't t ');
      await expectCancelledUpstream(stack, before);
    }));

    test('401, 404 and 429 are the SDK error classes; a 429 is retried after Retry-After', h.wrap(async () => {
      const bad = new OpenAI({ apiKey: 'pl_bad', baseURL: stack.baseURL, maxRetries: 0 });
      await assert.rejects(bad.chat.completions.create({ model: MODEL, messages: user('x') }),
                           (err) => err instanceof OpenAI.AuthenticationError && err.status === 401);
      await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: user('x') }),
                           (err) => err instanceof OpenAI.NotFoundError && err.status === 404);
      await assert.rejects(
        client.chat.completions.create({ model: MODEL, messages: user('x'), ...failOnce429() }),
        (err) => err instanceof OpenAI.RateLimitError && err.headers.get('retry-after') === '1',
      );
      const { fetch, attempts } = recordingFetch(failOnce429());
      const retrying = new OpenAI({ apiKey: stack.key, baseURL: stack.baseURL, maxRetries: 1, fetch });
      const c = await retrying.chat.completions.create({ model: MODEL, messages: user('again') });
      assert.equal(c.choices[0].message.content, 'echo: again');
      assertRetriedAfter(attempts);
    }));

    test('embeddings.create, streamed as base64 by the SDK and decoded', h.wrap(async () => {
      const r = await client.embeddings.create({ model: MODEL, input: ['first text', 'second text'] });
      assert.deepEqual(r.data.map((d) => d.index), [0, 1]);
      assert.deepEqual(asFloat32(r.data[0].embedding), expectedVector('first text'));
      assert.deepEqual(asFloat32(r.data[1].embedding), expectedVector('second text'));
      const sized = await client.embeddings.create({ model: MODEL, input: 'short', dimensions: 8 });
      assert.deepEqual(asFloat32(sized.data[0].embedding), expectedVector('short', 8));
    }));
  });
}
