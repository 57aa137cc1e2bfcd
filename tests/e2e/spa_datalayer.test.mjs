// Single-page navigation, dataLayer ecommerce events and custom events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';

let harness;
before(async () => {
  harness = await startHarness({
    '/': 'spa.html',
    '/mail': 'hash_router.html',
    '/department/*': 'spa.html',
    '/category/*': 'spa.html',
    '/product/*': 'spa.html',
    '/order/*': 'datalayer.html',
    '/app': 'npm_package.html',
    '/pkg/index.js': { file: '../../../web/package/index.js', type: 'text/javascript' },
  });
});
after(() => harness.close());

test('SPA route changes are page views, back is a quick back, route changes flush', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  const before = harness.proxy.collects().length;
  await page.click('#to-department');
  await page.click('#to-category');
  await page.click('#to-product');
  await page.click('#replace-query'); // same page, new query: not a page view
  await page.evaluate(() => history.back()); // back to /category/headphones
  await page.waitForFunction(() => location.pathname === '/category/headphones');
  // The first route change flushes at once (throttled afterwards).
  await waitFor(() => harness.proxy.collects().length > before, 'a flush on route change');

  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 5);
  assert.equal(summary.exit_page, '/category/:category');
  assert.deepEqual(
    summary.path.map((s) => s.micro),
    ['department', 'category', 'product_view', 'category'],
  );
  assert.equal(summary.quick_backs, 1);
  const product = summary.pages.find((p) => p.page === '/product/:id');
  assert.equal(product.views, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

// A hash router's links fire popstate like the back button: only a
// popstate to the page before this one is a way back.
test('hash-router links are not backs; going back to the previous route is', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/mail');
  await trackerReady(page);
  for (const link of ['#inbox', '#settings', '#help']) {
    await page.click(link);
    await page.waitForFunction((hash) => location.hash === hash, link.replace('#', '#/'));
  }
  const forward = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(forward.page_views, 4);
  assert.equal(forward.quick_backs, 0);
  await page.evaluate(() => history.back());
  await page.waitForFunction(() => location.hash === '#/settings');
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 5);
  assert.equal(summary.quick_backs, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

// Without the back/forward cache (Playwright turns it off, as a no-store
// page does) the back button loads the page anew: still a way back.
test('a back that loads the page anew is a quick back', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await page.goto(harness.site.url + '/department/electronics');
  await trackerReady(page);
  await page.goBack();
  await trackerReady(page);
  assert.equal(
    await page.evaluate(() => performance.getEntriesByType('navigation')[0].type),
    'back_forward',
  );
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 3);
  assert.equal(summary.quick_backs, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a click that changes nothing for a second is a dead click', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await page.click('#nothing');
  await page.waitForTimeout(1300);
  await page.click('#to-department'); // re-renders: not dead
  await page.waitForTimeout(1300);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.dead_clicks, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dataLayer pushes, before and after the tracker, count without breaking GTM', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/order/9');
  await trackerReady(page);
  await page.click('#buy');
  assert.equal(
    await page.evaluate(() => window.pushResult),
    3,
    'push returns what it returned before',
  );
  assert.deepEqual(await page.evaluate(() => window.gtmSeen), ['purchase', 'add_payment_info']);
  await page.evaluate(() => window.microconv('track', 'wishlist', { sku: 'A1' }));
  const summary = await page.evaluate(() => window.microconv('inspect'));
  const micros = summary.path.map((s) => s.micro);
  assert.deepEqual(micros, ['purchase', 'wishlist']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('calls queued before the script loads are replayed', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await context.addInitScript(() => {
    window.microconv =
      window.microconv ||
      function () {
        (microconv.q = microconv.q || []).push(arguments);
      };
    window.microconv('track', 'wishlist');
  });
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.deepEqual(
    summary.path.map((s) => s.micro),
    ['wishlist'],
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('the npm package loads the same tracker and exposes track and inspect', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/app');
  await page.waitForFunction(() => typeof window.appInspect === 'function');
  const summary = await page.evaluate(() => window.appInspect());
  assert.equal(summary.site, 'demo');
  assert.equal(summary.entry_page, '/app');
  assert.deepEqual(
    summary.path.map((s) => s.micro),
    ['wishlist'],
  );
  assert.deepEqual(errors, []);
  await context.close();
});
