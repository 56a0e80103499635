// The suite for the Vercel AI SDK (`ai`) through both of its OpenAI
// providers: `@ai-sdk/openai-compatible` (chat completions) and
// `@ai-sdk/openai`. Text (generated and streamed), a tool loop, structured
// output, the Responses API model, embeddings, abort and the error class,
// against coordinator + node + fake upstream. One body for every major whose
// API it uses unchanged: each test file passes its own imports, which resolve
// from its own node_modules (ai 6 on Node 20 in tests/e2e, the newest majors
// on Node 22 in tests/e2e/current).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';
import {
  MODEL, PERSON, SLOW_STREAM, WEATHER_ARGS, assertRetriedAfter, expectCancelledUpstream, failOnce429,
  fetchWithFields, recordingFetch, startStack,
} from './sdk_stack.mjs';
import { asFloat32, expectedVector } from '../lib/fake_embeddings.mjs';

// label: ends each describe block's title; name: the harness's (its
// directory); ai: the `ai` module; createOpenAI and
// createOpenAICompatible: the providers' factories; z: zod.
export function aiSdkSuite({ label, name, ai, createOpenAI, createOpenAICompatible, z }) {
  const { APICallError, Output, embed, embedMany, generateObject, generateText, stepCountIs, streamText, tool } = ai;
  const personSchema = () => z.object({ name: z.string(), age: z.number().int() });
  // A tool that records each call's arguments in `calls` and answers "<sky> in <city>".
  const weatherTool = (calls, sky) => tool({
    description: 'the weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async (args) => {
      calls.push(args);
      return `${sky} in ${args.city}`;
    },
  });
  // generateText with `model` fails with an APICallError of `status`.
  const failsWith = async (model, status) => {
    await assert.rejects(generateText({ model, prompt: 'x', maxRetries: 0 }), (err) => {
      assert.ok(APICallError.isInstance(err), `${err.constructor.name}: ${err.message}`);
      assert.equal(err.statusCode, status);
      return true;
    });
  };

  const h = useHarness(name);
  let stack;

  before(h.wrap(async () => {
    stack = await startStack(h);
  }));

  // The openai-compatible provider's chat model, with an optional fetch.
  const compatible = (fetch, apiKey = stack.key) =>
    createOpenAICompatible({ name: 'potluck', baseURL: stack.baseURL, apiKey, fetch, includeUsage: true })(MODEL);

  describe(`AI SDK with @ai-sdk/openai-compatible, ${label}`, () => {
    test('generateText and streamText', h.wrap(async () => {
      const g = await generateText({ model: compatible(), prompt: 'hello ai sdk', maxRetries: 0 });
      assert.equal(g.text, 'echo: hello ai sdk');
      assert.equal(g.finishReason, 'stop');
      assert.equal(g.usage.inputTokens, 3);
      assert.equal(g.usage.outputTokens, 4);
      const s = streamText({ model: compatible(), prompt: 'stream ai sdk', maxRetries: 0 });
      let text = '';
      for await (const piece of s.textStream) text += piece;
      assert.equal(text, 'echo: stream ai sdk');
      assert.equal((await s.usage).outputTokens, 4);
    }));

    test('generateText with a tool: the SDK calls it and sends the result back', h.wrap(async () => {
      const calls = [];
      const weather = weatherTool(calls, 'sunny');
      const g = await generateText({
        model: compatible(), prompt: JSON.stringify(WEATHER_ARGS), tools: { weather }, stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      assert.deepEqual(calls, [WEATHER_ARGS]);
      assert.equal(g.steps.length, 2);
      assert.equal(g.steps[0].finishReason, 'tool-calls');
      assert.equal(g.text, 'echo: sunny in Paris');
    }));

    test('structured output: generateObject, and generateText with Output.object', h.wrap(async () => {
      const g = await generateObject({
        model: compatible(), schema: personSchema(), prompt: JSON.stringify(PERSON), maxRetries: 0,
      });
      assert.deepEqual(g.object, PERSON);
      // What both majors' docs advise now that generateObject is deprecated;
      // with supportsStructuredOutputs the provider sends the schema
      // (json_schema) instead of json_object (it warns it cannot without).
      const structured = createOpenAICompatible({
        name: 'potluck', baseURL: stack.baseURL, apiKey: stack.key, supportsStructuredOutputs: true,
      })(MODEL);
      const t = await generateText({
        model: structured, output: Output.object({ schema: personSchema() }), prompt: JSON.stringify(PERSON),
        maxRetries: 0,
      });
      assert.deepEqual(t.output, PERSON);
    }));

    test('aborting streamText cancels the job on the node', h.wrap(async () => {
      const before = (await stack.upstream.stats()).generations_aborted_by_client;
      const ctl = new AbortController();
      const s = streamText({
        model: compatible(fetchWithFields(SLOW_STREAM)), prompt: 'slow', abortSignal: ctl.signal, maxRetries: 0,
      });
      let text = '';
      // The text stream ends quietly once aborted.
      for await (const piece of s.textStream) {
        text += piece;
        if (text === 't t ') ctl.abort();
      }
      assert.equal(text, 't t ');
      await expectCancelledUpstream(stack, before);
    }));

    test('401, 404 and 429 are APICallErrors; a 429 is retried after Retry-After', h.wrap(async () => {
      await failsWith(compatible(undefined, 'pl_bad'), 401);
      const provider = createOpenAICompatible({ name: 'potluck', baseURL: stack.baseURL, apiKey: stack.key });
      await failsWith(provider('no-such-model'), 404);
      await failsWith(compatible(fetchWithFields(failOnce429())), 429);
      const { fetch, attempts } = recordingFetch(failOnce429());
      const g = await generateText({ model: compatible(fetch), prompt: 'again', maxRetries: 1 });
      assert.equal(g.text, 'echo: again');
      assertRetriedAfter(attempts);
    }));
  });

  describe(`AI SDK with @ai-sdk/openai, ${label}`, () => {
    const openai = (fetch) => createOpenAI({ baseURL: stack.baseURL, apiKey: stack.key, fetch });

    test('the chat model: generateText and streamText', h.wrap(async () => {
      const g = await generateText({ model: openai().chat(MODEL), prompt: 'hello openai provider', maxRetries: 0 });
      assert.equal(g.text, 'echo: hello openai provider');
      const s = streamText({ model: openai().chat(MODEL), prompt: 'stream openai provider', maxRetries: 0 });
      let text = '';
      for await (const piece of s.textStream) text += piece;
      assert.equal(text, 'echo: stream openai provider');
    }));

    test('the chat model: a tool loop and structured output', h.wrap(async () => {
      const calls = [];
      const weather = weatherTool(calls, 'rain');
      const g = await generateText({
        model: openai().chat(MODEL), prompt: JSON.stringify(WEATHER_ARGS), tools: { weather },
        stopWhen: stepCountIs(3), maxRetries: 0,
      });
      assert.deepEqual(calls, [WEATHER_ARGS]);
      assert.equal(g.text, 'echo: rain in Paris');
      const o = await generateObject({
        model: openai().chat(MODEL), schema: personSchema(), prompt: JSON.stringify(PERSON), maxRetries: 0,
      });
      assert.deepEqual(o.object, PERSON);
    }));

    test('the default (Responses API) model: generateText and streamText', h.wrap(async () => {
      const g = await generateText({
        model: openai()(MODEL), system: 'be brief', prompt: 'hello responses model', maxRetries: 0,
      });
      assert.equal(g.text, 'echo: hello responses model');
      assert.equal(g.finishReason, 'stop');
      assert.equal(g.usage.inputTokens, 5);
      assert.equal(g.usage.outputTokens, 4);
      const s = streamText({ model: openai()(MODEL), prompt: 'stream responses model', maxRetries: 0 });
      let text = '';
      for await (const piece of s.textStream) text += piece;
      assert.equal(text, 'echo: stream responses model');
      assert.equal((await s.usage).outputTokens, 4);

      // An engine's reasoning arrives as a reasoning item, which the SDK reads.
      const r = await generateText({
        model: openai(fetchWithFields({ fake_reasoning: 'hmm' }))(MODEL), prompt: 'reason then answer', maxRetries: 0,
      });
      assert.equal(r.text, 'echo: reason then answer');
      assert.equal(r.reasoning.length, 1);
    }));

    test('the default (Responses API) model: a tool loop, stateless (store: false)', h.wrap(async () => {
      const calls = [];
      const weather = weatherTool(calls, 'fog');
      const g = await generateText({
        model: openai()(MODEL), prompt: JSON.stringify(WEATHER_ARGS), tools: { weather }, stopWhen: stepCountIs(3),
        // Without it the SDK refers to earlier items by id, which needs them stored.
        providerOptions: { openai: { store: false } }, maxRetries: 0,
      });
      assert.deepEqual(calls, [WEATHER_ARGS]);
      assert.equal(g.steps.length, 2);
      assert.equal(g.text, 'echo: fog in Paris');
    }));

    test('the default (Responses API) model: structured output (text.format json_schema)', h.wrap(async () => {
      const t = await generateText({
        model: openai()(MODEL), output: Output.object({ schema: personSchema() }), prompt: JSON.stringify(PERSON),
        maxRetries: 0,
      });
      assert.deepEqual(t.output, PERSON);
    }));

    test('the default (Responses API) model: 401, 404 and 429 are APICallErrors; a 429 is retried', h.wrap(async () => {
      await failsWith(createOpenAI({ baseURL: stack.baseURL, apiKey: 'pl_bad' })(MODEL), 401);
      await failsWith(openai()('no-such-model'), 404);
      await failsWith(openai(fetchWithFields(failOnce429()))(MODEL), 429);
      const { fetch, attempts } = recordingFetch(failOnce429());
      const g = await generateText({ model: openai(fetch)(MODEL), prompt: 'again', maxRetries: 1 });
      assert.equal(g.text, 'echo: again');
      assertRetriedAfter(attempts);
    }));

    test('the chat model: 429 is retried after Retry-After', h.wrap(async () => {
      const { fetch, attempts } = recordingFetch(failOnce429());
      const g = await generateText({ model: openai(fetch).chat(MODEL), prompt: 'again', maxRetries: 1 });
      assert.equal(g.text, 'echo: again');
      assertRetriedAfter(attempts);
    }));

    test('embed and embedMany', h.wrap(async () => {
      const model = openai().embedding(MODEL);
      const one = await embed({ model, value: 'sunny day at the beach', maxRetries: 0 });
      assert.deepEqual(asFloat32(one.embedding), expectedVector('sunny day at the beach'));
      assert.ok(one.usage.tokens > 0);
      const many = await embedMany({ model, values: ['a', 'b c', 'd e f'], maxRetries: 0 });
      assert.deepEqual(many.embeddings.map(asFloat32), ['a', 'b c', 'd e f'].map((v) => expectedVector(v)));
    }));
  });

  describe(`AI SDK embeddings with @ai-sdk/openai-compatible, ${label}`, () => {
    test('embedMany', h.wrap(async () => {
      const provider = createOpenAICompatible({ name: 'potluck', baseURL: stack.baseURL, apiKey: stack.key });
      const many = await embedMany({ model: provider.textEmbeddingModel(MODEL), values: ['x', 'y'], maxRetries: 0 });
      assert.deepEqual(many.embeddings.map(asFloat32), [expectedVector('x'), expectedVector('y')]);
    }));
  });
}
