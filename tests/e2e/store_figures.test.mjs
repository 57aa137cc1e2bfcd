// Figures a site owner checks against what they know (issue 9 points 5 and
// 10), from real visits of the demo store: an order pushes the GA4 purchase
// event with its real total and the report's revenue is that total; a
// purchase in another currency is counted apart, never summed, and the
// console says why once; a page nobody scrolls still has the depth of its
// first viewport.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { startDemoStore } from './support/demo_store.mjs';
import { waitFor } from './support/harness.mjs';
import { requireDist } from './support/paths.mjs';

let collector;
let store;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  store = await startDemoStore(collector.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.stop();
  await collector?.stop();
});

async function go(page, selector, path) {
  await page.click(selector);
  await page.waitForURL((url) => url.pathname.startsWith(path));
  await trackerReady(page);
}

// Ends the session's page so the tracker sends its summary, then waits for
// the collector's report to show `until`.
async function reportWhen(page, until, what) {
  await page.evaluate(() => window.microconv('flush'));
  let report;
  await waitFor(
    async () => {
      report = await collector.report('demo');
      return until(report);
    },
    what,
    10000,
  );
  return report;
}

test('an order in the demo store: the revenue in the report is the order total', async () => {
  const { page, context, errors } = await openContext(browser, {
    viewport: { width: 1280, height: 800 },
  });
  // The purchase funnel's way (Electronics, Headphones, a product, ...), so
  // that its converters carry the order too.
  await page.goto(store.url + '/department/electronics');
  await trackerReady(page);
  await go(page, '#cat-headphones', '/category/headphones');
  await go(page, '#product-pulse-mini', '/product/pulse-mini');
  await page.click('#add-to-cart');
  await page.click('#add-to-cart'); // the total is whatever the store computes
  await go(page, '#to-cart', '/cart');
  await go(page, '#proceed-to-checkout', '/checkout/shipping');
  await page.fill('#shipping-form [name=name]', 'Ada Lovelace');
  await page.fill('#shipping-form [name=street]', '12 Analytical Way');
  await page.fill('#shipping-form [name=city]', 'Cambridge');
  await page.fill('#shipping-form [name=zip]', 'CB2 1TN');
  await page.selectOption('#shipping-form [name=country]', { index: 1 });
  await go(page, '#shipping-submit', '/checkout/payment');
  await page.check('#payment-form [name=method][value=invoice]');
  await go(page, '#payment-submit', '/checkout/review');
  // The total the store shows the buyer, in dollars.
  const shown = await page.textContent('dd.total');
  const totalCents = Math.round(Number(shown.replace(/[^0-9.]/g, '')) * 100);
  assert.ok(totalCents > 0, `a total on the review page: ${shown}`);
  await go(page, '#place-order', '/order/');

  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.orders, 1);
  assert.equal(summary.revenue_cents, totalCents);
  const report = await reportWhen(page, (r) => r.revenue?.orders === 1, 'the order in the report');
  assert.equal(report.currency, 'USD');
  assert.equal(report.revenue.revenue_cents, totalCents, 'the configured 149 is not added');
  assert.equal(report.revenue.average_order_cents, totalCents);
  assert.equal(report.revenue.other_currency_orders, 0);
  const funnel = report.funnels.find((f) => f.id === 'purchase');
  assert.equal(funnel.conversions, 1, JSON.stringify(funnel.steps));
  assert.equal(funnel.revenue.revenue_cents, totalCents);
  const today = report.days.at(-1);
  assert.equal(today.revenue.revenue_cents, totalCents);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a purchase in another currency is counted, not summed, and said once', async () => {
  const { page, context, errors, warnings } = await openContext(browser);
  const before = (await collector.report('demo')).revenue;
  await page.goto(store.url + '/');
  await trackerReady(page);
  await page.evaluate(() => {
    window.dataLayer.push({ event: 'purchase', value: 80, currency: 'EUR' });
    window.gtag = (...args) => window.dataLayer.push(args);
    window.gtag('event', 'purchase', { value: 95.5, currency: 'eur' });
    window.dataLayer.push({ event: 'purchase', value: 'lots', currency: 'USD' });
  });
  await waitFor(
    async () =>
      (await page.evaluate(() => window.microconv('inspect'))).other_currency_orders === 2,
    'two other-currency orders in the session',
  );
  const summary = await page.evaluate(() => window.microconv('inspect'));
  // The value that is not a number is dropped: the configured 149 counts.
  assert.equal(summary.orders, 1);
  assert.equal(summary.revenue_cents, 14900);
  const report = await reportWhen(
    page,
    (r) => r.revenue.other_currency_orders === before.other_currency_orders + 2,
    'the other-currency orders in the report',
  );
  assert.equal(report.revenue.revenue_cents, before.revenue_cents + 14900, 'EUR never summed');
  assert.equal(report.revenue.orders, before.orders + 1);
  const said = warnings.filter((w) => w.includes('other-currency'));
  assert.equal(said.length, 1, warnings.join('\n'));
  assert.match(said[0], /EUR.*this site counts USD/);
  assert.ok(
    warnings.some((w) => /purchase value ignored: not a number/.test(w)),
    warnings.join('\n'),
  );
  assert.deepEqual(errors, []);
  await context.close();
});

// Scroll reach counts the first viewport: a visitor who never scrolls
// still reached what the page showed on arrival.
test('a page nobody scrolls reports the depth of its first viewport', async () => {
  const { page, context, errors } = await openContext(browser, {
    viewport: { width: 1280, height: 800 },
  });
  await page.goto(store.url + '/');
  await trackerReady(page);
  const visible = await page.evaluate(() =>
    Math.round((100 * window.innerHeight) / document.documentElement.scrollHeight),
  );
  assert.ok(visible > 0 && visible < 100, `the home page is taller than the window (${visible} %)`);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  const home = summary.pages.find((p) => p.page === '/');
  // Images and fonts may still grow the page after the page view: a little deeper at most.
  assert.ok(
    home.max_scroll >= visible && home.max_scroll <= visible + 10,
    `first viewport ${home.max_scroll} %, visible now ${visible} %`,
  );
  assert.deepEqual(errors, []);
  await context.close();
});
