// A page whose CSP forbids Wasm ('wasm-unsafe-eval' missing) still gets
// correct summaries through the no-Wasm build of the same core.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { servedName } from './support/paths.mjs';

const kCsp =
  "default-src 'none'; script-src 'self' {{ENDPOINT}}; connect-src {{ENDPOINT}}; img-src 'self'";

let harness;
before(async () => {
  harness = await startHarness({
    '/': { file: 'csp.html', csp: kCsp },
    '/product/*': { file: 'csp.html', csp: kCsp },
  });
});
after(() => harness.close());

test('no wasm-unsafe-eval: the no-Wasm core yields the same summary', async () => {
  const { page, context, requests, errors, warnings } = await openContext(harness.browser);
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await page.click('#to-product');
  await page.waitForURL((url) => url.pathname === '/product/aurora-x2');
  await trackerReady(page);
  await page.click('#add');
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 2);
  assert.deepEqual(
    summary.path.map((s) => s.micro),
    ['product_view', 'add_to_cart'],
  );
  assert.deepEqual(
    summary.pages.map((p) => [p.page, p.views]),
    [
      ['/', 1],
      ['/product/:id', 1],
    ],
  );
  // The purchase funnel's first required step (Electronics) never happened.
  assert.deepEqual(summary.funnels, []);

  const urls = requests.map((r) => r.url);
  assert.ok(
    urls.some((u) => u.endsWith('/' + servedName('microconv-core.nowasm.js'))),
    'loaded the no-Wasm core',
  );
  assert.ok(!urls.some((u) => u.endsWith('.wasm')), 'never fetched the Wasm');
  assert.ok(
    warnings.some((w) => /no-Wasm core/.test(w)),
    'said why, once per page',
  );

  await page.goto('about:blank');
  await waitFor(
    () => harness.proxy.collects().length >= collectsBefore + 2,
    "both pages' summaries",
  );
  const report = await waitFor(async () => {
    const r = await harness.collector.report('demo');
    return r.engagement.page_views === 2 ? r : null;
  }, 'the collector to count the session');
  assert.equal(report.engagement.sessions, 1);
  assert.deepEqual(errors, []);
  await context.close();
});
