// Logs hold no client IP addresses at info: a run with API requests, a node
// connecting and a node upgrade that fails (the line that used to name the
// address) leaves no "127.0.0.1" in the coordinator's log except the line
// that says where it listens (its own address, not a client's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness, rawHttp, waitFor } from '../lib/harness.mjs';

const h = useHarness('log-addresses');

test('at info the coordinator logs no client address, even for a failed node upgrade', h.wrap(async () => {
  const upstream = await h.startUpstream({ models: ['fake-model'] });
  const coord = await h.startCoordinator({ logLevel: 'info' });
  const key = await coord.adminKey();
  const token = await coord.nodeToken('log test node');
  await h.startNode({ coordinator: coord, upstream, token, logLevel: 'info' });
  await coord.waitForModel(key, 'fake-model');
  const chat = await coord.post('/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }, key);
  assert.equal(chat.status, 200, chat.text);
  assert.equal((await coord.get('/api/me', 'pl_bad_key')).status, 401);
  // A valid token with a broken WebSocket handshake (no Sec-WebSocket-Key): the upgrade fails.
  // Whether an answer comes before the close does not matter here: the log line does.
  await rawHttp(coord.port,
    'GET /v1/nodes/connect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
    `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`).catch(() => null);
  const log = () => coord.proc.stdout() + coord.proc.stderr();
  await waitFor(() => /node upgrade failed/.test(log()), { what: 'the upgrade failure to be logged' });
  const withAddress = log().split('\n').filter((line) => line.includes('127.0.0.1') && !/listening on/.test(line));
  assert.deepEqual(withAddress, []);
}));
