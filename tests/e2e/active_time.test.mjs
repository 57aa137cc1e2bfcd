// Active time across real page loads, a hidden tab and a back/forward-cache
// restore: a walk over three pages with known active periods, each page's
// active time and the session total within 10 % of what the walk did.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { startHarness } from './support/harness.mjs';

let harness;
let browser; // with the back/forward cache on
before(async () => {
  harness = await startHarness({ '/walk/*': 'walk.html' });
  browser = await launchBrowser({ backForwardCache: true });
});
after(async () => {
  await browser.close();
  await harness.close();
});

const kScrollMs = 6000;

// Scrolls (real wheel input) for `ms`; the core counts a page active while
// it is visible and had input within the last 30 s.
async function scrollFor(page, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await page.mouse.wheel(0, 150);
    await page.waitForTimeout(250);
  }
}

// Headless Chromium shows every page, even behind another tab: the page is
// hidden and shown as the browser reports it (visibilityState and the
// visibilitychange event).
async function setHidden(page, hidden) {
  await page.evaluate((hidden) => {
    if (hidden) {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    } else {
      delete document.visibilityState;
    }
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

const pageNow = (page) => page.evaluate(() => Date.now());

// Leaves the current page by its link; returns how long it was shown.
async function next(page, path) {
  const shown = (await pageNow(page)) - (await page.evaluate(() => window.arrivedMs));
  await page.click('#next');
  await page.waitForURL((url) => url.pathname === path);
  await trackerReady(page);
  return shown;
}

function assertWithin(actualS, expectedMs, what) {
  const expectedS = expectedMs / 1000;
  assert.ok(Math.abs(actualS - expectedS) <= 0.1 * expectedS,
    `${what}: active ${actualS} s, expected ${expectedS.toFixed(2)} s +- 10 %`);
}

test('active time: three page loads, a hidden period and a bfcache restore', async () => {
  const { page, context, errors } = await openContext(browser);
  await page.goto(harness.site.url + '/walk/first');
  await trackerReady(page);
  await scrollFor(page, kScrollMs);
  const expected = { '/walk/first': await next(page, '/walk/second') };

  await scrollFor(page, kScrollMs);
  expected['/walk/second'] = await next(page, '/walk/third');

  // Page 3: scroll, hide the page for a while, show it again, scroll.
  await scrollFor(page, kScrollMs / 2);
  const hiddenFrom = await pageNow(page);
  await setHidden(page, true);
  await page.waitForTimeout(3000);
  await setHidden(page, false);
  const hiddenMs = (await pageNow(page)) - hiddenFrom;
  await scrollFor(page, kScrollMs / 2);
  expected['/walk/third'] = (await pageNow(page)) - (await page.evaluate(() => window.arrivedMs)) - hiddenMs;

  // Back to page 2, restored from the back/forward cache: seen again.
  const restoredFrom = await pageNow(page);
  await page.goBack({ waitUntil: 'commit' }); // a restored page fires no load event
  await page.waitForFunction(() => location.pathname === '/walk/second' && window.restored === 1);
  assert.equal(await page.evaluate(() => window.restored), 1, 'page 2 came from the back/forward cache');
  await scrollFor(page, kScrollMs / 2);
  const summary = await trackerReady(page);
  const back = (await pageNow(page)) - restoredFrom;
  expected['/walk/second'] += back;

  const active = Object.fromEntries(summary.pages.map((p) => [p.page, p.active_s]));
  console.log('active time per page (s):', JSON.stringify(active), 'expected (ms):', JSON.stringify(expected));
  for (const [path, ms] of Object.entries(expected)) assertWithin(active[path], ms, path);
  const totalMs = Object.values(expected).reduce((a, b) => a + b, 0);
  assertWithin(summary.active_s, totalMs, 'session');
  assert.equal(summary.page_views, 4);
  assert.deepEqual(errors, []);
  await context.close();
});
