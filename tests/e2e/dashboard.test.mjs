// The dashboard's basics: every control labelled and reachable by keyboard,
// pickers drive the report, and attacker-controlled labels and paths show as
// text (never as markup), with k-suppressed cells marked, not zeroed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { collectorBinary, startCollector } from './support/collector.mjs';
import { chartsDrawn } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { requireDist } from './support/paths.mjs';

let collector;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 200, 2);
});
after(async () => {
  await browser.close();
  await collector.stop();
});

async function ready(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  return page.evaluate(() => document.body.dataset.state);
}

test('every control has a label and the pickers work from the keyboard', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  // Traffic opened (a detail section): its referrer table is read below.
  await page.goto(collector.url + '/dashboard/?site=demo&open=traffic');
  assert.equal(await ready(page), 'ready');
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => !el.closest('[hidden]'))
      .filter((el) => {
        const named =
          (el.labels && [...el.labels].some((l) => l.textContent.trim())) ||
          (el.getAttribute('aria-label') || '').trim() ||
          (el.getAttribute('aria-labelledby') || '').trim() ||
          (el.tagName === 'BUTTON' && el.textContent.trim());
        return !named;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unlabelled, []);
  assert.ok(
    await page.evaluate(() => document.querySelector('main') && document.querySelector('h1')),
  );

  // Referrers over time: each top referrer's days add up to its range total.
  // A day's cell is blank where the referrer was hidden under k (data-value
  // "suppressed") or may be inside that day's "other" row (data-value
  // "other": the collector's per-day tables keep a day's top rows): then
  // the shown days add up to at most the total. (The simulated 2 days span
  // 3 calendar days late in the UTC day, the first with a few minutes of
  // traffic.)
  const report = await collector.report('demo');
  const referrers = report.segments.find((t) => t.dimension === 'referrer').rows;
  const perDay = await page.$$eval('#panel-traffic .traffic-trend table thead th', (cells) =>
    cells.map((c) => c.textContent),
  );
  assert.ok(perDay.length >= 2, 'a referrers-per-day table');
  for (let column = 1; column < perDay.length; column++) {
    const { shown, hidden, suppressed } = await page.$$eval(
      `#panel-traffic .traffic-trend table tbody tr td:nth-child(${column + 1})`,
      (cells) => ({
        shown: cells
          .filter((cell) => !['suppressed', 'other'].includes(cell.dataset.value))
          .reduce((sum, cell) => sum + Number(cell.dataset.value || 0), 0),
        hidden: cells.filter((cell) => ['suppressed', 'other'].includes(cell.dataset.value)).length,
        suppressed: cells.filter((cell) => cell.dataset.value === 'suppressed').length,
      }),
    );
    // At k = 1 nothing is hidden for privacy: a blank is only ever "other".
    if (report.k_anonymity <= 1) assert.equal(suppressed, 0, perDay[column]);
    const total = referrers.find((r) => r.value === perDay[column]).sessions;
    const label = `${perDay[column]}: ${shown} shown + ${hidden} blank day(s) vs ${total}`;
    assert.ok(Number.isInteger(shown), label);
    if (hidden === 0) assert.equal(shown, total, label);
    else assert.ok(shown <= total, label);
  }

  // Tab from the top reaches the funnel picker; the keyboard changes it.
  await page.keyboard.press('Tab');
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    reached = await page.evaluate(
      () => document.activeElement && document.activeElement.id === 'funnel',
    );
    if (!reached) await page.keyboard.press('Tab');
  }
  assert.ok(reached, 'Tab reaches #funnel');
  const focusVisible = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' || style.boxShadow !== 'none';
  });
  assert.ok(focusVisible, 'the focused control shows a focus ring');
  const before = await page.evaluate(() => document.querySelector('#funnel').value);
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((old) => document.querySelector('#funnel').value !== old, before);
  assert.equal(await ready(page), 'ready');
  const funnel = await page.evaluate(() => document.querySelector('#funnel').value);
  assert.notEqual(funnel, before);
  await page.waitForFunction(
    (id) => new URL(location.href).searchParams.get('funnel') === id,
    funnel,
  );
  assert.deepEqual(errors, []);
  await context.close();
});

// One hostile label per chart that shows labels in its tooltip; each sets
// window.__owned to its chart's name if it ever runs as markup.
const evilFor = (chart) => `<img src=x onerror="window.__owned='${chart}'">${chart}`;

// Hovers the drawn shapes of each chart (the ECharts SVG renderer's paths:
// filled bars and nodes at their centre, lines at their points) and returns
// the tooltip HTML each hover showed.
async function hoverChartShapes(page, selector) {
  const shapes = await page.$$eval(`${selector} svg path`, (paths) =>
    paths
      .flatMap((path) => {
        const box = path.getBoundingClientRect();
        const fill = path.getAttribute('fill') || '';
        const area = box.width * box.height;
        if (area <= 16) return [];
        if (fill && fill !== 'none' && fill !== 'transparent')
          return [{ x: box.x + box.width / 2, y: box.y + box.height / 2, area }];
        const length = path.getTotalLength(); // a line: a few points on it
        const matrix = path.getScreenCTM();
        return [0.2, 0.4, 0.6, 0.8].map((at) => {
          const p = path.getPointAtLength(length * at).matrixTransform(matrix);
          return { x: p.x, y: p.y, area };
        });
      })
      .sort((a, b) => b.area - a.area)
      .slice(0, 16),
  );
  const seen = [];
  for (const shape of shapes) {
    await page.mouse.move(shape.x, shape.y);
    await page.waitForTimeout(120);
    const html = await page.$eval(selector, (chart) => {
      const tip = chart.querySelector('.chart-tooltip');
      return tip && getComputedStyle(tip).display !== 'none' && tip.style.opacity !== '0'
        ? tip.innerHTML
        : '';
    });
    if (html) seen.push(html);
  }
  await page.mouse.move(0, 0);
  return { shapes: shapes.length, tooltips: seen };
}

