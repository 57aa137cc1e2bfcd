// Promises across page loads and visits, checked at the network edge (the
// recording proxy sees every request, beacons of unloading pages included):
// no request of a visit carries an earlier visit's summary once the browser
// accepted its beacon (only one the browser could not take, offline, is sent
// later), and consent(false) holds on every later page until consent(true).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { shopRoutes } from './support/shop.mjs';

const kHourMs = 3600000;
const kOutboxKey = 'microconv_demo_outbox';

let harness;
before(async () => {
  harness = await startHarness(shopRoutes);
});
after(() => harness.close());

// The 8 little-endian bytes of a session nonce ("0x" + 16 hex digits), as
// every summary of the session carries them.
function nonceBytes(nonce) {
  return Buffer.from(nonce.slice(2), 'hex').reverse();
}

function carries(request, nonce) {
  return request.summary.includes(nonceBytes(nonce));
}

async function go(page, click, path) {
  await page.click(click);
  await page.waitForURL((url) => url.pathname === path);
  return trackerReady(page);
}

// A visit ends at the inactivity timeout (30 min) in its open tab: the tick
// sends the final summary and no session runs any more. Resolves once a
// request of the visit arrived after `from`.
async function endVisit(page, nonce, from) {
  await page.clock.fastForward('31:00');
  await waitFor(
    async () => (await page.evaluate(() => window.microconv('inspect'))) === null,
    'the end of the visit',
    20000,
  );
  await waitFor(
    () =>
      harness.proxy
        .collects()
        .slice(from)
        .some((r) => carries(r, nonce)),
    'the final summary of the visit',
    20000,
  );
}

// Visit 1 in a fresh context, two page loads: resolves to its nonce.
async function firstVisit(page) {
  await page.clock.install({ time: Date.now() - 6 * kHourMs });
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  const summary = await go(page, 'a[href="/department/electronics"]', '/department/electronics');
  return summary.nonce;
}

test('a visit whose beacons the browser accepted sends nothing of it in the next visit', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  page.setDefaultTimeout(60000); // 2 shared cores: page loads can be slow
  const start = harness.proxy.collects().length;
  const first = await firstVisit(page);
  await endVisit(page, first, start);
  assert.equal(
    await page.evaluate((key) => localStorage.getItem(key), kOutboxKey),
    null,
    'an accepted beacon is not kept for a later page',
  );

  // Visit 2, three hours later in the same tab: two pages and its end.
  await page.clock.fastForward(3 * kHourMs);
  const from = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/category/headphones');
  await trackerReady(page);
  const second = (await go(page, '#product-aurora-x2', '/product/aurora-x2')).nonce;
  assert.notEqual(second, first);
  await endVisit(page, second, from);

  const visit2 = harness.proxy.collects().slice(from);
  const visit1 = harness.proxy.collects().slice(start, from);
  assert.ok(visit1.length >= 2 && visit1.every((r) => carries(r, first)), 'visit 1 was sent');
  assert.ok(
    visit2.every((r) => carries(r, second)),
    'every request of visit 2 is its own',
  );
  for (const request of visit2) {
    assert.ok(!carries(request, first), "visit 1's nonce in a request of visit 2");
    for (const earlier of visit1) assert.ok(!request.body.includes(earlier.body));
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('a visit whose tab was closed before its timeout sends nothing of it in the next visit', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  page.setDefaultTimeout(60000);
  const start = harness.proxy.collects().length;
  const first = await firstVisit(page);
  // The tab closes: its page-hide beacon sends the visit's last summary.
  await page.close();
  await waitFor(
    () => harness.proxy.collects().slice(start).length >= 2,
    "the closed tab's summary",
    20000,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));

  // Three hours later, a new tab: the stored session has expired and is
  // ended by this page load, without sending anything of visit 1.
  const next = await context.newPage();
  await next.clock.fastForward(3 * kHourMs);
  const from = harness.proxy.collects().length;
  await next.goto(harness.site.url + '/category/headphones');
  const second = (await trackerReady(next)).nonce;
  assert.notEqual(second, first);
  await next.goto('about:blank');
  await waitFor(
    () =>
      harness.proxy
        .collects()
        .slice(from)
        .some((r) => carries(r, second)),
    'visit 2 sent',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const visit2 = harness.proxy.collects().slice(from);
  assert.ok(!visit2.some((r) => carries(r, first)), "visit 1's nonce in a request of visit 2");
  assert.deepEqual(errors, []);
  await context.close();
});

test('a summary the browser could not take (offline) is kept and arrives with the next visit', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  page.setDefaultTimeout(60000);
  const start = harness.proxy.collects().length;
  const first = await firstVisit(page);
  // The visit ends offline: its final summary cannot leave the browser.
  await context.setOffline(true);
  await page.clock.fastForward('31:00');
  const kept = await waitFor(
    () => page.evaluate((key) => localStorage.getItem(key), kOutboxKey),
    'the kept summary',
    20000,
  );
  assert.equal(JSON.parse(kept).length, 1, "visit 1's final summary");
  await context.setOffline(false);
  const sentOnline = harness.proxy.collects().length;
  assert.ok(
    harness.proxy
      .collects()
      .slice(start)
      .some((r) => carries(r, first)),
  );

  // The next visit's first page load sends it: the one case where a summary
  // of one visit arrives during another (README, "What joins two visits").
  await page.clock.fastForward(3 * kHourMs);
  await page.goto(harness.site.url + '/category/headphones');
  const second = (await trackerReady(page)).nonce;
  await waitFor(
    () =>
      harness.proxy
        .collects()
        .slice(sentOnline)
        .some((r) => carries(r, first)),
    'the kept summary, re-sent',
    20000,
  );
  await waitFor(
    () => page.evaluate((key) => localStorage.getItem(key) === null, kOutboxKey),
    'the outbox emptied once the collector answered',
  );
  await page.goto('about:blank');
  await waitFor(
    () =>
      harness.proxy
        .collects()
        .slice(sentOnline)
        .some((r) => carries(r, second)),
    'visit 2 sent',
  );
  const late = harness.proxy
    .collects()
    .slice(sentOnline)
    .filter((r) => carries(r, first));
  assert.equal(late.length, 1, 'sent once');
  assert.deepEqual(errors, []);
  await context.close();
});

