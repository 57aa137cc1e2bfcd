// The tracker calls behind the playground and the dashboard's heatmap:
// inspect with bytes, flush ("send now"), and the overlay frame that is not
// tracked and tells only the collector's origin its document size; and
// element visibility for elements taller than the viewport.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { shopRoutes } from './support/shop.mjs';

let harness;
before(async () => {
  harness = await startHarness({ ...shopRoutes, '/reviews': 'tall_reviews.html' });
});
after(() => harness.close());

test('inspect({bytes: true}) shows exactly the bytes that flush sends next', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  // The page's clock runs as usual, then stands still from the click on: the
  // summary's duration and active time would otherwise grow between inspect
  // and flush (a decisecond boundary crossed), and the bytes with them.
  await page.clock.install();
  await page.goto(harness.site.url + '/product/aurora-x2');
  await trackerReady(page);
  await page.click('[data-mc=add-to-cart]');
  await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
  const inspected = await page.evaluate(() => window.microconv('inspect', { bytes: true }));
  assert.match(inspected.hex, /^([0-9a-f]{2})+$/);
  assert.equal(inspected.summary.site, 'demo');
  assert.ok(inspected.summary.path.some((step) => step.micro === 'add_to_cart'));

  const before = harness.proxy.collects().length;
  const first = await page.evaluate(() => window.microconv('flush'));
  assert.deepEqual(first, { sent: true, seq: inspected.summary.seq });
  const sent = await waitFor(
    () => harness.proxy.collects()[before],
    'the flush to reach the collector',
  );
  assert.equal(
    sent.summary.toString('hex'),
    inspected.hex,
    'the sent summary (inflated) is the inspected bytes',
  );

  // Nothing changed since: the collector already has it, nothing is sent.
  const second = await page.evaluate(() => window.microconv('flush'));
  assert.deepEqual(second, { sent: false, seq: inspected.summary.seq });
  await page.waitForTimeout(300);
  assert.equal(harness.proxy.collects().length, before + 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a page framed for the heatmap overlay is not tracked and measures only for the collector', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  const frameUrl = harness.site.url + '/product/aurora-x2#microconv-overlay';
  // The collector's origin (the dashboard's) frames the page and asks.
  const measure = () =>
    page.evaluate(
      async ({ src, site }) => {
        const frame = document.createElement('iframe');
        frame.src = src;
        frame.style.width = '1000px';
        document.body.append(frame);
        await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        // The loader runs async: ask until it answers or 3 s pass.
        return new Promise((resolve) => {
          const timer = setInterval(
            () => frame.contentWindow.postMessage({ microconv: 'measure' }, site),
            100,
          );
          setTimeout(() => {
            clearInterval(timer);
            resolve(null);
          }, 3000);
          window.addEventListener('message', (event) => {
            if (event.data && event.data.microconv === 'measure') {
              clearInterval(timer);
              resolve({ origin: event.origin, width: event.data.width, height: event.data.height });
            }
          });
        });
      },
      { src: frameUrl, site: harness.site.url },
    );

  const productViews = (report) =>
    (report.pages.find((p) => p.page === '/product/:id') || { views: 0 }).views;
  const reportBefore = await harness.collector.report('demo');
  const sessionsBefore = reportBefore.engagement.sessions;
  const productViewsBefore = productViews(reportBefore);

  await page.goto(harness.proxy.url + '/healthz');
  const answer = await measure();
  assert.ok(answer, 'the framed page answered the collector origin');
  assert.equal(answer.origin, harness.site.url);
  assert.ok(answer.height > 2500, `document height ${answer.height} covers the page`);
  assert.ok(answer.width > 0 && answer.width <= 1000);

  // Another origin (here the site itself, framing its own page) gets nothing.
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  const stranger = await measure();
  assert.equal(stranger, null);

  // The framed product views were never analysed or sent: the collector
  // holds the same product page views as before, plus the top page's session.
  await page.evaluate(() => window.microconv('flush'));
  const report = await waitFor(async () => {
    const r = await harness.collector.report('demo');
    return r.engagement.sessions > sessionsBefore ? r : null;
  }, 'the top page session in the report');
  assert.equal(
    productViews(report),
    productViewsBefore,
    'the framed product pages were not counted',
  );
  assert.equal(report.engagement.sessions, sessionsBefore + 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an element five viewports tall counts as seen once it fills the viewport for a second', async () => {
  const { page, context, errors } = await openContext(harness.browser, {
    viewport: { width: 1000, height: 800 },
  });
  await page.goto(harness.site.url + '/reviews');
  await trackerReady(page);
  const seen = async () =>
    (await page.evaluate(() => window.microconv('inspect'))).path.some(
      (step) => step.micro === 'reviews_seen',
    );
  // Scroll in steps, as a reader does: the element enters as a sliver.
  for (let y = 100; y <= 2200; y += 100) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(1300); // the core's one-second dwell
  assert.equal(await seen(), true);
  assert.deepEqual(errors, []);
  await context.close();
});
