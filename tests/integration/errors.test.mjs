// Every error status of the API, each in the OpenAI error envelope: 400, 401,
// 404, 405, 413, 414, 431 and 503 with Retry-After, plus the requests just
// inside each limit, which must succeed.
import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, rawHttp, sseEvents, trickle, waitFor } from '../lib/harness.mjs';

const h = useHarness('errors');
const MODEL = 'fake-model';
const GONE = 'gone-model';
const MAX_BODY = 4096;
const MAX_HEADER = 4096;
const MAX_URL = 2048;
const HEADER_TIMEOUT_MS = 1000;
let coord, upstream, key, nodeGone;

before(h.wrap(async () => {
  upstream = await h.startUpstream({ models: [MODEL, GONE] });
  coord = await h.startCoordinator({
    args: ['--max-body-bytes', String(MAX_BODY), '--max-header-bytes', String(MAX_HEADER), '--max-url-bytes', String(MAX_URL),
      '--header-timeout-ms', String(HEADER_TIMEOUT_MS)],
  });
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, models: [MODEL], maxJobs: 1, name: 'node-main' });
  nodeGone = await h.startNode({ coordinator: coord, upstream, models: [GONE], name: 'node-gone' });
  await coord.waitForModel(key, MODEL);
  await coord.waitForModel(key, GONE);
}));

