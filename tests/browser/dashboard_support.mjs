// Helpers of the dashboard's browser tests: the sandbox probe, CSV parsing
// (the dashboard's own parser) and page screenshots.
import { execFileSync } from 'node:child_process';
import { screenshot } from './lib/browser.mjs';

export { parseCsv } from '../../web/src/csv.js';

/** Whether this machine can run exec sandboxes (user namespaces), as the node's start-up check needs. */
export function sandboxAvailable() {
  try {
    execFileSync('unshare', ['-Urnp', '--fork', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A page is drawn when its heading is there and nothing is still loading.
async function settled(page) {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.loading'));
}

const pageName = (pathname) => (pathname === '/' ? 'overview' : pathname.slice(1));

const VARIANTS = [
  { name: 'light', options: { colorScheme: 'light', viewport: { width: 1280, height: 800 } } },
  { name: 'dark', options: { colorScheme: 'dark', viewport: { width: 1280, height: 800 } } },
  { name: 'phone', options: { colorScheme: 'light', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
];

/**
 * Screenshots `pages` light and dark at desktop size and light at phone size
 * (dashboard-PAGE-VARIANT.png), in contexts sharing the cookies of the
 * signed-in page `signedIn`. Resolves the files.
 */
export async function screenshotPages(signedIn, coord, pages) {
  const browser = signedIn.context().browser();
  const storageState = await signedIn.context().storageState();
  const saved = [];
  for (const { name, options } of VARIANTS) {
    const context = await browser.newContext({ ...options, baseURL: coord.url, storageState });
    try {
      const page = await context.newPage();
      for (const pathname of pages) {
        await page.goto(pathname);
        await settled(page);
        saved.push(await screenshot(page, `dashboard-${pageName(pathname)}-${name}`));
      }
    } finally {
      await context.close();
    }
  }
  return saved;
}
