// A busy collector answers a report with 503 and Retry-After (its limit on
// concurrent filtered scans, `--max-scans`): the dashboard asks again after
// the wait it names and shows the report, not an error. The first answer is
// replaced with the collector's own 503 body; every other request reaches the
// real collector.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { requireDist } from './support/paths.mjs';

let collector;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 20, 1);
});
after(async () => {
  await browser.close();
  await collector.stop();
});

test('a report refused with 503 too_many_scans is asked again after Retry-After', async () => {
  const { page, context, errors } = await openContext(browser, { login: collector });
  page.setDefaultTimeout(60000);
  const asked = [];
  let refused = false;
  await page.route('**/api/report/**', async (route) => {
    asked.push(Date.now());
    if (refused) return route.continue();
    refused = true;
    await route.fulfill({
      status: 503,
      headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        error: 'too_many_scans',
        message: 'too many reports scan sessions now',
      }),
    });
  });
  await page.goto(`${collector.url}/dashboard/?site=demo`);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  assert.ok(asked.length >= 2, `${asked.length} report requests`);
  assert.ok(asked[1] - asked[0] >= 900, `asked again after ${asked[1] - asked[0]} ms, not 1 s`);
  assert.deepEqual(errors, []);
  await context.close();
});
