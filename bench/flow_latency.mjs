// Short requests beside long streams read slowly (issue 15 part 1's
// benchmark). Figures, not a test: run by scripts/bench-flow, which turns the
// JSON lines printed here into a section of docs/benchmarks.md.
//
// One node (--max-jobs 32) over the fake upstream. FLOW_LONG streams of
// FLOW_TOKENS tokens each, whose clients read FLOW_READ_BYTES every
// FLOW_READ_PAUSE_MS (slow readers), share the node with short non-streamed
// requests to the same model, sent one after another. Per mode (flow control
// on: --node-window-bytes 262144; off: 0, with a stream buffer large enough
// that the coordinator never drops a slow reader, as before flow control):
//   idle     the short request's latency with nothing else running
//   beside   its latency while the long streams run
//   node_mib the node's resident memory at its largest while they run
//
// Environment: POTLUCK_BIN, FAKE_UPSTREAM_BIN (as for the tests), FLOW_LONG
// (8), FLOW_TOKENS (200000), FLOW_SHORT (30), FLOW_READ_BYTES (16384),
// FLOW_READ_PAUSE_MS (100), FLOW_MODES ("on,off").
import { readFileSync } from 'node:fs';
import { setTimeout as pause } from 'node:timers/promises';
import { waitFor, withHarness } from '../tests/lib/harness.mjs';

const LONG = Number(process.env.FLOW_LONG ?? 8);
const TOKENS = Number(process.env.FLOW_TOKENS ?? 200_000);
const SHORT = Number(process.env.FLOW_SHORT ?? 30);
const READ_BYTES = Number(process.env.FLOW_READ_BYTES ?? 16_384);
const READ_PAUSE_MS = Number(process.env.FLOW_READ_PAUSE_MS ?? 100);
const MODES = (process.env.FLOW_MODES ?? 'on,off').split(',');
const MODEL = 'fake-model';
const WINDOW = 262_144;

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const round1 = (x) => Math.round(x * 10) / 10;
const residentMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function shortRequests(coord, key, count) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: `short ${i}` }] }, key);
    if (r.status !== 200) throw new Error(`a short request answered HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** A long stream whose client takes READ_BYTES, then pauses: a slow reader. */
async function slowReader(coord, key, stop) {
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'long' }], fake_chunks: TOKENS }),
  });
  if (res.status !== 200) throw new Error(`a long stream answered HTTP ${res.status}`);
  const reader = res.body.getReader();
  let taken = 0;
  while (!stop.done) {
    const { value, done } = await reader.read();
    if (done) return;
    taken += value.length;
    if (taken >= READ_BYTES) {
      taken = 0;
      await pause(READ_PAUSE_MS);
    }
  }
  await reader.cancel();
}

async function measure(h, mode) {
  const up = await h.startUpstream({ name: `upstream-${mode}` });
  const args = mode === 'on'
    ? ['--node-window-bytes', String(WINDOW)]
    : ['--node-window-bytes', '0', '--max-stream-buffer-bytes', String(4 * 2 ** 30)];
  const coord = await h.startCoordinator({
    name: `flow-${mode}`, logLevel: 'info',
    args: [...args, '--write-timeout-ms', '600000', '--rate-per-key', '0', '--rate-per-ip', '0'],
  });
  const key = await coord.adminKey();
  const node = await h.startNode({ coordinator: coord, upstream: up, maxJobs: 32, logLevel: 'info', name: `node-${mode}` });
  await coord.waitForModel(key, MODEL);

  await shortRequests(coord, key, 10);  // warm-up, not counted: a fresh process's first requests are slower
  const idle = await shortRequests(coord, key, SHORT);
  const stop = { done: false };
  const readers = Array.from({ length: LONG }, () => slowReader(coord, key, stop));
  await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight >= LONG, { what: 'the long streams to run' });
  let peak = residentMiB(node.pid);
  const sampler = setInterval(() => { peak = Math.max(peak, residentMiB(node.pid)); }, 50);
  const beside = await shortRequests(coord, key, SHORT);
  peak = Math.max(peak, residentMiB(node.pid));
  clearInterval(sampler);
  stop.done = true;
  await Promise.all(readers);
  await coord.stop();
  await node.stop();
  await up.stop();
  return {
    mode, long_streams: LONG, tokens: TOKENS, short: SHORT,
    idle_p50_ms: round1(quantile(idle, 0.5)), idle_p99_ms: round1(quantile(idle, 0.99)),
    beside_p50_ms: round1(quantile(beside, 0.5)), beside_p99_ms: round1(quantile(beside, 0.99)),
    node_mib: round1(peak),
  };
}

await withHarness('bench-flow', async (h) => {
  for (const mode of MODES) console.log(JSON.stringify(await measure(h, mode)));
});
