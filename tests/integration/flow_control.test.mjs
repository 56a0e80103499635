// Flow control on the node link (issue 15, part 1): the coordinator grants
// each job a window of output (--node-window-bytes) and gives it back as the
// consumer takes it, the node stops reading a job's engine response while
// its window is spent, and a node's jobs share its link in turn. So clients
// that read slowly hold back only their own jobs: the node's and the
// coordinator's memory stay bounded by jobs x window, the engine feels the
// backpressure, and short requests to the same nodes go through meanwhile.
// A node that asks for a window and ignores it is stopped by the backlog
// bound (--max-stream-buffer-bytes), as one that never asked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { useHarness, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('flow-control');
const MODEL = 'fake-model';
const WINDOW = 256 * 1024;
const LONG_STREAMS = 20;
const LONG_TOKENS = 200_000;
let coord, upstream, key, nodes;

const residentMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  // The long clients pause for as long as the test needs: only the window
  // may hold them back, not the write timeout.
  coord = await h.startCoordinator({
    name: 'flow',
    logLevel: 'info',
    args: ['--node-window-bytes', String(WINDOW), '--write-timeout-ms', '300000'],
  });
  key = await coord.adminKey();
  nodes = [];
  for (const name of ['flow-a', 'flow-b'])
    nodes.push(await h.startNode({ coordinator: coord, upstream, name, maxJobs: 24, logLevel: 'info' }));
  await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'both nodes online' });
  await coord.waitForModel(key, MODEL);
}));

const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

async function openLongStream() {
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat('long', { stream: true, fake_chunks: LONG_TOKENS })),
  });
  assert.equal(res.status, 200);
  return res.body.getReader();
}

// Reads a stream to its end, counting the tokens ("t ") without keeping them.
async function drain(reader) {
  const decoder = new TextDecoder();
  let tail = '';
  let tokens = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const text = tail + decoder.decode(value, { stream: true });
    const lines = text.split('\n');
    tail = lines.pop();
    for (const line of lines) if (line.startsWith('data: {') && line.includes('"content":"t "')) tokens += 1;
  }
  return { tokens, ended: tail === '' };
}

test('slow clients hold back only their own jobs: memory stays within jobs x window, short requests go through', h.wrap(async () => {
  const baseline = nodes.map((n) => residentMiB(n.pid));
  const coordBaseline = residentMiB(coord.proc.pid);
  await upstream.resetStats();

  // Twenty streams of 200,000 tokens whose clients read nothing for now.
  const longs = [];
  for (let i = 0; i < LONG_STREAMS; i += 1) longs.push(await openLongStream());
  await waitFor(async () => (await upstream.stats()).generations_started >= LONG_STREAMS, {
    what: 'every long generation to start at the engine',
  });

  // Short requests to the same model on the same nodes, ten at a time.
  for (let round = 0; round < 2; round += 1) {
    const shorts = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      coord.post('/v1/chat/completions', chat(`short ${round} ${i}`), key)));
    for (const r of shorts) {
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.match(r.json.choices[0].message.content, /^echo: short/);
    }
  }

  // The long ones are still running: their engine requests are held by
  // backpressure, not finished into a buffer somewhere.
  const stats = await upstream.stats();
  assert.equal(stats.generations_completed, 20, 'the 20 short generations completed');
  assert.equal(stats.generations_aborted_by_client, 0, 'no long job was dropped');
  const metrics = await coord.metrics();
  assert.equal(metrics.potluck_jobs_in_flight, LONG_STREAMS, 'every long job is still in flight');

  // Per job: the window, one engine read turned into chunks and the buffers
  // around them, counted as twice the window; with room for the process's own
  // allocations. (Without flow control a node grew by 60 MiB here in 3 s.)
  const jobsMiB = (LONG_STREAMS * 2 * WINDOW) / (1 << 20);
  nodes.forEach((n, i) => {
    const grew = residentMiB(n.pid) - baseline[i];
    assert.ok(grew < jobsMiB + 16, `node ${n.name} grew by ${grew.toFixed(1)} MiB`);
  });
  const coordGrew = residentMiB(coord.proc.pid) - coordBaseline;
  assert.ok(coordGrew < jobsMiB + 32, `coordinator grew by ${coordGrew.toFixed(1)} MiB`);

  // Now the clients read: every token of every stream arrives.
  const results = await Promise.all(longs.map(drain));
  for (const r of results) {
    assert.equal(r.tokens, LONG_TOKENS);
    assert.ok(r.ended, 'each stream ends at a line boundary');
  }
  await waitFor(async () => (await upstream.stats()).generations_completed === 20 + LONG_STREAMS, {
    what: 'the long generations to complete at the engine',
  });
}));

