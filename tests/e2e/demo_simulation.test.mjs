// Honest demo data (issue 9 part 9): every page, element, configured
// selector, form and field the traffic simulator's visitors touch exists in
// the demo store. The simulator's own event streams
// (microconv_simulated_touches) are checked page by page against the store
// served by `microconv host` in Chromium: pages resolve to a real route and
// render (no "not found"), each clicked element exists and the tracker's own
// elementPath() names it exactly as the simulator does, each form and field
// name exists in that form.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { collectorBinary, startCollector } from './support/collector.mjs';
import { startDemoStore } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

const kVisits = 3000;

function touchesBinary() {
  return (
    process.env.MICROCONV_TOUCHES_BIN ||
    join(dirname(collectorBinary()), '../tests/integration/microconv_simulated_touches')
  );
}

// routes.json: exact paths first, then "PREFIX*" routes, longest first (as
// `microconv host` resolves them).
function routeFile(path) {
  const { routes } = JSON.parse(
    readFileSync(join(repoRoot, 'demo-site/store/routes.json'), 'utf8'),
  );
  if (routes[path]) return routes[path];
  const prefixes = Object.keys(routes)
    .filter((r) => r.endsWith('*') && path.startsWith(r.slice(0, -1)))
    .sort((a, b) => b.length - a.length);
  return prefixes.length ? routes[prefixes[0]] : null;
}

// The store keeps a cart, checkout details and the tab's last order in its
// own keys; with them the cart, review and order pages render as for a
// visitor who got there.
const kStoreState = `
  localStorage.setItem('sonora.cart', JSON.stringify([{ id: 'aurora-x2', qty: 1 }]));
  sessionStorage.setItem('sonora.checkout', JSON.stringify({
    shipTo: { name: 'A', city: 'B', country: 'Germany' }, payment: { method: 'card', last4: '4242' } }));
  const order = location.pathname.match(/^\\/order\\/(\\d+)$/);
  if (order) sessionStorage.setItem('sonora.order', JSON.stringify({
    id: order[1], lines: [{ id: 'aurora-x2', qty: 1 }], total: 149, shipping: 0, reported: true }));`;

let collector;
let store;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  store = await startDemoStore(collector.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.stop();
  await collector.stop();
});

test('the simulator touches only pages, elements and fields the demo store has', async () => {
  const run = spawnSync(touchesBinary(), [String(kVisits)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  assert.equal(run.status, 0, run.stderr);
  const { pages } = JSON.parse(run.stdout);
  // One order page stands for all (its number is random).
  const checked = pages.filter(
    (p, i) =>
      !/^\/order\/\d+$/.test(p.page) || pages.findIndex((q) => /^\/order\/\d+$/.test(q.page)) === i,
  );
  assert.ok(checked.length >= 10, `simulated pages: ${checked.map((p) => p.page)}`);
  const kinds = new Set(checked.flatMap((p) => p.touches.map((t) => t.kind)));
  for (const kind of ['click', 'selector', 'form', 'field', 'visible', 'media'])
    assert.ok(kinds.has(kind), kind);

  // The module as a classic script: its exports become globals of the page.
  const elementPath = `${readFileSync(
    join(repoRoot, 'web/tracker/element_path.js'),
    'utf8',
  ).replaceAll(/^export /gm, '')}\nwindow.__elementPath = elementPath;`;
  const context = await browser.newContext({ bypassCSP: true });
  await context.addInitScript(elementPath);
  await context.addInitScript(kStoreState);
  const page = await context.newPage();
  // Every order number looks like the store's own (6 digits).
  const problems = pages
    .filter((p) => /^\/order\//.test(p.page) && !/^\/order\/[1-9]\d{5}$/.test(p.page))
    .map((p) => `${p.page}: not a store order number`);
  for (const { page: path, touches } of checked) {
    const file = routeFile(path);
    if (!file || file === '404.html') {
      problems.push(`${path}: no page in routes.json (${file})`);
      continue;
    }
    const response = await page.goto(store.url + path);
    await page.waitForLoadState('networkidle');
    if (!response.ok() || (await page.title()).startsWith('Not found')) {
      problems.push(`${path}: ${response.status()} "${await page.title()}"`);
      continue;
    }
    let lastClick = '';
    for (const touch of touches) {
      const found = await page.evaluate(({ kind, target, element }) => {
        const one = (selector) => {
          try {
            return document.querySelector(selector);
          } catch {
            return null;
          }
        };
        switch (kind) {
          case 'click': {
            const node = one(target);
            if (!node) return 'missing';
            const named = window.__elementPath(node);
            return named === target ? 'ok' : `named ${named} by the tracker`;
          }
          case 'selector': {
            const node = one(element);
            return node && node.closest(target) ? 'ok' : `${element} does not match ${target}`;
          }
          case 'form':
            return one(target) instanceof HTMLFormElement ? 'ok' : 'missing';
          case 'field': {
            const form = one(element);
            if (!(form instanceof HTMLFormElement)) return `form ${element} missing`;
            return form.elements.namedItem(target) ? 'ok' : `no field "${target}" in ${element}`;
          }
          case 'visible':
            return one(target) ? 'ok' : 'missing';
          case 'media':
            return one(target) instanceof HTMLMediaElement ? 'ok' : 'missing';
          default:
            return `unknown kind ${kind}`;
        }
      }, touch);
      let result = found;
      // An element that appears after the visitor's previous click on the
      // page (the "View cart" link after "Add to cart"): click it, look again.
      if (result === 'missing' && touch.kind === 'click' && lastClick) {
        await page.click(lastClick);
        result = await page.evaluate((target) => {
          const node = document.querySelector(target);
          return node && window.__elementPath(node) === target ? 'ok' : 'missing';
        }, touch.target);
      }
      if (result !== 'ok')
        problems.push(`${path}: ${touch.kind} ${touch.target} ${touch.element}: ${result}`);
      if (touch.kind === 'click') lastClick = touch.target;
    }
  }
  await context.close();
  assert.deepEqual(problems, []);
});
