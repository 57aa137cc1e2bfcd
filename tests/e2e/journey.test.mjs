// The article's purchase journey across ten real page loads: the summary
// the tracker computes in the browser, and what the collector reports.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { demoConfig } from './support/collector.mjs';
import { keyOf } from './support/element_key.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { kPurchaseJourney, shopRoutes } from './support/shop.mjs';

// Bytes the journey's beacons put on the wire, all together: 1,845-1,910 B
// measured (3,616-3,624 B of summaries, each deflated). It was 1,964-2,009 B
// in fast runs, when the category tile, the product card and "Add to cart"
// (three clicks through three pages within a second and 30 px) counted as a
// rage click; a burst no longer spans a page view (core/frustration.h). The
// budget is the issue's target, for a visit not sampled for journey replay:
// the walk runs with the demo config at replay_sample_rate 0 (the demo
// samples 1 visit in 4, drawn at random in the browser). A sampled visit
// also carries its timeline and the names it refers to (ARCHITECTURE.md,
// "Journey replay").
const kJourneyWireBudget = 2000;

let harness;
before(async () => {
  harness = await startHarness(shopRoutes, { demo: demoConfig({ replay_sample_rate: 0 }) });
});
after(() => harness.close());

// The element paths of the clicked elements that have an id (`tag#id`, as
// web/tracker/element_path.js names them), in click order.
const clicked = [];

async function go(page, click, path) {
  const named = await page.$eval(click, (e) => (e.id ? `${e.localName}#${e.id}` : ''));
  if (named) clicked.push(named);
  await page.click(click);
  await page.waitForURL((url) => url.pathname === path);
  await trackerReady(page);
}

