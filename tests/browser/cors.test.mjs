// A page on another origin calls /v1/chat/completions from a real browser
// (Debian's chromium through playwright-core): with --cors-origins naming
// the page's origin the call works, streamed and not; without it the
// browser itself refuses to hand the answer to the page.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';
import { launchChromium, MODEL } from './lib/browser.mjs';

const h = useHarness('browser-cors');
let site, origin, allowed, refused, key, refusedKey, browser;

// The page's own origin: a one-page site on another port.
function startSite() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><p>another origin</p>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(h.wrap(async () => {
  site = await startSite();
  origin = `http://127.0.0.1:${site.address().port}`;
  allowed = await h.startCoordinator({ name: 'allowed', args: ['--cors-origins', origin] });
  refused = await h.startCoordinator({ name: 'refused' });
  key = await allowed.adminKey();
  refusedKey = await refused.adminKey();
  await h.startNode({ coordinator: allowed, backend: 'mock', models: [MODEL], name: 'allowed-node' });
  await h.startNode({ coordinator: refused, backend: 'mock', models: [MODEL], name: 'refused-node' });
  await allowed.waitForModel(key, MODEL);
  await refused.waitForModel(refusedKey, MODEL);
  browser = await launchChromium();
}));

after(async () => {
  await browser?.close();
  site?.close();
});

// fetch() from the page on `origin`, as an SDK in a browser would call.
async function callFromPage(url, apiKey, stream) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin);
  return page.evaluate(async ({ url, apiKey, model, stream }) => {
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] }),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      return { refused: String(err) };
    }
  }, { url, apiKey, model: MODEL, stream });
}

test('with --cors-origins naming the page, the browser hands it the answer', h.wrap(async () => {
  const plain = await callFromPage(allowed.url, key, false);
  assert.equal(plain.status, 200, JSON.stringify(plain));
  assert.equal(JSON.parse(plain.text).object, 'chat.completion');
  const streamed = await callFromPage(allowed.url, key, true);
  assert.equal(streamed.status, 200, JSON.stringify(streamed));
  assert.match(streamed.text, /data: \[DONE\]/);
}));

test('without it, the browser refuses the call', h.wrap(async () => {
  const r = await callFromPage(refused.url, refusedKey, false);
  assert.match(r.refused ?? '', /Failed to fetch/, JSON.stringify(r));
}));
