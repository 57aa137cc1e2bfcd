// Issue 14 in the real dashboard: a filter added by clicking a row, a
// comparison with the previous period and a funnel breakdown, each checked
// against the collector's JSON for the same query; filters survive a
// reload; new summaries move a KPI without a reload (the live stream's
// stored count). Screenshots at 390, 1024 and 1440 px with a filter and a
// comparison active land in build/e2e-screenshots (MICROCONV_SCREENSHOTS
// overrides); the test prints their paths.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { chartsDrawn, openSection } from './support/dashboard.mjs';
import { startCollector } from './support/collector.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

const screenshots = process.env.MICROCONV_SCREENSHOTS || join(repoRoot, 'build/e2e-screenshots');

let collector;
let browser;
before(async () => {
  requireDist();
  mkdirSync(screenshots, { recursive: true });
  collector = await startCollector();
  browser = await launchBrowser();
  // Two days of visitors: today and yesterday, so "previous period" of
  // today has numbers.
  await simulateVisitors(collector.url, 240, 2);
});
after(async () => {
  await browser.close();
  await collector.stop();
});

async function open(page, query) {
  page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
  await page.goto(`${collector.url}/dashboard/?site=demo${query}`, {
    waitUntil: 'domcontentloaded',
  });
  await ready(page);
}

async function ready(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await chartsDrawn(page);
}

// The report query the dashboard's URL stands for.
async function urlQuery(page) {
  return page.evaluate(() => {
    const params = new URLSearchParams(location.search);
    const out = new URLSearchParams();
    for (const key of ['from', 'to', 'filter', 'compare', 'funnel_breakdown']) {
      if (params.get(key)) out.set(key, params.get(key));
    }
    return out.toString();
  });
}

const kpi = (page, name) =>
  page.$eval(`#kpis-body [data-kpi="${name}"]`, (node) => node.dataset.value);

// Clicks a row and waits for the re-queried report.
async function clickAndReload(page, selector) {
  const before = await page.evaluate(() => location.search);
  await page.click(selector);
  await page.waitForFunction((search) => location.search !== search, before);
  await ready(page);
}

