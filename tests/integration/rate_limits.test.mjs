// Rate limits: token buckets per API key and per client address answer 429
// in the OpenAI error shape with Retry-After, and one key's excess does not
// affect another's.
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
