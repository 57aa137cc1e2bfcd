// Dead clicks (nothing follows within a second) are not a slow network: a
// followed link whose next page takes longer than a second was counted dead,
// and its element path then rode in every later beacon of the session (the
// demo journey's wire grew by ~45 B per beacon from that page on). A click
// nothing answers is still dead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness } from './support/harness.mjs';
import { shopRoutes } from './support/shop.mjs';

let harness;
before(async () => {
  harness = await startHarness(shopRoutes);
});
after(() => harness.close());

test('a link whose next page is slow is not a dead click; a click nothing answers is', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  // Nothing reacts to the heading: dead after a second.
  await page.click('h1');
  await page.waitForTimeout(1500);
  const before = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(before.dead_clicks, 1);
  // The next page answers after two seconds: the old page sees no reaction
  // for that long, yet the visitor was not left without one.
  await page.route('**/department/**', (route) => setTimeout(() => route.continue(), 2000));
  await page.click('a[href="/department/electronics"]');
  await page.waitForURL((url) => url.pathname === '/department/electronics', { timeout: 15000 });
  await trackerReady(page);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 2);
  assert.equal(summary.dead_clicks, 1, JSON.stringify(summary.elements));
  assert.deepEqual(
    summary.elements.map((e) => [e.element, e.dead_clicks]),
    [['main>h1', 1]],
  );
  assert.deepEqual(errors, []);
  await context.close();
});

// The watcher (one observer, one timer) outlives a cancel: a click that
// something answered is not dead, the clicks right after it, which nothing
// answers, still are, and a DOM change the page made just before a click (in
// the same task, while the observer watches) does not answer it.
test('a cancel keeps watching the next clicks; a change before a click does not answer it', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  // Answered: the page changes right after the click.
  await page.evaluate(() => {
    const h1 = document.querySelector('h1');
    h1.addEventListener('click', () => h1.setAttribute('data-seen', '1'), { once: true });
  });
  await page.click('h1');
  await page.waitForTimeout(200);
  // Within the first click's second: nothing answers these two.
  await page.click('h1');
  await page.waitForTimeout(200);
  await page.evaluate(() => {
    const h1 = document.querySelector('h1');
    h1.setAttribute('data-before', '1');
    h1.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
  await page.waitForTimeout(1800);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.dead_clicks, 2, JSON.stringify(summary.elements));
  assert.deepEqual(errors, []);
  await context.close();
});
