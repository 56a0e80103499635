// The dashboard's browser tests: Debian's chromium driven by playwright-core
// (both installed by scripts/setup) against a real coordinator and a node
// started by tests/lib/harness.mjs. Screenshots go to the artefacts directory
// ($POTLUCK_ARTIFACTS_DIR, else $BUILD_DIR/test-artifacts, else
// build/test-artifacts), under screenshots/.
import { after } from 'node:test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO, useHarness } from '../../lib/harness.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const MODEL = 'mock-small';

export const ARTIFACTS_DIR = path.resolve(
  process.env.POTLUCK_ARTIFACTS_DIR || path.join(REPO, process.env.BUILD_DIR || 'build', 'test-artifacts'),
);
export const SCREENSHOTS_DIR = path.join(ARTIFACTS_DIR, 'screenshots');

/** Debian's chromium, headless, with `args` besides the usual ones; the caller closes it. */
export function launchChromium({ args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    // The test machine runs as root in a container: no user-namespace sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...args],
  });
}

/**
 * For one test file: a harness, and start() to launch a coordinator, a mock
 * node serving MODEL and chromium. Everything is closed in after().
 * Returns { h, start } where start() resolves { coord, admin, node, browser }.
 */
export function useDashboard(name) {
  const h = useHarness(name);
  let browser;
  after(async () => {
    await browser?.close();
  });
  async function start({ coordinatorArgs = [], node = true } = {}) {
    const coord = await h.startCoordinator({ args: coordinatorArgs });
    const admin = await coord.adminKey();
    let nodeProc;
    if (node) {
      nodeProc = await h.startNode({ coordinator: coord, backend: 'mock', models: [MODEL] });
      await coord.waitForModel(admin, MODEL);
    }
    browser = await launchChromium();
    return { coord, admin, node: nodeProc, browser };
  }
  return { h, start };
}

/** A fresh browser context (its own cookie jar) and page on the coordinator. */
export async function newPage(browser, coord) {
  const context = await browser.newContext({ baseURL: coord.url });
  const page = await context.newPage();
  return { context, page };
}

/**
 * Signs in through the sign-in form with `key`; resolves once the signed-in
 * header (the sign-out button) shows.
 */
export async function signIn(page, key) {
  await page.goto('/signin');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The session cookie of the page's context, or undefined. */
export async function sessionCookie(context) {
  const cookies = await context.cookies();
  return cookies.find((c) => c.name === 'potluck_session');
}

/** Saves a full-page screenshot as <SCREENSHOTS_DIR>/<name>.png; returns its path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
