// Rate limits and request caps: token buckets per API key and per client
// address answer 429 in the OpenAI error shape with Retry-After, one key's
// excess does not affect another's, and max_tokens past the cap is a 400.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';

const h = useHarness('rate-limits');

function assertLimited(r) {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.type, 'rate_limit_error');
  assert.equal(r.json.error.code, 'rate_limit_exceeded');
  assert.ok(Number(r.headers.get('retry-after')) >= 1, 'no Retry-After');
}

describe('rate limits', () => {
  test('a key past its burst gets 429 with Retry-After; another key is unaffected', h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'per-key', args: ['--rate-per-key', '0.5', '--burst-per-key', '3', '--rate-per-ip', '0'],
    });
    const a = await coord.memberKey();
    const b = await coord.memberKey();
    for (let i = 0; i < 3; i++) assert.equal((await coord.get('/v1/models', a)).status, 200, `request ${i}`);
    assertLimited(await coord.get('/v1/models', a));
    assertLimited(await coord.get('/api/keys', a));
    assert.equal((await coord.get('/v1/models', b)).status, 200);
    // Health and metrics are never limited.
    assert.equal((await coord.fetch('/healthz')).status, 200);
  }));

  test('a client address past its burst gets 429, even with bad keys', h.wrap(async () => {
    const coord = await h.startCoordinator({
      name: 'per-ip', args: ['--rate-per-ip', '0.5', '--burst-per-ip', '5', '--rate-per-key', '0'],
    });
    const key = await coord.memberKey();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await coord.get('/v1/models', i % 2 ? key : 'pl_bad')).status);
    assert.deepEqual(statuses, [401, 200, 401, 200, 401]);
    assertLimited(await coord.get('/v1/models', key));
    assertLimited(await coord.post('/v1/chat/completions', { model: 'x', messages: [] }, key));
    assert.equal((await coord.fetch('/metrics')).status, 200);
  }));
});

describe('request caps', () => {
  test('max_tokens past --max-tokens-cap is refused with 400 before routing', h.wrap(async () => {
    const coord = await h.startCoordinator({ name: 'caps', args: ['--max-tokens-cap', '100'] });
    const key = await coord.memberKey();
    const body = (n) => ({ model: 'any-model', max_tokens: n, messages: [{ role: 'user', content: 'hi' }] });
    const over = await coord.post('/v1/chat/completions', body(101), key);
    assert.equal(over.status, 400, over.text);
    assert.equal(over.json.error.code, 'max_tokens_too_large');
    const completion = await coord.post('/v1/completions', { model: 'any-model', prompt: 'x', max_completion_tokens: 5000 }, key);
    assert.equal(completion.status, 400, completion.text);
    // At the cap it passes the check (and then finds no such model: 404).
    assert.equal((await coord.post('/v1/chat/completions', body(100), key)).status, 404);
  }));
});
