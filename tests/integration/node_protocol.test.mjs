// The node hub, driven by hand-written potluck.v1 frames over a WebSocket:
// who may connect, hello/welcome, the job/chunk/done relay and its shapes,
// many jobs interleaved on one link, cancel on consumer disconnect, failover
// when a node drops a job, forward compatibility (unknown frames ignored) and
// the refusals (bad tokens, malformed frames, no hello, oversized messages,
// a second connection with the same node id).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, readSse, sseEvents, streamText, waitFor, randomToken } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('node-protocol');
const MAX_MESSAGE = 64 * 1024;
let coord, key, token;
const nodes = [];

before(h.wrap(async () => {
  coord = await h.startCoordinator({
    args: ['--node-hello-timeout-s', '1', '--max-node-message-bytes', String(MAX_MESSAGE)],
  });
  key = await coord.adminKey();
  token = await coord.nodeToken();
}));

after(() => {
  for (const n of nodes) n.terminate();
});

async function node(tok = token) {
  const n = await connectNode(coord.url, tok);
  nodes.push(n);
  return n;
}

/** A fake node offering `model`, with hello done and the model listed. */
async function servingNode(model, opts = {}) {
  const n = await node();
  const welcome = await n.hello({ models: [{ id: model, context: 4096, owned_by: 'fake-node' }], ...opts });
  await coord.waitForModel(key, model);
  return { n, welcome };
}

/** Whichever of two nodes got the first job: [node, job frame]. */
async function firstJob(a, b) {
  const n = await waitFor(() => [a, b].find((x) => x.frames.some((f) => f.type === 'job')), {
    what: 'a job frame on either node',
  });
  return [n, await n.next('job')];
}

const uniqueModel = () => `ws-model-${randomToken(4)}`;
const chat = (model, content, extra = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });

function postStream(body, signal) {
  return coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
}

