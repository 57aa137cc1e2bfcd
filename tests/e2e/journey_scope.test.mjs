// Journey scope (privacy.scope "journey", core/journey.h): a purchase over
// three visits on two days, the page clock controlled, counts as one
// converted journey, and nothing in any request links the visits. The
// stored journey goes with an opt-out and after its N days.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { collectorBinary, demoConfig, startCollector } from './support/collector.mjs';
import { openSection } from './support/dashboard.mjs';
import { waitFor } from './support/harness.mjs';
import { requireDist } from './support/paths.mjs';
import { startRecordingProxy } from './support/recording_proxy.mjs';
import { shopRoutes } from './support/shop.mjs';
import { startSite } from './support/site_server.mjs';

const kHourMs = 3600000;
const kJourneyKey = 'microconv_demo_journey';

// The demo store's pages (data-site "demo") with the demo config in journey
// scope; its purchase window (1 h) widened to 3 days, as a site counting
// journeys over days would set it: windows still apply across visits.
function journeyDemo() {
  const demo = demoConfig({ scope: 'journey', journey_days: 7 });
  demo.funnels.find((f) => f.id === 'purchase').window = 3 * 24 * 3600;
  return demo;
}

let collector;
let proxy;
let site;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector({ demo: journeyDemo() });
  proxy = await startRecordingProxy(collector.url);
  site = await startSite(shopRoutes, proxy.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await site.stop();
  await proxy.stop();
  await collector.stop();
});

async function go(page, click, path) {
  await page.click(click);
  await page.waitForURL((url) => url.pathname === path);
  await trackerReady(page);
}

// A visit ends at the inactivity timeout (30 min): the open tab's tick
// sends its final summary (flags.ended) and keeps the journey.
async function endVisit(page, before) {
  await page.clock.fastForward('31:00');
  await waitFor(
    () =>
      proxy
        .collects()
        .slice(before)
        .some((r) => decoded(r).flags.ended),
    'the final summary of the visit',
  );
  await waitFor(
    () => page.evaluate((key) => localStorage.getItem(key) !== null, kJourneyKey),
    'the stored journey',
  );
}

const decodedOf = new WeakMap();
function decoded(request) {
  if (!decodedOf.has(request)) decodedOf.set(request, decode(request.summary));
  return decodedOf.get(request);
}

function decode(summary) {
  const dir = mkdtempSync(join(tmpdir(), 'microconv-journey-'));
  const file = join(dir, 'summary.mcs');
  writeFileSync(file, summary);
  const config = join(collector.sites, 'demo.json');
  return JSON.parse(execFileSync(collectorBinary(), ['decode', file, '--config', config]));
}

