// One session per visitor across the site's tabs: a product opened with
// Ctrl+click continues the session and its funnel, and two tabs used at the
// same time build one consistent summary (one nonce, nothing lost or doubled).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { shopRoutes } from './support/shop.mjs';

let harness;
before(async () => {
  harness = await startHarness(shopRoutes);
});
after(() => harness.close());

async function go(page, click, path) {
  await page.click(click);
  await page.waitForURL((url) => url.pathname === path);
  await trackerReady(page);
}

const engagement = async () => (await harness.collector.report('demo')).engagement;

test('Ctrl+click a product, buy in the new tab: one session, funnel converted', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await go(page, 'a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  const first = await page.evaluate(() => window.microconv('inspect'));

  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    page.click('#product-aurora-x2', { modifiers: ['Control'] }),
  ]);
  await tab.waitForURL((url) => url.pathname === '/product/aurora-x2');
  await tab.bringToFront();
  await trackerReady(tab);
  await tab.click('[data-mc=add-to-cart]');
  await go(tab, '#to-cart', '/cart');
  await go(tab, '[data-mc=checkout]', '/checkout/shipping');
  for (const field of ['name', 'street', 'city', 'zip', 'country'])
    await tab.fill(`[name=${field}]`, 'x');
  await go(tab, '#shipping-submit', '/checkout/payment');
  await tab.selectOption('[name=method]', 'invoice');
  await go(tab, '#payment-submit', '/order/1001');

  const summary = await tab.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.nonce, first.nonce, 'the new tab continues the session');
  assert.equal(summary.page_views, 8);
  const funnel = summary.funnels.find((f) => f.funnel === 'purchase');
  assert.equal(funnel.converted, true, JSON.stringify(summary.path));
  const original = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(original.nonce, first.nonce, 'the first tab sees the same session');
  assert.equal(original.page_views, 8);

  await tab.goto('about:blank');
  await page.goto('about:blank');
  await waitFor(async () => {
    const r = await harness.collector.report('demo');
    const f = r.funnels.find((x) => x.id === 'purchase');
    return f && !f.suppressed && f.conversions === 1 && r.engagement.page_views === 8;
  }, 'the conversion and all 8 page views in the report');
  await new Promise((resolve) => setTimeout(resolve, 500)); // anything late would show now
  const report = await harness.collector.report('demo');
  assert.equal(report.engagement.sessions, 1, 'one session');
  assert.equal(report.funnels.find((f) => f.id === 'purchase').conversions, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('two tabs used at the same time: one nonce, every click counted once', async () => {
  const before = await engagement();
  const { page: a, context, errors } = await openContext(harness.browser);
  await a.goto(harness.site.url + '/');
  await trackerReady(a);
  const b = await context.newPage(); // not opened by `a`: shares nothing but the origin
  await b.goto(harness.site.url + '/department/electronics');
  await trackerReady(b);

  const kClicks = 15;
  const clicks = async (page, selector) => {
    for (let i = 0; i < kClicks; i++) {
      await page.click(selector, { position: { x: 300, y: 400 } });
      await page.waitForTimeout(40);
    }
  };
  await Promise.all([clicks(a, 'main'), clicks(b, 'main')]);

  // Each inspect first feeds its own tab's queued events: after a, then b,
  // b's summary holds every click; a read again must then show the same.
  const inspect = (page) => page.evaluate(() => window.microconv('inspect'));
  await inspect(a);
  const sb = await inspect(b);
  const sa = await inspect(a);
  assert.equal(sa.nonce, sb.nonce, 'one session');
  // Every click is in a heatmap: the clicked element's box cell, or the
  // document grid when its box came too late (element rows keep only
  // frustrated elements across a snapshot restore, so they are no counter).
  const count = (cells) => cells.reduce((sum, cell) => sum + cell.count, 0);
  const total = (s) => count(s.heat) + count(s.element_clicks);
  assert.equal(total(sb), 2 * kClicks, JSON.stringify([sb.heat, sb.element_clicks]));
  assert.ok(count(sb.element_clicks) > 0, 'clicks keyed by their element');
  assert.deepEqual(sa.heat, sb.heat, 'both tabs read the same summary');
  assert.deepEqual(sa.element_clicks, sb.element_clicks, 'both tabs read the same summary');
  assert.equal(sb.page_views, 2);
  assert.equal(sa.seq, sb.seq);

  await a.goto('about:blank');
  await b.goto('about:blank');
  await waitFor(
    async () => (await engagement()).page_views === before.page_views + 2,
    'the two page views in the report',
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // anything late would show now
  const after = await engagement();
  assert.equal(after.sessions, before.sessions + 1, 'the collector saw one nonce');
  assert.equal(after.page_views, before.page_views + 2);
  assert.deepEqual(errors, []);
  await context.close();
});

// A page being unloaded takes its last turn without waiting for the lock, so
// its write can land while another tab's turn runs and be replaced by it.
// Tab a's turn is held open (its read of the shared record stalls, lock held)
// while tab b adds to cart and leaves: the add to cart must survive a's
// write. Fails without the journal (shared_session.js) 3 runs in 3.
test("a page leaving during another tab's turn loses none of its events", async () => {
  const { page: a, context, errors } = await openContext(harness.browser);
  await a.addInitScript(() => {
    window.__stallMs = 0;
    const getItem = Storage.prototype.getItem;
    Storage.prototype.getItem = function (key) {
      const value = getItem.call(this, key);
      if (window.__stallMs && key.endsWith('_session')) {
        const until = Date.now() + window.__stallMs;
        window.__stallMs = 0;
        while (Date.now() < until); // the turn holds the lock, its read done
      }
      return value;
    };
  });
  await a.goto(harness.site.url + '/');
  await trackerReady(a);
  const b = await context.newPage();
  await b.goto(harness.site.url + '/product/aurora-x2');
  await trackerReady(b);
  await b.evaluate(() => window.microconv('inspect')); // b's page view is in the record

  const stalled = a.evaluate(() => {
    window.__stallMs = 2000;
    return window.microconv('inspect');
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // a is inside its turn
  await b.click('[data-mc=add-to-cart]');
  await b.goto(harness.site.url + '/cart'); // pagehide: b's last turn, without the lock
  await stalled;
  await trackerReady(b);
  const summary = await b.evaluate(() => window.microconv('inspect'));
  const micros = summary.path.map((step) => step.micro);
  assert.ok(micros.includes('add_to_cart'), JSON.stringify(summary.path));
  const count = (micro) =>
    micros.filter((m) => m === micro).length +
    summary.repeats.filter((r) => r.micro === micro).reduce((sum, r) => sum + r.count, 0);
  assert.equal(count('add_to_cart'), 1, 'counted once');
  assert.equal(summary.page_views, 3);
  assert.deepEqual(errors, []);
  await context.close();
});
