// Memory per open idle SSE stream and per connected node (issue 4's
// benchmark). Figures, not a test: run by scripts/bench-memory, which turns
// the JSON line printed here into a section of docs/benchmarks.md.
//
// Two coordinators, one after the other, each measured alone (its resident
// memory from /proc/PID/status and /proc/PID/smaps_rollup):
//   streams  one node (a FakeNode speaking potluck.v1, tests/lib/fake_node.mjs)
//            with a slot for every stream answers each job with its first
//            chunk (the assistant role) and then nothing: the consumer's SSE
//            stream is open, its headers and first event sent, and no token
//            comes. IDLE_STREAMS of them, each its own TCP connection.
//   nodes    IDLE_NODES FakeNodes connect over WebSocket with one shared node
//            token (the hub allows it: a node is told apart by its node_id),
//            say hello with three models each, and then only answer pings.
// Each phase first opens and closes one item (one-time costs), then reads the
// coordinator's memory, opens
// everything (noting the memory at IDLE_CHECKPOINT too), waits until the
// coordinator counts every stream in flight / every node online, lets it
// settle, and reads the memory again.
//
// Environment: POTLUCK_BIN (as for the tests), IDLE_STREAMS (10000),
// IDLE_NODES (10000), IDLE_CHECKPOINT (1000), IDLE_BATCH (250 opened at once),
// IDLE_SETTLE_MS (2000). Needs about IDLE_STREAMS + 100 open files in this
// process and in the coordinator (it inherits this process's limit, which
// Node.js raises to the hard limit): scripts/bench-memory checks.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { sleep, waitFor, withHarness } from '../tests/lib/harness.mjs';
import { connectNode } from '../tests/lib/fake_node.mjs';

const STREAMS = Number(process.env.IDLE_STREAMS ?? 10_000);
const NODES = Number(process.env.IDLE_NODES ?? 10_000);
const CHECKPOINT = Number(process.env.IDLE_CHECKPOINT ?? 1000);
const BATCH = Number(process.env.IDLE_BATCH ?? 250);
const SETTLE_MS = Number(process.env.IDLE_SETTLE_MS ?? 2000);
// Opened and closed before the first reading: one-time costs (first use of
// code paths, the store's prepared statements) are not counted. One only: the
// memory a larger batch frees would be reused by the measured items, unseen.
const WARMUP = 1;
const MODEL = 'idle-model';
const OPEN_TIMEOUT_MS = 120_000;

/** Resident memory of a process, in KiB: VmRSS (status) and Pss (smaps_rollup). */
function memory(pid) {
  const field = (text, name) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return { rss_kib: field(status, 'VmRSS'), anon_kib: field(status, 'RssAnon'), pss_kib: field(rollup, 'Pss') };
}

/** Runs `open(i)` for i in [from, to), BATCH at a time. */
async function inBatches(from, to, open) {
  const opened = [];
  for (let i = from; i < to; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + BATCH); j++) batch.push(open(j));
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}

function startCoordinator(h, name) {
  const cap = String(Math.max(STREAMS, NODES) * 2 + 1000);
  return h.startCoordinator({
    name,
    logLevel: 'info',
    args: ['--max-connections', cap, '--max-connections-per-ip', cap, '--rate-per-key', '0', '--rate-per-ip', '0',
      '--max-jobs-per-consumer', '0', '--max-queue', cap],
  });
}

// ---- streams

/** Opens a streamed completion on a raw socket; resolves once its first SSE event arrived. */
function openStream(port, key, i) {
  const body = JSON.stringify({ model: MODEL, stream: true, max_tokens: 16, messages: [{ role: 'user', content: `idle ${i}` }] });
  const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    let head = '';
    const fail = (why) => {
      sock.destroy();
      reject(new Error(`stream ${i}: ${why}`));
    };
    const timer = setTimeout(() => fail('no first event in time'), OPEN_TIMEOUT_MS);
    sock.on('connect', () => sock.write(request));
    sock.on('error', (err) => fail(err.message));
    sock.on('data', function onData(d) {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (!/^HTTP\/1\.1 200/.test(head)) return fail(`answered ${head.split('\r\n')[0]}`);
      if (!head.includes('data:')) return;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.on('data', () => {}); // nothing more is expected; keep draining if it comes
      resolve(sock);
    });
  });
}

