// Streamed and non-streamed chat completions and completions through a real
// coordinator and node, against the fake upstream: exact OpenAI shapes,
// pass-through of unknown fields, /v1/models, /healthz, /metrics, and one
// usage event per job.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useHarness, readSse, streamText, waitFor } from '../lib/harness.mjs';

const h = useHarness('completions');
const MODEL = 'fake-model';
const OTHER = 'other-model';
let coord, upstream, key;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL, OTHER] });
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  // Room for the concurrency tests below: 64 jobs at once.
  await h.startNode({ coordinator: coord, upstream, maxJobs: 64 });
  await coord.waitForModel(key, MODEL);
}));

function chatBody(content, extra = {}) {
  return { model: MODEL, messages: [{ role: 'user', content }], ...extra };
}

async function streamRequest(path, body) {
  const res = await coord.fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return res;
}

function assertCreated(created) {
  assert.ok(Number.isInteger(created), `created is not an integer: ${created}`);
  const now = Date.now() / 1000;
  // Unix seconds, not milliseconds (a loose sanity range, not a timing check).
  assert.ok(created > 1_600_000_000 && created < now + 86_400, `created ${created} is not unix seconds`);
}

describe('GET /v1/models', () => {
  test('lists the upstream models in the OpenAI list format', h.wrap(async () => {
    await coord.waitForModel(key, OTHER);
    const r = await coord.get('/v1/models', key);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.json.object, 'list');
    assert.ok(Array.isArray(r.json.data));
    const ids = r.json.data.map((m) => m.id).sort();
    assert.deepEqual(ids, [MODEL, OTHER].sort());
    for (const m of r.json.data) {
      assert.equal(m.object, 'model');
      assertCreated(m.created);
      assert.equal(typeof m.owned_by, 'string');
    }
  }));
});

describe('chat completions', () => {
  test('non-streamed: the OpenAI chat.completion object', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chatBody('hello there world'), key);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const c = r.json;
    assert.match(c.id, /^chatcmpl-/);
    assert.equal(c.object, 'chat.completion');
    assertCreated(c.created);
    assert.equal(c.model, MODEL);
    assert.equal(c.choices.length, 1);
    assert.equal(c.choices[0].index, 0);
    assert.deepEqual(c.choices[0].message.role, 'assistant');
    assert.equal(c.choices[0].message.content, 'echo: hello there world');
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.deepEqual(c.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  }));

  test('non-streamed with max_tokens: finish_reason length', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chatBody('one two three four', { max_tokens: 2 }), key);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'echo: one ');
    assert.equal(r.json.choices[0].finish_reason, 'length');
    assert.equal(r.json.usage.completion_tokens, 2);
  }));

  test('content given as an array of text parts', h.wrap(async () => {
    const body = {
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'parts ' }, { type: 'text', text: 'joined' }] }],
    };
    const r = await coord.post('/v1/chat/completions', body, key);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'echo: parts joined');
  }));

  test('streamed: chunk shapes, role first, finish_reason, [DONE]', h.wrap(async () => {
    const res = await streamRequest('/v1/chat/completions', chatBody('stream me please'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(res.headers.get('cache-control') ?? '', /no-cache/);
    const { events, done } = await readSse(res);
    assert.ok(done, 'stream did not end with data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => e.json);
    assert.ok(chunks.every((c) => c && typeof c === 'object'), 'every event before [DONE] is JSON');
    assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);

    const { id, created } = chunks[0];
    assert.match(id, /^chatcmpl-/);
    assertCreated(created);
    for (const c of chunks) {
      assert.equal(c.id, id, 'every chunk carries the same id');
      assert.equal(c.created, created, 'every chunk carries the same created');
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.model, MODEL);
      assert.equal(c.choices.length, 1);
      assert.equal(c.choices[0].index, 0);
      assert.ok(!('usage' in c) || c.usage === null, 'no usage without include_usage');
    }
    assert.equal(chunks[0].choices[0].delta.role, 'assistant', 'first delta carries the role');
    for (const c of chunks.slice(0, -1)) assert.equal(c.choices[0].finish_reason, null);
    const last = chunks[chunks.length - 1];
    assert.equal(last.choices[0].finish_reason, 'stop');
    assert.deepEqual(last.choices[0].delta, {});
    assert.equal(streamText(events), 'echo: stream me please');
  }));

  test('streamed with include_usage: a final usage chunk with empty choices', h.wrap(async () => {
    const res = await streamRequest(
      '/v1/chat/completions',
      chatBody('count these words', { stream_options: { include_usage: true } }),
    );
    assert.equal(res.status, 200);
    const { events, done } = await readSse(res);
    assert.ok(done);
    const chunks = events.slice(0, -1).map((e) => e.json);
    const usageChunk = chunks[chunks.length - 1];
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    assert.equal(usageChunk.id, chunks[0].id);
    assert.equal(usageChunk.created, chunks[0].created);
    assert.equal(usageChunk.object, 'chat.completion.chunk');
    // The finish_reason chunk comes just before it.
    assert.equal(chunks[chunks.length - 2].choices[0].finish_reason, 'stop');
    const withUsage = chunks.filter((c) => c.usage);
    assert.equal(withUsage.length, 1, 'exactly one chunk carries usage');
    assert.equal(streamText(events), 'echo: count these words');
  }));

  test('streamed with max_tokens: finish_reason length', h.wrap(async () => {
    const res = await streamRequest('/v1/chat/completions', chatBody('a b c d e f', { max_tokens: 3 }));
    const { events, done } = await readSse(res);
    assert.ok(done);
    const chunks = events.slice(0, -1).map((e) => e.json);
    assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, 'length');
    assert.equal(streamText(events), 'echo: a b ');
  }));

  test('a long stream arrives whole and in order', h.wrap(async () => {
    const res = await streamRequest('/v1/chat/completions', chatBody('x', { fake_chunks: 5000 }));
    const { events, done } = await readSse(res);
    assert.ok(done);
    assert.equal(streamText(events), 't '.repeat(5000));
  }));

  test('unknown request fields reach the upstream untouched', h.wrap(async () => {
    const body = chatBody('fields', {
      temperature: 0.5,
      seed: 7,
      potluck_test_unknown_field: { nested: [1, 2, 3] },
      another_unknown: 'x',
    });
    const r = await coord.post('/v1/chat/completions', body, key);
    assert.equal(r.status, 200, r.text);
    const stats = await upstream.stats();
    for (const k of ['potluck_test_unknown_field', 'another_unknown', 'temperature', 'seed', 'messages', 'model']) {
      assert.ok(stats.last_body_keys.includes(k), `${k} missing from upstream body keys ${stats.last_body_keys}`);
    }
  }));

  test('the second model is served too', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { ...chatBody('other'), model: OTHER }, key);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.model, OTHER);
    assert.equal(r.json.choices[0].message.content, 'echo: other');
  }));

  test('responses of different requests have different ids', h.wrap(async () => {
    const a = await coord.post('/v1/chat/completions', chatBody('a'), key);
    const b = await coord.post('/v1/chat/completions', chatBody('b'), key);
    assert.notEqual(a.json.id, b.json.id);
  }));
});