describe('who may connect', () => {
  for (const [what, tok] of [
    ['no token', null],
    ['a malformed token', 'pln_nonsense'],
    ['an API key instead of a node token', () => key],
    ['a node token with a wrong secret', () => token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a')],
  ]) {
    test(`${what}: 401 before the upgrade`, h.wrap(async () => {
      const t = typeof tok === 'function' ? tok() : tok;
      await assert.rejects(connectNode(coord.url, t), (err) => {
        assert.equal(err.status, 401, err.message);
        return true;
      });
    }));
  }

  test('a plain GET without an upgrade is refused', h.wrap(async () => {
    const r = await coord.request('GET', '/v1/nodes/connect', { headers: { authorization: `Bearer ${token}` } });
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  }));
});

describe('hello and welcome', () => {
  test('welcome carries session, heartbeat_s and server_version; the models are listed', h.wrap(async () => {
    const model = uniqueModel();
    const { welcome } = await servingNode(model);
    assert.equal(typeof welcome.session, 'string');
    assert.ok(welcome.session.length > 0);
    assert.ok(Number.isInteger(welcome.heartbeat_s) && welcome.heartbeat_s > 0);
    assert.equal(typeof welcome.server_version, 'string');
    const r = await coord.get('/v1/models', key);
    const m = r.json.data.find((x) => x.id === model);
    assert.equal(m.owned_by, 'potluck', "the placement, not the engine's owned_by");
  }));

  test('a first frame other than hello closes the connection with a reason', h.wrap(async () => {
    const n = await node();
    n.send({ type: 'status', in_flight: 0, draining: false });
    const { reason } = await n.closed;
    assert.ok(reason.length > 0, 'no close reason');
  }));

  test('an unsupported protocol version closes the connection', h.wrap(async () => {
    const n = await node();
    n.send({ type: 'hello', protocol: 'potluck.v999', node_id: 'node_x', name: 'x', os: 'linux', arch: 'x', agent_version: '0', max_jobs: 1, models: [], exec: { languages: [] } });
    const { reason } = await n.closed;
    assert.ok(reason.length > 0);
  }));

  test('a hello without node_id closes the connection, naming the field', h.wrap(async () => {
    const n = await node();
    n.send({ type: 'hello', protocol: 'potluck.v1', name: 'x', os: 'linux', arch: 'x', agent_version: '0', max_jobs: 1, models: [], exec: { languages: [] } });
    const { reason } = await n.closed;
    assert.match(reason, /node_id/);
  }));

  test('a node that never says hello is closed after --node-hello-timeout-s', h.wrap(async () => {
    const n = await node();
    await n.closed; // bounded by the test's waits: 1 s configured
    assert.ok(!n.open);
  }));
});

describe('jobs', () => {
  test('a streamed job: the job frame, then chunks and done become the OpenAI stream', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = postStream(chat(model, 'hi node', { stream_options: { include_usage: true }, x_unknown: { a: 1 } }));
    const job = await n.next('job');
    assert.match(job.id, /\S/);
    assert.equal(job.kind, 'chat');
    assert.equal(job.model, model);
    assert.ok(job.deadline_ms > 0);
    const payload = typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload;
    assert.deepEqual(payload.x_unknown, { a: 1 }, 'unknown fields reach the node verbatim');
    assert.equal(payload.messages[0].content, 'hi node');
    assert.notEqual(job.stream, false);

    n.answerChat(job, ['Hel', 'lo'], { usage: { prompt_tokens: 7, completion_tokens: 2 } });
    const res = await resP;
    assert.equal(res.status, 200);
    const { events, done } = await readSse(res);
    assert.ok(done);
    assert.equal(streamText(events), 'Hello');
    const chunks = events.slice(0, -1).map((e) => e.json);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks[chunks.length - 2].choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks[chunks.length - 1].usage, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  }));

  test('a non-streamed job: stream false in the job frame, one answer object', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = coord.post('/v1/chat/completions', chat(model, 'whole'), key);
    const job = await n.next('job');
    assert.equal(job.stream, false);
    n.send({ type: 'chunk', id: job.id, seq: 0, delta: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' });
    n.send({ type: 'done', id: job.id, usage: { prompt_tokens: 1, completion_tokens: 3 }, timings: { ttft_ms: 1, total_ms: 1 } });
    const r = await resP;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'all at once');
    assert.equal(r.json.choices[0].finish_reason, 'stop');
    assert.deepEqual(r.json.usage, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
  }));

  test('a completion job', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = coord.post('/v1/completions', { model, prompt: 'p' }, key);
    const job = await n.next('job');
    assert.equal(job.kind, 'completion');
    n.send({ type: 'chunk', id: job.id, seq: 0, delta: { text: 'done text' }, finish_reason: 'length' });
    n.send({ type: 'done', id: job.id, usage: { prompt_tokens: 1, completion_tokens: 2 }, timings: { ttft_ms: 1, total_ms: 1 } });
    const r = await resP;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'text_completion');
    assert.equal(r.json.choices[0].text, 'done text');
    assert.equal(r.json.choices[0].finish_reason, 'length');
  }));

  test('jobs interleaved on one link each reach their own consumer', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const k = 5;
    const responses = Array.from({ length: k }, (_, i) => postStream(chat(model, `consumer ${i}`)));
    const jobs = [];
    for (let i = 0; i < k; i++) jobs.push(await n.next('job'));
    const who = (job) => (typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload).messages[0].content;
    const seq = new Map(jobs.map((j) => [j.id, 0]));
    const send = (j, frame) => n.send({ ...frame, id: j.id, seq: seq.set(j.id, seq.get(j.id) + 1).get(j.id) - 1 });
    for (const j of jobs) send(j, { type: 'chunk', delta: { role: 'assistant', content: '' } });
    for (let w = 0; w < 3; w++) for (const j of jobs) send(j, { type: 'chunk', delta: { content: `[${who(j)}:${w}]` } });
    for (const j of [...jobs].reverse()) {
      send(j, { type: 'chunk', delta: {}, finish_reason: 'stop' });
      n.send({ type: 'done', id: j.id, usage: { prompt_tokens: 1, completion_tokens: 3 }, timings: { ttft_ms: 1, total_ms: 1 } });
    }
    for (let i = 0; i < k; i++) {
      const res = await responses[i];
      const { events, done } = await readSse(res);
      assert.ok(done);
      assert.equal(streamText(events), `[consumer ${i}:0][consumer ${i}:1][consumer ${i}:2]`);
    }
  }));

  test('a consumer that hangs up: the node gets cancel, late frames are dropped, the link stays', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const ctl = new AbortController();
    const res = await (async () => {
      const p = postStream(chat(model, 'bye'), ctl.signal);
      const job = await n.next('job');
      n.send({ type: 'chunk', id: job.id, seq: 0, delta: { role: 'assistant', content: 'partial' } });
      return { res: await p, job };
    })();
    const it = sseEvents(res.res)[Symbol.asyncIterator]();
    await it.next();
    ctl.abort();
    const cancel = await n.next((f) => f.type === 'cancel' && f.id === res.job.id);
    assert.equal(cancel.id, res.job.id);
    // Late frames for the cancelled job are dropped without harm.
    n.send({ type: 'chunk', id: res.job.id, seq: 1, delta: { content: 'late' } });
    n.send({ type: 'done', id: res.job.id, usage: { prompt_tokens: 1, completion_tokens: 1 }, timings: { ttft_ms: 1, total_ms: 1 } });
    // The link still works.
    const next = coord.post('/v1/chat/completions', chat(model, 'again'), key);
    const job2 = await n.next('job');
    n.answerChat(job2, ['fine']);
    const r = await next;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'fine');
    assert.ok(n.open);
  }));

  test('a retryable error before the first chunk moves the job to another node', h.wrap(async () => {
    const model = uniqueModel();
    const a = (await servingNode(model)).n;
    const b = (await servingNode(model)).n;
    const resP = coord.post('/v1/chat/completions', chat(model, 'retry me'), key);
    const [failing, job] = await firstJob(a, b);
    const other = failing === a ? b : a;
    failing.send({ type: 'error', id: job.id, code: 'upstream_unreachable', message: 'engine down', retryable: true });
    const retried = await other.next('job');
    assert.equal(retried.model, model);
    other.answerChat(retried, ['second ', 'node']);
    const r = await resP;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'second node');
  }));

  test('a node that drops its link before the first chunk: the job fails over', h.wrap(async () => {
    const model = uniqueModel();
    const a = (await servingNode(model)).n;
    const b = (await servingNode(model)).n;
    const resP = coord.post('/v1/chat/completions', chat(model, 'fail over'), key);
    const [dropping] = await firstJob(a, b);
    const other = dropping === a ? b : a;
    await dropping.terminate();
    const job = await other.next('job');
    other.answerChat(job, ['survived']);
    const r = await resP;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'survived');
  }));

  test('an upstream 4xx reported by the node reaches the consumer with its status', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = coord.post('/v1/chat/completions', chat(model, 'x'), key);
    const job = await n.next('job');
    n.send({ type: 'error', id: job.id, code: 'upstream_error', message: 'rejected', retryable: false, status: 429 });
    expectErrorEnvelope(assert, await resP, 429);
  }));

  test('an error after the first chunk ends the stream with an error event', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = postStream(chat(model, 'x'));
    const job = await n.next('job');
    n.send({ type: 'chunk', id: job.id, seq: 0, delta: { role: 'assistant', content: 'so far' } });
    n.send({ type: 'error', id: job.id, code: 'upstream_error', message: 'broke', retryable: true });
    const { events, done } = await readSse(await resP);
    assert.ok(!done);
    assert.equal(streamText(events), 'so far');
    assert.ok(events[events.length - 1].json?.error);
  }));
});