function day(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

test('a purchase over 3 visits on 2 days is one converted journey, and no request links the visits', async () => {
  const { page, context, errors } = await openContext(browser);
  page.setDefaultTimeout(60000); // 2 shared cores: page loads can be slow
  // Two days ago (the collector takes up to 96 h of history), 10:00 UTC.
  const t0 = Math.floor((Date.now() - 50 * kHourMs) / (24 * kHourMs)) * 24 * kHourMs + 10 * kHourMs;
  await page.clock.install({ time: t0 });
  const start = proxy.collects().length;

  // Visit 1: home, Electronics, Headphones.
  let before = proxy.collects().length;
  await page.goto(site.url + '/');
  await trackerReady(page);
  await go(page, 'a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  const first = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(first.journey.visit, 1);
  await endVisit(page, before);

  // Visit 2, three hours later: the product, added to the cart.
  await page.clock.fastForward(3 * kHourMs);
  before = proxy.collects().length;
  await page.goto(site.url + '/product/aurora-x2');
  await trackerReady(page);
  await page.click('[data-mc=add-to-cart]');
  await go(page, '#to-cart', '/cart');
  const second = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(second.journey.visit, 2, 'inspect shows the journey the visit continues');
  assert.deepEqual(second.journey.funnels.find((f) => f.funnel === 'purchase').first_reached, [
    'Product',
    'Add to cart',
  ]);
  await endVisit(page, before);

  // Visit 3, the next day: checkout to the order.
  await page.clock.fastForward(20 * kHourMs);
  before = proxy.collects().length;
  await page.goto(site.url + '/cart');
  await trackerReady(page);
  await go(page, '[data-mc=checkout]', '/checkout/shipping');
  for (const field of ['name', 'street', 'city', 'zip', 'country']) {
    await page.fill(`[name=${field}]`, 'x');
  }
  await go(page, '#shipping-submit', '/checkout/payment');
  await page.selectOption('[name=method]', 'invoice');
  await page.fill('[name=card]', '4111111111111111');
  await go(page, '#payment-submit', '/order/1001');
  await endVisit(page, before);
  assert.deepEqual(errors, []);

  // Per visit: one nonce, its own sequence from 1; the final summary says
  // the visit's index, what it reached first and, in visit 3, the days. (A
  // page load also retries the outbox: an earlier visit's summary, resent
  // unchanged, is a request of that visit.)
  const byNonce = new Map();
  for (const request of proxy.collects().slice(start)) {
    const nonce = decoded(request).nonce;
    if (!byNonce.has(nonce)) byNonce.set(nonce, []);
    byNonce.get(nonce).push(request);
  }
  assert.equal(byNonce.size, 3, 'three visits, three nonces');
  const visits = [...byNonce.values()].sort(
    (a, b) => decoded(a[0]).start_minute - decoded(b[0]).start_minute,
  );
  const finals = visits.map((requests, i) => {
    const all = requests.map(decoded);
    assert.equal(Math.min(...all.map((d) => d.seq)), 1, `visit ${i + 1}: its own sequence`);
    const last = all.reduce((a, b) => (b.seq > a.seq ? b : a));
    return { decoded: last, bytes: requests[all.indexOf(last)].summary };
  });
  assert.equal(new Set(finals.map((f) => f.decoded.nonce)).size, 3, 'a fresh nonce per visit');
  assert.deepEqual(
    finals.map((f) => f.decoded.journey.visit),
    [1, 2, 3],
  );
  const purchase = (f) => f.decoded.journey.funnels.find((x) => x.funnel === 'purchase');
  assert.deepEqual(purchase(finals[0]).first_reached, ['Electronics', 'Headphones']);
  assert.deepEqual(purchase(finals[1]).first_reached, ['Product', 'Add to cart']);
  assert.deepEqual(purchase(finals[2]).first_reached, [
    'Checkout',
    'Shipping',
    'Payment',
    'Place order',
  ]);
  assert.deepEqual(
    finals.map((f) => purchase(f).converted),
    [false, false, true],
  );
  assert.equal(finals[2].decoded.journey.day, 1, 'converted the day after the first visit');
  assert.equal(finals[0].decoded.journey.day, 0);

  // Nothing links the visits: a visit's nonce and start minute (its only
  // identifying bytes besides site, config hash and dimensions, which every
  // visitor of the site shares) occur in no other visit's requests.
  const le = (value, bytes) => {
    const out = Buffer.alloc(bytes);
    let v = BigInt(value);
    for (let i = 0; i < bytes; i++, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  };
  for (let i = 0; i < 3; i++) {
    const own = finals[i].decoded;
    const marks = [
      ['nonce', le(BigInt(own.nonce), 8)],
      ['start minute', le(own.start_minute, 4)],
    ];
    assert.ok(finals[i].bytes.includes(marks[0][1]), 'the nonce is where it is looked for');
    for (let j = 0; j < 3; j++) {
      if (j === i) continue;
      for (const request of visits[j]) {
        for (const [what, mark] of marks) {
          assert.ok(
            !request.summary.includes(mark) && !request.body.includes(mark),
            `visit ${i + 1}'s ${what} in a request of visit ${j + 1}`,
          );
        }
        assert.ok(!request.url.includes(own.nonce.slice(2)), 'no nonce in a URL');
      }
    }
  }
  assert.ok(finals[0].decoded.start_minute < finals[1].decoded.start_minute);

  // The report: one journey started, one converted in its 3rd visit on day 1;
  // the sessions report counts visits, none of which converted alone.
  const range = `from=${day(t0)}&to=${day(t0 + 26 * kHourMs)}`;
  const report = await waitFor(async () => {
    const r = await collector.report('demo', range);
    return r.journeys && r.journeys.visits === 3 ? r : null;
  }, 'the three journey visits in the report');
  const journeys = report.journeys;
  assert.equal(journeys.started.journeys, 1);
  const funnel = journeys.funnels.find((f) => f.id === 'purchase');
  assert.equal(funnel.converted.journeys, 1);
  assert.deepEqual(
    funnel.steps.map((s) => s.journeys),
    [0, 1, 1, 1, 1, 1, 1, 1, 1],
  );
  assert.deepEqual(funnel.visits_to_convert, [{ visits: 3, journeys: 1 }]);
  assert.deepEqual(funnel.days_to_convert, [{ days: 1, journeys: 1 }]);
  assert.equal(report.engagement.sessions, 3);
  assert.equal(report.funnels.find((f) => f.id === 'purchase').conversions, 0);
  await context.close();

  // The dashboard's Journeys section shows the same figures.
  const owner = await openContext(browser, { login: collector });
  owner.page.setDefaultTimeout(60000);
  await owner.page.goto(`${collector.url}/dashboard/?site=demo&funnel=purchase&${range}`);
  await owner.page.waitForFunction(() => document.body.dataset.state === 'ready');
  await openSection(owner.page, 'journeys');
  const cells = await owner.page.$$eval('#panel-journeys tbody tr', (trs) =>
    trs.map((tr) => [
      tr.querySelector('th').textContent,
      tr.querySelector('[data-col=journeys]').dataset.value,
    ]),
  );
  assert.deepEqual(cells.slice(-2), [
    ['visit 3', '1'],
    ['1', '1'],
  ]);
  assert.deepEqual(cells[8], ['Place order', '1']);
  assert.deepEqual(owner.errors, []);
  await owner.context.close();
});

test('the stored journey is deleted on opt-out and is not continued after its N days', async () => {
  const { page, context } = await openContext(browser);
  page.setDefaultTimeout(60000);
  await page.clock.install({ time: Date.now() - 60 * kHourMs });
  let before = proxy.collects().length;
  await page.goto(site.url + '/department/electronics');
  await trackerReady(page);
  await endVisit(page, before);
  // Within N days the next visit continues it (visit 2); 8 days later a
  // visit starts a new journey and the old one is gone.
  await page.clock.fastForward(2 * kHourMs);
  await page.goto(site.url + '/category/headphones');
  assert.equal((await trackerReady(page)).journey.visit, 2);
  before = proxy.collects().length;
  await endVisit(page, before);
  const stored = await page.evaluate((key) => localStorage.getItem(key), kJourneyKey);
  assert.ok(JSON.parse(stored).e > (await page.evaluate(() => Date.now())));
  await page.clock.fastForward(8 * 24 * kHourMs);
  await page.goto(site.url + '/department/electronics');
  const fresh = await trackerReady(page);
  assert.equal(fresh.journey.visit, 1, 'a journey older than 7 days starts afresh');
  assert.deepEqual(fresh.journey.funnels.find((f) => f.funnel === 'purchase').first_reached, [
    'Electronics',
  ]);

  // Opt-out: the stored journey goes, and the visit's end stores none.
  before = proxy.collects().length;
  await endVisit(page, before);
  await page.evaluate(() => window.microconv('consent', false));
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), kJourneyKey), null);
  // A new visit on the page (a click) and its end store nothing now.
  await page.mouse.click(5, 5);
  await page.waitForTimeout(500);
  await page.clock.fastForward('31:00');
  await page.waitForTimeout(300);
  const left = await page.evaluate(() => Object.entries(localStorage));
  assert.deepEqual(
    left.filter(([k]) => k.startsWith('microconv_demo_')),
    [['microconv_demo_consent', '0']],
    'nothing of the journey stored after the opt-out, only the refusal',
  );
  await context.close();
});
