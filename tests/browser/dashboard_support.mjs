// Helpers of the dashboard's browser tests: the sandbox probe, CSV parsing
// (the dashboard's own parser) and page screenshots.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { artefactDir } from './lib/browser.mjs';

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

const fileName = (pathname, variant) => `${pathname === '/' ? 'overview' : pathname.slice(1)}-${variant}.png`;

async function shoot(context, coord, pages, variant, dir) {
  const page = await context.newPage();
  const saved = [];
  try {
    for (const pathname of pages) {
      await page.goto(`${coord.url}${pathname}`);
      await settled(page);
      const file = path.join(dir, fileName(pathname, variant));
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    }
  } finally {
    await page.close();
  }
  return saved;
}

/**
 * Screenshots `pages` light and dark at desktop size and light at phone size,
 * in contexts sharing the cookies of the signed-in page `signedIn`. Resolves the files.
 */
export async function screenshotPages(signedIn, coord, pages) {
  const dir = artefactDir('dashboard');
  const browser = signedIn.context().browser();
  const state = await signedIn.context().storageState();
  const variants = [
    { name: 'light', options: { colorScheme: 'light', viewport: { width: 1280, height: 800 } } },
    { name: 'dark', options: { colorScheme: 'dark', viewport: { width: 1280, height: 800 } } },
    { name: 'phone', options: { colorScheme: 'light', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ];
  const saved = [];
  for (const { name, options } of variants) {
    const context = await browser.newContext({ ...options, storageState: state });
    try {
      saved.push(...(await shoot(context, coord, pages, name, dir)));
    } finally {
      await context.close();
    }
  }
  return saved;
}