describe('many jobs on one node connection', () => {
  test('concurrent streams each get their own text, whole and in order', h.wrap(async () => {
    const n = 40;
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const words = Array.from({ length: 20 }, (_, w) => `s${i}w${w}`).join(' ');
        const res = await streamRequest('/v1/chat/completions', chatBody(words, { fake_delay_ms: 5 }));
        assert.equal(res.status, 200);
        const { events, done } = await readSse(res);
        const ids = new Set(events.slice(0, -1).map((e) => e.json.id));
        return { words, done, text: streamText(events), ids };
      }),
    );
    const allIds = new Set();
    for (const r of results) {
      assert.ok(r.done);
      assert.equal(r.text, `echo: ${r.words}`, 'a stream got text of another job, or lost some');
      assert.equal(r.ids.size, 1);
      allIds.add([...r.ids][0]);
    }
    assert.equal(allIds.size, n, 'every response has its own id');
  }));

  test('concurrent non-streamed requests each get their own answer', h.wrap(async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => coord.post('/v1/chat/completions', chatBody(`parallel ${i}`), key)),
    );
    results.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.choices[0].message.content, `echo: parallel ${i}`);
    });
  }));

  test('a large prompt and a large completion (1 MiB each) pass through', h.wrap(async () => {
    const big = 'b'.repeat(1 << 20);
    const r = await coord.post('/v1/chat/completions', chatBody(big), key);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.json.choices[0].message.content, `echo: ${big}`);
    const res = await streamRequest('/v1/chat/completions', chatBody(big));
    const { events, done } = await readSse(res);
    assert.ok(done);
    assert.equal(streamText(events), `echo: ${big}`);
  }));
});

