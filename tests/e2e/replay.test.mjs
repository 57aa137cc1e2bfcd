// Journey replay (SPEC section 3, core/replay_recorder.h) in a real
// Chromium against the real collector: with privacy.replay_sample_rate 1
// every beacon of the purchase journey carries the timeline of its pages,
// clicks, fields and micro-conversions in order; the privacy audit's
// planted secrets stay on the page in a sampled session; with rate 0 no
// beacon carries a timeline.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { collectorBinary, demoConfig, startCollector } from './support/collector.mjs';
import { waitFor } from './support/harness.mjs';
import { requireDist } from './support/paths.mjs';
import { startRecordingProxy } from './support/recording_proxy.mjs';
import { leaks } from './support/secrets.mjs';
import { kPurchaseJourney, shopRoutes, walkPurchaseJourney } from './support/shop.mjs';
import { startSite } from './support/site_server.mjs';

// The demo config sampling `rate` of the sessions.
function demoAt(rate) {
  return demoConfig({ replay_sample_rate: rate });
}

// A collector with the demo config at `rate`, its recording proxy, and the
// shop's pages plus the privacy audit's (under /audit).
async function startStack(rate) {
  const collector = await startCollector({ demo: demoAt(rate) });
  const proxy = await startRecordingProxy(collector.url);
  const site = await startSite(
    { ...shopRoutes, '/audit': 'audit_home.html', '/audit/signin': 'audit_form.html' },
    proxy.url,
  );
  return {
    collector,
    proxy,
    site,
    decode(summary) {
      const dir = mkdtempSync(join(tmpdir(), 'microconv-replay-'));
      const file = join(dir, 'summary.mcs');
      writeFileSync(file, summary);
      const config = join(collector.sites, 'demo.json');
      return JSON.parse(execFileSync(collectorBinary(), ['decode', file, '--config', config]));
    },
    async stop() {
      await site.stop();
      await proxy.stop();
      await collector.stop();
    },
  };
}

let browser;
let sampled;
let unsampled;
before(async () => {
  requireDist();
  browser = await launchBrowser();
  sampled = await startStack(1);
  unsampled = await startStack(0);
});
after(async () => {
  await sampled.stop();
  await unsampled.stop();
  await browser.close();
});

const kPages = [
  '/',
  '/signin',
  '/',
  '/department/:department',
  '/category/:category',
  '/product/:id',
  '/cart',
  '/checkout/shipping',
  '/checkout/payment',
  '/order/:id',
];

// Walks the purchase journey on `stack`; returns the final summary as the
// page decodes it and the journey's beacons, decoded by the collector's CLI.
async function walk(stack) {
  const { page, context, errors } = await openContext(browser);
  page.setDefaultTimeout(60000); // 2 shared cores: page loads can be slow
  const before = stack.proxy.collects().length;
  await walkPurchaseJourney(page, stack.site.url);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  await page.goto('about:blank');
  await waitFor(
    () =>
      stack.proxy
        .collects()
        .slice(before)
        .some((r) => stack.decode(r.summary).page_views === 10),
    "the last page's summary",
  );
  const beacons = stack.proxy.collects().slice(before);
  assert.deepEqual(errors, []);
  await context.close();
  return { summary, beacons, decoded: beacons.map((b) => stack.decode(b.summary)) };
}

const bytesOf = (beacons, key) => beacons.reduce((sum, b) => sum + b[key].length, 0);
let unsampledBytes = null; // {wire, summaries, last}: the journey without replay

test('rate 0: no beacon carries a timeline', async () => {
  const { summary, beacons, decoded } = await walk(unsampled);
  assert.equal(summary.replay, undefined);
  assert.ok(beacons.length >= 10, `${beacons.length} beacons`);
  for (const d of decoded) assert.equal(d.replay, undefined, `seq ${d.seq}`);
  unsampledBytes = {
    wire: bytesOf(beacons, 'body'),
    summaries: bytesOf(beacons, 'summary'),
    last: beacons.at(-1).summary.length,
  };
});