test('a node that does not speak flow control is sent no window and no credit, and still serves', h.wrap(async () => {
  const node = await connectNode(coord.url, await coord.nodeToken('old node'));
  const welcome = await node.hello({ models: [{ id: 'old-model', context: 4096, owned_by: 'fake-node' }], maxJobs: 2 });
  assert.equal(welcome.window, undefined, 'no window without "flow" in hello');
  await coord.waitForModel(key, 'old-model');
  const answer = coord.post('/v1/chat/completions', { model: 'old-model', messages: [{ role: 'user', content: 'hi' }] }, key);
  const job = await node.next('job');
  // Twice a window of output at once: an old node sends freely.
  const pieces = Array.from({ length: 500 }, () => 'w'.repeat(1000));
  node.answerChat(job, pieces);
  const r = await answer;
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.choices[0].message.content, pieces.join(''));
  assert.ok(!node.frames.some((f) => f.type === 'credit'), 'no credit frame was sent');
  node.terminate();
}));

// Opens a stream nobody reads to a node that asks for flow control, has the
// node send `chunks` frames made by `frame` without waiting for credit, and
// returns once the coordinator has cancelled the job on the node.
async function greedyNodeIsStopped(name, frame, chunks) {
  const node = await connectNode(coord.url, await coord.nodeToken(name));
  const model = `${name}-model`;
  const welcome = await node.hello({ models: [{ id: model, context: 4096, owned_by: 'fake-node' }], maxJobs: 2, extra: { flow: true } });
  assert.equal(welcome.window, WINDOW, 'the window granted in welcome');
  await coord.waitForModel(key, model);
  const last = await coord.settle();
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  const job = await node.next('job');
  for (let i = 0; i < chunks; i += 1) node.send({ type: 'chunk', id: job.id, seq: i, ...frame });
  // The cancel comes while the client is still connected: the backlog bound,
  // not the client, stopped the job.
  const cancel = await node.next((f) => f.type === 'cancel' && f.id === job.id);
  assert.equal(cancel.id, job.id, 'the coordinator stopped the job on the node');
  // Its consumer, still blocked on a full socket, leaves: the job is recorded.
  await res.body.cancel();
  const rows = await waitFor(async () => {
    const r = await coord.usageEvents(`id > ${last} AND node_id = '${node.nodeId}'`);
    return r.length ? r : null;
  }, { what: 'the usage event of the stopped job' });
  assert.equal(rows[0].status, 'cancelled');
  node.terminate();
}

// The client reads nothing; the node sends 32 MiB at once (128 windows, far
// more than the stream buffer and the kernel's socket buffers together)
// without waiting for a credit.
test('a node that asks for flow control and then ignores its window is held by the backlog bound', h.wrap(async () => {
  await greedyNodeIsStopped('greedy', { delta: { content: 'g'.repeat(8192) } }, 4096);
}));

test('output carried in a chunk\'s extras counts against the backlog as its text does', h.wrap(async () => {
  // Empty deltas, 12 KiB of logprobs each: 48 MiB that a count of deltas alone would not see.
  const logprobs = { content: [{ token: 'x', logprob: -1, padding: 'p'.repeat(12 * 1024) }] };
  await greedyNodeIsStopped('extras', { delta: {}, choice: { logprobs } }, 4096);
}));
