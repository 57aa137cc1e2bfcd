// The funnel's step table and the Journeys section at 390, 1024 and 1440 px:
// the step table fits (stacked into a card per step on a phone) instead of
// scrolling sideways, and a journey count under k shows the k-anonymity badge
// every panel shows, never a word of its own. Screenshots of both sections go
// to build/e2e-screenshots/ to be looked at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { openSection } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

let collector;
let browser;
before(async () => {
  requireDist();
  // k = 5 as the demo config sets it (the test collector turns it off).
  collector = await startCollector({}, { args: ['--k', '5'] });
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 200, 2);
  // Fewer journeys than k (5): their counts are withheld.
  await simulateVisitors(collector.url, 3, 1, ['--config', join(collector.sites, 'journey.json')]);
});
after(async () => {
  await browser.close();
  await collector.stop();
});

async function open(width, site) {
  const opened = await openContext(browser, { login: collector, viewport: { width, height: 900 } });
  opened.page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
  await opened.page.goto(`${collector.url}/dashboard/?site=${site}`);
  await opened.page.waitForFunction(() => document.body.dataset.state === 'ready');
  return opened;
}

test('the funnel step table fits at 390, 1024 and 1440 px', async () => {
  const shots = join(repoRoot, 'build/e2e-screenshots');
  mkdirSync(shots, { recursive: true });
  for (const width of [390, 1024, 1440]) {
    const { page, context, errors } = await open(width, 'demo');
    const table = page.locator('#panel-funnel #funnel-table');
    await table.waitFor();
    await page
      .locator('#panel-funnel')
      .screenshot({ path: join(shots, `funnel-steps-${width}.png`) });
    const [scroll, client] = await table.evaluate((t) => [
      t.parentElement.scrollWidth,
      t.parentElement.clientWidth,
    ]);
    assert.ok(scroll <= client, `${width}: the step table is ${scroll} px wide in ${client}`);
    // Every step's figures are still there, each with its column's name.
    const cells = await table.evaluate((t) =>
      [...t.querySelectorAll('tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => [td.dataset.label, td.textContent]),
      ),
    );
    assert.ok(cells.length >= 2);
    for (const row of cells) {
      assert.ok(row.some(([label]) => label === 'Reached'));
      assert.ok(row.every(([label, text]) => label && text));
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('the Journeys section marks a count under k with the badge, at 390, 1024 and 1440 px', async () => {
  const shots = join(repoRoot, 'build/e2e-screenshots');
  mkdirSync(shots, { recursive: true });
  const report = await collector.report('journey');
  assert.ok(report.journeys.started.suppressed, 'fewer than k journeys started');
  for (const width of [390, 1024, 1440]) {
    const { page, context, errors } = await open(width, 'journey');
    await openSection(page, 'journeys');
    await page.$$eval('#panel-journeys details', (all) => {
      for (const details of all) details.open = true;
    });
    await page
      .locator('#panel-journeys')
      .screenshot({ path: join(shots, `journeys-${width}.png`) });
    const stats = await page.$$eval('#panel-journeys .stat', (nodes) =>
      nodes.map((n) => [
        n.querySelector('.stat-label').textContent,
        n.querySelector('.stat-value').textContent,
        !!n.querySelector('.stat-value .suppressed'),
      ]),
    );
    const started = stats.find(([label]) => label === 'Journeys started');
    assert.deepEqual(started, ['Journeys started', '< 5', true]);
    assert.ok(!stats.some(([, text]) => text === 'hidden'));
    const [scroll, client] = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.ok(scroll <= client, `${width}: page ${scroll} px wide in ${client}`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});