test('a multi-page purchase journey yields the right micro-conversions, funnel and timings', async (t) => {
  const { page, context, errors } = await openContext(harness.browser, {
    timezoneId: 'America/New_York',
  });
  const started = Date.now();
  await page.goto(
    harness.site.url + '/?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
  );
  await trackerReady(page);
  await go(page, '#signin-link', '/signin');
  await page.fill('input[name=email]', 'visitor@example.com');
  await page.fill('input[name=password]', 'hunter22');
  await go(page, '#signin-submit', '/');
  await go(page, 'a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  await go(page, '#product-aurora-x2', '/product/aurora-x2');
  await page.click('[data-mc=add-to-cart]');
  await page.evaluate(() => document.getElementById('reviews').scrollIntoView());
  await page.waitForTimeout(1200); // the core's 1 s visibility dwell
  await go(page, '#to-cart', '/cart');
  await go(page, '[data-mc=checkout]', '/checkout/shipping');
  for (const field of ['name', 'street', 'city', 'zip', 'country'])
    await page.fill(`[name=${field}]`, 'x');
  await go(page, '#shipping-submit', '/checkout/payment');
  await page.selectOption('[name=method]', 'invoice');
  await page.fill('[name=card]', '4111111111111111');
  await go(page, '#payment-submit', '/order/1001');
  const elapsedS = (Date.now() - started) / 1000;

  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.site, 'demo');
  assert.equal(summary.page_views, 10);
  assert.equal(summary.entry_page, '/');
  assert.equal(summary.exit_page, '/order/:id');
  assert.equal(summary.flags.bounce, false);
  assert.deepEqual(summary.dims.language, 'en');
  assert.equal(summary.dims.country, 'US');
  assert.equal(summary.dims.browser, 'chrome');

  const micros = summary.path.map((step) => step.micro);
  let last = -1;
  for (const micro of kPurchaseJourney) {
    const at = micros.indexOf(micro);
    assert.ok(at > last, `${micro} after the previous step in ${micros}`);
    last = at;
  }
  assert.ok(micros.includes('reviews_seen'), 'the reviews stayed in view for a second');
  const times = summary.path.map((step) => step.at_s);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'path times never go back',
  );
  assert.ok(
    times.at(-1) <= elapsedS + 1,
    `last step at ${times.at(-1)} s within the ${elapsedS} s journey`,
  );

  const funnel = summary.funnels.find((f) => f.funnel === 'purchase');
  assert.equal(funnel.converted, true);
  assert.equal(funnel.furthest, 9);
  assert.equal(funnel.reached.length, 9);
  assert.equal(funnel.step_times_s.length, 8);
  for (const seconds of funnel.step_times_s) assert.ok(seconds >= 0 && seconds <= elapsedS + 1);
  assert.ok(
    summary.duration_s > 0 && summary.duration_s <= elapsedS + 1,
    `duration ${summary.duration_s}`,
  );
  assert.ok(summary.active_s > 0 && summary.active_s <= summary.duration_s + 0.5);

  const signin = summary.forms.find((f) => f.form === 'signin');
  assert.equal(signin.started, true);
  assert.equal(signin.submitted, true);
  assert.deepEqual(signin.fields.map((f) => f.field).sort(), ['email', 'password']);
  const shipping = summary.forms.find((f) => f.form === 'shipping');
  assert.equal(shipping.submitted, true);
  assert.equal(shipping.fields.length, 5);

  // Leaving the last page sends its summary; the collector counts one
  // converted session.
  await page.goto('about:blank');
  const report = await waitFor(async () => {
    const r = await harness.collector.report('demo');
    const f = r.funnels.find((x) => x.id === 'purchase');
    return f && !f.suppressed && f.conversions === 1 ? r : null;
  }, 'the collector to report the conversion');
  assert.equal(report.engagement.sessions, 1);
  assert.equal(report.engagement.page_views, 10);

  // One session nonce, strictly increasing sequence, no preflight.
  assert.equal(harness.proxy.records.filter((r) => r.method === 'OPTIONS').length, 0);
  // Element heatmaps recorded in the browser: every clicked element with an
  // id has its row under its page's template, its clicks spread over the
  // cells of its box. The first page's click rode only in the first two
  // beacons (a flush carries its last two pages' element clicks), so the
  // collector kept it from the stored version.
  const elementRows = report.heatmap.elements
    .filter((g) => g.device === 'all')
    .flatMap((g) => g.rows);
  assert.ok(clicked.length >= 7, `${clicked}`);
  for (const path of clicked) {
    const row = elementRows.find((r) => r.key === keyOf(path));
    assert.ok(row, `an element row for ${path} (${keyOf(path)})`);
    assert.equal(
      row.cells.reduce((a, b) => a + b, 0),
      row.clicks,
      `${path}: its box's cells add up to its clicks`,
    );
  }
  const keyBytes = (path) => Buffer.from(keyOf(path), 'hex').reverse();
  const lastBeacon = harness.proxy.collects().at(-1).summary;
  assert.equal(
    lastBeacon.indexOf(keyBytes(clicked[0])),
    -1,
    'the last beacon repeats no first-page key',
  );
  assert.notEqual(lastBeacon.indexOf(keyBytes(clicked.at(-1))), -1, 'the last page key is in it');

  // One beacon per page left (the hide after pagehide repeats nothing): 10
  // beacons (20 when both flushed). The wire budget is ARCHITECTURE.md's
  // (target 2,000 B).
  const beacons = harness.proxy.collects();
  // The walk clicks nothing twice and nothing in vain: no rage or dead click.
  assert.deepEqual(summary.elements, [], 'no frustrated element in a calm journey');
  const wireBytes = beacons.reduce((sum, beacon) => sum + beacon.body.length, 0);
  t.diagnostic(
    `beacons (wire/summary B): ${beacons.map((b) => `${b.body.length}/${b.summary.length}`).join(' ')}; ` +
      `${wireBytes} B on the wire, ${beacons.reduce((sum, b) => sum + b.summary.length, 0)} B of summaries`,
  );
  // Each deflated against the beacon dictionary (the summary is what inflates).
  for (const beacon of beacons) assert.match(beacon.url, /[?&]z=1$/);
  assert.ok(beacons.length <= 10, `${beacons.length} beacons`);
  assert.ok(wireBytes <= kJourneyWireBudget, `${wireBytes} B on the wire > ${kJourneyWireBudget}`);
  for (const r of harness.proxy.collects()) assert.match(r.headers['content-type'], /^text\/plain/);
  assert.deepEqual(errors, []);
  await context.close();
});
