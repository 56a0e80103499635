// The per-stream buffer (--max-stream-buffer-bytes) and write timeout: a
// consumer that stops reading is dropped and its job cancelled down to the
// upstream, while consumers that read (or wait for a non-streamed answer) get
// everything, however much larger than the buffer the completion is.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, readSse, streamText, waitFor } from '../lib/harness.mjs';

const h = useHarness('stream-buffer');
const MODEL = 'fake-model';
const BUFFER = 64 * 1024;
let coord, upstream, key;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL] });
  // A short write timeout too: a stalled client is dropped by whichever comes first.
  coord = await h.startCoordinator({
    args: ['--max-stream-buffer-bytes', String(BUFFER), '--write-timeout-ms', '2000'],
  });
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(key, MODEL);
}));

// The echo of 40 words of 5,000 characters: 200 KB of text, three times the
// buffer, in 40 chunks of 5 KB, 5 ms apart, so any client that reads keeps up.
const WORDS = Array.from({ length: 40 }, (_, i) => String(i % 10).repeat(5000));
const PROMPT = WORDS.join(' ');
const ECHO = `echo: ${PROMPT}`;
const body = (stream) => ({
  model: MODEL,
  messages: [{ role: 'user', content: PROMPT }],
  stream,
  fake_delay_ms: 5,
});

test('a streamed completion several times the buffer reaches a reading client whole', h.wrap(async () => {
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body(true)),
  });
  assert.equal(res.status, 200);
  const { events, done } = await readSse(res);
  assert.ok(done, `the stream was cut: last event ${events[events.length - 1]?.data?.slice(0, 200)}`);
  assert.equal(streamText(events), ECHO);
}));

test('a non-streamed completion several times the buffer is returned whole', h.wrap(async () => {
  // (The node sends a non-streamed reply as one chunk: its size alone is no backlog.)
  const r = await coord.post('/v1/chat/completions', body(false), key);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.choices[0].message.content, ECHO);
}));

test('a client that stops reading is dropped and its job cancelled upstream', h.wrap(async () => {
  const rows0 = await coord.settle();
  await upstream.resetStats();
  const ctl = new AbortController();
  // Far more than socket buffers hold, produced as fast as the upstream can.
  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true, fake_chunks: 50_000_000 }),
    signal: ctl.signal,
  });
  assert.equal(res.status, 200);
  try {
    // Never read the body: the coordinator's writes back up, its buffer fills.
    await waitFor(async () => (await upstream.stats()).generations_aborted_by_client >= 1, {
      what: 'the job of the stalled client to be cancelled upstream',
      timeoutMs: 60_000,
    });
    const rows = await waitFor(async () => {
      const r = await coord.usageEvents(`id > ${rows0}`);
      return r.length ? r : null;
    }, { what: 'the usage event of the dropped stream' });
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].status, 'ok');
    assert.match(String(rows[0].error_code), /slow/);
  } finally {
    ctl.abort();
  }
  const after = await coord.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'ok?' }] }, key);
  assert.equal(after.status, 200, after.text);
}));
