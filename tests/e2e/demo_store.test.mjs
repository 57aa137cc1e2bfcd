// The whole loop as a newcomer sees it: the demo store on its own origin
// (`microconv host`), the collector (through a recording proxy), and the
// dashboard. A purchase and a drop-off walked through the store move the
// dashboard's funnel by exactly the expected amounts; the playground shows
// the exact bytes sent. Screenshots of store, playground and dashboard land
// in build/e2e-screenshots (MICROCONV_SCREENSHOTS overrides).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { openSection } from './support/dashboard.mjs';
import { waitFor } from './support/harness.mjs';
import { simulateVisitors, startDemoStore } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';
import { startRecordingProxy } from './support/recording_proxy.mjs';

const screenshots = process.env.MICROCONV_SCREENSHOTS || join(repoRoot, 'build/e2e-screenshots');
const kViewport = { width: 1280, height: 800 };
// What a visitor types: none of it may ever reach the collector.
const kTyped = [
  'visitor@example.com',
  'hunter22',
  'Ada Lovelace',
  '12 Analytical Way',
  'Cambridge',
  '4111111111111111',
  'Lovely headphones',
];

let collector;
let proxy;
let store;
let browser;
before(async () => {
  requireDist();
  mkdirSync(screenshots, { recursive: true });
  collector = await startCollector();
  proxy = await startRecordingProxy(collector.url);
  store = await startDemoStore(proxy.url);
  browser = await launchBrowser();
  // Some history, so the dashboard starts from real numbers, not zeros.
  await simulateVisitors(collector.url, 300, 3);
});
after(async () => {
  await browser.close();
  await store.stop();
  await proxy.stop();
  await collector.stop();
});

// The full dashboard page takes seconds to rasterise; on a loaded 2-core
// machine more than Playwright's default 30 s (seen at load average 19).
async function shot(page, name) {
  await page.screenshot({
    path: join(screenshots, name + '.png'),
    fullPage: true,
    timeout: 120000,
  });
}

// Clicks and waits for the next page's tracker to take over.
async function go(page, selector, path) {
  await page.click(selector);
  await page.waitForURL(
    (url) =>
      url.pathname === path || (path.endsWith('*') && url.pathname.startsWith(path.slice(0, -1))),
  );
  await trackerReady(page);
}

async function openDashboard(page, query = '') {
  await page.goto(
    `${collector.url}/dashboard/?site=demo&origin=${encodeURIComponent(store.url)}${query}`,
  );
  await page.waitForFunction(
    () => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error',
  );
  assert.equal(
    await page.evaluate(() => document.body.dataset.state),
    'ready',
    await page.evaluate(() => (document.getElementById('error') || {}).textContent),
  );
}

// The dashboard's numbers, read from the page (not the API).
async function dashboardNumbers(page) {
  return page.evaluate(() => {
    const value = (el) => (el ? el.dataset.value : undefined);
    const steps = [...document.querySelectorAll('#funnel-table tr[data-step]')].map((row) => ({
      reached: value(row.querySelector('[data-col=reached]')),
      drop_off: value(row.querySelector('[data-col=drop_off]')),
    }));
    const kpi = (name) => value(document.querySelector(`[data-kpi="${name}"]`));
    return {
      sessions: kpi('sessions'),
      converters: kpi('converters'),
      page_views: kpi('page_views'),
      steps,
    };
  });
}

async function sessionsStored() {
  return (await collector.report('demo')).engagement.sessions;
}