test('rate 1: every beacon carries the timeline of pages, clicks, fields and micro-conversions in order', async (t) => {
  const { summary, beacons, decoded } = await walk(sampled);
  const replay = summary.replay;
  assert.ok(replay && replay.valid, 'the session is sampled');
  const entries = replay.entries;
  assert.deepEqual(
    entries.filter((e) => e.kind === 'page').map((e) => e.page),
    kPages,
  );
  const conversions = entries.filter((e) => e.kind === 'conversion').map((e) => e.micro);
  let last = -1;
  for (const micro of kPurchaseJourney) {
    const at = conversions.indexOf(micro, last + 1);
    assert.ok(at > last, `${micro} after the previous step in ${conversions}`);
    last = at;
  }
  // Times never go back.
  const times = entries.map((e) => e.t_s);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  // Add to cart: a click on the product page on its button's element, in a
  // grid cell, then the micro-conversion it fired, then the cart.
  const product = entries.findIndex((e) => e.kind === 'page' && e.page === '/product/:id');
  const cart = entries.findIndex((e) => e.kind === 'page' && e.page === '/cart');
  const between = entries.slice(product, cart);
  const click = between.findIndex((e) => e.kind === 'click' && e.element !== null);
  const added = between.findIndex((e) => e.kind === 'conversion' && e.micro === 'add_to_cart');
  assert.ok(click > 0 && added > click, JSON.stringify(between));
  assert.ok(between[click].row >= 0 && between[click].row < 32);
  assert.ok(between[click].column >= 0 && between[click].column < 16);
  // Each page was left by a click (the walk clicks links and buttons).
  assert.ok(entries.filter((e) => e.kind === 'click').length >= 9);
  // The shipping form's fields, focused by name; a field's value never.
  const focused = entries.filter((e) => e.kind === 'field_focus').map((e) => e.field);
  for (const field of ['email', 'password', 'name', 'street', 'city', 'zip', 'country']) {
    assert.ok(focused.includes(field), `${field} in ${focused}`);
  }
  // Every beacon of the sampled session carries the timeline so far, and
  // the last one all of it.
  for (const d of decoded) assert.ok(d.replay && d.replay.valid, `seq ${d.seq}`);
  const final = decoded.findLast((d) => d.page_views === 10);
  assert.deepEqual(final.replay.entries, entries);
  const wire = bytesOf(beacons, 'body');
  const summaries = bytesOf(beacons, 'summary');
  const lastBytes = beacons.at(-1).summary.length;
  t.diagnostic(
    `timeline ${replay.bytes} B, ${entries.length} entries; last summary ${lastBytes} B` +
      (unsampledBytes ? ` (unsampled ${unsampledBytes.last} B)` : '') +
      `; journey ${wire} B on the wire, ${summaries} B of summaries` +
      (unsampledBytes
        ? ` (unsampled ${unsampledBytes.wire} B, ${unsampledBytes.summaries} B)`
        : ''),
  );
});

// privacy.test.mjs's audit, in a sampled session: the timeline adds clicked
// elements and focused fields to what is sent, none of the page's content.
test('privacy audit, sampled: no request of the session holds text, values, URLs or secrets', async () => {
  const { page, context, requests, errors } = await openContext(browser);
  page.setDefaultTimeout(60000);
  const before = sampled.proxy.records.length;
  await page.goto(sampled.site.url + '/audit?q=SECRET_QUERY_e7e7&utm_source=newsletter');
  await trackerReady(page);
  await page.click('#copy');
  await page.mouse.wheel(0, 800);
  // The audit page's link goes to /signin?next=...: here it is /audit/signin.
  await page.evaluate(() => {
    document.querySelector('a.nav').href = '/audit/signin?next=SECRET_HREF_31c8';
  });
  await page.click('a.nav');
  await page.waitForURL((url) => url.pathname === '/audit/signin');
  await trackerReady(page);
  await page.fill('[name=email]', 'SECRET_EMAIL_1f2e@example.com');
  await page.fill('[name=password]', 'SECRET_PASSWORD_3c4d');
  await page.fill('[name=note]', 'SECRET_NOTE_9b8a');
  await page.fill('[name=promo]', 'SECRET_TYPED_4242');
  await page.click('#signin-submit');
  await page.waitForURL((url) => url.pathname === '/category/headphones');
  await trackerReady(page);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.ok(summary.replay && summary.replay.entries.length > 0, 'the session is sampled');
  const kinds = new Set(summary.replay.entries.map((e) => e.kind));
  for (const kind of ['page', 'click', 'scroll', 'field_focus', 'conversion']) {
    assert.ok(kinds.has(kind), `${kind} in ${[...kinds]}`);
  }
  assert.deepEqual(leaks(JSON.stringify(summary)), []);
  await page.goto('about:blank');
  await waitFor(
    () =>
      sampled.proxy.collects().filter((r) => sampled.proxy.records.indexOf(r) >= before).length >=
      3,
    'summaries from the three pages',
  );
  const atCollector = sampled.proxy.records.slice(before);
  for (const r of atCollector) {
    assert.deepEqual(
      leaks(r.url + r.summary.toString('latin1') + r.summary.toString('utf8')),
      [],
      `${r.method} ${r.url}`,
    );
    if (r.method === 'POST' && r.url.startsWith('/api/collect')) {
      const decoded = sampled.decode(r.summary);
      assert.ok(decoded.replay, `seq ${decoded.seq} carries the timeline`);
      assert.deepEqual(leaks(JSON.stringify(decoded)), []);
    }
  }
  for (const r of requests.filter((r) => !r.url.startsWith(sampled.site.url))) {
    const body = r.summary ? r.summary.toString('latin1') : '';
    assert.deepEqual(leaks(r.url + body), [], `${r.method} ${r.url}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