test('consent(false) holds on the next page and the next visit, until consent(true)', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  page.setDefaultTimeout(60000);
  await page.clock.install({ time: Date.now() - 6 * kHourMs });
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await page.evaluate(() => window.microconv('consent', false));
  await page.waitForTimeout(300); // nothing of the page before may still be on its way
  const from = harness.proxy.collects().length;

  // The next pages of the visit, a click, a hidden page, a flush.
  await go(page, 'a[href="/department/electronics"]', '/department/electronics');
  await go(page, '#cat-headphones', '/category/headphones');
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  const flushed = await page.evaluate(() => window.microconv('flush'));
  assert.ok(!flushed || !flushed.sent, 'a flush sends nothing');
  // The next visit, in a new tab after the inactivity timeout.
  await page.clock.fastForward(3 * kHourMs);
  const next = await context.newPage();
  await next.goto(harness.site.url + '/product/aurora-x2');
  await trackerReady(next);
  await next.click('[data-mc=add-to-cart]');
  await page.close();
  await next.goto(harness.site.url + '/cart');
  await trackerReady(next);
  await next.goto('about:blank');
  await next.waitForTimeout(500);
  assert.equal(
    harness.proxy.collects().length,
    from,
    'no request to /api/collect after the opt-out',
  );
  await next.goto(harness.site.url + '/cart');
  await trackerReady(next);
  const stored = () =>
    next.evaluate(() =>
      [localStorage, sessionStorage].map((area) =>
        Object.entries(area).filter(([key]) => key.startsWith('microconv_')),
      ),
    );
  assert.deepEqual(await stored(), [[['microconv_demo_consent', '0']], []], 'the refusal only');

  // consent(true): tracking resumes, and the refusal is gone.
  await next.evaluate(() => window.microconv('consent', true));
  await go(next, '[data-mc=checkout]', '/checkout/shipping');
  const [local, session] = await stored();
  assert.ok(!local.some(([key]) => key === 'microconv_demo_consent'));
  assert.deepEqual(session, [['microconv_demo_consent', '1']]);
  await next.goto('about:blank');
  await waitFor(() => harness.proxy.collects().length > from, 'a summary after consent(true)');
  assert.deepEqual(errors, []);
  await context.close();
});
