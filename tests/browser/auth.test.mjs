// The dashboard's sign-in in a real browser (Debian's chromium through
// playwright-core) against a real coordinator and node: signing in with a
// key, a wrong key refused with a visible message, signing out, a revoked
// key's session ending, the CSRF check, the cookie's flags, and the static
// serving (client routes, /assets, no traversal).
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { useDashboard, newPage, signIn, sessionCookie, screenshot } from './lib/browser.mjs';

const { h, start } = useDashboard('browser-auth');
let coord, admin, browser;

before(h.wrap(async () => {
  ({ coord, admin, browser } = await start());
}));

/** GET with the path sent exactly as written (fetch would resolve ".."). */
function rawGet(url, pathname) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: pathname, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** fetch() from inside the page (same origin, the browser's cookie jar). */
function pageFetch(page, method, path, { csrf, body } = {}) {
  return page.evaluate(async ({ method, path, csrf, body }) => {
    const headers = { 'content-type': 'application/json' };
    if (csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  }, { method, path, csrf, body });
}

describe('signing in and out', () => {
  test('an API key signs in; the cookie is HttpOnly and SameSite=Strict', h.wrap(async () => {
    const { context, page } = await newPage(browser, coord);
    await page.goto('/');
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'signin');
    await signIn(page, admin);
    await screenshot(page, 'signed-in');
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'no session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, false);
    assert.equal(cookie.path, '/');
    assert.equal(await page.evaluate(() => document.cookie.includes('potluck_session')), false,
                 'page scripts can read the session cookie');
    // A reload keeps the session.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await context.close();
  }));

  test('a wrong key is refused with a visible message and no cookie', h.wrap(async () => {
    const { context, page } = await newPage(browser, coord);
    await page.goto('/signin');
    await page.getByLabel('API key').fill(`${admin.slice(0, -1)}${admin.endsWith('a') ? 'b' : 'a'}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'invalid API key' }).waitFor();
    await screenshot(page, 'signin-wrong-key');
    assert.equal(await sessionCookie(context), undefined);
    await context.close();
  }));

  test('after signing out the old cookie is refused', h.wrap(async () => {
    const { context, page } = await newPage(browser, coord);
    await signIn(page, admin);
    const cookie = await sessionCookie(context);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal(await sessionCookie(context), undefined, 'the cookie was not expired');
    const old = { cookie: `potluck_session=${cookie.value}` };
    assert.equal((await coord.get('/api/session', undefined, { headers: old })).status, 401);
    assert.equal((await coord.get('/api/keys', undefined, { headers: old })).status, 401);
    await context.close();
  }));

  test("a revoked key's session stops working", h.wrap(async () => {
    const member = await coord.memberKey('browser-member@example.test');
    const { context, page } = await newPage(browser, coord);
    await signIn(page, member);
    assert.equal((await pageFetch(page, 'GET', '/api/keys')).status, 200);
    const revoke = await coord.request('DELETE', `/api/keys/${member.split('_')[1]}`, { key: member });
    assert.equal(revoke.status, 200, revoke.text);
    const after = await pageFetch(page, 'GET', '/api/keys');
    assert.equal(after.status, 401, after.text);
    await page.reload();
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'signin-after-revocation');
    await context.close();
  }));
});

describe('CSRF', () => {
  test('a state-changing call without the CSRF token is refused with 403', h.wrap(async () => {
    const { context, page } = await newPage(browser, coord);
    await signIn(page, admin);
    const without = await pageFetch(page, 'POST', '/api/keys', { body: { name: 'from the page' } });
    assert.equal(without.status, 403, without.text);
    assert.equal(without.json.error.code, 'csrf_token_invalid');
    const viaRequest = await page.request.post('/api/keys', { data: { name: 'from page.request' } });
    assert.equal(viaRequest.status(), 403);
    const session = await pageFetch(page, 'GET', '/api/session');
    const withToken = await pageFetch(page, 'POST', '/api/keys',
                                      { csrf: session.json.csrf_token, body: { name: 'from the page' } });
    assert.equal(withToken.status, 201, withToken.text);
    await context.close();
  }));
});

describe('static serving', () => {
  test('client routes get the dashboard with its security headers', h.wrap(async () => {
    for (const route of ['/', '/nodes', '/usage', '/playground', '/signin']) {
      const r = await rawGet(coord.url, route);
      assert.equal(r.status, 200, route);
      assert.match(r.headers['content-type'], /^text\/html/);
      assert.match(r.body, /\/assets\/app\.js/);
      assert.match(r.headers['content-security-policy'], /default-src 'self'/);
      assert.match(r.headers['content-security-policy'], /frame-ancestors 'none'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
    }
    const { context, page } = await newPage(browser, coord);
    await page.goto('/usage');
    await page.getByLabel('API key').waitFor();
    await context.close();
  }));

  test('assets are served with their type; unknown files and traversal are 404', h.wrap(async () => {
    const js = await rawGet(coord.url, '/assets/app.js');
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /^text\/javascript/);
    const css = await rawGet(coord.url, '/assets/app.css');
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'], /^text\/css/);
    for (const p of ['/assets/nope.js', '/assets/../index.html', '/assets/..%2findex.html',
                     '/assets/../../../etc/passwd', '/assets/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await rawGet(coord.url, p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.includes('root:'), p);
    }
    assert.equal((await rawGet(coord.url, '/favicon.ico')).status, 404);
    assert.equal((await rawGet(coord.url, '/api/nope')).status, 404, 'API paths never fall back to the page');
  }));
});