/** The node behind every stream: first chunk of each job, then silence. */
async function startSink(coord, slots) {
  const node = await connectNode(coord.url, await coord.nodeToken('idle sink'));
  await node.hello({ nodeId: 'idle-sink', models: [{ id: MODEL, context: 4096, owned_by: 'bench' }], maxJobs: slots });
  node.ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'job') node.send({ type: 'chunk', id: frame.id, seq: 0, delta: { role: 'assistant', content: '' } });
  });
  node.frames = { push() {} }; // do not keep 10,000 job frames in this process
  return node;
}

async function measureStreams(h) {
  const coord = await startCoordinator(h, 'serve-streams');
  const key = await coord.adminKey();
  await startSink(coord, STREAMS + WARMUP);
  await coord.waitForModel(key, MODEL);
  const result = await measure(coord, STREAMS, {
    open: (i) => openStream(coord.port, key, i),
    close: (sock) => sock.destroy(),
    gauge: 'potluck_jobs_in_flight',
  });
  await coord.stop();
  return result;
}

// ---- nodes

async function connectIdleNode(coord, token, i) {
  const node = await connectNode(coord.url, token);
  await node.hello({
    nodeId: `idle-node-${i}`,
    maxJobs: 4,
    models: [{ id: 'shared-model', context: 8192, owned_by: 'bench' }, { id: `model-${i % 37}`, context: 4096, owned_by: 'bench' },
      { id: `variant-${i % 101}`, context: 4096, owned_by: 'bench' }],
  });
  node.frames = { push() {} };
  return node;
}

async function measureNodes(h) {
  const coord = await startCoordinator(h, 'serve-nodes');
  const token = await coord.nodeToken('idle nodes');
  const result = await measure(coord, NODES, {
    open: (i) => connectIdleNode(coord, token, i),
    close: (node) => node.terminate(),
    gauge: 'potluck_nodes_online',
  });
  await coord.stop();
  return result;
}

// ---- one phase

/**
 * Opens the warm-up item and closes it, reads the coordinator's memory, opens
 * `count` items (reading the memory at the checkpoint), waits until the
 * coordinator's `gauge` counts them all, lets it settle, reads the memory
 * again and closes them.
 */
async function measure(coord, count, { open, close, gauge }) {
  const pid = coord.proc.child.pid;
  const counted = (n) => waitFor(async () => (await coord.metrics())[gauge] === n,
    { timeoutMs: OPEN_TIMEOUT_MS, what: `${gauge} to reach ${n}` });
  const settled = async (n) => {
    await counted(n);
    await sleep(SETTLE_MS);
  };
  const warm = await inBatches(0, WARMUP, (i) => open(count + i));
  await Promise.all(warm.map(close));
  await settled(0);

  const before = memory(pid);
  const items = await inBatches(0, Math.min(CHECKPOINT, count), open);
  await counted(items.length);
  const checkpoint = memory(pid);
  items.push(...(await inBatches(items.length, count, open)));
  await settled(count);
  const after = memory(pid);
  await Promise.all(items.map(close));
  return summary(count, before, checkpoint, after);
}

function summary(count, before, checkpoint, after) {
  const per = (a, b, n, field) => Math.round(((b[field] - a[field]) * 1024) / n);
  const atCheckpoint = Math.min(CHECKPOINT, count);
  return {
    count, checkpoint: atCheckpoint, before, at_checkpoint: checkpoint, after,
    bytes_each_rss: per(before, after, count, 'rss_kib'),
    bytes_each_pss: per(before, after, count, 'pss_kib'),
    bytes_each_rss_first: per(before, checkpoint, atCheckpoint, 'rss_kib'),
    bytes_each_rss_rest: count > atCheckpoint ? per(checkpoint, after, count - atCheckpoint, 'rss_kib') : null,
  };
}

await withHarness('bench-idle-memory', async (h) => {
  const streams = await measureStreams(h);
  const nodes = await measureNodes(h);
  process.stdout.write(`${JSON.stringify({ streams, nodes })}\n`);
});
