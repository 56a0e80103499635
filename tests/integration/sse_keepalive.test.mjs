// Keep-alive comments (issue 17): while a streamed request waits for its
// first token (on a slow engine) or in the dispatch line, the coordinator
// sends the response head and an SSE comment every --sse-keepalive-s, so
// that proxies with read timeouts keep the stream open; then the normal
// stream follows, or, if the request fails after the head went, an SSE
// error event. Errors before that stay ordinary JSON answers with their
// status. With --sse-keepalive-s 0 nothing is sent before the first token.
// Real processes: coordinators, nodes with the openai backend (one job at a
// time) and the fake upstream, whose fake_delay_ms holds the first token back.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { expectErrorEnvelope, readSse, streamText, useHarness, waitFor } from '../lib/harness.mjs';

const h = useHarness('sse-keepalive');
const MODEL = 'fake-model';
const KEEP_ALIVE = ': keep-alive\n\n';
let upstream, keen, quiet;

// A coordinator with its own node and key.
async function site(name, keepAliveS) {
  const coord = await h.startCoordinator({
    name,
    args: ['--sse-keepalive-s', String(keepAliveS), '--queue-timeout-ms', '4000'],
  });
  const key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, models: [MODEL], maxJobs: 1, name: `${name}-node` });
  await coord.waitForModel(key, MODEL);
  return { coord, key };
}

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  keen = await site('keen', 1);
  quiet = await site('quiet', 0);
}));

// A streamed completion whose one token the engine sends after `delayMs`
// (completions have no role chunk: nothing comes before that token).
function slowCompletion({ coord, key }, delayMs, signal) {
  return coord.fetch('/v1/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 1, stream: true, fake_delay_ms: delayMs }),
    signal,
  });
}

// Reads a response body as text, as far as `until(text)` asks, or to its end.
class BodyText {
  constructor(res) {
    this.reader = res.body.getReader();
    this.decoder = new TextDecoder();
    this.text = '';
    this.ended = false;
  }

  async readUntil(until = () => false) {
    while (!this.ended && !until(this.text)) {
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.text += this.decoder.decode(value, { stream: true });
    }
    return this.text;
  }
}

// The data events of an SSE text, parsed as readSse does.
async function eventsOf(text) {
  return (await readSse(new Response(text))).events;
}

describe('waiting for the first token', () => {
  test('the head and keep-alive comments come first, then the normal stream', h.wrap(async () => {
    const res = await slowCompletion(keen, 3000);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const body = new BodyText(res);
    const text = await body.readUntil();
    const firstData = text.indexOf('data: ');
    assert.ok(firstData > 0, `a data event came: ${JSON.stringify(text)}`);
    assert.ok(text.slice(0, firstData).startsWith(KEEP_ALIVE), `a keep-alive came first: ${JSON.stringify(text)}`);
    assert.equal(text.slice(0, firstData).replaceAll(KEEP_ALIVE, ''), '', 'nothing but comments before the output');
    assert.ok(!text.slice(firstData).includes(': keep-alive'), 'no comment once the output flows');
    const events = await eventsOf(text);
    assert.equal(events.at(-1).data, '[DONE]');
    assert.equal(streamText(events), 'echo: ');
    assert.equal(events.filter((e) => e.json).at(-1).json.choices[0].finish_reason, 'length');
  }));

  test('with --sse-keepalive-s 0 nothing comes before the first token', h.wrap(async () => {
    const res = await slowCompletion(quiet, 3000);
    assert.equal(res.status, 200);
    const text = await new BodyText(res).readUntil();
    assert.ok(text.startsWith('data: '), `the output came first: ${JSON.stringify(text)}`);
    assert.ok(!text.includes(': keep-alive'), 'no comment at all');
    const events = await eventsOf(text);
    assert.equal(events.at(-1).data, '[DONE]');
    assert.equal(streamText(events), 'echo: ');
  }));
});

describe('waiting in the dispatch line', () => {
  test('keep-alives while in line; giving up after the head is an SSE error event', h.wrap(async () => {
    // The node's only slot is taken by a job whose token is far off.
    const blocker = new AbortController();
    const busy = await slowCompletion(keen, 60_000, blocker.signal);
    assert.equal(busy.status, 200);
    await waitFor(async () => (await keen.coord.metrics()).potluck_jobs_in_flight === 1, {
      what: 'the blocking job to run',
    });
    try {
      const res = await slowCompletion(keen, 0);
      assert.equal(res.status, 200, 'the head went while the request waited in line');
      const body = new BodyText(res);
      await body.readUntil((text) => text.includes(KEEP_ALIVE));
      const text = await body.readUntil();
      assert.ok(text.startsWith(KEEP_ALIVE), JSON.stringify(text));
      const events = await eventsOf(text);
      assert.equal(events.length, 1, `one error event ends the stream: ${JSON.stringify(text)}`);
      assert.equal(events[0].json.error.code, 'no_capacity');
      assert.match(events[0].json.error.message, /stayed busy/);
    } finally {
      blocker.abort();
    }
  }));
});

describe('errors before the request waits', () => {
  test('an unknown model is a 404 JSON answer, not a stream', h.wrap(async () => {
    const r = await keen.coord.post('/v1/completions', { model: 'no-such-model', prompt: 'hi', stream: true }, keen.key);
    expectErrorEnvelope(assert, r, 404, { code: 'model_not_found' });
    assert.match(r.headers.get('content-type'), /^application\/json/);
  }));

  test('a bad key is a 401 JSON answer', h.wrap(async () => {
    const r = await keen.coord.post('/v1/completions', { model: MODEL, prompt: 'hi', stream: true }, 'pk-wrong');
    expectErrorEnvelope(assert, r, 401);
  }));
});
