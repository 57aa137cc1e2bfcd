// Element heatmaps end to end over the demo store (issue 13 point 4):
// simulated visitors' clicks, keyed by the core (C++, core/element_heatmap.h)
// from each clicked element's path, reach the report per template and device
// class; the dashboard frames the live product page, whose overlay module
// keys every element again (JS, web/tracker/element_path.js) and answers
// with their boxes, so the two definitions of the key must agree for any
// element to be found. The add-to-cart button's element row counts the same
// clicks as its configured selector's row, two independent paths through
// the core.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { chartsDrawn } from './support/dashboard.mjs';
import { simulateVisitors, startDemoStore } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';
import { keyOf } from './support/element_key.mjs';

let collector;
let store;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  store = await startDemoStore(collector.url);
  browser = await launchBrowser();
  await simulateVisitors(collector.url, 300, 2);
});
after(async () => {
  await browser.close();
  await store.stop();
  await collector.stop();
});

const kButton = keyOf('button#add-to-cart');

test('the report keys clicks by element per device class, the button as its selector counts', async () => {
  const report = await collector.report('demo');
  const groups = report.heatmap.elements.filter((g) => g.page === '/product/:id');
  const devices = groups.map((g) => g.device);
  assert.equal(devices[0], 'all');
  assert.ok(devices.includes('desktop') && devices.includes('mobile'), `${devices}`);
  const all = groups[0];
  assert.equal(all.example, '/product/aurora-x2');
  const button = all.rows.find((r) => r.key === kButton);
  assert.ok(button, `a row for button#add-to-cart (${kButton}) in ${all.rows.map((r) => r.key)}`);
  const selector = report.heatmap.selectors.find((s) => s.selector === '[data-mc=add-to-cart]');
  assert.equal(button.clicks, selector.clicks, 'element row and selector row count one button');
  assert.equal(button.sessions, selector.sessions);
  // With this collector's k = 1 nothing is withheld: the classes' rows add
  // up to every device's, and the parts to the element's clicks.
  const perClass = groups
    .slice(1)
    .map((g) => g.rows.find((r) => r.key === kButton)?.clicks ?? 0)
    .reduce((a, b) => a + b, 0);
  assert.equal(perClass, button.clicks);
  assert.equal(button.cells.length, report.heatmap.element_columns * report.heatmap.element_rows);
  assert.equal(
    button.cells.reduce((a, b) => a + b, 0),
    button.clicks,
  );
  // Every row's key is 6 hex digits: nothing else about the element is sent.
  for (const g of report.heatmap.elements) {
    for (const r of g.rows) assert.match(r.key, /^[0-9a-f]{6}$/);
  }
});

for (const width of [390, 1440]) {
  test(`at ${width} px the dashboard finds the clicked elements on the live page and draws them`, async () => {
    const { page, context, errors } = await openContext(browser, {
      login: collector,
      viewport: { width, height: 900 },
    });
    page.setDefaultTimeout(60000);
    const origin = encodeURIComponent(store.url);
    await page.goto(`${collector.url}/dashboard/?site=demo&origin=${origin}&open=heatmap`, {
      waitUntil: 'domcontentloaded',
    });
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
    await chartsDrawn(page);
    await page.selectOption('#heatmap-page', '/product/:id');
    for (const device of ['all', 'mobile']) {
      await page.selectOption('#heatmap-device', device);
      await page.waitForSelector('#panel-heatmap .heatmap[data-elements=answered]');
      const found = await page.$$eval('#element-table tbody tr', (rows) =>
        rows.map((tr) => [
          tr.querySelector('[data-col=key]').textContent,
          tr.querySelector('[data-col=element]').textContent,
          tr.querySelector('[data-col=live]').textContent,
        ]),
      );
      assert.ok(
        found.some(
          ([key, name, live]) =>
            key === kButton && name === 'button#add-to-cart' && live === '1 element',
        ),
        `${device}: the add-to-cart button found by its key: ${JSON.stringify(found)}`,
      );
      const boxes = await page.$eval('#panel-heatmap canvas.heatmap-canvas', (c) =>
        Number(c.dataset.elementBoxes),
      );
      assert.ok(boxes >= 1, `${device}: ${boxes} element boxes drawn`);
    }
    // The button's box on the canvas is coloured where the frame lays it out.
    const frame = page.frames().find((f) => f.url().includes('#microconv-overlay'));
    const box = await frame.evaluate(() => {
      const rect = document.getElementById('add-to-cart').getBoundingClientRect();
      return [rect.left + scrollX, rect.top + scrollY, rect.width, rect.height];
    });
    const alpha = await page.$eval(
      '#panel-heatmap canvas.heatmap-canvas',
      (c, { box, frameWidth }) => {
        const scale = c.getBoundingClientRect().width / frameWidth;
        const ratio = c.width / c.getBoundingClientRect().width;
        const context = c.getContext('2d');
        let max = 0;
        for (let i = 0; i < 16; i++) {
          const x = box[0] + box[2] * ((i % 4) + 0.5) * 0.25;
          const y = box[1] + box[3] * (Math.floor(i / 4) + 0.5) * 0.25;
          const data = context.getImageData(
            Math.round(x * scale * ratio),
            Math.round(y * scale * ratio),
            1,
            1,
          ).data;
          max = Math.max(max, data[3]);
        }
        return max;
      },
      { box, frameWidth: 1280 },
    );
    assert.ok(alpha > 0, `the button's box is coloured (alpha ${alpha})`);
    const shots = join(repoRoot, 'build/e2e-screenshots');
    mkdirSync(shots, { recursive: true });
    await page
      .locator('#panel-heatmap')
      .screenshot({ path: join(shots, `heatmap-demo-elements-${width}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  });
}
