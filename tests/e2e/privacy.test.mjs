// Privacy by construction: planted secrets never leave the page; GPC, DNT,
// consent and the opt-out flag stop sending and storing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { collectorBinary } from './support/collector.mjs';
import { startHarness, waitFor } from './support/harness.mjs';
import { leaks } from './support/secrets.mjs';
import { shopRoutes } from './support/shop.mjs';

let harness;
before(async () => {
  harness = await startHarness({
    ...shopRoutes,
    '/': 'audit_home.html',
    '/signin': 'audit_form.html',
    '/consent/*': 'consent.html',
    '/unknown': 'unknown_site.html',
    '/no-flags': 'no_flags.html',
    '/ldp': 'ldp.html',
    '/product/ldp-speaker': 'ldp.html',
  });
});
after(() => harness.close());

async function noStorageWrites(page) {
  const state = await page.evaluate(() => ({
    writes: window.__storageWrites,
    session: sessionStorage.length,
    local: localStorage.length,
    cookie: document.cookie,
    keys: Object.keys(sessionStorage),
  }));
  assert.deepEqual(state, { writes: [], session: 0, local: 0, cookie: '', keys: [] });
}

test('privacy audit: secrets in text, attributes, inputs and query strings are never sent', async () => {
  const { page, context, requests, errors } = await openContext(harness.browser);
  const proxyBefore = harness.proxy.records.length;
  await page.goto(harness.site.url + '/?q=SECRET_QUERY_e7e7&utm_source=newsletter');
  await trackerReady(page);
  await page.click('#copy');
  await page.mouse.wheel(0, 800);
  await page.click('a.nav');
  await page.waitForURL((url) => url.pathname === '/signin');
  await trackerReady(page);
  await page.fill('[name=email]', 'SECRET_EMAIL_1f2e@example.com');
  await page.fill('[name=password]', 'SECRET_PASSWORD_3c4d');
  await page.fill('[name=note]', 'SECRET_NOTE_9b8a');
  await page.fill('[name=promo]', 'SECRET_TYPED_4242');
  await page.click('#signin-submit');
  await page.waitForURL((url) => url.pathname === '/category/headphones');
  await trackerReady(page);
  await page.evaluate(() => window.microconv('track', 'wishlist', { note: 'SECRET_NOTE_9b8a' }));
  // The decoded summary keeps field names and the utm source, not values.
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.deepEqual(leaks(JSON.stringify(summary)), []);
  const signin = summary.forms.find((f) => f.form === 'signin');
  assert.deepEqual(signin.fields.map((f) => f.field).sort(), [
    'email',
    'note',
    'password',
    'promo',
  ]);
  assert.ok(summary.path.some((s) => s.micro === 'wishlist'));
  await page.goto('about:blank');
  await waitFor(() => harness.proxy.collects().length >= 3, 'summaries from the three pages');

  // What reached the collector's side (beacons sent on unload included).
  const atCollector = harness.proxy.records.slice(proxyBefore);
  assert.ok(
    atCollector.some((r) => r.method === 'POST'),
    'summaries were sent',
  );
  for (const r of atCollector) {
    assert.deepEqual(
      leaks(r.url + r.summary.toString('latin1') + r.summary.toString('utf8')),
      [],
      `${r.method} ${r.url}`,
    );
  }
  // Everything the browser sent anywhere else than loading the site's own
  // pages (whose URLs the test chose).
  for (const r of requests.filter((r) => !r.url.startsWith(harness.site.url))) {
    const body = r.summary ? r.summary.toString('latin1') : '';
    assert.deepEqual(leaks(r.url + body), [], `${r.method} ${r.url}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

for (const signal of ['gpc', 'dnt']) {
  test(`${signal.toUpperCase()}: nothing sent to the collector, nothing stored`, async () => {
    const { page, context, errors, warnings } = await openContext(harness.browser, {
      [signal]: true,
    });
    const collectsBefore = harness.proxy.collects().length;
    await page.goto(harness.site.url + '/');
    await trackerReady(page);
    await page.click('#copy');
    await noStorageWrites(page);
    await page.click('a.nav');
    await page.waitForURL((url) => url.pathname === '/signin');
    await trackerReady(page);
    await page.fill('[name=email]', 'a@b.c');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await noStorageWrites(page);
    // The analysis still runs on the device, for the visitor's own eyes.
    const summary = await page.evaluate(() => window.microconv('inspect'));
    assert.equal(summary.page_views, 1, 'no session carried over from the first page');
    await page.goto('about:blank');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(harness.proxy.collects().length, collectsBefore);
    assert.ok(warnings.some((w) => /nothing stored or sent/.test(w)));
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('require-consent: nothing sent or stored until consent, then it is', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/consent/a');
  await trackerReady(page);
  await page.click('#b');
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await noStorageWrites(page);
  await page.click('#next');
  await page.waitForURL((url) => url.pathname === '/consent/b');
  await trackerReady(page);
  await noStorageWrites(page);
  assert.equal(harness.proxy.collects().length, collectsBefore);

  await page.evaluate(() => window.microconv('consent', true));
  await page.click('#b');
  await page.goto(harness.site.url + '/consent/c'); // the session and the consent carry over
  await trackerReady(page);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.site, 'consent');
  assert.equal(summary.page_views, 2);
  await waitFor(() => harness.proxy.collects().length > collectsBefore, 'a summary after consent');

  await page.evaluate(() => window.microconv('consent', false));
  const left = await page.evaluate(() => [
    ...Object.keys(sessionStorage),
    ...Object.keys(localStorage),
  ]);
  assert.deepEqual(left, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('opt-out flag, localhost and webdriver keep the tracker off', async () => {
  const { page, context, errors, warnings } = await openContext(harness.browser);
  let before = harness.proxy.records.length;
  await page.goto(harness.site.url + '/no-flags');
  assert.equal(await page.evaluate(() => window.microconv('inspect')), null);
  assert.ok(warnings.some((w) => /localhost/.test(w)));
  await page.goto('about:blank');
  let fetched = harness.proxy.records.slice(before).map((r) => r.url);
  assert.deepEqual([...new Set(fetched)], ['/microconv.js'], 'only the loader itself was fetched');

  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  await page.evaluate(() => localStorage.setItem('microconv_optout', '1'));
  await page.goto('about:blank'); // the page before the opt-out still sends its summary
  await new Promise((resolve) => setTimeout(resolve, 300));
  before = harness.proxy.records.length;
  await page.goto(harness.site.url + '/');
  await page.click('#copy');
  assert.equal(await page.evaluate(() => window.microconv('inspect')), null);
  await page.goto('about:blank');
  fetched = harness.proxy.records.slice(before).map((r) => r.url);
  assert.ok(
    fetched.every((url) => url === '/microconv.js'),
    'only the loader (or nothing: cached)',
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('an unknown site stops quietly with one warning', async () => {
  const { page, context, errors, warnings } = await openContext(harness.browser);
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/unknown');
  await page.waitForFunction(() => window.microconv && window.microconv.l);
  assert.equal(await page.evaluate(() => window.microconv('inspect')), null);
  await page.click('#b');
  await page.goto('about:blank');
  assert.equal(warnings.filter((w) => /no config for site/.test(w)).length, 1);
  assert.equal(harness.proxy.collects().length, collectsBefore);
  assert.deepEqual(errors, []);
  await context.close();
});

test('storage that throws degrades to memory and still sends', async () => {
  const { page, context, errors, warnings } = await openContext(harness.browser);
  await context.addInitScript(() => {
    Object.defineProperty(window, 'sessionStorage', {
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
  });
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/department/electronics');
  await trackerReady(page);
  await page.click('#cat-headphones');
  await page.waitForURL((url) => url.pathname === '/category/headphones');
  await trackerReady(page);
  await page.goto('about:blank');
  await waitFor(
    () => harness.proxy.collects().length >= collectsBefore + 2,
    'summaries from both pages',
  );
  assert.ok(warnings.some((w) => /storage unavailable/.test(w)));
  assert.deepEqual(errors, []);
  await context.close();
});

// Local differential privacy (site "ldp", epsilon 1): a session sends one
// request, at its end, carrying only the randomized bits and the session's
// start context, so no true bit can be read from it, nor from a change
// between requests (there is no second one); the playground's inspect shows
// the true bits next to the ones that will be sent; the collector keeps the
// session out of exact figures and estimates it.
test('LDP: one request per session, at its end, with randomized bits only', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.clock.install();
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/ldp');
  await trackerReady(page);
  await page.click('[data-mc=add-to-cart]');
  await page.evaluate(() => window.microconv('track', 'wishlist'));
  const early = await page.evaluate(() => window.microconv('inspect', { bytes: true }));
  // Leaving the page (a page-hide flush) and the next page's own flush.
  await page.click('#next');
  await page.waitForURL((url) => url.pathname === '/product/ldp-speaker');
  await trackerReady(page);
  const flushed = await page.evaluate(() => window.microconv('flush'));
  assert.equal(flushed.sent, false, 'nothing is sent while the session runs');
  const { summary, ldpTruth, hex } = await page.evaluate(() =>
    window.microconv('inspect', { bytes: true }),
  );
  assert.equal(summary.ldp.epsilon, 1);
  const names = summary.ldp.bits.map((b) => b.micro ?? `${b.funnel}/${b.step}`);
  assert.equal(names.length, 31, 'every micro-conversion and funnel step of the demo config');
  const truth = Object.fromEntries(names.map((name, i) => [name, ldpTruth[i]]));
  const earlyTruth = Object.fromEntries(names.map((name, i) => [name, early.ldpTruth[i]]));
  assert.equal(truth.add_to_cart, 1);
  assert.equal(truth.wishlist, 1);
  assert.equal(truth.purchase, 0);
  // A bit that turned on during the session: the case a second request
  // would give away.
  assert.deepEqual([earlyTruth.product_view, truth.product_view], [0, 1]);
  assert.deepEqual([summary.path, summary.pages, summary.funnels], [[], [], []]);
  assert.equal(summary.page_views, 0);
  await page.waitForTimeout(500);
  assert.equal(harness.proxy.collects().length, collectsBefore, 'no request before the end');

  // The session ends after its inactivity timeout (30 minutes; the tab's
  // tick notices): its one request.
  await page.clock.fastForward('31:00');
  await waitFor(
    () => harness.proxy.collects().length > collectsBefore,
    "the session's final summary",
  );
  await page.goto('about:blank');
  await page.waitForTimeout(500);
  const requests = harness.proxy.collects().slice(collectsBefore);
  assert.equal(requests.length, 1, 'one request for the whole session');
  assert.equal(
    requests[0].summary.toString('hex'),
    hex,
    'what inspect showed before the end is what was sent: nothing depends on when',
  );
  const dir = mkdtempSync(join(tmpdir(), 'microconv-ldp-'));
  const file = join(dir, 'summary.mcs');
  writeFileSync(file, requests[0].summary);
  // Decoded against the site's config, which refuses an exact summary.
  const decoded = JSON.parse(
    execFileSync(collectorBinary(), [
      'decode',
      file,
      '--config',
      join(harness.collector.sites, 'ldp.json'),
    ]).toString(),
  );
  assert.equal(decoded.site, 'ldp');
  assert.equal(decoded.seq, 0);
  assert.equal(decoded.flags.ended, true);
  assert.deepEqual(
    decoded.ldp.bits.map((b) => b.sent),
    summary.ldp.bits.map((b) => b.sent),
  );
  for (const field of ['path', 'pages', 'funnels', 'repeats', 'heat', 'forms', 'elements']) {
    assert.deepEqual(decoded[field] ?? [], [], field);
  }
  assert.deepEqual(
    [decoded.page_views, decoded.duration_s, decoded.active_s, decoded.orders],
    [0, 0, 0, 0],
  );
  assert.equal(decoded.flags.bounce, false);
  // The collector stores the beacon after the proxy saw it: ask until the
  // report has it.
  const report = await waitFor(async () => {
    const r = await harness.collector.report('ldp');
    return r.ldp ? r : null;
  }, 'the LDP session in the report');
  // No engagement at all, or suppressed (under k sessions): either way, none.
  assert.equal(report.engagement?.sessions ?? 0, 0, 'no exact figure counts the LDP session');
  assert.equal(report.ldp.sessions, 1);
  assert.ok(report.ldp.micros.every((row) => row.estimate === true));
  assert.deepEqual(errors, []);
  await context.close();
});
