// The dashboard never contradicts itself (issue 9 part 3): one drop-off
// convention (reached N and not N+1) in the funnel chart, its tooltips, the
// table, the CSV and the JSON, all equal to the collector's report; every
// numeric axis labelled with its unit; rates say what they divide by; a gap
// between "Converted" and the last step's reach is explained; "Active now"
// right after seeding counts only sessions active in the last 5 minutes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { chartsDrawn } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { requireDist } from './support/paths.mjs';

let collector;
let browser;
const kSeeded = 300;
before(async () => {
  requireDist();
  collector = await startCollector();
  browser = await launchBrowser();
  await simulateVisitors(collector.url, kSeeded, 2);
});
after(async () => {
  await browser.close();
  await collector.stop();
});

async function open(page, query = '') {
  page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
  await page.goto(`${collector.url}/dashboard/?site=demo${query}`, {
    waitUntil: 'domcontentloaded',
  });
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await chartsDrawn(page);
}

const digits = (text) => Number(String(text).replace(/[^0-9]/g, ''));

// Minimal RFC 4180 reader for the dashboard's own CSV.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += c;
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

// The drop-off of every step as the chart shows it: the "−N" labels on the
// bars (left to right) and the "Dropped off here" row of each column's tooltip.
async function chartDropOffs(page, steps) {
  const labels = await page.$$eval('#panel-funnel .chart-funnel svg text', (texts) =>
    texts
      .filter((t) => t.textContent.startsWith('\u2212'))
      .map((t) => ({ x: t.getBoundingClientRect().x, text: t.textContent }))
      .sort((a, b) => a.x - b.x)
      .map((t) => t.text),
  );
  const box = await page.$eval('#panel-funnel .chart-funnel', (chart) => {
    chart.scrollIntoView({ block: 'center' });
    const r = chart.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  // The chart's grid: 64 px left, 16 px right, 34 px top, 44 px bottom.
  const column = (box.width - 80) / steps;
  const tooltips = [];
  for (let i = 0; i < steps; i++) {
    await page.mouse.move(box.x + 64 + column * (i + 0.5), box.y + 34 + (box.height - 78) * 0.9);
    const row = await page.waitForFunction((index) => {
      const tip = document.querySelector('#panel-funnel .chart-funnel .chart-tooltip');
      if (!tip || !tip.textContent.startsWith(`${index + 1}.`)) return null;
      const cells = [...tip.querySelectorAll('.tt-row')].find(
        (r) => r.firstChild.textContent === 'Dropped off here',
      );
      return cells ? cells.lastChild.textContent : 'none';
    }, i);
    tooltips.push(await row.jsonValue());
  }
  return { labels, tooltips };
}

test('funnel drop-off: chart, tooltips, table, CSV and JSON agree with the report', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  await open(page, '&funnel=purchase');
  const report = await collector.report('demo');
  const funnel = report.funnels.find((f) => f.id === 'purchase');
  const want = funnel.steps.map((s) => s.drop_off);
  assert.ok(
    want.some((n) => n > 0),
    'the seeded data has drop-offs',
  );
  // Reached N and not N+1: no one drops off at the last step (it converts).
  assert.equal(want[want.length - 1], 0);

  const table = await page.$$eval('#funnel-table tbody tr', (rows) =>
    rows.map((r) => Number(r.querySelector('[data-col=drop_off]').dataset.value)),
  );
  assert.deepEqual(table, want, 'table');

  const chart = await chartDropOffs(page, want.length);
  assert.deepEqual(
    chart.labels.map(digits),
    want.filter((n) => n > 0),
    'the bar labels, left to right',
  );
  assert.deepEqual(
    chart.tooltips.map((t) => digits(t.split('(')[0])),
    want,
    "each step's tooltip",
  );

  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const rows = parseCsv(readFileSync(await csv.path(), 'utf8'));
  const title = rows.findIndex((r) => r[0] === `Funnel: ${funnel.label}`);
  assert.ok(title >= 0, 'the CSV has the funnel');
  const header = rows[title + 1];
  const dropColumn = header.indexOf('Drop-off');
  const csvDrops = rows.slice(title + 2, title + 2 + want.length).map((r) => Number(r[dropColumn]));
  assert.deepEqual(csvDrops, want, 'CSV');

  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const exported = JSON.parse(readFileSync(await json.path(), 'utf8'));
  assert.deepEqual(
    exported.funnels[0].steps.map((s) => s.drop_off),
    want,
    'JSON',
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('axes carry units, rates name their denominator, the funnel links its semantics', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await open(page, '&funnel=purchase&open=traffic');
  const texts = (selector) =>
    page.$$eval(`${selector} svg text`, (nodes) => nodes.map((n) => n.textContent));
  const traffic = await texts('#panel-traffic .chart-traffic');
  assert.ok(traffic.includes('sessions, page views'), 'the left axis says what it counts');
  assert.ok(traffic.includes('converters'), 'the converters bars have their own, visible axis');
  // The right axis has tick numbers, and its top reaches the highest day.
  const report = await collector.report('demo');
  const rightTicks = await page.$$eval('#panel-traffic .chart-traffic svg text', (nodes) => {
    const chart = document.querySelector('#panel-traffic .chart-traffic').getBoundingClientRect();
    return nodes
      .filter(
        (n) =>
          n.getBoundingClientRect().x > chart.x + chart.width - 44 &&
          /^[0-9,]+$/.test(n.textContent),
      )
      .map((n) => Number(n.textContent.replace(/,/g, '')));
  });
  assert.ok(rightTicks.length >= 2, `right axis ticks: ${rightTicks}`);
  const maxDay = Math.max(...report.days.map((d) => d.conversions || 0));
  assert.ok(
    Math.max(...rightTicks) >= maxDay,
    `the converters axis (${rightTicks}) covers the best day (${maxDay})`,
  );
  assert.ok(
    (await texts('#panel-funnel .chart-funnel')).includes('sessions'),
    'the funnel axis says sessions',
  );
  assert.ok(
    (await texts('#panel-traffic .chart-referrer-trend')).includes('sessions'),
    'the referrer trend axis',
  );

  const kpi = await page.$eval(
    '[data-kpi=conversion_rate]',
    (node) => node.closest('.kpi').textContent,
  );
  assert.match(kpi, /of all sessions/);
  const funnelSummary = await page.$eval(
    '#panel-funnel .funnel-summary',
    (node) => node.textContent,
  );
  assert.match(funnelSummary, /converted ÷ entered/);
  const href = await page.$eval('#funnel-semantics-link', (a) => a.href);
  assert.equal(href, `${collector.url}/dashboard/funnel-semantics.html`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a gap between Converted and the last step is explained, and only then', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  const report = await collector.report('demo');
  for (const funnel of report.funnels) {
    await open(page, `&funnel=${funnel.id}`);
    const last = [...funnel.steps].reverse().find((s) => !s.optional);
    const gap = last.reached - funnel.conversions;
    const note = await page.$('#panel-funnel [data-note=converted-gap]');
    if (gap === 0) {
      assert.equal(note, null, `${funnel.id}: no note when they agree`);
    } else {
      assert.ok(
        note,
        `${funnel.id}: Converted ${funnel.conversions} vs ${last.reached} reached needs a note`,
      );
      assert.equal(Number(await note.getAttribute('data-gap')), gap);
      assert.match(await note.textContent(), new RegExp(`${last.label}`));
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('Real-time after seeding counts sessions active in the last 5 minutes, not arrivals', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await open(page);
  await page.waitForFunction(
    () => document.querySelector('[data-live="active_sessions"]')?.dataset.value,
  );
  const active = Number(await page.$eval('[data-live="active_sessions"]', (n) => n.dataset.value));
  // The simulated sessions start over the last 2 days and all arrived just
  // now: about kSeeded * 5 / 2880 of them ended in the last 5 minutes.
  assert.ok(active <= 5, `${active} of ${kSeeded} seeded sessions counted as active now`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a heatmap template opens a real page of it, never a made-up /product/1', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  // The collector's own origin stands in for the site: only the framed URL matters here.
  await open(page, `&origin=${encodeURIComponent(collector.url)}&open=heatmap`);
  const frameSrc = () =>
    page.$eval('#panel-heatmap iframe', (f) => (f.hidden ? '' : f.getAttribute('src') || ''));
  await page.selectOption('#heatmap-page', '/product/:id');
  // The site config names a real page of the template (demo.json pages[].example).
  assert.equal(await page.inputValue('#heatmap-path'), '/product/aurora-x2');
  assert.equal(await frameSrc(), `${collector.url}/product/aurora-x2#microconv-overlay`);
  await page.fill('#heatmap-path', '/cart');
  await page.click('#panel-heatmap button[type=submit]');
  assert.equal(await frameSrc(), '', 'a page of another template is refused');
  assert.match(
    await page.textContent('#panel-heatmap .heatmap-status'),
    /\/cart is not a \/product\/:id page/,
  );
  await page.fill('#heatmap-path', '/product/nimbus-pro');
  await page.click('#panel-heatmap button[type=submit]');
  assert.equal(await frameSrc(), `${collector.url}/product/nimbus-pro#microconv-overlay`);
  // A fixed template opens itself; coming back, the owner's page is remembered.
  await page.selectOption('#heatmap-page', '/cart');
  assert.equal(await frameSrc(), `${collector.url}/cart#microconv-overlay`);
  await page.selectOption('#heatmap-page', '/product/:id');
  assert.equal(await page.inputValue('#heatmap-path'), '/product/nimbus-pro');
  assert.equal(await frameSrc(), `${collector.url}/product/nimbus-pro#microconv-overlay`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('heatmap clicks and scroll maps split by device class: each class its own k-anonymous grid', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await open(page, '&open=heatmap');
  await page.selectOption('#heatmap-page', '/product/:id');
  const report = await collector.report('demo'); // the dashboard's default range
  const entries = report.heatmap.pages.filter((p) => p.page === '/product/:id');
  const devices = await page.$$eval('#heatmap-device option', (options) =>
    options.map((o) => o.value),
  );
  const maps = report.heatmap.scroll_maps.filter((m) => m.page === '/product/:id');
  // Simulated clicks carry their element's box: element groups, per class.
  const groups = report.heatmap.elements.filter((g) => g.page === '/product/:id');
  assert.ok(groups.length >= 3, `element groups: ${groups.map((g) => g.device)}`);
  const withData = new Set([...entries, ...maps, ...groups].map((p) => p.device));
  assert.deepEqual(
    devices,
    ['all', 'desktop', 'mobile', 'tablet', 'unknown'].filter((d) => withData.has(d)),
    'one choice per device class with clicks, element clicks or a scroll map, after all devices',
  );
  assert.ok(devices.length >= 3, `simulated phones and desktops clicked: ${devices}`);
  const clicks = () =>
    page.$$eval('#panel-heatmap .heatmap-stats .stat', (stats) =>
      stats.map((s) => s.textContent).find((t) => t.startsWith('Clicks')),
    );
  for (const entry of entries) {
    await page.selectOption('#heatmap-device', entry.device);
    const shown = await clicks();
    assert.equal(
      shown?.replace(/\D/g, ''),
      String(entry.clicks),
      `${entry.device}: the panel shows that class's clicks (${shown})`,
    );
  }
  const elementClicks = () =>
    page.$$eval('#panel-heatmap .heatmap-stats .stat', (stats) =>
      stats.map((s) => s.textContent).find((t) => t.startsWith('Element clicks')),
    );
  for (const group of groups) {
    await page.selectOption('#heatmap-device', group.device);
    const shown = await elementClicks();
    assert.equal(
      shown?.replace(/\D/g, ''),
      String(group.clicks),
      `${group.device}: the panel shows that class's element clicks (${shown})`,
    );
  }
  // The scroll map: per depth band a column per device class, each the
  // share of that class's page views (issue 13 point 4), as the report says.
  assert.ok(maps.length >= 2, `phones and desktops scrolled: ${maps.map((m) => m.device)}`);
  const table = await page.$$eval('#scroll-map-table tbody tr', (rows) =>
    rows.map((tr) =>
      Object.fromEntries(
        [...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.dataset.value]),
      ),
    ),
  );
  assert.equal(table.length, 11, 'bands 0 % .. 100 %');
  for (const m of maps) {
    m.scroll_reach.forEach((share, band) => {
      assert.equal(
        table[band][m.device],
        share === null ? 'suppressed' : String(share),
        `${m.device} at ${band * 10} %`,
      );
    });
  }
  const pageRow = report.pages.find((p) => p.page === '/product/:id');
  assert.equal(
    maps.reduce((n, m) => n + m.sessions, 0),
    pageRow.sessions,
    'the device classes split the page views',
  );
  assert.deepEqual(
    table.map((row) => row.all),
    pageRow.scroll_reach.map(String),
    'every device first',
  );
  // The reach lines over the page follow the chosen class: its "scrolled past
  // half" figure is that class's.
  const half = () =>
    page.$$eval('#panel-heatmap .heatmap-stats .stat', (stats) =>
      stats.map((s) => s.textContent).find((t) => t.startsWith('Scrolled past half')),
    );
  for (const m of maps) {
    await page.selectOption('#heatmap-device', m.device);
    assert.equal(
      (await half())?.replace(/\D/g, ''),
      m.scroll_reach[5] === null ? '' : (m.scroll_reach[5] * 100).toFixed(0),
      `${m.device}: scrolled past half`,
    );
  }
  // The classes partition the element clicks: with this collector's k = 1
  // every part of every element of all devices is the sum over the classes.
  const allGroup = groups.find((g) => g.device === 'all');
  assert.ok(allGroup.rows.length > 0);
  for (const row of allGroup.rows) {
    const split = groups
      .filter((g) => g.device !== 'all')
      .map((g) => g.rows.find((r) => r.key === row.key))
      .filter(Boolean);
    assert.equal(
      split.reduce((n, r) => n + r.clicks, 0),
      row.clicks,
      `element ${row.key}`,
    );
    row.cells.forEach((count, c) => {
      assert.equal(
        split.reduce((n, r) => n + r.cells[c], 0),
        count,
        `element ${row.key} part ${c}`,
      );
    });
  }

  // Clicks without an element box stay on the document grid, per class too:
  // a template whose simulated clicks have none (the category page's tile).
  const gridPage = report.heatmap.pages.find((p) => p.device !== 'all' && p.clicks > 0)?.page;
  assert.ok(gridPage, 'some simulated clicks have no element box');
  await page.selectOption('#heatmap-page', gridPage);
  const gridEntries = report.heatmap.pages.filter((p) => p.page === gridPage);
  for (const entry of gridEntries) {
    await page.selectOption('#heatmap-device', entry.device);
    const shown = await clicks();
    assert.equal(
      shown?.replace(/\D/g, ''),
      String(entry.clicks),
      `${gridPage}, ${entry.device}: the panel shows that class's grid clicks (${shown})`,
    );
  }
  // The classes partition the grid clicks: every cell of all devices is the
  // sum of that cell over the classes.
  const all = gridEntries.find((p) => p.device === 'all');
  const classes = gridEntries.filter((p) => p.device !== 'all');
  assert.ok(classes.length >= 2, `${gridPage}: ${classes.map((p) => p.device)}`);
  all.cells.forEach((count, c) => {
    assert.equal(
      classes.reduce((n, p) => n + p.cells[c], 0),
      count,
      `cell ${c}`,
    );
  });
  assert.deepEqual(errors, []);
  await context.close();
});

test('calls to action seen but not clicked: the frustration panel shows the report row', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  await open(page, '&open=frustration');
  const report = await collector.report('demo');
  const row = report.calls_to_action.find((c) => c.id === 'add_to_cart');
  // Simulated visitors see the button on every product page; some leave
  // before adding to cart (the model's drop-off at that step).
  assert.ok(row.seen > 0 && row.seen_not_clicked > 0, JSON.stringify(row));
  assert.ok(row.clicked <= report.engagement.sessions);
  const shown = await page.$eval('#cta-table tr[data-cta=add_to_cart]', (tr) =>
    Object.fromEntries(
      [...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.dataset.value]),
    ),
  );
  assert.deepEqual(shown, {
    seen: String(row.seen),
    clicked: String(row.clicked),
    seen_not_clicked: String(row.seen_not_clicked),
    seen_not_clicked_rate: String(row.seen_not_clicked_rate),
  });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a form nobody started shows no rate and no time, not 0.0 % and 0.0 s', async () => {
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  const report = await collector.report('demo');
  report.forms = [
    {
      id: 'quiet',
      suppressed: false,
      started: 0,
      submitted: 0,
      abandoned: 0,
      abandonment_rate: 0,
      fields: [{ field: 'email', sessions: 0, mean_time_s: 0, refills: 0, last_before_abandon: 0 }],
    },
  ];
  await page.route('**/api/report/**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) }),
  );
  await open(page, '&open=forms');
  const stats = await page.$eval('#panel-forms .form-stats', (node) => node.textContent);
  assert.match(stats, /0 abandoned/);
  assert.doesNotMatch(stats, /%/, 'no abandonment rate of 0 started');
  const time = await page.$eval('#panel-forms .fields-table td[data-col=mean_time_s]', (td) =>
    td.textContent.trim(),
  );
  assert.equal(time, '\u2014', 'no mean time for a field nobody focused');
  assert.deepEqual(errors, []);
  await context.close();
});
