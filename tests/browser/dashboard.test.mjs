// The dashboard's page flows in a real browser (Debian's chromium driven by
// playwright-core) against a real coordinator and real nodes: sign in, a
// node coming online, keys, a cluster invite, a streamed chat, a python
// program, the usage CSV, sign-out. Screenshots of every page (light, dark,
// phone) are saved as test artefacts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { parseCsv, sandboxAvailable, screenshotPages } from './dashboard_support.mjs';
import { MODEL, newPage, sessionCookie, useDashboard } from './lib/browser.mjs';

const { h, start } = useDashboard('dashboard');
let coord, key, browser, page;
let execNode = null;

const PAGES = ['/', '/nodes', '/models', '/usage', '/keys', '/clusters', '/wallet', '/audit', '/playground', '/data'];
const heading = (text) => page.getByRole('heading', { level: 1, name: text });

before(h.wrap(async () => {
  ({ coord, admin: key, browser } = await start());
  if (sandboxAvailable()) {
    execNode = await h.startNode({ coordinator: coord, name: 'exec-node', backend: 'none', args: ['--exec', '--exec-languages', 'python3'] });
    await coord.waitForExec(key, 'python3');
  }
  ({ page } = await newPage(browser, coord));
  // Revoking asks for confirmation: the tests confirm.
  page.on('dialog', (dialog) => dialog.accept());
}));

