// The dashboard over TLS (issue 16): Debian's chromium loads it from a
// coordinator serving https:// with a certificate of the test's own CA,
// trusted through --ignore-certificate-errors-spki-list (the leaf's key
// pinned; nothing is installed in a trust store). Signing in sets the
// session cookie with the Secure flag, so the browser never sends it over
// plain HTTP. Without the pin the same page load is refused: the trust, not
// a lax browser, is what lets the page load.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium, MODEL, sessionCookie, signIn, screenshot } from './lib/browser.mjs';
import { useHarness } from '../lib/harness.mjs';
import { TestCa, spkiBase64 } from '../lib/test_ca.mjs';

const h = useHarness('browser-tls');
let coord, admin, cert;
const browsers = [];
after(async () => {
  await Promise.all(browsers.map((b) => b.close()));
});

async function browserTrusting(pins) {
  const args = pins.length ? [`--ignore-certificate-errors-spki-list=${pins.join(',')}`] : [];
  const browser = await launchChromium({ args });
  browsers.push(browser);
  return browser;
}

before(h.wrap(async () => {
  const ca = new TestCa(h.dir('ca'));
  cert = ca.issue('serve', { names: ['DNS:localhost', 'IP:127.0.0.1'] });
  coord = await h.startCoordinator({ args: ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile], trust: ca.pem });
  assert.match(coord.url, /^https:\/\//);
  admin = await coord.adminKey();
  await h.startNode({ coordinator: coord, backend: 'mock', models: [MODEL], args: ['--ca-file', ca.certFile] });
  await coord.waitForModel(admin, MODEL);
}));

test('the dashboard loads over https:// and its session cookie is Secure', h.wrap(async () => {
  const browser = await browserTrusting([spkiBase64(cert.certFile)]);
  const context = await browser.newContext({ baseURL: coord.url });
  try {
    const page = await context.newPage();
    await signIn(page, admin);
    assert.match(page.url(), /^https:\/\/127\.0\.0\.1:\d+\//);
    await screenshot(page, 'tls-signed-in');
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'no session cookie');
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    // The signed-in page reads the API with that cookie: the models the node offers.
    const listed = await page.evaluate(async () => (await (await fetch('/v1/models')).json()).data.map((m) => m.id));
    assert.ok(listed.includes(MODEL), `models seen by the page: ${listed}`);
  } finally {
    await context.close();
  }
}));

test('without the pin the browser refuses the certificate', h.wrap(async () => {
  const browser = await browserTrusting([]);
  const context = await browser.newContext({ baseURL: coord.url });
  try {
    const page = await context.newPage();
    await assert.rejects(page.goto('/'), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await context.close();
  }
}));
