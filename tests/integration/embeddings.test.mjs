// POST /v1/embeddings (issue 17): routed like chat to nodes whose engine
// embeds (the mock; the openai backend with --embedding-models, forwarding to
// the fake upstream's /v1/embeddings), metered and priced by input tokens
// only, with the request's and the answer's sizes bounded. Called with the
// openai SDK's client.embeddings.create and with raw fetch.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { useHarness, expectErrorEnvelope, waitFor } from '../lib/harness.mjs';
import { expectedVector } from '../lib/fake_embeddings.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('embeddings');
const UPSTREAM_MODEL = 'fake-embed';
const CHAT_ONLY = 'fake-chat-only';
const MOCK_MODEL = 'mock-embed';
const HOSTILE = 'hostile-embed';
const AWAY = 'away-embed';  // offered by a node that leaves and comes back
// The hostile node fails on purpose: it must not be parked for it.
const LIMITS = ['--park-after-failures', '1000', '--max-embedding-inputs', '4', '--max-embedding-input-bytes', '4096', '--max-embedding-dimensions', '64'];
let coord, admin, client, hostile;

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [UPSTREAM_MODEL, CHAT_ONLY] });
  coord = await h.startCoordinator({ args: LIMITS });
  admin = await coord.adminKey('embedder@example.test');
  // The mock node asks a price: the caller pays from its wallet.
  const granted = await coord.post('/api/admin/grants', { user: 'embedder@example.test', amount: '100' }, admin);
  assert.equal(granted.status, 201, granted.text);
  await h.startNode({ coordinator: coord, upstream, args: ['--embedding-models', UPSTREAM_MODEL], name: 'upstream-node' });
  await h.startNode({ coordinator: coord, backend: 'mock', models: [MOCK_MODEL], name: 'mock-node', args: ['--price', '1000:9000'] });
  hostile = await connectNode(coord.url, await coord.nodeToken('hostile'));
  await hostile.hello({ models: [{ id: HOSTILE, context: 512, owned_by: 'x', embeddings: true }] });
  for (const m of [UPSTREAM_MODEL, CHAT_ONLY, MOCK_MODEL, HOSTILE]) await coord.waitForModel(admin, m);
  client = new OpenAI({ apiKey: admin, baseURL: `${coord.url}/v1`, maxRetries: 0, timeout: 30_000 });
}));

const embed = (body, key = admin) => coord.post('/v1/embeddings', body, key);

describe('served through a node', () => {
  test('client.embeddings.create: one vector per input, as the upstream computed them', h.wrap(async () => {
    const r = await client.embeddings.create({ model: UPSTREAM_MODEL, input: ['hello world', 'potluck'] });
    assert.equal(r.object, 'list');
    assert.equal(r.model, UPSTREAM_MODEL);
    assert.deepEqual(r.data.map((d) => d.index), [0, 1]);
    assert.deepEqual(r.data[0].embedding.map(Math.fround), expectedVector('hello world'));
    assert.deepEqual(r.data[1].embedding.map(Math.fround), expectedVector('potluck'));
    assert.equal(r.usage.prompt_tokens, 3);
    assert.equal(r.usage.total_tokens, 3);
  }));

  test('raw fetch: float and base64, dimensions passed through, token arrays', h.wrap(async () => {
    const floats = await embed({ model: UPSTREAM_MODEL, input: 'one two', encoding_format: 'float', dimensions: 5 });
    assert.equal(floats.status, 200, floats.text);
    assert.deepEqual(floats.json.data[0].embedding.map(Math.fround), expectedVector('one two', 5));

    const b64 = await embed({ model: UPSTREAM_MODEL, input: 'one two', encoding_format: 'base64', dimensions: 5 });
    assert.equal(b64.status, 200, b64.text);
    const bytes = Buffer.from(b64.json.data[0].embedding, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    assert.deepEqual(decoded, expectedVector('one two', 5));

    const tokens = await embed({ model: UPSTREAM_MODEL, input: [[1, 2, 3], [4]], encoding_format: 'float' });
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.json.data.length, 2);
    assert.deepEqual(tokens.json.data[1].embedding.map(Math.fround), expectedVector([4]));
    assert.equal(tokens.json.usage.prompt_tokens, 4);
    const one = await embed({ model: UPSTREAM_MODEL, input: [7, 8, 9] });
    assert.equal(one.json.data.length, 1);
  }));

  test('the mock embeds deterministically; usage is input tokens only, priced per million', h.wrap(async () => {
    const a = await embed({ model: MOCK_MODEL, input: ['the same words here', 'x'], dimensions: 12 });
    const b = await embed({ model: MOCK_MODEL, input: ['y', 'the same words here'], dimensions: 12 });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.data[0].embedding.length, 12);
    assert.deepEqual(b.json.data[1].embedding, a.json.data[0].embedding, 'same input, same vector');
    assert.notDeepEqual(a.json.data[1].embedding, a.json.data[0].embedding);
    assert.equal(a.json.usage.prompt_tokens, 5);
    await coord.settle();
    const rows = await coord.query(
      `SELECT kind, prompt_tokens, completion_tokens, cost FROM usage_events WHERE model = '${MOCK_MODEL}' ORDER BY ts`);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.kind, 'embedding');
      assert.equal(row.completion_tokens, 0);
      // 1000 credits per million input tokens: 1000 micro-credits a token.
      assert.equal(row.cost, row.prompt_tokens * 1000);
    }
  }));

  test('a model whose engine does not embed is not found for embeddings', h.wrap(async () => {
    expectErrorEnvelope(assert, await embed({ model: CHAT_ONLY, input: 'x' }), 404, { code: 'model_not_found' });
    expectErrorEnvelope(assert, await embed({ model: 'no-such-model', input: 'x' }), 404);
  }));
});