test('attacker-controlled labels render as text; suppressed cells are marked', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  // With the per-day referrer tables, so the referrers-over-time chart draws.
  const real = await collector.report('demo', 'daily=referrer');
  assert.ok(real.daily && real.daily.length, 'the report has daily referrer tables');
  const evil = '<img src=x onerror="window.__owned=1">';
  const report = structuredClone(real);
  report.funnels[0].label = evil;
  for (const step of report.funnels[0].steps) step.label = evilFor('funnel');
  report.funnels[0].steps[2] = { label: 'Hidden step', optional: false, suppressed: true };
  for (const micro of report.micros) micro.label = evilFor('paths');
  for (const row of report.lift) row.label = evilFor('lift');
  const referrers = report.segments.find((t) => t.dimension === 'referrer');
  const topReferrer = referrers.rows.find((r) => !r.suppressed);
  for (const day of report.daily || []) {
    for (const row of day.rows)
      if (row.value === topReferrer.value) row.value = evilFor('referrers');
  }
  topReferrer.value = evilFor('referrers');
  for (const page of report.pages) page.page = '/p/' + evil;
  report.frustration = [
    { element: 'button#' + evil, sessions: 9, clicks: 40, rage_clicks: 9, dead_clicks: 3 },
  ];
  await page.route('**/api/report/**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) }),
  );
  // Every detail section drawn: each shows the hostile labels.
  await page.goto(
    collector.url +
      '/dashboard/?site=demo&open=traffic,segments,next-actions,paths,turning-points,exits,frustration,forms',
  );
  assert.equal(await ready(page), 'ready');
  await chartsDrawn(page);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__owned), undefined, 'no injected handler ran');
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(text.includes(evil), 'the label shows literally');
  const hidden = await page.evaluate(
    () =>
      document.querySelector('#funnel-table tr[data-step="2"] [data-col=reached]').dataset.value,
  );
  assert.equal(hidden, 'suppressed');
  // The charts are SVG: hover their shapes so each tooltip renders with its
  // hostile label, which must show as text and never become an element.
  for (const [chart, selector] of [
    ['funnel', '#panel-funnel .chart-funnel'],
    ['paths', '#panel-paths .chart-paths'],
    ['lift', '#panel-turning-points .chart-lift'],
    ['referrers', '#panel-traffic .chart-referrer-trend'],
  ]) {
    await page.$eval(selector, (node) => node.scrollIntoView({ block: 'center' }));
    const { shapes, tooltips } = await hoverChartShapes(page, selector);
    assert.ok(shapes > 0, `${chart}: the chart has shapes to hover`);
    const labelled = tooltips.filter((html) => html.includes('&lt;img src=x onerror='));
    assert.ok(
      labelled.length > 0,
      `${chart}: a tooltip showed the hostile label (${tooltips.length} tooltips)`,
    );
    for (const html of tooltips)
      assert.ok(!/<img/i.test(html), `${chart}: tooltip markup ${html.slice(0, 120)}`);
    assert.equal(
      await page.evaluate(() => window.__owned),
      undefined,
      `${chart}: tooltips escape labels`,
    );
  }
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('CSV and JSON exports download what is shown', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  await page.goto(collector.url + '/dashboard/?site=demo');
  assert.equal(await ready(page), 'ready');
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const exported = JSON.parse(readFileSync(await json.path(), 'utf8'));
  const report = await collector.report('demo');
  assert.deepEqual(exported.engagement, report.engagement);
  assert.deepEqual(
    exported.funnels.map((f) => f.id),
    ['purchase'],
    'the selected funnel only',
  );
  assert.deepEqual(exported.funnels[0].steps, report.funnels[0].steps);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const text = readFileSync(await csv.path(), 'utf8');
  assert.ok(text.split('\n').length > 10, 'the CSV has rows');
  const addToCart = report.funnels[0].steps.find((step) => step.label === 'Add to cart');
  assert.ok(
    text
      .split('\n')
      .some((line) => line.includes('Add to cart') && line.includes(String(addToCart.reached))),
    'the CSV has the funnel step with its count',
  );
  // One CSV dialect: the button's download is byte for byte what
  // `microconv report --format csv` writes for the same range.
  const [, from, to] = csv.suggestedFilename().match(/(\d{4}-\d\d-\d\d)-to-(\d{4}-\d\d-\d\d)/);
  const cli = execFileSync(collectorBinary(), [
    'report',
    `--store=${collector.store}`,
    `--sites=${collector.sites}`,
    '--site=demo',
    `--from=${from}`,
    `--to=${to}`,
    '--k=1',
    '--format=csv',
  ]).toString('utf8');
  assert.equal(text, cli);
  assert.deepEqual(errors, []);
  await context.close();
});
