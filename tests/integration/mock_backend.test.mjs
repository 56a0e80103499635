// The mock backend (`potluck node --backend mock --models a,b`): listed in
// the public pool (owned_by "potluck", the placement), deterministic (same prompt, same reply), never
// echoing the prompt, in the same OpenAI shapes as a real engine.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, readSse, streamText } from '../lib/harness.mjs';

const h = useHarness('mock');
let coord, key;

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  await h.startNode({ coordinator: coord, backend: 'mock', models: ['mock-a', 'mock-b'] });
  await coord.waitForModel(key, 'mock-a');
  await coord.waitForModel(key, 'mock-b');
}));

const chat = (model, content, extra = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });

test('mock models are listed as owned_by potluck, their placement', h.wrap(async () => {
  const r = await coord.get('/v1/models', key);
  assert.equal(r.status, 200);
  const mine = r.json.data.filter((m) => m.id.startsWith('mock-'));
  assert.deepEqual(mine.map((m) => m.id).sort(), ['mock-a', 'mock-b']);
  for (const m of mine) assert.equal(m.owned_by, 'potluck');
}));

test('same prompt, same reply; streamed and non-streamed agree; the prompt is not echoed', h.wrap(async () => {
  const prompt = 'a deterministic question';
  const a = await coord.post('/v1/chat/completions', chat('mock-a', prompt), key);
  const b = await coord.post('/v1/chat/completions', chat('mock-a', prompt), key);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.object, 'chat.completion');
  const text = a.json.choices[0].message.content;
  assert.ok(text.length > 0);
  assert.equal(b.json.choices[0].message.content, text);
  assert.ok(!text.includes('deterministic'), 'the mock echoed the prompt');
  assert.equal(a.json.choices[0].finish_reason, 'stop');
  assert.equal(a.json.usage.prompt_tokens, 3);

  const res = await coord.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat('mock-a', prompt, { stream: true, stream_options: { include_usage: true } })),
  });
  const { events, done } = await readSse(res);
  assert.ok(done);
  assert.equal(streamText(events), text);
  const chunks = events.slice(0, -1).map((e) => e.json);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.deepEqual(chunks[chunks.length - 1].choices, []);
  assert.equal(chunks[chunks.length - 1].usage.completion_tokens, a.json.usage.completion_tokens);
}));

test('max_tokens cuts the mock reply with finish_reason length', h.wrap(async () => {
  const r = await coord.post('/v1/chat/completions', chat('mock-b', 'cut me short', { max_tokens: 3 }), key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].finish_reason, 'length');
  assert.equal(r.json.usage.completion_tokens, 3);
}));

test('completions work on the mock too', h.wrap(async () => {
  const r = await coord.post('/v1/completions', { model: 'mock-b', prompt: 'once upon a time' }, key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.object, 'text_completion');
  assert.equal(typeof r.json.choices[0].text, 'string');
  assert.ok(r.json.choices[0].text.length > 0);
}));