describe('completions', () => {
  test('non-streamed: the OpenAI text_completion object', h.wrap(async () => {
    const r = await coord.post('/v1/completions', { model: MODEL, prompt: 'complete this text' }, key);
    assert.equal(r.status, 200, r.text);
    const c = r.json;
    assert.match(c.id, /^cmpl-/);
    assert.equal(c.object, 'text_completion');
    assertCreated(c.created);
    assert.equal(c.model, MODEL);
    assert.equal(c.choices.length, 1);
    assert.equal(c.choices[0].index, 0);
    assert.equal(c.choices[0].text, 'echo: complete this text');
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.deepEqual(c.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  }));

  test('prompt given as an array', h.wrap(async () => {
    const r = await coord.post('/v1/completions', { model: MODEL, prompt: ['first', 'second one'] }, key);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].text, 'echo: second one');
  }));

  test('streamed: text_completion chunks, same id, finish_reason, usage, [DONE]', h.wrap(async () => {
    const res = await streamRequest('/v1/completions', {
      model: MODEL,
      prompt: 'stream the text',
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { events, done } = await readSse(res);
    assert.ok(done, 'stream did not end with data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => e.json);
    const { id, created } = chunks[0];
    assert.match(id, /^cmpl-/);
    assertCreated(created);
    for (const c of chunks) {
      assert.equal(c.id, id);
      assert.equal(c.created, created);
      assert.equal(c.object, 'text_completion');
      assert.equal(c.model, MODEL);
    }
    const usageChunk = chunks[chunks.length - 1];
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    const choiceChunks = chunks.slice(0, -1);
    for (const c of choiceChunks) {
      assert.equal(c.choices.length, 1);
      assert.equal(c.choices[0].index, 0);
      assert.equal(typeof c.choices[0].text, 'string');
    }
    assert.equal(choiceChunks[choiceChunks.length - 1].choices[0].finish_reason, 'stop');
    for (const c of choiceChunks.slice(0, -1)) assert.equal(c.choices[0].finish_reason, null);
    assert.equal(streamText(events), 'echo: stream the text');
  }));

  test('unknown fields reach the upstream on /v1/completions too', h.wrap(async () => {
    const r = await coord.post('/v1/completions', { model: MODEL, prompt: 'p', echo_unknown_completion: true }, key);
    assert.equal(r.status, 200, r.text);
    const stats = await upstream.stats();
    assert.ok(stats.last_body_keys.includes('echo_unknown_completion'), JSON.stringify(stats.last_body_keys));
  }));
});

describe('health, metrics and metering', () => {
  test('GET /healthz answers 200 without a key', h.wrap(async () => {
    const r = await coord.get('/healthz');
    assert.equal(r.status, 200);
  }));

  test('GET /metrics is Prometheus text with the promised series', h.wrap(async () => {
    const res = await coord.fetch('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const m = await coord.metrics();
    for (const name of [
      'potluck_open_connections',
      'potluck_nodes_online',
      'potluck_jobs_in_flight',
      'potluck_jobs_total{status="ok"}',
      'potluck_jobs_total{status="error"}',
      'potluck_jobs_total{status="cancelled"}',
      'potluck_jobs_total{status="timeout"}',
      'potluck_tokens_total{direction="prompt"}',
      'potluck_tokens_total{direction="completion"}',
      'potluck_chunks_relayed_total',
      'potluck_node_connects_total',
    ]) {
      assert.ok(Number.isFinite(m[name]), `metric ${name} missing`);
    }
    assert.equal(m.potluck_nodes_online, 1);
    assert.ok(m.potluck_node_connects_total >= 1);
  }));

  test('one usage event per job, with tokens, and the ok counter follows', h.wrap(async () => {
    const before = await coord.metrics();
    const tag = `metering-${Date.now()}`;
    // Two non-streamed, one streamed: three jobs.
    const a = await coord.post('/v1/chat/completions', chatBody(`${tag} a`), key);
    const b = await coord.post('/v1/completions', { model: MODEL, prompt: `${tag} b c` }, key);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const res = await streamRequest('/v1/chat/completions', chatBody(`${tag} d e f`));
    assert.ok((await readSse(res)).done);

    const ids = new Set();
    await waitFor(async () => (await coord.usageEvents()).length >= 1, { what: 'usage events to be written' });
    const after = await waitFor(async () => {
      const m = await coord.metrics();
      return m['potluck_jobs_total{status="ok"}'] - before['potluck_jobs_total{status="ok"}'] === 3 ? m : null;
    }, { what: 'three more ok jobs in /metrics' });
    assert.equal(after.potluck_jobs_in_flight, 0);
    assert.ok(
      after['potluck_tokens_total{direction="completion"}'] > before['potluck_tokens_total{direction="completion"}'],
    );

    // Every finished job so far has exactly one usage row (job_id unique), all ok.
    await coord.settle(); // usage rows == jobs finished, by /metrics
    const rows = await coord.usageEvents();
    assert.equal(rows.length, after['potluck_jobs_total{status="ok"}']);
    for (const row of rows) {
      assert.ok(!ids.has(row.job_id), `job ${row.job_id} recorded twice`);
      ids.add(row.job_id);
      assert.equal(row.status, 'ok');
      assert.ok([MODEL, OTHER].includes(row.model));
      assert.ok(['chat', 'completion'].includes(row.kind), row.kind);
      assert.ok(row.node_id, 'node_id recorded');
      assert.ok(row.key_id, 'key_id recorded');
    }
    // The last three are ours: 2+2 prompt words... check token counts of the streamed one.
    const last = rows[rows.length - 1];
    assert.equal(last.kind, 'chat');
    assert.equal(last.prompt_tokens, 4);
    assert.equal(last.completion_tokens, 5);
  }));
});
