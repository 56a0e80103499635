// Latency of a queued request while 256 others stream (issue 4's benchmark).
// Figures, not a test: run by scripts/bench-scheduling, which turns the JSON
// line printed here into a section of docs/benchmarks.md.
//
// One node with 256 slots (--max-jobs 256) behind the coordinator, over the
// fake upstream. Each round starts 256 slow streams (every slot taken), then
// sends one more, non-streamed request: it waits in the coordinator's line
// until the first stream ends and frees a slot. Figures per round:
//   latency   the queued request's whole latency, sent to answered
//   hand_off  from the moment the first stream ended (its [DONE] reached the
//             client) to the queued request's answer: the line handing the
//             freed slot on, plus the request's own trip through the relay
// and, for comparison, the same request's latency on an idle node.
//
// Environment: POTLUCK_BIN, FAKE_UPSTREAM_BIN (as for the tests),
// QUEUED_ROUNDS (5), QUEUED_STREAMS (256), QUEUED_CHUNKS (20) and
// QUEUED_CHUNK_DELAY_MS (100): a stream lasts chunks x delay.
import { readSse, waitFor, withHarness } from '../tests/lib/harness.mjs';

const ROUNDS = Number(process.env.QUEUED_ROUNDS ?? 5);
const STREAMS = Number(process.env.QUEUED_STREAMS ?? 256);
const CHUNKS = Number(process.env.QUEUED_CHUNKS ?? 20);
const DELAY_MS = Number(process.env.QUEUED_CHUNK_DELAY_MS ?? 100);
const IDLE_PROBES = 20;
const MODEL = 'fake-model';
const PROBE = { model: MODEL, messages: [{ role: 'user', content: 'Hello there, how are you today?' }], max_tokens: 16 };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round3 = (x) => Math.round(x * 1000) / 1000;

async function probe(coord, key) {
  const t0 = performance.now();
  const r = await coord.post('/v1/chat/completions', PROBE, key);
  const t1 = performance.now();
  if (r.status !== 200) throw new Error(`the probe answered HTTP ${r.status}: ${r.text}`);
  return { t0, t1 };
}

/** Starts a slow stream; resolves with the moment its [DONE] arrived. */
async function slowStream(coord, key, i) {
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL, stream: true, messages: [{ role: 'user', content: `stream ${i}` }],
      fake_chunks: CHUNKS, fake_delay_ms: DELAY_MS,
    }),
  });
  if (res.status !== 200) throw new Error(`stream ${i} answered HTTP ${res.status}`);
  const { done } = await readSse(res);
  if (!done) throw new Error(`stream ${i} did not end with [DONE]`);
  return performance.now();
}

async function measureRound(coord, key) {
  const ends = Array.from({ length: STREAMS }, (_, i) => slowStream(coord, key, i));
  await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === STREAMS,
    { timeoutMs: 60_000, what: `${STREAMS} streams in flight` });
  const { t0, t1 } = await probe(coord, key);
  const firstEnd = Math.min(...(await Promise.all(ends)));
  if (firstEnd > t1) throw new Error('the probe was answered before any stream ended: it did not wait');
  return { latency_ms: t1 - t0, hand_off_ms: t1 - firstEnd };
}

await withHarness('bench-queued', async (h) => {
  const up = await h.startUpstream();
  const coord = await h.startCoordinator({
    logLevel: 'info',
    args: ['--rate-per-key', '0', '--rate-per-ip', '0', '--max-jobs-per-consumer', '0',
      '--max-connections-per-ip', String(STREAMS * 4), '--max-queue', String(STREAMS * 2)],
  });
  const key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream: up, maxJobs: STREAMS, logLevel: 'info' });
  await coord.waitForModel(key, MODEL);

  const idle = [];
  for (let i = 0; i < IDLE_PROBES; i++) {
    const { t0, t1 } = await probe(coord, key);
    idle.push(t1 - t0);
  }
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await measureRound(coord, key));
  const result = {
    streams: STREAMS, node_max_jobs: STREAMS, rounds: ROUNDS, stream_ms: CHUNKS * DELAY_MS,
    idle_p50_ms: round3(median(idle)),
    queued_latency_p50_ms: round3(median(rounds.map((r) => r.latency_ms))),
    queued_latency_max_ms: round3(Math.max(...rounds.map((r) => r.latency_ms))),
    hand_off_p50_ms: round3(median(rounds.map((r) => r.hand_off_ms))),
    hand_off_max_ms: round3(Math.max(...rounds.map((r) => r.hand_off_ms))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