const chat = (content = 'hi', extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

describe('400 bad request', () => {
  test('malformed JSON', h.wrap(async () => {
    const r = await coord.request('POST', '/v1/chat/completions', {
      key,
      rawBody: '{"model": "fake-model", "messages": [',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('a body that is JSON but not an object', h.wrap(async () => {
    const r = await coord.request('POST', '/v1/chat/completions', {
      key,
      rawBody: '["model"]',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('an empty body', h.wrap(async () => {
    const r = await coord.request('POST', '/v1/chat/completions', { key, rawBody: '' });
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('missing model', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, key);
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('missing messages', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { model: MODEL }, key);
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('missing prompt on /v1/completions', h.wrap(async () => {
    const r = await coord.post('/v1/completions', { model: MODEL }, key);
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));

  test('model of the wrong type', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { model: 42, messages: [] }, key);
    expectErrorEnvelope(assert, r, 400, { type: 'invalid_request_error' });
  }));
});

describe('401 unauthenticated', () => {
  test('no Authorization header', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat());
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('no key on /v1/models', h.wrap(async () => {
    const r = await coord.get('/v1/models');
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('a key that is not a key', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', chat(), 'not-a-key');
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('a well-formed key with a wrong secret', h.wrap(async () => {
    const last = key[key.length - 1];
    const forged = key.slice(0, -1) + (last === 'a' ? 'b' : 'a');
    const r = await coord.post('/v1/chat/completions', chat(), forged);
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('a key with an unknown id', h.wrap(async () => {
    const parts = key.split('_'); // pl_<id>_<secret>
    const forged = `${parts[0]}_${'z'.repeat(parts[1].length)}_${parts.slice(2).join('_')}`;
    const r = await coord.post('/v1/chat/completions', chat(), forged);
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('a scheme other than Bearer', h.wrap(async () => {
    const r = await coord.request('GET', '/v1/models', { headers: { authorization: `Basic ${key}` } });
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));

  test('a revoked key', h.wrap(async () => {
    const created = await coord.post('/api/keys', { name: 'to revoke' }, key);
    assert.equal(created.status, 201, created.text);
    const victim = created.json.key;
    assert.equal((await coord.get('/v1/models', victim)).status, 200);
    const del = await coord.request('DELETE', `/api/keys/${created.json.id}`, { key });
    assert.equal(del.status, 200, del.text);
    const r = await coord.post('/v1/chat/completions', chat(), victim);
    expectErrorEnvelope(assert, r, 401, { type: 'authentication_error' });
  }));
});

describe('404 and 405', () => {
  test('a model no node has ever offered', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { ...chat(), model: 'no-such-model' }, key);
    expectErrorEnvelope(assert, r, 404);
  }));

  test('a model no node has ever offered, streamed request', h.wrap(async () => {
    const r = await coord.post('/v1/chat/completions', { ...chat(), model: 'no-such-model', stream: true }, key);
    expectErrorEnvelope(assert, r, 404);
  }));

  test('an unknown model on /v1/completions', h.wrap(async () => {
    const r = await coord.post('/v1/completions', { model: 'no-such-model', prompt: 'x' }, key);
    expectErrorEnvelope(assert, r, 404);
  }));

  test('an unknown path', h.wrap(async () => {
    const r = await coord.get('/v1/no-such-endpoint', key);
    expectErrorEnvelope(assert, r, 404);
  }));

  test('a wrong method', h.wrap(async () => {
    const r = await coord.get('/v1/chat/completions', key);
    expectErrorEnvelope(assert, r, 405);
  }));

  test('a wrong method is answered from the route table, before credentials, with Allow', h.wrap(async () => {
    const r = await coord.request('PATCH', '/v1/jobs/job_x');
    expectErrorEnvelope(assert, r, 405);
    assert.equal(r.headers.get('allow'), 'GET, DELETE');
  }));

  test('an unknown path is 404 before credentials', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.get('/api/keys/k/extra'), 404);
    expectErrorEnvelope(assert, await coord.get('/api/keys/'), 404);
  }));

  test('a known path without credentials is 401', h.wrap(async () => {
    expectErrorEnvelope(assert, await coord.get('/api/keys'), 401);
  }));
});

describe('413 body too large', () => {
  test('a body one byte over --max-body-bytes', h.wrap(async () => {
    const body = JSON.stringify(chat('x'));
    const padded = body.slice(0, -1) + ',"pad":"' + 'p'.repeat(MAX_BODY - body.length - 9) + '"}';
    assert.equal(padded.length, MAX_BODY, 'test setup: body at the limit');
    const atLimit = await coord.request('POST', '/v1/chat/completions', {
      key,
      rawBody: padded,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(atLimit.status, 200, `a body of exactly ${MAX_BODY} bytes: ${atLimit.text}`);

    const over = padded.slice(0, -2) + 'p"}';
    assert.equal(over.length, MAX_BODY + 1);
    const r = await coord.request('POST', '/v1/chat/completions', {
      key,
      rawBody: over,
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(assert, r, 413);
  }));

  test('a declared Content-Length over the limit is refused before the body is sent', h.wrap(async () => {
    const req =
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      `Authorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`;
    const r = await rawHttp(coord.port, req); // no body ever sent: the answer must not wait for it
    assert.equal(r.status, 413, r.raw);
    const json = JSON.parse(r.body);
    assert.equal(typeof json.error.message, 'string');
  }));
});

// The route and the caller are decided from the head: a request the route
// table refuses is answered before its body is read, so a stranger cannot make
// the coordinator buffer bodies (issue 14). Each request below declares a body
// and never sends it: without the early answer it would wait for the body
// timeout and get 408.
describe('refused before the body is read', () => {
  const post = (path, auth) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth ? `Authorization: Bearer ${auth}\r\n` : ''}` +
    `Content-Type: application/json\r\nContent-Length: ${MAX_BODY}\r\n\r\n`;

  test('no API key: 401', h.wrap(async () => {
    const r = await rawHttp(coord.port, post('/v1/chat/completions'));
    assert.equal(r.status, 401, r.raw);
    assert.equal(JSON.parse(r.body).error.type, 'authentication_error');
  }));

  test('an unknown API key: 401', h.wrap(async () => {
    const r = await rawHttp(coord.port, post('/v1/chat/completions', 'sk-potluck-notakey000000000000'));
    assert.equal(r.status, 401, r.raw);
  }));

  test('an unknown path: 404, and a known path with the wrong method: 405', h.wrap(async () => {
    const unknown = await rawHttp(coord.port, post('/v1/no-such-thing', key));
    assert.equal(unknown.status, 404, unknown.raw);
    const wrongMethod = await rawHttp(coord.port, post('/v1/models', key));
    assert.equal(wrongMethod.status, 405, wrongMethod.raw);
  }));

  test('a refused request without a body keeps its connection for the next one', h.wrap(async () => {
    // Two pipelined requests on one connection, read until the server closes it.
    const raw = await new Promise((resolve, reject) => {
      const sock = net.createConnection({ host: '127.0.0.1', port: coord.port });
      let text = '';
      sock.on('connect', () => sock.write(
        'GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
        'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      sock.on('data', (d) => (text += d.toString('latin1')));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 401 /);
    assert.match(raw, /HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/, 'the second request was answered on the same connection');
  }));

  test('an admitted request still gets its body read and answered', h.wrap(async () => {
    const body = JSON.stringify(chat('hello'));
    const r = await rawHttp(coord.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(r.status, 200, r.raw);
    assert.equal(JSON.parse(r.body).object, 'chat.completion');
  }));
});

describe('431 headers too large', () => {
  const request = (headerBytes) =>
    `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    `X-Padding: ${'h'.repeat(headerBytes)}\r\nConnection: close\r\n\r\n`;

  test('headers well under the limit pass', h.wrap(async () => {
    const r = await rawHttp(coord.port, request(MAX_HEADER / 2));
    assert.equal(r.status, 200, r.raw.slice(0, 300));
  }));

  test('headers over --max-header-bytes get 431', h.wrap(async () => {
    const r = await rawHttp(coord.port, request(MAX_HEADER + 100));
    assert.equal(r.status, 431, r.raw.slice(0, 300));
  }));

  test('too many header fields get 431', h.wrap(async () => {
    let fields = '';
    for (let i = 0; i < 150; i++) fields += `X-F${i}: v\r\n`;
    const r = await rawHttp(coord.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${fields}Connection: close\r\n\r\n`);
    assert.equal(r.status, 431, r.raw.slice(0, 300));
  }));
});

describe('414 URL too long', () => {
  test('a request line over --max-url-bytes gets 414; one under it passes', h.wrap(async () => {
    const ok = await rawHttp(
      coord.port,
      `GET /v1/models?pad=${'u'.repeat(MAX_URL / 2)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(ok.status, 200, ok.raw.slice(0, 300));
    const r = await rawHttp(
      coord.port,
      `GET /v1/models?pad=${'u'.repeat(MAX_URL + 10)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(r.status, 414, r.raw.slice(0, 300));
    // Longer than the whole head limit too: still 414, not 431.
    const longer = await rawHttp(
      coord.port,
      `GET /v1/models?pad=${'u'.repeat(MAX_HEADER + 1000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(longer.status, 414, longer.raw.slice(0, 300));
  }));
});

describe('408 slow headers', () => {
  test('a client trickling its headers is cut off at the header deadline, not kept alive by the trickle', h.wrap(async () => {
    // One more header line every 100 ms, forever: only a deadline counted from
    // the first byte (not from the last) ends this.
    const r = await trickle(coord.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', {
      everyMs: 100,
      timeoutMs: HEADER_TIMEOUT_MS * 15,
    });
    assert.ok(r.status === 408 || r.status === null, `expected 408 or a close, got ${r.raw.slice(0, 200)}`);
  }));

  test('a client that sends nothing is closed', h.wrap(async () => {
    const r = await trickle(coord.port, '', { everyMs: 60_000, timeoutMs: HEADER_TIMEOUT_MS * 15 });
    assert.ok(r.status === 408 || r.status === null, r.raw.slice(0, 200));
  }));
});

describe('503 no capacity', () => {
  test('all nodes of the model busy: 503 with Retry-After', h.wrap(async () => {
    // node-main runs one job at a time: hold its slot with a slow stream.
    const ctl = new AbortController();
    const slow = await coord.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat('hold', { stream: true, fake_chunks: 600, fake_delay_ms: 50 })),
      signal: ctl.signal,
    });
    assert.equal(slow.status, 200);
    const it = sseEvents(slow)[Symbol.asyncIterator]();
    await it.next(); // the job is running on the node
    try {
      const r = await coord.post('/v1/chat/completions', chat('second'), key);
      const e = expectErrorEnvelope(assert, r, 503);
      assert.equal(typeof e.type, 'string');
      const ra = r.headers.get('retry-after');
      assert.ok(ra !== null, 'Retry-After header missing');
      assert.match(ra, /^\d+$/);
    } finally {
      ctl.abort();
      await it.return?.().catch(() => {});
    }
    await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === 0, { what: 'the held job to end' });
  }));

  test('a known model whose nodes have all gone: 503 with Retry-After', h.wrap(async () => {
    const ok = await coord.post('/v1/chat/completions', { ...chat(), model: GONE }, key);
    assert.equal(ok.status, 200, ok.text);
    await nodeGone.stop();
    await coord.waitForModel(key, GONE, { present: false });
    for (const stream of [false, true]) {
      const r = await coord.post('/v1/chat/completions', { ...chat(), model: GONE, stream }, key);
      expectErrorEnvelope(assert, r, 503);
      const ra = r.headers.get('retry-after');
      assert.ok(ra !== null, 'Retry-After header missing');
      assert.match(ra, /^\d+$/);
    }
  }));
});

test('the coordinator survived all of it', h.wrap(async () => {
  assert.ok(coord.proc.running, 'coordinator exited');
  assert.equal((await coord.get('/healthz')).status, 200);
  const r = await coord.post('/v1/chat/completions', chat('still here'), key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, 'echo: still here');
}));
