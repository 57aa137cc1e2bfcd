// History survives config edits (issue 9 point 6), in the dashboard: the
// demo store served first with a purchase funnel lacking its "Shipping"
// step, then the owner deploys the full funnel. The report keeps every
// session, carries the edit on its timeline, and the dashboard marks it on
// the funnel ("Steps changed on DAY: added 'Shipping'") and on the daily
// charts, with the funnel's older days drawn as "not tracked" gaps.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { chartsDrawn } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

const demo = JSON.parse(readFileSync(join(repoRoot, 'demo-site/sites/demo.json'), 'utf8'));
const withoutShipping = structuredClone(demo);
withoutShipping.funnels[0].steps = withoutShipping.funnels[0].steps.filter(
  (step) => step.label !== 'Shipping',
);
const today = new Date().toISOString().slice(0, 10);
const from = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);

let collector;
let browser;
let dir;
before(async () => {
  requireDist();
  dir = mkdtempSync(join(tmpdir(), 'microconv-history-'));
  const oldConfig = join(dir, 'old.json');
  writeFileSync(oldConfig, JSON.stringify(withoutShipping));
  collector = await startCollector({ demo: withoutShipping });
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 120, 4, ['--config', oldConfig]);
  collector.deploy('demo', demo);
  // The deploy is done when the collector serves the new funnel.
  for (let i = 0; i < 100; i++) {
    const report = await collector.report('demo', `from=${from}&to=${today}`);
    if (report.history.changes.length) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await simulateVisitors(collector.url, 60, 1, ['--seed', '2']);
});
after(async () => {
  await browser?.close();
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the report keeps every session and carries the funnel edit', async () => {
  const report = await collector.report('demo', `from=${from}&to=${today}`);
  assert.equal(report.engagement.sessions, 180, 'sessions of both config versions');
  assert.deepEqual(report.history.changes, [
    {
      date: today,
      item: 'funnel',
      id: 'purchase',
      change: 'steps_changed',
      what: "added 'Shipping'",
    },
  ]);
  // The new steps count from the deploy (or from the day before, where a
  // simulated session started then with the new config); every day before
  // is "not tracked" (null), never 0.
  const purchase = report.history.funnels.find((f) => f.id === 'purchase');
  const { dates } = report.history;
  assert.equal(purchase.entered.length, dates.length);
  assert.ok(purchase.since >= dates.at(-2) && purchase.since <= today, purchase.since);
  for (const [i, date] of dates.entries()) {
    assert.equal(
      purchase.entered[i] === null,
      date < purchase.since,
      `${date}: ${purchase.entered[i]}`,
    );
  }
  assert.equal(
    purchase.entered.reduce((sum, n) => sum + (n || 0), 0),
    report.funnels.find((f) => f.id === 'purchase').entered,
    'the per-day figures add up to the total',
  );
  const newsletter = report.history.funnels.find((f) => f.id === 'newsletter');
  assert.equal(newsletter.since, null, 'an unchanged funnel counts on every day');
  assert.ok(newsletter.entered.every((value) => value !== null));
});

test('the dashboard marks the edit on the funnel and the daily charts', async () => {
  const context = await browser.newContext();
  await collector.login(context);
  const page = await context.newPage();
  page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
  await page.goto(
    `${collector.url}/dashboard/?site=demo&from=${from}&to=${today}&funnel=purchase&open=traffic`,
    {
      waitUntil: 'domcontentloaded',
    },
  );
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await chartsDrawn(page);

  const funnelNotes = await page.$$eval('#funnel-history [data-note]', (notes) =>
    notes.map((n) => ({ note: n.dataset.note, text: n.textContent })),
  );
  assert.deepEqual(
    funnelNotes.find((n) => n.note === 'config-change')?.text,
    `Steps changed on ${today}: added 'Shipping'.`,
  );
  assert.match(
    funnelNotes.find((n) => n.note === 'not-tracked')?.text || '',
    /^Not tracked before .*not 0\)\.$/,
  );
  // The mark drawn on the funnel's daily chart, as SVG text.
  const funnelMarks = await page.$$eval('#panel-funnel .chart-funnel-trend svg text', (texts) =>
    texts.map((t) => t.textContent),
  );
  assert.ok(
    funnelMarks.includes('steps changed'),
    `funnel chart texts: ${funnelMarks.join(' | ')}`,
  );
  // The traffic chart marks it too.
  const trafficMarks = await page.$$eval('.chart-traffic svg text', (texts) =>
    texts.map((t) => t.textContent),
  );
  assert.ok(trafficMarks.includes('purchase: steps changed'), trafficMarks.join(' | '));
  await context.close();
});
