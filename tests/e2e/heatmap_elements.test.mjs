// The dashboard's element heatmap layer against the report contract
// (`heatmap.elements`): the report the page fetches gets an element group
// for a fixture page the test serves (shared keys, a key the page lacks, an
// `other` row: cases simulated traffic does not make; the collector's own
// element rows over the demo store are element_heatmap_demo.test.mjs's),
// and the heatmap panel frames that page, asks it
// for the boxes of the group's keys and draws each found element's 4 x 4
// cells in its box: a key on two elements on both, a key the page lacks in
// "Clicked elements not on this page now", the `other` row's counts in words.
// Without `elements` (an older collector) the panel draws the grid alone.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openContext } from './support/browser.mjs';
import { chartsDrawn, openSection } from './support/dashboard.mjs';
import { simulateVisitors } from './support/demo_store.mjs';
import { startHarness } from './support/harness.mjs';
import { repoRoot } from './support/paths.mjs';
import { keyOf } from './support/element_key.mjs';

let harness;
before(async () => {
  harness = await startHarness({ '/boxes': 'element_boxes.html' });
  await simulateVisitors(harness.collector.url, 10, 1);
});
after(() => harness.close());

const cells = (at) => Array.from({ length: 16 }, (_, i) => (i === at ? 9 : 0));
const kGroup = {
  page: '/boxes',
  device: 'all',
  clicks: 30,
  rows: [
    { key: keyOf('section#hero'), sessions: 5, clicks: 9, hidden_cells: 1, cells: cells(0) },
    { key: keyOf('section>div>p>a'), sessions: 4, clicks: 9, hidden_cells: 0, cells: cells(5) },
    { key: keyOf('div#gone'), sessions: 3, clicks: 9, hidden_cells: 0, cells: cells(15) },
  ],
  other: { elements: 2, clicks: 3 },
};

// Opens the dashboard on the collector's origin as the site's script names
// it (the proxy), with the report's heatmap given `elements`.
async function openHeatmap(elements, width = 1440) {
  const opened = await openContext(harness.browser, {
    login: harness.collector,
    viewport: { width, height: 1000 },
  });
  const { page } = opened;
  page.setDefaultTimeout(60000);
  await page.route('**/api/report/**', async (route) => {
    const response = await route.fetch();
    const report = await response.json();
    if (elements) {
      report.heatmap = { ...report.heatmap, element_columns: 4, element_rows: 4, elements };
    } else {
      delete report.heatmap.elements; // what a collector before element heatmaps sends
    }
    await route.fulfill({ response, json: report });
  });
  const origin = encodeURIComponent(harness.site.url);
  await page.goto(`${harness.proxy.url}/dashboard/?site=demo&origin=${origin}`, {
    waitUntil: 'domcontentloaded',
  });
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  await chartsDrawn(page);
  await openSection(page, 'heatmap');
  return opened;
}

for (const width of [1440, 390]) {
  test(`at ${width} px element clicks are drawn in the boxes the live page gives for their keys`, async () => {
    const { page, context, errors } = await openHeatmap([kGroup], width);
    await page.selectOption('#heatmap-page', '/boxes');
    await page.waitForSelector('#panel-heatmap .heatmap[data-elements=answered]');
    const canvas = await page.$eval('#panel-heatmap canvas.heatmap-canvas', (c) => ({
      boxes: Number(c.dataset.elementBoxes),
      found: Number(c.dataset.elementKeysFound),
    }));
    assert.deepEqual(canvas, { boxes: 3, found: 2 }, 'the hero once, the shared key twice');

    const live = await page.$$eval('#element-table tbody tr', (rows) =>
      rows.map((tr) => [
        tr.querySelector('[data-col=key]').textContent,
        tr.querySelector('[data-col=live]').textContent,
      ]),
    );
    assert.deepEqual(live, [
      [keyOf('section#hero'), '1 element'],
      [keyOf('section>div>p>a'), 'shared by 2 elements'],
    ]);
    const missing = await page.$$eval('#element-missing-table tbody tr', (rows) =>
      rows.map((tr) => tr.querySelector('[data-col=key]').textContent),
    );
    assert.deepEqual(missing, [keyOf('div#gone')]);
    const note = await page.textContent('#panel-heatmap .heatmap-other');
    assert.match(note, /2 elements/);
    assert.match(note, /3 clicks/);

    // The hero's top-left part (cell 0, every click) is coloured on the
    // canvas where the frame lays the hero out; its bottom-right part is not.
    const frame = page.frames().find((f) => f.url().endsWith('/boxes#microconv-overlay'));
    const hero = await frame.evaluate(() => {
      const rect = document.getElementById('hero').getBoundingClientRect();
      return [rect.left + scrollX, rect.top + scrollY, rect.width, rect.height];
    });
    const alpha = await page.$eval(
      '#panel-heatmap canvas.heatmap-canvas',
      (c, { hero, frameWidth }) => {
        const scale = c.getBoundingClientRect().width / frameWidth;
        const ratio = c.width / c.getBoundingClientRect().width;
        const at = (fx, fy) =>
          c
            .getContext('2d')
            .getImageData(
              Math.round((hero[0] + hero[2] * fx) * scale * ratio),
              Math.round((hero[1] + hero[3] * fy) * scale * ratio),
              1,
              1,
            ).data[3];
        return { first: at(1 / 8, 1 / 8), last: at(7 / 8, 7 / 8) };
      },
      { hero, frameWidth: 1280 },
    );
    assert.ok(alpha.first > 0, `cell 0 of the hero is coloured (${alpha.first})`);
    assert.equal(alpha.last, 0, 'cell 15 of the hero is not');
    const shots = join(repoRoot, 'build/e2e-screenshots');
    mkdirSync(shots, { recursive: true });
    await page
      .locator('#panel-heatmap')
      .screenshot({ path: join(shots, `heatmap-elements-${width}.png`) });
    assert.equal(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      true,
      'no sideways scroll',
    );

    // The layer's toggle takes the boxes off the canvas.
    await page.uncheck('#heatmap-show-elements');
    assert.equal(
      await page.$eval('#panel-heatmap canvas.heatmap-canvas', (c) => c.dataset.elementBoxes),
      '0',
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a report without elements (an older collector) draws the grid alone', async () => {
  const { page, context, errors } = await openHeatmap(null);
  await page.waitForSelector('#panel-heatmap .heatmap[data-elements=none]');
  assert.equal(
    await page.$eval('#panel-heatmap canvas.heatmap-canvas', (c) => c.dataset.elementBoxes),
    '0',
  );
  assert.equal(await page.$('#element-table'), null);
  assert.deepEqual(errors, []);
  await context.close();
});
