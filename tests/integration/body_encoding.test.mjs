// Compressed request bodies (issue 17): a body sent with Content-Encoding
// gzip or deflate is inflated before /v1 and /api read it, within
// --max-body-bytes once inflated; a zip bomb (a small body that inflates
// past the limit) is refused with 413, data that does not inflate with 400,
// any other encoding with 415. Raw HTTP requests, as curl sends them, to a
// real coordinator and a node with the openai backend over the fake upstream
// (which echoes the prompt, so the reply proves what reached the engine).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { rawHttp, useHarness } from '../lib/harness.mjs';

const h = useHarness('body-encoding');
const MODEL = 'fake-model';
const MAX_BODY = 64 * 1024;
let coord, key;

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator({ args: ['--max-body-bytes', String(MAX_BODY)] });
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, upstream, models: [MODEL] });
  await coord.waitForModel(key, MODEL);
}));

// One POST with `body` (bytes) sent as `encoding`; the parsed answer.
async function post(path, body, encoding) {
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    'Content-Type: application/json\r\n' +
    (encoding ? `Content-Encoding: ${encoding}\r\n` : '') +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const r = await rawHttp(coord.port, Buffer.concat([Buffer.from(head), body]));
  let json;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { ...r, json };
}

const chat = (content) => Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }] }));

describe('accepted encodings', () => {
  test('a gzip body reaches the engine inflated (/v1)', h.wrap(async () => {
    const r = await post('/v1/chat/completions', zlib.gzipSync(chat('zipped hello')), 'gzip');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.choices[0].message.content, 'echo: zipped hello');
  }));

  test('deflate and the encoding name in any case (x-gzip, GZIP) work too', h.wrap(async () => {
    const deflated = await post('/v1/chat/completions', zlib.deflateSync(chat('deflated')), 'deflate');
    assert.equal(deflated.status, 200, deflated.body);
    assert.equal(deflated.json.choices[0].message.content, 'echo: deflated');
    const upper = await post('/v1/chat/completions', zlib.gzipSync(chat('upper')), 'GZIP');
    assert.equal(upper.status, 200, upper.body);
    const legacy = await post('/v1/chat/completions', zlib.gzipSync(chat('legacy')), 'x-gzip');
    assert.equal(legacy.status, 200, legacy.body);
    assert.equal(legacy.json.choices[0].message.content, 'echo: legacy');
  }));

  test('a gzip body on /api', h.wrap(async () => {
    const r = await post('/api/keys', zlib.gzipSync(Buffer.from(JSON.stringify({ name: 'zipped key' }))), 'gzip');
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.name, 'zipped key');
  }));

  test('a body that inflates to just under the limit is accepted', h.wrap(async () => {
    const filler = 'x '.repeat((MAX_BODY - 200) / 2);
    const body = chat(filler);
    assert.ok(body.length < MAX_BODY && body.length > MAX_BODY - 300);
    const r = await post('/v1/chat/completions', zlib.gzipSync(body), 'gzip');
    assert.equal(r.status, 200, r.body);
  }));
});

describe('refused bodies', () => {
  test('a zip bomb (small, inflating past --max-body-bytes) is 413', h.wrap(async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024, ' '), { level: 9 });
    assert.ok(bomb.length < MAX_BODY, `the bomb itself is within the limit (${bomb.length} bytes)`);
    const r = await post('/v1/chat/completions', bomb, 'gzip');
    assert.equal(r.status, 413, r.body);
    assert.equal(r.json.error.code, 'request_too_large');
  }));

  test('data that is not gzip, or is cut short, is 400', h.wrap(async () => {
    const garbage = await post('/v1/chat/completions', chat('plain, not gzip'), 'gzip');
    assert.equal(garbage.status, 400, garbage.body);
    assert.equal(garbage.json.error.code, 'invalid_encoding');
    const whole = zlib.gzipSync(chat('cut short'));
    const cut = await post('/v1/chat/completions', whole.subarray(0, whole.length - 12), 'gzip');
    assert.equal(cut.status, 400, cut.body);
    assert.equal(cut.json.error.code, 'invalid_encoding');
  }));

  test('an unknown encoding (br, or a list) is 415', h.wrap(async () => {
    for (const encoding of ['br', 'gzip, gzip']) {
      const r = await post('/v1/chat/completions', chat('hello'), encoding);
      assert.equal(r.status, 415, `${encoding}: ${r.body}`);
      assert.equal(r.json.error.code, 'unsupported_encoding');
    }
  }));

  test('the coordinator still answers plain requests', h.wrap(async () => {
    const r = await post('/v1/chat/completions', chat('plain'));
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.choices[0].message.content, 'echo: plain');
  }));
});
