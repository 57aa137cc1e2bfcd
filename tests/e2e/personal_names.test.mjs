// Pages build element ids and form field names from the visitor's data
// ("remove-jane.doe@example.com", "subscriber[jane.doe@example.com]", a
// phone number); a newsletter tags its links with the reader's address. None
// of it leaves the browser: such an id names its element by position
// (web/tracker/element_path.js), such a field name is sent as ":id"
// (core/element_names.h), such a UTM value is dropped (core/page_pattern.h).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openContext, trackerReady } from './support/browser.mjs';
import { startHarness, waitFor } from './support/harness.mjs';

const kPersonal = ['jane.doe', 'example.com', '4155550123', '4111111111111111'];

let harness;
before(async () => {
  harness = await startHarness({ '/account': 'personal_names.html' });
});
after(() => harness.close());

test('ids, field names and UTM values that may name a person are never sent', async () => {
  const { page, context, requests, errors } = await openContext(harness.browser);
  await page.goto(harness.site.url + '/account?utm_source=jane.doe%40example.com&utm_medium=email');
  await trackerReady(page);
  for (const field of ['#sub', '#phone', '#email']) {
    await page.click(field);
    await page.keyboard.type('x');
  }
  // A button that does nothing: a dead click, whose element the summary names.
  await page.click('button');
  await page.waitForTimeout(1300);
  const summary = await page.evaluate(() => window.microconv('inspect'));
  const text = JSON.stringify(summary);
  assert.deepEqual(
    kPersonal.filter((s) => text.includes(s)),
    [],
    text,
  );
  assert.equal(summary.utm_source ?? '', '');
  assert.equal(summary.utm_medium, 'email');
  const signin = summary.forms.find((f) => f.form === 'signin');
  assert.deepEqual(signin.fields.map((f) => f.field).sort(), [':id', 'email']);
  assert.equal(summary.dead_clicks, 1);
  // Named by position: no id on the way up is usable.
  assert.ok(
    summary.elements.some((e) => e.element === 'div>button' && e.dead_clicks === 1),
    JSON.stringify(summary.elements),
  );
  await page.goto('about:blank');
  await waitFor(() => harness.proxy.collects().length >= 1, 'the summary');
  // Every request but the site's own pages (whose URL the test chose).
  for (const r of requests.filter((r) => !r.url.startsWith(harness.site.url))) {
    const body = r.summary ? r.summary.toString('latin1') : '';
    assert.deepEqual(
      kPersonal.filter((s) => (r.url + body).includes(s)),
      [],
      `${r.method} ${r.url}`,
    );
  }
  for (const r of harness.proxy.records) {
    assert.deepEqual(
      kPersonal.filter((s) => (r.url + r.summary.toString('latin1')).includes(s)),
      [],
      `${r.method} ${r.url}`,
    );
  }
  assert.deepEqual(errors, []);
  await context.close();
});
