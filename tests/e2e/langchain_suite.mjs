// The suite for LangChain.js (`@langchain/openai` on `@langchain/core`):
// ChatOpenAI invoked and streamed (chat completions and the Responses API),
// bindTools with a tool round trip, withStructuredOutput, embeddings, abort,
// and its errors, against coordinator + node + fake upstream. One body for
// every version whose API it uses unchanged: each test file passes its own
// imports, which resolve from its own node_modules (tests/e2e on Node 20,
// tests/e2e/current on Node 22).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';
import {
  MODEL, PERSON, SLOW_STREAM, WEATHER_ARGS, assertRetriedAfter, expectCancelledUpstream, failOnce429,
  fetchWithFields, recordingFetch, startStack,
} from './sdk_stack.mjs';
import { asFloat32, expectedVector } from '../lib/fake_embeddings.mjs';

// label: ends each describe block's title; name: the harness's (its
// directory); langchainOpenai: the `@langchain/openai` module; HumanMessage
// (`@langchain/core/messages`) and tool (`@langchain/core/tools`); z: zod.
export function langchainSuite({ label, name, langchainOpenai, HumanMessage, tool, z }) {
  const { ChatOpenAI, OpenAIClient, OpenAIEmbeddings } = langchainOpenai;

  const h = useHarness(name);
  let stack;

  before(h.wrap(async () => {
    stack = await startStack(h);
  }));

  const chat = ({ fetch, apiKey = stack.key, model = MODEL, maxRetries = 0, useResponsesApi = false } = {}) =>
    new ChatOpenAI({ model, apiKey, maxRetries, useResponsesApi, configuration: { baseURL: stack.baseURL, fetch } });

  describe(`LangChain ChatOpenAI, ${label}`, () => {
    test('invoke and stream', h.wrap(async () => {
      const m = await chat().invoke('hello langchain');
      assert.equal(m.content, 'echo: hello langchain');
      assert.equal(m.usage_metadata.input_tokens, 2);
      assert.equal(m.usage_metadata.output_tokens, 3);
      let text = '';
      for await (const chunk of await chat().stream('stream langchain')) text += chunk.content;
      assert.equal(text, 'echo: stream langchain');
    }));

    test('useResponsesApi: invoke and stream over /v1/responses', h.wrap(async () => {
      const m = await chat({ useResponsesApi: true }).invoke('hello responses');
      assert.equal(m.text, 'echo: hello responses');
      assert.equal(m.usage_metadata.output_tokens, 3);
      let text = '';
      for await (const chunk of await chat({ useResponsesApi: true }).stream('stream responses')) text += chunk.text;
      assert.equal(text, 'echo: stream responses');
    }));

    test('bindTools: a tool call, the tool run, and its result answered', h.wrap(async () => {
      const calls = [];
      const weather = tool(async (args) => {
        calls.push(args);
        return `sunny in ${args.city}`;
      }, { name: 'weather', description: 'the weather in a city', schema: z.object({ city: z.string() }) });
      const model = chat().bindTools([weather]);
      const question = new HumanMessage(JSON.stringify(WEATHER_ARGS));
      const ai = await model.invoke([question]);
      assert.equal(ai.tool_calls.length, 1);
      assert.equal(ai.tool_calls[0].name, 'weather');
      assert.deepEqual(ai.tool_calls[0].args, WEATHER_ARGS);
      const result = await weather.invoke(ai.tool_calls[0]);
      assert.deepEqual(calls, [WEATHER_ARGS]);
      const answer = await model.invoke([question, ai, result]);
      assert.equal(answer.content, 'echo: sunny in Paris');
    }));

    test('withStructuredOutput with a zod schema', h.wrap(async () => {
      const Person = z.object({ name: z.string(), age: z.number().int() });
      const person = await chat().withStructuredOutput(Person, { name: 'person' }).invoke(JSON.stringify(PERSON));
      assert.deepEqual(person, PERSON);
    }));

    test('aborting a stream cancels the job on the node', h.wrap(async () => {
      const before = (await stack.upstream.stats()).generations_aborted_by_client;
      const ctl = new AbortController();
      let text = '';
      try {
        const stream = await chat({ fetch: fetchWithFields(SLOW_STREAM) }).stream('slow', { signal: ctl.signal });
        for await (const chunk of stream) {
          text += chunk.content;
          if (text === 't t ') ctl.abort();
        }
      } catch (err) {
        // LangChain ends an aborted stream with an error; anything else is a failure.
        assert.match(`${err.name} ${err.message}`, /Abort/);
      }
      assert.equal(text, 't t ');
      await expectCancelledUpstream(stack, before);
    }));

    test('401, 404 and 429 are the OpenAI error classes; a 429 is retried after Retry-After', h.wrap(async () => {
      const failsWith = async (model, Class, status, code) => {
        await assert.rejects(model.invoke('x'), (err) => {
          assert.ok(err instanceof Class, `${err.constructor.name}: ${err.message}`);
          assert.equal(err.status, status);
          assert.equal(err.lc_error_code, code);
          return true;
        });
      };
      await failsWith(chat({ apiKey: 'pl_bad' }), OpenAIClient.AuthenticationError, 401, 'MODEL_AUTHENTICATION');
      await failsWith(chat({ model: 'no-such-model' }), OpenAIClient.NotFoundError, 404, 'MODEL_NOT_FOUND');
      await failsWith(chat({ fetch: fetchWithFields(failOnce429()) }), OpenAIClient.RateLimitError, 429,
                      'MODEL_RATE_LIMIT');
      const { fetch, attempts } = recordingFetch(failOnce429());
      const m = await chat({ fetch, maxRetries: 1 }).invoke('again');
      assert.equal(m.content, 'echo: again');
      assertRetriedAfter(attempts);
    }));
  });

  describe(`LangChain OpenAIEmbeddings, ${label}`, () => {
    test('embedQuery and embedDocuments', h.wrap(async () => {
      const embeddings = new OpenAIEmbeddings({
        model: MODEL, apiKey: stack.key, maxRetries: 0, configuration: { baseURL: stack.baseURL },
      });
      assert.deepEqual(asFloat32(await embeddings.embedQuery('what is potluck?')), expectedVector('what is potluck?'));
      const docs = await embeddings.embedDocuments(['doc one', 'doc two']);
      assert.deepEqual(docs.map(asFloat32), [expectedVector('doc one'), expectedVector('doc two')]);
    }));
  });
}