describe('an embedding model whose nodes are offline', () => {
  const offer = [{ id: AWAY, context: 512, owned_by: 'x', embeddings: true }];
  // A node offering AWAY for embeddings connects, then leaves.
  async function goneAway() {
    const node = await connectNode(coord.url, await coord.nodeToken('away'));
    await node.hello({ models: offer });
    await coord.waitForModel(admin, AWAY);
    node.close();
    await coord.waitForModel(admin, AWAY, { present: false });
  }

  test('is unavailable for now (503 with Retry-After), not unknown', h.wrap(async () => {
    await goneAway();
    const r = await embed({ model: AWAY, input: 'x' });
    expectErrorEnvelope(assert, r, 503);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    expectErrorEnvelope(assert, await embed({ model: 'never-offered-embed', input: 'x' }), 404,
      { code: 'model_not_found' });
  }));

  test('an asynchronous embedding job waits for a node and gets its vectors', h.wrap(async () => {
    await goneAway();
    const submitted = await coord.post('/v1/jobs', { kind: 'embedding', model: AWAY, payload: { input: ['a', 'b'] } }, admin);
    assert.equal(submitted.status, 202, submitted.text);
    assert.equal(submitted.json.kind, 'embedding');
    assert.equal(submitted.json.state, 'pending');

    const back = await connectNode(coord.url, await coord.nodeToken('back'));
    await back.hello({ models: offer });
    const job = await back.next('job');
    assert.equal(job.kind, 'embedding');
    const { payload } = job;
    assert.deepEqual(payload.input, ['a', 'b']);
    assert.equal(payload.model, AWAY);
    assert.equal(payload.stream, undefined, 'an embeddings body gets no stream field');
    back.send({ type: 'chunk', id: job.id, seq: 0, index: 0, delta: { embedding: [0.25, 0.5] } });
    back.send({ type: 'chunk', id: job.id, seq: 1, index: 1, delta: { embedding: [0.75, 1] } });
    back.send({ type: 'done', id: job.id, usage: { prompt_tokens: 2, completion_tokens: 0 } });

    let record;
    await waitFor(async () => {
      record = (await coord.get(`/v1/jobs/${submitted.json.id}`, admin)).json;
      return record.state === 'completed';
    }, { what: 'the embedding job to complete' });
    assert.equal(record.result.object, 'list');
    assert.deepEqual(record.result.data.map((d) => d.embedding), [[0.25, 0.5], [0.75, 1]]);
    assert.equal(record.result.usage.prompt_tokens, 2);
    back.close();
  }));

  test('potluck jobs submit --kind embedding, then status --wait', h.wrap(async () => {
    const api = ['--coordinator', coord.url, '--key', admin];
    const submitted = await h.potluck(['jobs', 'submit', '--kind', 'embedding', '--model', MOCK_MODEL, '--prompt', 'embed me', ...api]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    assert.match(id, /^job_/);
    const status = await h.potluck(['jobs', 'status', id, '--wait', ...api]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /: completed \(embedding, /);
    assert.match(status.stdout, /^1 vector of 8 numbers$/m, 'the mock gives 8 numbers unless asked otherwise');
  }));

  test('an asynchronous embedding job is checked like the synchronous request', h.wrap(async () => {
    const job = (payload, extra = {}) => coord.post('/v1/jobs', { kind: 'embedding', payload, ...extra }, admin);
    expectErrorEnvelope(assert, await job({ input: ['a', 'b', 'c', 'd', 'e'] }, { model: MOCK_MODEL }), 400,
      { code: 'too_many_inputs' });
    expectErrorEnvelope(assert, await job({ input: 'x' }, { model: CHAT_ONLY }), 404, { code: 'model_not_found' });
    expectErrorEnvelope(assert, await job({ input: 'x' }, { model: 'never-offered-embed' }), 404);
    for (const kind of ['embeddings', 'responses'])
      expectErrorEnvelope(assert, await coord.post('/v1/jobs', { kind, model: MOCK_MODEL, payload: { input: 'x' } }, admin),
        400, { code: 'invalid_kind' });
  }));
});

describe('bounds on the request', () => {
  test('past --max-embedding-inputs, --max-embedding-input-bytes and --max-embedding-dimensions', h.wrap(async () => {
    expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input: ['a', 'b', 'c', 'd', 'e'] }), 400,
      { code: 'too_many_inputs' });
    expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input: 'x'.repeat(5000) }), 413);
    expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input: 'x', dimensions: 65 }), 400,
      { code: 'too_many_dimensions' });
    const four = await embed({ model: MOCK_MODEL, input: ['a', 'b', 'c', 'd'], dimensions: 64 });
    assert.equal(four.status, 200, four.text);
  }));

  test('inputs that are not inputs, and unknown encodings, are 400', h.wrap(async () => {
    for (const input of [undefined, '', [], [''], [1.5], [[]], [{}], { text: 'x' }, ['a', 3]])
      expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input }), 400);
    expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input: 'x', encoding_format: 'hex' }), 400,
      { code: 'invalid_encoding_format' });
    expectErrorEnvelope(assert, await embed({ input: 'x' }), 400, { code: 'invalid_model' });
    expectErrorEnvelope(assert, await embed({ model: MOCK_MODEL, input: 'x' }, 'pl_nope'), 401);
  }));
});

