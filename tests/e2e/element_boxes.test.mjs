// Element heatmaps (issue 13 point 4): a page framed for the dashboard's
// heatmap overlay answers {microconv: 'boxes', keys} from the collector's
// origin with the document-relative boxes of the elements whose key is
// asked for (web/tracker/overlay.js, which the loader imports only in such a
// frame), at any viewport width; any other origin gets no answer. The keys
// are computed here from the FNV-1a definition alone (top 24 bits of FNV-1a
// 32 of the element path's UTF-8 bytes), the paths written out by hand from
// element_path.js's rules, the boxes read from the page itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext } from './support/browser.mjs';
import { startHarness } from './support/harness.mjs';
import { keyOf } from './support/element_key.mjs';

let harness;
before(async () => {
  harness = await startHarness({ '/boxes': 'element_boxes.html' });
});
after(() => harness.close());

// The fixture's elements by their element path, with a selector of each
// element that path names on the page.
const kElements = {
  body: 'body',
  'section#hero': '#hero',
  'button#buy': '#buy',
  'section>div>p>a': '.cards a', // two elements share the path and the key
  'p#empty': '#empty', // no box: never answered
  'button#bottom': '#bottom',
};
const kKeys = Object.fromEntries(Object.keys(kElements).map((path) => [path, keyOf(path)]));

// Frames the fixture at `width` from the page's origin and asks it for the
// boxes of `keys` until it answers or 3 s pass (the overlay module loads
// after the page). Resolves to {origin, boxes} or null.
function askFramed(page, { width, keys, scrollTo = 0 }) {
  return page.evaluate(
    async ({ src, site, width, keys, scrollTo }) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      frame.style.width = `${width}px`;
      frame.style.height = '900px';
      document.body.append(frame);
      await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.dataset.ready = '1';
      // The test scrolls the frame in between (from Playwright, which may).
      await new Promise((resolve) => setTimeout(resolve, scrollTo ? 300 : 0));
      return new Promise((resolve) => {
        const ask = () => frame.contentWindow.postMessage({ microconv: 'boxes', keys }, site);
        const timer = setInterval(ask, 100);
        ask();
        setTimeout(() => {
          clearInterval(timer);
          resolve(null);
        }, 3000);
        window.addEventListener('message', (event) => {
          if (event.source === frame.contentWindow && event.data?.microconv === 'boxes') {
            clearInterval(timer);
            resolve({ origin: event.origin, boxes: event.data.boxes });
          }
        });
      });
    },
    {
      src: harness.site.url + '/boxes#microconv-overlay',
      site: harness.site.url,
      width,
      keys,
      scrollTo,
    },
  );
}

// The boxes the framed page itself reads for each path: rect + scroll offset.
function expectedBoxes(frame) {
  return frame.evaluate((elements) => {
    const boxes = {};
    for (const [path, selector] of Object.entries(elements)) {
      boxes[path] = [...document.querySelectorAll(selector)]
        .map((element) => element.getBoundingClientRect())
        .filter((rect) => rect.width > 0 && rect.height > 0)
        .map((rect) => [rect.left + scrollX, rect.top + scrollY, rect.width, rect.height]);
    }
    return boxes;
  }, kElements);
}

function overlayFrame(page) {
  return page.frames().find((frame) => frame.url().endsWith('/boxes#microconv-overlay'));
}

for (const width of [390, 1440]) {
  test(`at ${width} px the framed page answers the collector with each asked element's box`, async () => {
    const { page, context, errors } = await openContext(harness.browser, {
      viewport: { width: 1600, height: 1000 },
    });
    // The collector's origin (the dashboard's) frames the page, which
    // scrolls before it is asked: the boxes are the document's, not the
    // viewport's.
    await page.goto(harness.proxy.url + '/healthz');
    const keys = Object.values(kKeys);
    const answering = askFramed(page, { width, keys, scrollTo: 700 });
    await page.waitForFunction(() => document.querySelector('iframe')?.dataset.ready === '1');
    await overlayFrame(page).evaluate(() => window.scrollTo(0, 700));
    const answer = await answering;
    assert.ok(answer, 'the framed page answered the collector origin');
    assert.equal(answer.origin, harness.site.url);
    const frame = overlayFrame(page);
    assert.equal(await frame.evaluate(() => window.scrollY), 700, 'the frame was scrolled');
    const expected = await expectedBoxes(frame);
    for (const [path, boxes] of Object.entries(expected)) {
      if (!boxes.length) {
        assert.equal(answer.boxes[kKeys[path]], undefined, `${path}: no box, not answered`);
        continue;
      }
      assert.deepEqual(answer.boxes[kKeys[path]], boxes, `${path} (key ${kKeys[path]})`);
    }
    assert.equal(expected['section>div>p>a'].length, 2, 'two elements share a key');
    assert.equal(expected['p#empty'].length, 0);
    assert.ok(expected['button#bottom'][0][1] > 3000, 'a box far down the document');
    // 60 % of the frame's layout width (less a scrollbar, if drawn).
    const hero = expected['section#hero'][0][2];
    assert.ok(hero > width * 0.55 && hero <= width * 0.6, `hero ${hero} px wide at ${width} px`);
    // Only keys asked for are answered; a malformed key is ignored.
    assert.deepEqual(
      Object.keys(answer.boxes).sort(),
      keys.filter((k) => k !== kKeys['p#empty']).sort(),
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the framed page answers only keys asked for, and no other origin', async () => {
  const { page, context, errors } = await openContext(harness.browser);
  await page.goto(harness.proxy.url + '/healthz');
  const some = await askFramed(page, { width: 800, keys: [kKeys['button#buy'], 'BUY', 42] });
  assert.ok(some);
  assert.deepEqual(Object.keys(some.boxes), [kKeys['button#buy']]);

  // The site itself framing its own page (a script of the site's origin
  // posting the same question) gets nothing.
  await page.goto(harness.site.url + '/boxes');
  const stranger = await askFramed(page, { width: 800, keys: Object.values(kKeys) });
  assert.equal(stranger, null);
  assert.deepEqual(errors, []);
  await context.close();
});