describe('dashboard', { concurrency: false }, () => {
  test('an unknown visitor is sent to sign in, and a key signs in', h.wrap(async () => {
    await page.goto('/keys');
    await page.waitForURL(/\/signin\?next=%2Fkeys/);
    await page.getByLabel('API key').fill('pl_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid API key' }).waitFor();

    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Keys').waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys', 'sign-in returns to the page asked for');
    assert.ok((await sessionCookie(page.context()))?.httpOnly, 'the session cookie is HttpOnly');
  }));

  test('the keyboard reaches the skip link first and it moves focus to the content', h.wrap(async () => {
    await page.goto('/');
    await heading('Overview').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('main')?.id), 'main');
  }));

  test('the overview counts the online node and its model', h.wrap(async () => {
    await page.goto('/');
    const nodesOnline = page.locator('.stat', { hasText: 'Nodes online' }).locator('.stat-value');
    await nodesOnline.filter({ hasText: execNode ? '2' : '1' }).waitFor();
    await page.locator('.model-list', { hasText: MODEL }).waitFor();
    await page.locator('.updated', { hasText: 'Updated' }).waitFor();
  }));

  test('a node started now appears on the Nodes page as online', h.wrap(async () => {
    await page.goto('/nodes');
    await page.locator('tbody tr .badge-online').first().waitFor();
    assert.equal(await page.locator('tr', { hasText: 'late-node' }).count(), 0);
    await h.startNode({ coordinator: coord, name: 'late-node', models: ['mock-large'] });
    const row = page.locator('tr', { hasText: 'late-node' });
    await row.locator('.badge-online').waitFor();
    assert.match(await row.textContent(), /mock-large/);
    // The page was not reloaded: polling brought the node in.
    assert.equal(new URL(page.url()).pathname, '/nodes');
  }));

  test('the models page lists each model with the nodes serving it', h.wrap(async () => {
    await page.goto('/models');
    const row = page.locator('tr', { hasText: 'mock-large' });
    await row.waitFor();
    assert.match(await row.textContent(), /late-node/);
  }));

  test('a key is created with its secret shown once, then revoked', h.wrap(async () => {
    await page.goto('/keys');
    await page.getByRole('form', { name: 'Create a key' }).getByLabel('Name').fill('browser-key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.locator('.secret-value');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.match(secret, /^pl_/);
    assert.equal((await coord.request('GET', '/v1/models', { key: secret })).status, 200, 'the new key works');

    const row = page.locator('tr', { hasText: 'browser-key' });
    await row.locator('.badge-active').waitFor();
    await page.reload();
    await row.waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');

    await row.getByRole('button', { name: 'Revoke browser-key' }).click();
    await row.locator('.badge-revoked').waitFor();
    assert.equal((await coord.request('GET', '/v1/models', { key: secret })).status, 401, 'the revoked key is refused');
  }));

  test('a cluster is created and an invite code made for it', h.wrap(async () => {
    await page.goto('/clusters');
    await page.getByRole('form', { name: 'Create a cluster' }).getByLabel('Name').fill('browser-team');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: 'Cluster browser-team' }).waitFor();
    await page.getByLabel('Uses').fill('3');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const code = await page.locator('.secret-value').inputValue();
    assert.match(code, /^pli_/);
    await page.locator('tr', { hasText: '0 / 3' }).waitFor();

    const member = await coord.memberKey();
    const joined = await coord.request('POST', '/api/clusters/join', { key: member, body: { code } });
    assert.equal(joined.status, 200, joined.text);
    assert.equal(joined.json.name, 'browser-team');
    await page.reload();
    await page.locator('tr', { hasText: '1 / 3' }).waitFor();
    await page.locator('tr', { hasText: 'member' }).waitFor();
  }));

  test('a chat streams into the playground a piece at a time', h.wrap(async () => {
    await page.goto('/playground');
    // Consumers are told who sees what they send (issue 20).
    assert.match(await page.locator('.provider-notice').textContent(), /reads its prompt, or runs its program, in clear/);
    await page.getByLabel('Model').selectOption(MODEL);
    await page.getByText('Request options').click();
    // The mock engine waits between words, so each arrives as its own event.
    await page.getByLabel('Extra request fields (JSON)').fill('{"mock_tokens": 12, "mock_delay_ms": 40}');
    await page.getByLabel('Message').fill('Hello from the browser test');
    // Record every text the answer shows on its way.
    await page.evaluate(() => {
      window.seenTexts = [];
      const log = document.querySelector('.conversation');
      new MutationObserver(() => {
        const last = log.querySelector('.message-assistant:last-child .message-text');
        if (last && last.textContent) window.seenTexts.push(last.textContent);
      }).observe(log, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.chat-status', { hasText: 'Done.' }).waitFor();

    const final = await page.locator('.message-assistant .message-text').last().textContent();
    assert.match(final, /^mock reply [0-9a-f]{4}: /);
    assert.equal(final.trim().split(/\s+/).length, 12);
    const seen = [...new Set(await page.evaluate(() => window.seenTexts))];
    const partial = seen.filter((text) => text !== final);
    assert.ok(partial.length >= 3, `the text arrived in pieces: ${JSON.stringify(seen)}`);
    for (const text of partial) assert.ok(final.startsWith(text), `"${text}" is a beginning of the answer`);
  }));

  test('a python program runs in the code runner', h.wrap(async (t) => {
    if (!execNode) return t.skip('no exec sandbox on this machine (user namespaces unavailable)');
    await page.goto('/playground');
    await page.getByLabel('Language').selectOption('python3');
    await page.getByLabel('Program', { exact: true }).fill('import sys\nprint(sum(range(10)))\nprint(sys.stdin.read().upper(), end="")\n');
    await page.getByLabel('Standard input').fill('shout');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.exec-result', { hasText: 'exit code 0' }).waitFor();
    assert.equal(await page.locator('.exec-output').textContent(), '45\nSHOUT');
  }));

  test('the usage CSV downloads with a row per job', h.wrap(async () => {
    await page.goto('/usage');
    await page.locator('.chart figcaption', { hasText: 'Requests by model' }).waitFor();
    await page.getByRole('row').filter({ hasText: MODEL }).first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
    const fromApi = parseCsv((await coord.request('GET', '/api/usage.csv', { key })).text);
    assert.deepEqual(rows.map((r) => r.job_id).sort(), fromApi.map((r) => r.job_id).sort(), 'the same events as the API');
    const chat = rows.find((r) => r.model === MODEL && r.kind === 'chat' && r.completion_tokens === '12');
    assert.ok(chat, `the playground's chat is a row: ${JSON.stringify(rows)}`);
    assert.equal(chat.status, 'ok');
    if (execNode) assert.ok(rows.some((r) => r.kind === 'exec' && r.status === 'ok'), 'the program run is a row');
  }));

  test('screenshots of every page, light, dark and phone-sized', h.wrap(async () => {
    const saved = await screenshotPages(page, coord, PAGES);
    assert.equal(saved.length, PAGES.length * 3);
  }));

  test('signing out ends the session and the API refuses the old cookie', h.wrap(async () => {
    await page.goto('/');
    const session = await sessionCookie(page.context());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    const status = await page.evaluate(async () => (await fetch('/api/keys')).status);
    assert.equal(status, 401);
    const replay = await coord.request('GET', '/api/keys', { headers: { cookie: `potluck_session=${session.value}` } });
    assert.equal(replay.status, 401, 'the old session cookie is refused');
    await page.goto('/wallet');
    await page.waitForURL(/\/signin/);
  }));
});
