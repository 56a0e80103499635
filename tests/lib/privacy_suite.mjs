// The privacy promise: no prompt or completion text reaches any file the
// coordinator or the node writes, at any log level, on success or error paths.
//
// A random canary goes through every path we can reach (streamed and
// non-streamed chat, completions, an upstream that fails with the canary in
// its error body, a 4xx from upstream, a stream that breaks mid-way, a client
// that hangs up, a malformed request body, the Responses API streamed, not
// and refused, a node whose error messages and
// malformed frames carry the canary) with both processes at
// --log-level trace. Then every file under the test's directory (data dir
// with the SQLite db and its -wal/-shm files, the node's state dir, HOME,
// TMPDIR, working directories, and the captured stdout/stderr of both
// processes) is searched for it, byte for byte, while the processes run and
// again after they stopped.
//
// definePrivacyTests() declares the suite for one test file:
// integration/privacy.test.mjs runs it in plain HTTP, privacy_tls.test.mjs
// with every link over TLS (consumer to coordinator, node to coordinator).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { useHarness, listFiles, readSse, sseEvents, streamText, waitFor } from './harness.mjs';
import { filesContaining, makeCanary } from './canary.mjs';
import { connectNode } from './fake_node.mjs';
import { TestCa } from './test_ca.mjs';

const MODEL = 'fake-model';
const NATIVE_MODEL = 'native-model';