let baseline;
test('the dashboard shows the seeded traffic', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await openDashboard(page);
  baseline = await dashboardNumbers(page);
  assert.equal(Number(baseline.sessions), await sessionsStored());
  assert.equal(baseline.steps.length, 9);
  assert.ok(Number(baseline.steps[1].reached) > 0, 'simulated visitors reached Electronics');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a purchase through the demo store: every step recognised in the browser, nothing typed is sent', async () => {
  // This visitor's requests only: the logged-in owner's dashboard (the test
  // before) frames store pages whose beacons carry the owner's own cookie.
  const recordsBefore = proxy.records.length;
  const { page, context, errors } = await openContext(browser, { viewport: kViewport });
  await page.goto(store.url + '/');
  await trackerReady(page);
  await shot(page, 'store-home');
  await go(page, '#signin-link', '/signin');
  await page.fill('#signin-form [name=email]', kTyped[0]);
  await page.fill('#signin-form [name=password]', kTyped[1]);
  await go(page, '#signin-submit', '/');
  await go(page, 'nav.departments a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  await go(page, '#product-aurora-x2', '/product/aurora-x2');
  await shot(page, 'store-product');
  // The product film: seek near the end (the host answers ranges) and play.
  await page.evaluate(() => {
    const video = document.getElementById('product-video');
    video.muted = true;
    video.currentTime = video.duration * 0.8;
    return video.play();
  });
  await waitFor(
    async () =>
      (await page.evaluate(() => window.microconv('inspect'))).path.some(
        (step) => step.micro === 'video',
      ),
    'the video micro-conversion (75 % watched)',
  );
  await page.click('#add-to-cart');
  await page.evaluate(() => document.getElementById('reviews').scrollIntoView());
  await page.waitForTimeout(1200); // the core's 1 s visibility dwell
  await go(page, '#to-cart', '/cart');
  await shot(page, 'store-cart');
  await go(page, '#proceed-to-checkout', '/checkout/shipping');
  await page.fill('#shipping-form [name=name]', kTyped[2]);
  await page.fill('#shipping-form [name=street]', kTyped[3]);
  await page.fill('#shipping-form [name=city]', kTyped[4]);
  await page.fill('#shipping-form [name=zip]', 'CB2 1TN');
  await page.selectOption('#shipping-form [name=country]', { index: 1 });
  await shot(page, 'store-shipping');
  await go(page, '#shipping-submit', '/checkout/payment');
  await page.check('#payment-form [name=method][value=card]');
  await page.fill('#payment-form [name=card]', kTyped[5]);
  await page.fill('#payment-form [name=expiry]', '12/29');
  await page.fill('#payment-form [name=cvc]', '123');
  await go(page, '#payment-submit', '/checkout/review');
  await go(page, '#place-order', '/order/*');
  await shot(page, 'store-order');

  const summary = await page.evaluate(() => window.microconv('inspect'));
  const funnel = summary.funnels.find((f) => f.funnel === 'purchase');
  assert.equal(funnel.converted, true, JSON.stringify(funnel));
  assert.equal(funnel.furthest, 9);
  const micros = summary.path.map((step) => step.micro);
  for (const micro of [
    'sign_in',
    'department',
    'category',
    'product_view',
    'video',
    'add_to_cart',
    'reviews_seen',
    'begin_checkout',
    'shipping',
    'payment',
    'purchase',
  ]) {
    assert.ok(micros.includes(micro), `${micro} in ${micros}`);
  }

  // The playground, in the same visit: the exact bytes, then "Send now".
  await go(page, 'footer a[href="/playground"]', '/playground');
  // The dump's lines: "0000  2c 00 ... (8 + 8 bytes)  ascii".
  const dump = await waitFor(
    () =>
      page.evaluate(
        () =>
          (document.getElementById('pg-hex') || {}).textContent.match(/^[0-9a-f]{4} {2}/) &&
          document.getElementById('pg-hex').textContent,
      ),
    'the playground to show the summary bytes',
  );
  const hex = dump
    .split('\n')
    .map((line) => line.slice(6, 6 + 48).replace(/ /g, ''))
    .join('');
  const shownLength = await page.evaluate(() => document.getElementById('hex-length').textContent);
  assert.equal(shownLength, `(${hex.length / 2} bytes)`);
  const json = await page.evaluate(() =>
    JSON.parse(document.getElementById('pg-json').textContent),
  );
  assert.equal(json.site, 'demo');
  // The playground names steps with the site config's labels (the summary
  // carries ids): they must not drift from demo.json.
  const config = JSON.parse(readFileSync(join(repoRoot, 'demo-site/sites/demo.json'), 'utf8'));
  const labels = Object.fromEntries(config.micro_conversions.map((m) => [m.id, m.label]));
  const shownPath = await page.$$eval('#pg-path li > span', (spans) =>
    spans.map((span) => ({ id: span.querySelector('code').textContent, text: span.textContent })),
  );
  assert.ok(shownPath.length >= 10, 'the playground lists the path');
  for (const step of shownPath) assert.equal(step.text, `${labels[step.id]} ${step.id}`);
  assert.ok(json.funnels.find((f) => f.funnel === 'purchase').converted);
  // The footer link that led here was kept by element (its box from the next
  // frame, or read as the page left) on the previous page's template: the
  // heat panel lists it.
  const kept = json.element_clicks.filter((c) => c.page !== '/playground');
  assert.ok(kept.length > 0, JSON.stringify(json.element_clicks));
  await page.selectOption('#heat-page', kept[0].page);
  const rows = await waitFor(async () => {
    const shown = await page.$$eval('#pg-element-clicks tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    return shown.length ? shown : null;
  }, 'the element clicks of the previous page');
  const onPage = kept.filter((c) => c.page === kept[0].page);
  assert.deepEqual(
    rows.map(([key, , count]) => [key, Number(count)]),
    onPage.map((c) => [c.key, c.count]),
  );
  await page.selectOption('#heat-page', '/playground');
  await shot(page, 'playground');
  // The hex is a whole summary (FlatBuffers size prefix, then "MCS1").
  assert.equal(hex.slice(8, 16), Buffer.from('MCS1').toString('hex'));
  // The JSON writes the 64-bit nonce as a number in hex; the wire has it little-endian.
  const nonceBytes = json.nonce.replace(/^0x/, '').match(/../g).reverse().join('');
  assert.ok(
    hex.includes(nonceBytes),
    `the hex and the decoded JSON are the same session (${nonceBytes})`,
  );
  // "Send now" sends this session's summary at once (the click itself is
  // part of it, so its bytes are the next preview, as tracker_api checks).
  const sentBefore = proxy.collects().length;
  await page.click('#send-now');
  const sent = await waitFor(() => proxy.collects()[sentBefore], 'Send now to reach the collector');
  assert.ok(sent.summary.toString('hex').includes(nonceBytes));
  const result = await waitFor(
    () => page.evaluate(() => document.getElementById('send-result').textContent),
    'the send result',
  );
  assert.match(result, /Sent/);
  await page.goto('about:blank');

  for (const record of proxy.records.slice(recordsBefore)) {
    const text = record.url + ' ' + record.summary.toString('latin1');
    for (const typed of kTyped) assert.ok(!text.includes(typed), `"${typed}" left the browser`);
    assert.equal(record.headers.cookie, undefined);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('a drop-off at the shipping form through the demo store', async () => {
  const { page, context, errors } = await openContext(browser, { viewport: kViewport });
  await page.goto(store.url + '/');
  await trackerReady(page);
  await go(page, 'nav.departments a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  await go(page, '#product-nimbus-pro', '/product/nimbus-pro');
  await page.click('#add-to-cart');
  await go(page, '#to-cart', '/cart');
  await go(page, '#proceed-to-checkout', '/checkout/shipping');
  await page.fill('#shipping-form [name=name]', kTyped[2]);
  await page.focus('#shipping-form [name=street]');
  const summary = await page.evaluate(() => window.microconv('inspect'));
  const funnel = summary.funnels.find((f) => f.funnel === 'purchase');
  assert.equal(funnel.converted, false);
  const shipping = summary.forms.find((f) => f.form === 'shipping');
  assert.equal(shipping.started, true);
  assert.equal(shipping.submitted, false);
  await page.goto('about:blank'); // leaving sends the summary
  assert.deepEqual(errors, []);
  await context.close();
});

test('the dashboard moves by exactly the two visits', async () => {
  await waitFor(
    async () => (await sessionsStored()) === Number(baseline.sessions) + 2,
    'both store visits stored',
    10000,
  );
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await openDashboard(page);
  const now = await dashboardNumbers(page);
  const delta = (a, b) => Number(a) - Number(b);
  assert.equal(delta(now.sessions, baseline.sessions), 2);
  assert.equal(delta(now.converters, baseline.converters), 1);
  // Sign in (optional): only the buyer; Electronics..Checkout: both;
  // Shipping, Payment, Place order: only the buyer.
  const expected = [1, 2, 2, 2, 2, 2, 1, 1, 1];
  assert.deepEqual(
    now.steps.map((s, i) => delta(s.reached, baseline.steps[i].reached)),
    expected,
  );
  // The drop-off visitor left after Checkout (step 5), before Shipping.
  assert.equal(delta(now.steps[5].drop_off, baseline.steps[5].drop_off), 1);
  // Real-time is a detail section now (overview first): open it as the owner does.
  await openSection(page, 'live');
  await page.waitForSelector('[data-live="active_sessions"]');
  await waitFor(
    () =>
      page.evaluate(
        () => Number(document.querySelector('[data-live="active_sessions"]').dataset.value) >= 2,
      ),
    'the live panel',
  );
  await shot(page, 'dashboard');
  assert.deepEqual(errors, []);
  await context.close();
});