describe('bounds on what a node sends back', () => {
  // Answers the next job with `chunks`, then done.
  async function answerWith(chunks) {
    const pending = embed({ model: HOSTILE, input: ['a', 'b'] });
    const job = await hostile.next('job');
    assert.equal(job.kind, 'embedding');
    let seq = 0;
    for (const c of chunks) hostile.send({ type: 'chunk', id: job.id, seq: seq++, ...c });
    hostile.send({ type: 'done', id: job.id, usage: { prompt_tokens: 2, completion_tokens: 0 } });
    return pending;
  }
  const vector = (n) => ({ embedding: Array.from({ length: n }, () => 0.5) });

  test('a well-formed answer passes', h.wrap(async () => {
    const r = await answerWith([{ index: 0, delta: vector(3) }, { index: 1, delta: vector(3) }]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.length, 2);
  }));

  test('a vector past --max-embedding-dimensions is refused', h.wrap(async () => {
    const r = await answerWith([{ index: 0, delta: vector(65) }, { index: 1, delta: vector(3) }]);
    expectErrorEnvelope(assert, r, 502, { code: 'malformed_output' });
  }));

  test('more vectors than inputs, a repeated index, or fewer are refused', h.wrap(async () => {
    for (const chunks of [
      [{ index: 0, delta: vector(3) }, { index: 1, delta: vector(3) }, { index: 2, delta: vector(3) }],
      [{ index: 0, delta: vector(3) }, { index: 0, delta: vector(3) }],
      [{ index: 0, delta: vector(3) }],
      [{ index: 0, delta: { embedding: ['x'] } }, { index: 1, delta: vector(3) }],
      [{ index: 0, delta: { embedding: 'not base64!' } }, { index: 1, delta: vector(3) }],
    ]) {
      const r = await answerWith(chunks);
      assert.equal(r.status, 502, `${JSON.stringify(chunks)}: ${r.text}`);
    }
  }));

  test('an upstream answering more vectors than inputs fails the job through a real node', h.wrap(async () => {
    expectErrorEnvelope(assert, await embed({ model: UPSTREAM_MODEL, input: 'x', fake_extra_vectors: 1 }), 502,
      { code: 'malformed_output' });
  }));
});