/** The suite, for a harness called `name`; with `tls`, every link is over TLS. */
export function definePrivacyTests(name, { tls = false } = {}) {
  const h = useHarness(name);
  const { SECRET, CANARY, NEEDLES } = makeCanary();
  let coord, node, upstream, key, trust;

  before(h.wrap(async () => {
    upstream = await h.startUpstream({ models: [MODEL, NATIVE_MODEL] });
    const coordArgs = [];
    // NATIVE_MODEL's /v1/responses requests are passed through to the engine.
    const nodeArgs = ['--responses-models', NATIVE_MODEL];
    if (tls) {
      const ca = new TestCa(h.dir('ca'));
      const cert = ca.issue('serve', { names: ['DNS:localhost', 'IP:127.0.0.1'] });
      coordArgs.push('--tls-cert', cert.certFile, '--tls-key', cert.keyFile);
      nodeArgs.push('--ca-file', ca.certFile);
      trust = ca.pem;
    }
    coord = await h.startCoordinator({ logLevel: 'trace', args: coordArgs, trust });
    if (tls) assert.match(coord.url, /^https:/);
    key = await coord.adminKey();
    node = await h.startNode({ coordinator: coord, upstream, logLevel: 'trace', args: nodeArgs });
    await coord.waitForModel(key, MODEL);
    await coord.waitForModel(key, NATIVE_MODEL);
  }));

  const chat = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });
  const prompt = () => `please repeat ${CANARY} back`;

  function postStream(body, signal) {
    return coord.fetch(body.prompt ? '/v1/completions' : '/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  }

  test('the scanner finds the canary when it is there (self-test)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'potluck-privacy-selftest-'));
    try {
      writeFileSync(path.join(dir, 'bin'), Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(CANARY), Buffer.from([0])]));
      assert.equal(filesContaining(dir, NEEDLES).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a canary through every path is never written to disk', h.wrap(async () => {
    // 1. Non-streamed chat: the completion echoes the canary.
    const a = await coord.post('/v1/chat/completions', chat(prompt()), key);
    assert.equal(a.status, 200, a.text);
    assert.ok(a.json.choices[0].message.content.includes(CANARY), 'the canary did not go through (non-streamed)');

    // 2. Streamed chat with usage.
    let res = await postStream(chat(prompt(), { stream_options: { include_usage: true } }));
    let sse = await readSse(res);
    assert.ok(sse.done);
    assert.ok(streamText(sse.events).includes(CANARY), 'the canary did not go through (streamed)');

    // 3. Completions, both ways, with the canary in an unknown pass-through field too.
    const c = await coord.post('/v1/completions', { model: MODEL, prompt: prompt(), canary_field: CANARY }, key);
    assert.equal(c.status, 200, c.text);
    assert.ok(c.json.choices[0].text.includes(CANARY));
    res = await postStream({ model: MODEL, prompt: [prompt()] });
    sse = await readSse(res);
    assert.ok(streamText(sse.events).includes(CANARY));

    // 4. Upstream fails with 500; its error body carries the canary.
    const direct = await fetch(`${upstream.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat(prompt(), { fake_status: 500 })),
    });
    assert.ok((await direct.text()).includes(CANARY), 'test premise: the upstream error body echoes the prompt');
    const before500 = (await upstream.stats()).chat;
    for (const stream of [false, true]) {
      const r = await coord.post('/v1/chat/completions', chat(prompt(), { fake_status: 500, stream }), key);
      assert.equal(r.status, 502, r.text);
    }
    assert.ok((await upstream.stats()).chat > before500, 'the failing requests reached the upstream');

    // 5. Upstream refuses with a 4xx (its body also echoes the canary).
    const r400 = await coord.post('/v1/chat/completions', chat(prompt(), { fake_status: 400 }), key);
    assert.equal(r400.status, 400, r400.text);

    // 6. A stream that breaks after the canary was sent.
    res = await postStream(chat(`${CANARY} ${CANARY} ${CANARY} end`, { fake_fail_after: 2 }));
    sse = await readSse(res);
    assert.ok(!sse.done);
    assert.ok(streamText(sse.events).includes(CANARY));
    assert.ok(sse.events.some((e) => e.json?.error), 'the broken stream ended with an error event');

    // 7. A client that hangs up mid-stream.
    await upstream.resetStats();
    const ctl = new AbortController();
    res = await postStream(chat(`${CANARY} `.repeat(50), { fake_delay_ms: 50 }), ctl.signal);
    let seen = '';
    try {
      for await (const ev of sseEvents(res)) {
        seen += streamText([ev]);
        if (seen.includes(CANARY)) break;
      }
    } finally {
      ctl.abort();
    }
    assert.ok(seen.includes(CANARY));
    await waitFor(async () => (await upstream.stats()).generations_aborted_by_client >= 1, { what: 'the cancel to reach upstream' });

    // 8. Bodies the coordinator cannot parse, with the canary inside.
    const bad = await coord.request('POST', '/v1/chat/completions', {
      key,
      rawBody: `{"model": "${MODEL}", "messages": [{"role": "user", "content": "${CANARY}"}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    const wrongType = await coord.post('/v1/chat/completions', { model: MODEL, messages: CANARY }, key);
    assert.equal(wrongType.status, 400);

    // 9. A node (driven by hand) that reports errors and sends malformed frames
    // with the canary inside: the coordinator must neither log nor store them.
    const WS_MODEL = 'ws-privacy-model';
    const token = await coord.nodeToken();
    const fake = await connectNode(coord.url, token, { ca: trust });
    try {
      await fake.hello({ models: [{ id: WS_MODEL, context: 4096, owned_by: 'fake-node' }] });
      await coord.waitForModel(key, WS_MODEL);
      let pending = coord.post('/v1/chat/completions', { ...chat(prompt()), model: WS_MODEL }, key);
      let job = await fake.next('job');
      assert.ok(JSON.stringify(job.payload).includes(CANARY), 'the job payload carries the canary');
      fake.send({ type: 'error', id: job.id, code: 'upstream_error', message: `engine said: ${CANARY}`, retryable: false, status: 500 });
      assert.equal((await pending).status, 502);

      pending = coord.post('/v1/chat/completions', { ...chat(prompt()), model: WS_MODEL }, key);
      job = await fake.next('job');
      fake.send({ type: 'chunk', id: job.id, seq: CANARY, delta: { content: CANARY } });
      const { reason } = await fake.closed;
      assert.ok(!reason.includes(SECRET), `the close reason carries the offending value: ${reason}`);
      assert.ok((await pending).status >= 500);
    } finally {
      fake.terminate();
    }
    const fake2 = await connectNode(coord.url, token, { ca: trust });
    fake2.send(`{"type":"hello","protocol":"potluck.v1","node_id":"${CANARY}`); // not JSON
    await fake2.closed;

    // 11. An asynchronous job: its result is held in memory only.
    const submitted = await coord.post('/v1/jobs', { model: MODEL, payload: { messages: [{ role: 'user', content: prompt() }] } }, key);
    assert.equal(submitted.status, 202, submitted.text);
    let held;
    await waitFor(async () => {
      held = await coord.get(`/v1/jobs/${submitted.json.id}`, key);
      return held.json.state === 'completed';
    }, { what: 'the asynchronous job to complete' });
    assert.ok(held.json.result.choices[0].message.content.includes(CANARY), 'the canary did not go through (job)');

    // 12. The Responses API, both ways, and refused with the canary where a
    // stored response's id would go: nothing of it is kept.
    const resp = await coord.post('/v1/responses', { model: MODEL, instructions: prompt(), input: prompt() }, key);
    assert.ok(resp.json.output[0].content[0].text.includes(CANARY), 'the canary did not go through (responses)');
    const respStream = await coord.fetch('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: [{ role: 'user', content: prompt() }], stream: true }),
    });
    const respEvents = (await readSse(respStream)).events;
    assert.ok(respEvents.some((e) => e.json?.delta?.includes(SECRET)), 'the canary did not go through (responses stream)');
    // Passed through to an engine that answers the Responses API itself.
    const native = await coord.post('/v1/responses', { model: NATIVE_MODEL, instructions: prompt(), input: prompt() }, key);
    const nativeText = native.json.output[0].content[0].text;
    assert.ok(nativeText.startsWith('native: ') && nativeText.includes(CANARY), 'the canary did not go through (responses passed through)');
    const nativeStream = await coord.fetch('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: NATIVE_MODEL, input: prompt(), stream: true }),
    });
    const nativeEvents = (await readSse(nativeStream)).events;
    assert.ok(nativeEvents.some((e) => e.json?.delta?.includes(SECRET)), 'the canary did not go through (passed-through stream)');
    assert.equal((await upstream.stats()).responses_stored, 0);
    const refused = await coord.post('/v1/responses', { model: MODEL, input: prompt(), previous_response_id: CANARY }, key);
    assert.equal(refused.status, 400);
    assert.equal((await coord.get(`/v1/responses/${SECRET}`, key)).status, 400);

    // 10. Nothing in the metrics either.
    const metrics = await (await coord.fetch('/metrics')).text();
    assert.ok(!metrics.includes(SECRET), 'the canary is in /metrics');

    // All jobs are over and their usage events written.
    await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 0, { what: 'no job in flight' });
    await waitFor(async () => (await coord.query("SELECT COUNT(*) AS n FROM usage_events WHERE status='cancelled'"))[0].n >= 1, {
      what: 'the cancelled job to be recorded',
    });

    // Scan while running (the -wal and -shm files exist now)...
    const live = filesContaining(h.root, NEEDLES);
    assert.deepEqual(live, [], `the canary was written to disk:\n${live.join('\n')}`);

    // ...and after a graceful stop, when logs are flushed and the WAL checkpointed.
    const nodeExit = await node.stop();
    const coordExit = await coord.stop();
    await upstream.stop();
    assert.ok(!nodeExit.forced && !coordExit.forced, 'a process needed SIGKILL');

    const files = listFiles(h.root);
    assert.ok(files.some((f) => path.basename(f) === 'potluck.db'), 'the SQLite db was scanned');
    const serveLog = readFileSync(coord.proc.stderrPath, 'utf8');
    const nodeLog = readFileSync(node.stderrPath, 'utf8');
    assert.ok(serveLog.split('\n').length > 10, 'the coordinator logged (trace level is on)');
    assert.ok(nodeLog.split('\n').length > 10, 'the node logged (trace level is on)');
    const rows = await coord.query('SELECT COUNT(*) AS n FROM usage_events');
    assert.ok(rows[0].n >= 8, 'usage events were written for the jobs');

    const hits = filesContaining(h.root, NEEDLES);
    assert.deepEqual(hits, [], `the canary was written to disk:\n${hits.join('\n')}`);
  }));
}
