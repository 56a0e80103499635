// The dashboard's privacy controls in a real browser (issue 20) against a
// real coordinator and node: the "Your data" page downloads the export and
// the usage CSV, a cluster's owner deletes it from the Clusters page, and an
// account is deleted behind a typed confirmation, after which its key no
// longer works.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { parseCsv } from './dashboard_support.mjs';
import { MODEL, newPage, signIn, useDashboard } from './lib/browser.mjs';

const { h, start } = useDashboard('your-data');
let coord, browser, page, member, email;

/** Clicks the link and resolves the downloaded file's text. */
async function download(name) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
  return readFileSync(await file.path(), 'utf8');
}

before(h.wrap(async () => {
  ({ coord, browser } = await start());
  email = `data-${Date.now()}@example.test`;
  member = await coord.memberKey(email);
  const chat = await coord.request('POST', '/v1/chat/completions', {
    key: member, body: { model: MODEL, messages: [{ role: 'user', content: 'hello' }] },
  });
  assert.equal(chat.status, 200, chat.text);
  ({ page } = await newPage(browser, coord));
  // Deleting a cluster asks for confirmation: the tests confirm.
  page.on('dialog', (dialog) => dialog.accept());
  await signIn(page, member);
}));

describe('your data', { concurrency: false }, () => {
  test('the page downloads the export and the usage CSV the API gives', h.wrap(async () => {
    await page.goto('/data');
    await page.getByRole('heading', { level: 1, name: 'Your data' }).waitFor();
    const exported = JSON.parse(await download('Download the export (JSON)'));
    assert.equal(exported.user.email, email);
    const fromApi = (await coord.request('GET', '/api/me/export', { key: member })).json;
    assert.equal(exported.user.id, fromApi.user.id);
    assert.deepEqual(exported.usage_events.map((e) => e.job_id), fromApi.usage_events.map((e) => e.job_id));
    assert.equal(exported.usage_events.length, 1, 'the chat is in the export');
    // An export holds the audit rows written before it: the API's, read after
    // the download, holds the download's data.exported.
    assert.ok(fromApi.audit.some((row) => row.action === 'data.exported'), 'the download was audited');

    const rows = parseCsv(await download('Download usage (CSV)'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].job_id, exported.usage_events[0].job_id);
    assert.equal(rows[0].model, MODEL);
  }));

  test('a cluster\'s owner deletes it from the Clusters page', h.wrap(async () => {
    const other = await coord.memberKey();
    const { id } = await coord.makeCluster(member, [other]);
    await page.goto(`/clusters?id=${id}`);
    const name = (await coord.request('GET', `/api/clusters/${id}`, { key: member })).json.name;
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    await page.waitForURL((url) => url.pathname === '/clusters' && !url.search);
    await page.getByText('You are not in any cluster').waitFor();
    assert.equal((await coord.request('GET', `/api/clusters/${id}`, { key: member })).status, 404);
    assert.equal((await coord.request('GET', `/api/clusters/${id}`, { key: other })).status, 404,
      'the former member sees nothing of it');
  }));

  test('the account is deleted only once the email is typed, and its key stops working', h.wrap(async () => {
    await page.goto('/data');
    const form = page.getByRole('form', { name: 'Delete your account' });
    const submit = form.getByRole('button', { name: 'Delete my account' });
    assert.ok(await submit.isDisabled(), 'disabled before anything is typed');
    await form.getByLabel(/Type your email/).fill('someone-else@example.test');
    assert.ok(await submit.isDisabled(), 'disabled while the email does not match');
    assert.equal((await coord.request('GET', '/api/me', { key: member })).status, 200);

    await form.getByLabel(/Type your email/).fill(email);
    await submit.click();
    await page.waitForURL(/\/signin\?reason=deleted/);
    await page.getByRole('status').filter({ hasText: 'Your account was deleted' }).waitFor();
    assert.equal((await coord.request('GET', '/api/me', { key: member })).status, 401, 'the key is refused');
    await page.goto('/data');
    await page.waitForURL(/\/signin/);
  }));
});
