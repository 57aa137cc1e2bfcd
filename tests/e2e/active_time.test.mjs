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
// Resolves to the page's time of the change.
function setHidden(page, hidden) {
  return page.evaluate((hidden) => {
    if (hidden) {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    } else {
      delete document.visibilityState;
    }
    document.dispatchEvent(new Event('visibilitychange'));
    return Date.now();
  }, hidden);
}

const pageNow = (page) => page.evaluate(() => Date.now());

// Leaves the current page by its link; returns how long it was shown (until
// its pagehide, which the fixture keeps in sessionStorage).
async function next(page, path) {
  const from = await page.evaluate(() => [location.pathname, window.arrivedMs]);
  await page.click('#next');
  await page.waitForURL((url) => url.pathname === path);
  await trackerReady(page);
  return (await leftAt(page, from[0])) - from[1];
}

const leftAt = (page, path) =>
  page.evaluate((path) => Number(sessionStorage.getItem('left ' + path)), path);

function assertWithin(actualS, expectedMs, what) {
  const expectedS = expectedMs / 1000;
  assert.ok(
    Math.abs(actualS - expectedS) <= 0.1 * expectedS,
    `${what}: active ${actualS} s, expected ${expectedS.toFixed(2)} s +- 10 %`,
  );
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
  const hiddenFrom = await setHidden(page, true);
  await page.waitForTimeout(3000);
  const hiddenMs = (await setHidden(page, false)) - hiddenFrom;
  await scrollFor(page, kScrollMs / 2);
  const thirdArrived = await page.evaluate(() => window.arrivedMs);

  // Back to page 2, restored from the back/forward cache: seen again.
  await page.goBack({ waitUntil: 'commit' }); // a restored page fires no load event
  await page.waitForFunction(() => location.pathname === '/walk/second' && window.restored === 1);
  expected['/walk/third'] = (await leftAt(page, '/walk/third')) - thirdArrived - hiddenMs;
  await scrollFor(page, kScrollMs / 2);
  const summary = await trackerReady(page);
  expected['/walk/second'] += (await pageNow(page)) - (await page.evaluate(() => window.shownMs));

  const active = Object.fromEntries(summary.pages.map((p) => [p.page, p.active_s]));
  console.log(
    'active time per page (s):',
    JSON.stringify(active),
    'expected (ms):',
    JSON.stringify(expected),
  );
  for (const [path, ms] of Object.entries(expected)) assertWithin(active[path], ms, path);
  const totalMs = Object.values(expected).reduce((a, b) => a + b, 0);
  assertWithin(summary.active_s, totalMs, 'session');
  assert.equal(summary.page_views, 4);
  assert.deepEqual(errors, []);
  await context.close();
});