describe('forward compatibility and refusals on a live link', () => {
  test('unknown frame types and unknown fields are ignored', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    n.send({ type: 'frame-from-the-future', anything: [1, 2, 3] });
    n.send({ type: 'status', in_flight: 0, draining: false, future_field: true });
    const resP = coord.post('/v1/chat/completions', chat(model, 'still'), key);
    const job = await n.next('job');
    n.answerChat(job, ['alive']);
    assert.equal((await resP).json.choices[0].message.content, 'alive');
    assert.ok(n.open);
  }));

  test('a frame that is not JSON closes the link and its models go away', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    n.send('this is not json {');
    const { reason } = await n.closed;
    assert.ok(reason.length > 0, 'no close reason');
    await coord.waitForModel(key, model, { present: false });
  }));

  test('a chunk with a field of the wrong type closes the link, naming the field', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    const resP = coord.post('/v1/chat/completions', chat(model, 'x'), key);
    const job = await n.next('job');
    n.send({ type: 'chunk', id: job.id, seq: 'zero', delta: { content: 'x' } });
    const { reason } = await n.closed;
    assert.match(reason, /seq/);
    const r = await resP;
    assert.ok(r.status >= 500, `the consumer gets a server error, got ${r.status}`);
  }));

  test('a message over --max-node-message-bytes closes the link', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    n.send({ type: 'status', in_flight: 0, draining: false, pad: 'x'.repeat(MAX_MESSAGE + 1) });
    await n.closed;
    await coord.waitForModel(key, model, { present: false });
  }));

  test('a second connection with the same node id replaces the first', h.wrap(async () => {
    const model = uniqueModel();
    const nodeId = `node_${randomToken(10)}`;
    const { n: first } = await servingNode(model, { nodeId });
    const second = await node();
    await second.hello({ nodeId, models: [{ id: model, context: 4096, owned_by: 'fake-node' }] });
    await first.closed;
    assert.ok(second.open);
    const resP = coord.post('/v1/chat/completions', chat(model, 'who'), key);
    const job = await second.next('job');
    second.answerChat(job, ['the second']);
    assert.equal((await resP).json.choices[0].message.content, 'the second');
    const m = await coord.metrics();
    assert.ok(m.potluck_nodes_online >= 1);
  }));

  test('draining: a node that says draining gets no new jobs', h.wrap(async () => {
    const model = uniqueModel();
    const { n } = await servingNode(model);
    n.send({ type: 'status', in_flight: 0, draining: true });
    await waitFor(async () => {
      const r = await coord.post('/v1/chat/completions', chat(model, 'x'), key);
      return r.status === 503;
    }, { what: 'the draining node to be skipped' });
    assert.ok(!n.frames.some((f) => f.type === 'job'), 'a draining node was sent a job');
  }));
});
