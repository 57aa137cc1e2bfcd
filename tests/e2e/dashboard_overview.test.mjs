// The dashboard reads at a glance (issue 14 point 6): the overview (KPIs,
// revenue, the funnel, the top drop-off and the top frustration element)
// equals the collector's report; detail sections are drawn only once opened;
// segments are one table with a dimension picker whose numbers equal the
// report's; at 390 px the funnel is a list of bars and the page never
// scrolls sideways. Screenshots at 390, 1024 and 1440 px go to
// build/e2e-screenshots/dashboard-overview-*.png to be looked at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { chartsDrawn, openSection } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

let collector;
let browser;
let report;
before(async () => {
  requireDist();
  collector = await startCollector();
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 300, 2);
  report = await collector.report('demo'); // the dashboard's default range
});
after(async () => {
  await browser.close();
  await collector.stop();
});

async function open(width, query = '') {
  const opened = await openContext(browser, {
    login: collector,
    viewport: { width, height: 900 },
  });
  opened.page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
  await opened.page.goto(`${collector.url}/dashboard/?site=demo${query}`);
  await opened.page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  assert.equal(await opened.page.evaluate(() => document.body.dataset.state), 'ready');
  return opened;
}

const kDetails = [
  'traffic',
  'live',
  'segments',
  'funnel-breakdown',
  'next-actions',
  'time-to-convert',
  'journeys',
  'paths',
  'turning-points',
  'exits',
  'frustration',
  'forms',
  'heatmap',
];

test('the overview equals the report, and no detail section is drawn before it is opened', async () => {
  const { page, context, errors } = await open(1440);
  const kpi = (name) => page.$eval(`[data-kpi="${name}"]`, (node) => node.dataset.value);
  const e = report.engagement;
  assert.ok(e.sessions > 0, 'the seeded data has sessions');
  assert.equal(Number(await kpi('sessions')), e.sessions);
  assert.equal(Number(await kpi('converters')), e.converters);
  assert.equal(Number(await kpi('conversion_rate')), e.conversion_rate);
  assert.equal(Number(await kpi('page_views')), e.page_views);
  assert.equal(Number(await kpi('bounce_rate')), e.bounce_rate);
  assert.equal(Number(await kpi('rage_clicks')), e.rage_clicks);
  assert.ok(report.revenue.revenue_cents > 0, 'the simulated store sells');
  assert.equal(Number(await kpi('revenue')), report.revenue.revenue_cents);

  const funnel = report.funnels[0];
  const rows = await page.$$eval('#funnel-table tbody tr', (trs) =>
    trs.map((tr) => ({
      reached: Number(tr.querySelector('[data-col=reached]').dataset.value),
      drop: Number(tr.querySelector('[data-col=drop_off]').dataset.value),
    })),
  );
  assert.deepEqual(
    rows,
    funnel.steps.map((s) => ({ reached: s.reached, drop: s.drop_off })),
  );

  // The top drop-off: the step losing most sessions, with where they went.
  const drops = funnel.steps.map((s) => s.drop_off || 0);
  const topStep = drops.indexOf(Math.max(...drops));
  assert.ok(drops[topStep] > 0);
  const drop = await page.$eval('[data-highlight="drop-off"]', (node) => ({
    step: Number(node.dataset.step),
    value: Number(node.dataset.value),
    filter: node.dataset.filter,
    went: [...node.parentElement.querySelectorAll('[data-action]')].map((li) => li.dataset.action),
  }));
  assert.deepEqual(drop, {
    step: topStep,
    value: drops[topStep],
    filter: `step:${funnel.id}.${topStep + 1}`,
    went: (funnel.steps[topStep].next_actions || []).slice(0, 3).map((a) => a.action),
  });
  // The top frustration element: most rage and dead clicks together.
  const score = (r) => (r.rage_clicks || 0) + (r.dead_clicks || 0);
  const best = Math.max(...report.frustration.map(score));
  assert.ok(best > 0, 'the simulated visitors are frustrated somewhere');
  const element = await page.$eval('[data-highlight="frustration"]', (node) => ({
    element: node.dataset.element,
    value: Number(node.dataset.value),
  }));
  assert.equal(element.value, best);
  assert.equal(score(report.frustration.find((r) => r.element === element.element)), best);

  // Details are closed and empty: the first paint laid out none of them.
  for (const name of kDetails) {
    assert.equal(await page.$eval(`#panel-${name}`, (d) => d.open), false, name);
  }
  const drawnBodies = await page.$$eval('details[data-section] .panel-body', (bodies) =>
    bodies
      .filter((b) => b.id !== 'live-body' && b.id !== 'heatmap-body' && b.childElementCount)
      .map((b) => b.id),
  );
  assert.deepEqual(drawnBodies, []);
  assert.equal(await page.$$eval('details[data-section] [_echarts_instance_]', (n) => n.length), 0);

  // Opened: drawn, and the URL keeps it open for a reload or a shared link.
  await openSection(page, 'paths');
  await chartsDrawn(page);
  assert.ok(await page.$('#panel-paths .chart-paths svg'), 'the paths chart is drawn');
  assert.match(page.url(), /[?&]open=paths(&|$)/);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await chartsDrawn(page);
  assert.equal(await page.$eval('#panel-paths', (d) => d.open), true);
  assert.ok(await page.$('#panel-paths .chart-paths svg'), 'drawn again after the reload');
  assert.deepEqual(errors, []);
  await context.close();
});

