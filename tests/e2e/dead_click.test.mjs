// Dead clicks (nothing follows within a second) are not a slow network: a
// followed link whose next page takes longer than a second was counted dead,
// and its element path then rode in every later beacon of the session (the
// demo journey's wire grew by ~45 B per beacon from that page on). A click
// nothing answers is still dead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness } from './support/harness.mjs';
import { shopRoutes } from './support/shop.mjs';

let harness;
before(async () => {
  harness = await startHarness(shopRoutes);
});
after(() => harness.close());

test('a link whose next page is slow is not a dead click; a click nothing answers is', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  // Nothing reacts to the heading: dead after a second.
  await page.click('h1');
  await page.waitForTimeout(1500);
  const before = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(before.dead_clicks, 1);
  // The next page answers after two seconds: the old page sees no reaction
  // for that long, yet the visitor was not left without one.
  await page.route('**/department/**', (route) => setTimeout(() => route.continue(), 2000));
  await page.click('a[href="/department/electronics"]');
  await page.waitForURL((url) => url.pathname === '/department/electronics', { timeout: 15000 });
  await trackerReady(page);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.page_views, 2);
  assert.equal(summary.dead_clicks, 1, JSON.stringify(summary.elements));
  assert.deepEqual(
    summary.elements.map((e) => [e.element, e.dead_clicks]),
    [['main>h1', 1]],
  );
  assert.deepEqual(errors, []);
  await context.close();
});

// The watcher (one observer, one timer) outlives a cancel: a click that
// something answered is not dead, the clicks right after it, which nothing
// answers, still are, and a DOM change the page made just before a click (in
// the same task, while the observer watches) does not answer it.
test('a cancel keeps watching the next clicks; a change before a click does not answer it', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/');
  await trackerReady(page);
  // Answered: the page changes right after the click.
  await page.evaluate(() => {
    const h1 = document.querySelector('h1');
    h1.addEventListener('click', () => h1.setAttribute('data-seen', '1'), { once: true });
  });
  await page.click('h1');
  await page.waitForTimeout(200);
  // Within the first click's second: nothing answers these two.
  await page.click('h1');
  await page.waitForTimeout(200);
  await page.evaluate(() => {
    const h1 = document.querySelector('h1');
    h1.setAttribute('data-before', '1');
    h1.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
  await page.waitForTimeout(1800);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  assert.equal(summary.dead_clicks, 2, JSON.stringify(summary.elements));
  assert.deepEqual(errors, []);
  await context.close();
});

// Controls answer a click themselves: a checkbox or radio checks, a field
// takes the caret (its focus came with the press, before the click), a
// range moves, a button that starts a sound plays it, and a web component
// changes its own shadow DOM. None of these is dead; a button that does
// nothing still is.
test('clicks that controls, media and shadow DOM answer are not dead', async () => {
  const controls = await startHarness({ '/controls': 'controls.html' });
  try {
    const { page, context, errors } = await openContext(controls.browser);
    await page.goto(controls.site.url + '/controls');
    await trackerReady(page);
    await page.click('#cb');
    await page.click('#cb');
    await page.click('#cbl');
    await page.click('#text');
    await page.click('#text', { position: { x: 2, y: 2 } });
    await page.click('#range', { position: { x: 220, y: 5 } });
    await page.click('#radio');
    await page.click('#play');
    await page.click('#widget >> #inner');
    await page.waitForTimeout(1500);
    const answered = await page.evaluate(() => window.microconv('inspect'));
    assert.equal(answered.dead_clicks, 0, JSON.stringify(answered.elements));
    await page.click('#noop');
    await page.waitForTimeout(1500);
    const summary = await page.evaluate(() => window.microconv('inspect'));
    assert.equal(summary.dead_clicks, 1, JSON.stringify(summary.elements));
    assert.deepEqual(
      summary.elements.filter((e) => e.dead_clicks).map((e) => e.element),
      ['button#noop'],
    );
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await controls.close();
  }
});
