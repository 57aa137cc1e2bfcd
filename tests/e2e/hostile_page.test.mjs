// Pages that break the built-ins the tracker uses: no error may reach the
// page, the page's own script keeps working, and the tracker either keeps
// tracking or says once in the console why it stopped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';

let harness;
before(async () => {
  harness = await startHarness({
    '/broken-then': 'hostile/broken_then.html',
    '/broken-idle': 'hostile/broken_idle.html',
    '/broken-listener': 'hostile/broken_listener.html',
    '/frozen-builtins': 'hostile/frozen_builtins.html',
    '/frozen-datalayer': 'hostile/frozen_datalayer.html',
    '/own_script.js': { file: 'hostile/own_script.js', type: 'text/javascript' },
    // A sandboxed document (an opaque origin): no storage, no Web Locks.
    '/sandboxed': { file: 'spa.html', csp: 'sandbox allow-scripts' },
  });
});
after(() => harness.close());

const ours = (warnings) => warnings.filter((w) => w.startsWith('microconv:'));

// Opens the fixture, clicks the page's own button and checks its script ran.
async function visit(path) {
  const opened = await openContext(harness.browser);
  await opened.page.goto(harness.site.url + path);
  await opened.page.waitForLoadState('load');
  await opened.page.click('#b');
  assert.equal(await opened.page.textContent('#out'), 'clicked', "the page's own script works");
  return opened;
}

// Tracking stopped: one console line says why, nothing is sent, no page error.
async function assertStoppedOnce(path, why) {
  const { page, context, errors, warnings } = await visit(path);
  await waitFor(() => ours(warnings).length > 0, 'the tracker to say why it stopped');
  await page.waitForTimeout(500); // nothing more follows
  assert.equal(ours(warnings).length, 1, `one message, got ${JSON.stringify(ours(warnings))}`);
  assert.match(ours(warnings)[0], why);
  assert.equal(await page.evaluate(() => window.microconv('inspect')), null);
  assert.deepEqual(errors, []);
  await context.close();
}

test('a throwing Promise.prototype.then: no page error, one message', () =>
  assertStoppedOnce('/broken-then', /then is broken/));

test('a throwing addEventListener: no page error, one message', () =>
  assertStoppedOnce('/broken-listener', /off: .*addEventListener is broken/));

test('a throwing requestIdleCallback: the chunk loads anyway', async () => {
  const { page, context, errors, warnings } = await visit('/broken-idle');
  const summary = await trackerReady(page);
  assert.equal(summary.page_views, 1);
  assert.deepEqual(ours(warnings), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('frozen intrinsics (SES-style lockdown): SPA routes and dataLayer still tracked', async () => {
  const { page, context, errors, warnings } = await visit('/frozen-builtins');
  await trackerReady(page);
  await page.click('#b'); // pushState + dataLayer purchase, after the tracker took over
  await waitFor(async () => {
    const summary = await page.evaluate(() => window.microconv('inspect'));
    return summary.page_views === 2 && summary.path.some((s) => s.micro === 'purchase');
  }, 'the pushState page view and the dataLayer purchase');
  assert.deepEqual(ours(warnings), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a frozen dataLayer: one message, everything else still tracked', async () => {
  const { page, context, errors, warnings } = await visit('/frozen-datalayer');
  const summary = await trackerReady(page);
  assert.equal(summary.page_views, 1);
  assert.equal(ours(warnings).length, 1, JSON.stringify(ours(warnings)));
  assert.match(ours(warnings)[0], /cannot watch push/);
  assert.deepEqual(errors, []);
  await context.close();
});

// A sandboxed document may not use storage or take Web Locks (a rejected
// request, not a throw): it says why once, keeps the visit in memory, runs
// its turns unlocked, and still tracks and sends.
test('a sandboxed document: tracked in memory, turns unlocked, no internal error', async () => {
  const { page, context, errors, warnings } = await openContext(harness.browser);
  const collectsBefore = harness.proxy.collects().length;
  await page.goto(harness.site.url + '/sandboxed');
  const summary = await trackerReady(page);
  assert.equal(summary.page_views, 1);
  assert.deepEqual(
    ours(warnings).filter((w) => !/storage unavailable/.test(w)),
    [],
    JSON.stringify(ours(warnings)),
  );
  assert.equal(await page.evaluate(() => window.microconv('flush').then((r) => r.sent)), true);
  await waitFor(() => harness.proxy.collects().length > collectsBefore, 'the flush');
  assert.deepEqual(errors, []);
  await context.close();
});