test('segments: one table, the picker switches dimension, the numbers are the report', async () => {
  const { page, context, errors } = await open(1440, '&open=segments');
  const dimensions = report.segments.map((t) => t.dimension).filter((d) => d !== 'none');
  assert.ok(dimensions.length >= 5, `the report holds ${dimensions}`);
  assert.deepEqual(
    await page.$$eval('#segment-dimension option', (options) => options.map((o) => o.value)),
    dimensions,
  );
  assert.equal(await page.$$eval('#panel-segments table', (tables) => tables.length), 1);
  for (const dimension of ['device', 'country', 'browser', 'referrer', dimensions[0]]) {
    await page.selectOption('#segment-dimension', dimension);
    await page.waitForFunction(
      (d) => document.querySelector('#segment-table tbody tr')?.dataset.dimension === d,
      dimension,
    );
    const table = report.segments.find((t) => t.dimension === dimension);
    const want = [
      ...table.rows,
      ...(table.other.suppressed || table.other.sessions ? [table.other] : []),
    ].map((r) => ({
      sessions: r.suppressed ? 'suppressed' : String(r.sessions),
      rate: r.suppressed ? 'suppressed' : String(r.conversion_rate),
    }));
    const shown = await page.$$eval('#segment-table tbody tr', (trs) =>
      trs.map((tr) => ({
        sessions: tr.querySelector('[data-col=sessions]').dataset.value,
        rate: tr.querySelector('[data-col=conversion_rate]').dataset.value,
      })),
    );
    assert.deepEqual(shown, want, dimension);
    const filters = await page.$$eval('#segment-table tr.filterable', (trs) =>
      trs.map((tr) => tr.dataset.filter),
    );
    assert.deepEqual(
      filters,
      table.rows.map((r) => `${dimension}:${r.value}`),
      `${dimension}: each value row filters by it`,
    );
    assert.match(page.url(), new RegExp(`[?&]breakdown=${dimension}(&|$)`));
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('readable at 390, 1024 and 1440 px: screenshots, no sideways scroll at 390', async () => {
  const shots = join(repoRoot, 'build/e2e-screenshots');
  mkdirSync(shots, { recursive: true });
  for (const width of [390, 1024, 1440]) {
    const { page, context, errors } = await open(width);
    await chartsDrawn(page);
    await page.screenshot({ path: join(shots, `dashboard-overview-${width}.png`), fullPage: true });
    const funnel = report.funnels[0];
    if (width === 390) {
      // The funnel as a list: one row per step, none overlapping the next.
      const rows = await page.$$eval('#panel-funnel .funnel-bar-row', (items) =>
        items.map((li) => {
          const r = li.getBoundingClientRect();
          const drop = li.querySelector('[data-drop-off]');
          return { top: r.top, bottom: r.bottom, drop: drop ? Number(drop.dataset.dropOff) : 0 };
        }),
      );
      assert.equal(rows.length, funnel.steps.length);
      assert.deepEqual(
        rows.map((r) => r.drop),
        funnel.steps.map((s) => s.drop_off || 0),
      );
      for (let i = 1; i < rows.length; i++)
        assert.ok(rows[i].top >= rows[i - 1].bottom, `row ${i}`);
      // Every section open: still no sideways scroll of the page.
      for (const name of kDetails) await openSection(page, name);
      // No value a panel failed to format reaches the owner: a null, NaN
      // or undefined shows as a word (Node.append(null) writes "null").
      const words = await page.evaluate(() => {
        const found = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (/\b(null|undefined|NaN)\b/.test(node.textContent))
            found.push(node.parentElement.outerHTML.slice(0, 160));
        }
        return found;
      });
      assert.deepEqual(words, []);
      await page.screenshot({
        path: join(shots, 'dashboard-details-390.png'),
        fullPage: true,
      });
    } else {
      assert.ok(await page.$('#panel-funnel .chart-funnel svg'), `${width}: the funnel chart`);
      // Turned to a phone's width: the chart becomes the list of bars.
      await page.setViewportSize({ width: 390, height: 900 });
      await page.waitForSelector('#panel-funnel .funnel-bars');
      assert.equal(await page.$('#panel-funnel .chart-funnel'), null);
      await page.setViewportSize({ width, height: 900 });
      await page.waitForSelector('#panel-funnel .chart-funnel');
    }
    const overflow = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.ok(
      overflow[0] <= overflow[1],
      `${width}: page ${overflow[0]} px wide in ${overflow[1]}`,
    );
    assert.deepEqual(errors, []);
    await context.close();
  }
});
