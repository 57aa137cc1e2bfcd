// The tracker's event path (issue 11 point 3): its click and scroll
// listeners read no layout (the document size is kept by a ResizeObserver),
// yet clicks still land in heat cells and scrolls still reach the page's
// scroll depth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';

let harness;
before(async () => {
  harness = await startHarness({
    '/product/aurora-x2': 'perf/storm.html',
    '/perf/storm.js': { file: 'perf/storm.js', type: 'text/javascript; charset=utf-8' },
    '/swap': 'body_swap.html',
  });
});
after(() => harness.close());

// Counts reads of layout-dependent properties made while `window.__inEvent`
// is set (during a dispatch the test makes): every listener of the event,
// the tracker's included, runs inside it.
const kLayoutSpy = `(() => {
  window.__layoutReads = [];
  const spy = (proto, names) => {
    for (const name of names) {
      const own = Object.getOwnPropertyDescriptor(proto, name);
      if (!own || !own.get) continue;
      Object.defineProperty(proto, name, {
        configurable: true,
        get() {
          if (window.__inEvent) window.__layoutReads.push(name);
          return own.get.call(this);
        },
      });
    }
  };
  spy(Element.prototype, ['scrollWidth', 'scrollHeight', 'clientWidth', 'clientHeight',
                          'scrollTop', 'scrollLeft']);
  spy(HTMLElement.prototype, ['offsetWidth', 'offsetHeight', 'offsetTop', 'offsetLeft']);
  const rect = Element.prototype.getBoundingClientRect;
  Element.prototype.getBoundingClientRect = function () {
    if (window.__inEvent) window.__layoutReads.push('getBoundingClientRect');
    return rect.call(this);
  };
})();`;

test('click and scroll listeners read no layout; heat and scroll depth still recorded', async () => {
  const { context, page, errors } = await openContext(harness.browser);
  await context.addInitScript(kLayoutSpy);
  await page.goto(harness.site.url + '/product/aurora-x2');
  await trackerReady(page);
  await page.evaluate(() => {
    const dispatch = (target, event) => {
      window.__inEvent = true;
      try {
        target.dispatchEvent(event);
      } finally {
        window.__inEvent = false;
      }
    };
    for (const id of ['add', 'checkout', 'plain', 'share-icon']) {
      const element = document.getElementById(id);
      const box = element.getBoundingClientRect();
      dispatch(
        element,
        new MouseEvent('click', {
          bubbles: true,
          clientX: box.left + 2,
          clientY: box.top + 2,
        }),
      );
    }
    window.scrollTo(0, 3000);
    dispatch(document, new Event('scroll'));
  });
  const reads = await page.evaluate(() => window.__layoutReads);
  assert.deepEqual(reads, [], 'layout read inside a click or scroll listener');
  const summary = await waitFor(async () => {
    const s = await page.evaluate(() => window.microconv('inspect'));
    return s && s.heat.length > 0 && s.pages[0].max_scroll > 0 ? s : null;
  }, 'the clicks in heat cells and the scroll depth');
  assert.ok(summary.pages[0].max_scroll >= 40, JSON.stringify(summary.pages));
  assert.deepEqual(errors, []);
  await context.close();
});

// The document size follows a body swapped in (Turbo-style navigation on
// a root of fixed height): the new body is watched, the old one let go.
test('after the body is swapped and grows, scroll depth is of the new document', async () => {
  const { page, context, errors } = await openContext(harness.browser, {
    viewport: { width: 800, height: 700 },
  });
  await page.goto(harness.site.url + '/swap');
  await trackerReady(page);
  await page.evaluate(async () => {
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const body = document.createElement('body');
    body.style.margin = '0';
    body.innerHTML = '<div style="height: 2000px">second</div>';
    document.body = body;
    await frame();
    body.firstElementChild.style.height = '10000px';
    await frame();
    await frame();
    window.scrollTo(0, 3000);
    await frame();
  });
  const summary = await waitFor(async () => {
    const s = await page.evaluate(() => window.microconv('inspect'));
    return s && s.pages[0].max_scroll > 10 ? s : null;
  }, 'the scroll depth');
  // (3,000 + 700) / 10,000 px: 37 % (it read 100 % of the first body's 2,000 px).
  assert.ok(
    summary.pages[0].max_scroll >= 35 && summary.pages[0].max_scroll <= 40,
    JSON.stringify(summary.pages),
  );
  assert.deepEqual(errors, []);
  await context.close();
});

// The page's first Intl.DateTimeFormat loads ICU's locale data: 40-100 ms
// in one task, measured as the tracker's only long task at page load. The
// session start reads the zone from Temporal where the engine has it; the
// country still follows the zone (Berlin: DE), and an engine without
// Temporal still gets it from Intl.
for (const temporal of [true, false]) {
  test(`the session start reads the time zone ${temporal ? 'from Temporal, no Intl.DateTimeFormat' : 'from Intl without Temporal'}`, async () => {
    const { context, page, errors } = await openContext(harness.browser, {
      timezoneId: 'Europe/Berlin',
    });
    await context.addInitScript(`(() => {
      window.__dateTimeFormats = 0;
      const Original = Intl.DateTimeFormat;
      Intl.DateTimeFormat = function (...args) {
        window.__dateTimeFormats++;
        return new Original(...args);
      };
      ${temporal ? '' : 'delete globalThis.Temporal;'}
    })();`);
    await page.goto(harness.site.url + '/product/aurora-x2');
    await trackerReady(page);
    const summary = await waitFor(
      () => page.evaluate(() => window.microconv('inspect')),
      'a running session',
    );
    assert.equal(summary.dims.country, 'DE');
    const built = await page.evaluate(() => window.__dateTimeFormats);
    if (temporal) assert.equal(built, 0, 'Intl.DateTimeFormat built with Temporal present');
    else assert.ok(built >= 1, 'the zone came from Intl');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
