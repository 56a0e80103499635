// What every client-library suite in tests/e2e shares: one coordinator, one
// node and one fake upstream, and fetch wrappers that the libraries accept in
// place of the global fetch. The wrappers let a suite use the fake upstream's
// test hooks (extra body fields, which the coordinator passes through) from
// libraries that have no way to add body fields, and count the attempts a
// library makes, so that its retry can be observed on the wire.
import assert from 'node:assert/strict';
import { randomToken, waitFor } from '../lib/harness.mjs';

export const MODEL = 'fake-model';

// Starts the stack on the harness `h`; returns { coord, upstream, key, baseURL }.
export async function startStack(h) {
  const upstream = await h.startUpstream({ models: [MODEL] });
  const coord = await h.startCoordinator();
  const key = await coord.adminKey();
  // The engine embeds too: the node forwards embedding jobs to its /v1/embeddings.
  await h.startNode({ coordinator: coord, upstream, args: ['--embedding-models', MODEL] });
  await coord.waitForModel(key, MODEL);
  return { coord, upstream, key, baseURL: `${coord.url}/v1` };
}

// A fetch that merges `fields` into every JSON request body it sends (and
// drops the Content-Length some libraries set for the body they wrote).
export function fetchWithFields(fields) {
  return async (input, init = {}) => {
    if (typeof init.body === 'string' && init.body.startsWith('{')) {
      const headers = new Headers(init.headers);
      headers.delete('content-length');
      init = { ...init, headers, body: JSON.stringify({ ...JSON.parse(init.body), ...fields }) };
    }
    return fetch(input, init);
  };
}

// Fields that make the fake upstream answer the first request 429 with
// Retry-After `seconds`, and the same request again (an SDK's retry) normally.
export function failOnce429(seconds = 1) {
  return {
    fake_status: 429,
    fake_status_times: 1,
    fake_status_key: `retry-${randomToken(6)}`,
    fake_retry_after: String(seconds),
  };
}

// A fetch with `fields` that records when each attempt was sent and what it
// was answered (attempts: [{ at, status, retryAfter }]).
export function recordingFetch(fields) {
  const inner = fetchWithFields(fields);
  const attempts = [];
  const recorded = async (input, init) => {
    const at = Date.now();
    const res = await inner(input, init);
    attempts.push({ at, status: res.status, retryAfter: res.headers.get('retry-after') });
    return res;
  };
  return { fetch: recorded, attempts };
}

// The library got 429 with Retry-After 1 s once, waited at least that long
// and then asked again, which succeeded.
export function assertRetriedAfter(attempts, seconds = 1) {
  assert.equal(attempts.length, 2, `attempts: ${JSON.stringify(attempts)}`);
  assert.equal(attempts[0].status, 429);
  assert.equal(attempts[0].retryAfter, String(seconds));
  assert.equal(attempts[1].status, 200);
  // A lower bound only (the protocol's), so a slow machine cannot fail it.
  assert.ok(attempts[1].at - attempts[0].at >= seconds * 1000 - 5,
            `the retry came ${attempts[1].at - attempts[0].at} ms after the 429`);
}

// Body fields for a stream that would take minutes: 5000 chunks, 50 ms apart.
export const SLOW_STREAM = { fake_chunks: 5000, fake_delay_ms: 50 };

// After a library aborted a slow stream: the node cancelled the upstream
// request (the fake upstream saw the client go) and no job stays in flight.
export async function expectCancelledUpstream({ coord, upstream }, before) {
  await waitFor(async () => (await upstream.stats()).generations_aborted_by_client > before,
                { what: 'the upstream request to be aborted' });
  await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 0, { what: 'no job in flight' });
  const stats = await upstream.stats();
  assert.equal(stats.generations_aborted_by_client, before + 1);
}

// A JSON object as a user message: the fake upstream calls a tool with it as
// arguments, and answers a json response_format with it verbatim.
export const WEATHER_ARGS = { city: 'Paris' };
export const PERSON = { name: 'Ada', age: 36 };

// The openai SDK's runnable tool (runTools): records each call's arguments
// in `calls` and answers "sunny in <city>".
export function weatherRunnableTool(calls) {
  return {
    type: 'function',
    function: {
      name: 'weather',
      description: 'the weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      parse: JSON.parse,
      function: (args) => {
        calls.push(args);
        return `sunny in ${args.city}`;
      },
    },
  };
}