test('clicking a segment row filters every panel, and the URL keeps the filter', async () => {
  const { context, page, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await open(page, '');
    const unfiltered = Number(await kpi(page, 'sessions'));
    // Segments: a detail section, one table; the picker shows devices.
    await openSection(page, 'segments');
    await page.selectOption('#segment-dimension', 'device');
    const row = '#panel-segments tr.filterable[data-filter^="device:"]';
    const term = await page.$eval(row, (tr) => tr.dataset.filter);
    await clickAndReload(page, row);
    assert.equal(new URL(page.url()).searchParams.get('filter'), term);
    const chips = await page.$$eval('#filter-bar .filter-chip', (nodes) =>
      nodes.map((n) => n.dataset.term),
    );
    assert.deepEqual(chips, [term]);
    const api = await collector.report('demo', await urlQuery(page));
    assert.equal(api.filter.text, term);
    assert.ok(api.filter.matched_sessions > 0);
    assert.ok(api.engagement.sessions < unfiltered, 'the filter narrowed the report');
    // Every panel shows the filtered report: KPIs, funnel and pages.
    assert.equal(Number(await kpi(page, 'sessions')), api.engagement.sessions);
    assert.equal(Number(await kpi(page, 'converters')), api.engagement.converters);
    const reached = await page.$$eval('#funnel-table tbody td[data-col="reached"]', (cells) =>
      cells.map((c) => c.dataset.value),
    );
    const funnel = api.funnels[0];
    assert.deepEqual(
      reached,
      funnel.steps.map((s) => (s.suppressed ? 'suppressed' : String(s.reached))),
    );
    // A funnel step adds a second term; the report has both.
    await clickAndReload(page, '#funnel-table tbody tr.filterable[data-step="0"]');
    const both = await collector.report('demo', await urlQuery(page));
    assert.equal(both.filter.text, `${term},step:${funnel.id}.1`);
    assert.equal(Number(await kpi(page, 'sessions')), both.engagement.sessions);
    // Reload: the filters come back from the URL.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await ready(page);
    assert.equal(await page.$$eval('#filter-bar .filter-chip', (n) => n.length), 2);
    assert.equal(Number(await kpi(page, 'sessions')), both.engagement.sessions);
    // Removing the chips gives back the unfiltered report.
    await clickAndReload(page, '#filter-bar .filter-clear');
    assert.equal(new URL(page.url()).searchParams.get('filter'), null);
    assert.equal(Number(await kpi(page, 'sessions')), unfiltered);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// The other row clicks (an exit page, a next action) and a negated term
// typed into the URL: each narrows every panel to what the API reports.
test('an exit page, a next action and a negated segment each filter as the API says', async () => {
  const { context, page, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await open(page, '');
    const unfiltered = Number(await kpi(page, 'sessions'));
    const checkKpis = async (expectedText) => {
      const api = await collector.report('demo', await urlQuery(page));
      assert.equal(api.filter.text, expectedText);
      assert.ok(api.filter.matched_sessions > 0, expectedText);
      assert.ok(api.engagement.sessions < unfiltered, `${expectedText} narrowed the report`);
      assert.equal(Number(await kpi(page, 'sessions')), api.engagement.sessions);
      assert.equal(Number(await kpi(page, 'converters')), api.engagement.converters);
      return api;
    };
    for (const [section, row] of [
      ['exits', '#panel-exits tr.filterable[data-filter^="page:"]'],
      ['next-actions', '#panel-next-actions li.filterable[data-filter^="micro:"]'],
    ]) {
      await openSection(page, section);
      const term = await page.$eval(row, (node) => node.dataset.filter);
      await clickAndReload(page, row);
      assert.equal(new URL(page.url()).searchParams.get('filter'), term);
      await checkKpis(term);
      // One chip: its own remove button (Clear all comes with two).
      await clickAndReload(page, '#filter-bar .filter-remove');
      assert.equal(Number(await kpi(page, 'sessions')), unfiltered);
    }
    // Negation: the sessions without mobile plus the mobile ones are all.
    await open(page, `&filter=${encodeURIComponent('!device:mobile')}`);
    const without = await checkKpis('!device:mobile');
    const mobile = await collector.report(
      'demo',
      `${await urlQuery(page)}`.replace(/filter=[^&]*/, 'filter=device%3Amobile'),
    );
    assert.equal(without.engagement.sessions + mobile.engagement.sessions, unfiltered);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a comparison with the previous period shows the API deltas, and screenshots', async () => {
  const { context, page, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  try {
    const today = new Date().toISOString().slice(0, 10);
    await open(page, `&from=${today}&to=${today}&open=traffic,segments&breakdown=device`);
    await page.selectOption('#compare', 'previous');
    await page.waitForFunction(() => location.search.includes('compare=previous'));
    await ready(page);
    const api = await collector.report('demo', await urlQuery(page));
    assert.ok(api.comparison, 'the API carries the comparison');
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
    assert.equal(api.comparison.from, yesterday);
    const sessions = api.comparison.kpis.find((f) => f.name === 'sessions');
    assert.ok(sessions.previous > 0, 'yesterday had sessions');
    const shown = await page.$eval('#kpis-body [data-delta="sessions"]', (n) => ({
      change: Number(n.dataset.change),
      significant: n.dataset.significant === 'true',
    }));
    assert.deepEqual(shown, { change: sessions.change, significant: sessions.significant });
    const rate = api.comparison.kpis.find((f) => f.name === 'conversion_rate');
    const shownRate = await page.$eval('#kpis-body [data-delta="conversion_rate"]', (n) =>
      Number(n.dataset.change),
    );
    assert.equal(shownRate, rate.change);
    // The funnel's compared step shares, and the previous period dashed on
    // the traffic chart.
    const compared = api.comparison.funnels[0];
    const stepDeltas = await page.$$eval(
      '#funnel-table tbody td[data-col="compare_from_start"] [data-delta]',
      (nodes) => nodes.map((n) => Number(n.dataset.change)),
    );
    assert.deepEqual(
      stepDeltas,
      compared.steps.filter((s) => !s.from_start.suppressed).map((s) => s.from_start.change),
    );
    const legend = await page.$eval('#traffic-body .chart-traffic', (n) => n.textContent);
    assert.ok(legend.includes(`Sessions ${yesterday}`), legend);

    // Screenshots with a filter and the comparison active.
    await clickAndReload(page, '#panel-segments tr.filterable[data-filter^="device:"]');
    const filtered = await collector.report('demo', await urlQuery(page));
    assert.ok(filtered.filter && filtered.comparison);
    assert.equal(Number(await kpi(page, 'sessions')), filtered.engagement.sessions);
    for (const width of [390, 1024, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(400); // charts resize on a debounce
      const path = join(screenshots, `analysis-filter-compare-${width}.png`);
      await page.screenshot({ path, fullPage: false, timeout: 120000 });
      console.log(`screenshot: ${path}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the funnel breakdown table shows the API conversion per value', async () => {
  const { context, page, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await open(page, '&open=funnel-breakdown');
    await page.selectOption('#funnel-breakdown-dimension', 'device');
    await page.waitForFunction(() => location.search.includes('funnel_breakdown=device'));
    await ready(page);
    const api = await collector.report('demo', await urlQuery(page));
    const breakdown = api.funnels[0].breakdown;
    assert.equal(breakdown.dimension, 'device');
    const rows = await page.$$eval('#funnel-breakdown-table tbody tr', (trs) =>
      trs.map((tr) => ({
        value: tr.querySelector('[data-col="value"]').textContent,
        entered: tr.querySelector('[data-col="entered"]').dataset.value,
        rate: tr.querySelector('[data-col="conversion_rate"]').dataset.value,
        low: tr.querySelector('[data-col="ci_low"]').dataset.value,
      })),
    );
    const expected = [
      ...breakdown.rows,
      ...(breakdown.other.suppressed || breakdown.other.entered ? [breakdown.other] : []),
    ].map((r) => ({
      value: r.value,
      entered: r.suppressed ? 'suppressed' : String(r.entered),
      rate: r.suppressed ? 'suppressed' : String(r.conversion_rate),
      low: r.suppressed ? 'suppressed' : String(r.ci_low),
    }));
    assert.deepEqual(rows, expected);
    assert.ok(rows.length > 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('new summaries move a KPI without a reload', async () => {
  const { context, page, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await open(page, '');
    // The live stream is open and has said its count once.
    await page.waitForFunction(
      () => document.querySelector('.live-status')?.textContent === 'Live',
    );
    const before = Number(await kpi(page, 'sessions'));
    await page.evaluate(() => {
      window.__sameDocument = true;
      window.scrollTo(0, 600);
    });
    // Another seed: new visitors (the same seed would resend the same sessions).
    await simulateVisitors(collector.url, 12, 1, ['--seed', '99']);
    await page.waitForFunction(
      (n) => Number(document.querySelector('#kpis-body [data-kpi="sessions"]').dataset.value) > n,
      before,
      { timeout: 30000 },
    );
    const after = await page.evaluate(() => ({
      same: window.__sameDocument === true,
      scroll: window.scrollY,
    }));
    assert.ok(after.same, 'no reload');
    assert.equal(after.scroll, 600, 'scroll position kept');
    const api = await collector.report('demo', await urlQuery(page));
    assert.equal(Number(await kpi(page, 'sessions')), api.engagement.sessions);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
