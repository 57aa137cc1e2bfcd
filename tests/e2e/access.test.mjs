// The private dashboard (issue 10 point 1): a browser logs in through the
// login page and sees the dashboard with who is logged in; a second browser
// without a login gets nothing but the login page, and a 401 from every
// private API route; logging out closes them again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser.close();
  await collector.stop();
});

const kPrivateApi = ['/api/report/demo', '/api/live/demo', '/api/sites', '/metrics'];

// Status of each private route asked with the context's cookies, if any
// (the login page's CSP lets no script fetch, so the context asks).
// (The live stream is asked only where it must fail: it never ends.)
async function apiStatuses(context, paths = kPrivateApi) {
  const statuses = {};
  for (const path of paths) {
    const response = await context.request.get(collector.url + path, { maxRedirects: 0 });
    statuses[path] = response.status();
    await response.dispose();
  }
  return statuses;
}

async function dashboardState(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state));
  return page.evaluate(() => document.body.dataset.state);
}

test('without a login a browser gets only the login page and 401s', async () => {
  const { page, context } = await openContext(browser, { viewport: { width: 390, height: 844 } });
  for (const path of ['/dashboard/', '/dashboard/?site=demo', '/dashboard/dashboard.js']) {
    await page.goto(collector.url + path);
    assert.equal(new URL(page.url()).pathname, '/login', path);
    assert.equal(await page.locator('form input[name="password"]').count(), 1);
  }
  // Back to the page asked for, after the login.
  assert.equal(new URL(page.url()).searchParams.get('next'), '/dashboard/dashboard.js');
  // The login page fits a 390 px phone: nothing scrolls sideways.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0);
  const statuses = await apiStatuses(context);
  for (const path of kPrivateApi) assert.equal(statuses[path], 401, path);
  // The dashboard's script is not served either (a redirect, not the file).
  const script = await context.request.get(collector.url + '/dashboard/dashboard.js', {
    maxRedirects: 0,
  });
  assert.equal(script.status(), 303);
  assert.deepEqual(
    (await context.cookies()).filter((c) => c.name === 'mc_session'),
    [],
  );
  await context.close();
});

test('a browser logs in, sees the dashboard and logs out', async () => {
  const { page, context, errors } = await openContext(browser, {
    viewport: { width: 1280, height: 900 },
  });
  await page.goto(collector.url + '/dashboard/?site=demo');
  assert.equal(new URL(page.url()).pathname, '/login');

  await page.fill('#user', collector.owner.user);
  await page.fill('#password', 'not the password');
  await page.click('button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.match(await page.locator('.message').textContent(), /Wrong user name or password/);

  await page.fill('#user', collector.owner.user);
  await page.fill('#password', collector.owner.password);
  await Promise.all([page.waitForURL('**/dashboard/**'), page.click('button[type="submit"]')]);
  // The page the login sent the browser to, as navigated: the dashboard may
  // already have written its range into the address bar (replaceState).
  const landed = new URL(
    await page.evaluate(() => performance.getEntriesByType('navigation')[0].name),
  );
  assert.equal(landed.pathname + landed.search, '/dashboard/?site=demo');
  assert.equal(await dashboardState(page), 'ready');
  assert.equal(await page.locator('#account-name').textContent(), collector.owner.user);

  const [session] = (await context.cookies()).filter((c) => c.name === 'mc_session');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.path, '/');
  const open = ['/api/report/demo', '/api/sites', '/metrics'];
  const statuses = await apiStatuses(context, open);
  for (const path of open) assert.equal(statuses[path], 200, path);

  // A second browser at the same time still gets nothing.
  const { page: other, context: otherContext } = await openContext(browser);
  await other.goto(collector.url + '/dashboard/?site=demo');
  assert.equal(new URL(other.url()).pathname, '/login');
  for (const [path, status] of Object.entries(await apiStatuses(otherContext)))
    assert.equal(status, 401, path);
  await otherContext.close();

  await Promise.all([page.waitForURL('**/login'), page.click('#logout')]);
  const closed = await apiStatuses(context);
  for (const path of kPrivateApi) assert.equal(closed[path], 401, path);
  await page.goto(collector.url + '/dashboard/');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an expired login sends the open dashboard to the login page', async () => {
  const { page, context } = await openContext(browser, { login: collector });
  await page.goto(collector.url + '/dashboard/?site=demo');
  assert.equal(await dashboardState(page), 'ready');
  await context.clearCookies(); // the server no longer knows this browser
  await Promise.all([page.waitForURL('**/login?**'), page.click('[data-days="7"]')]);
  const next = new URL(page.url()).searchParams.get('next');
  assert.ok(next.startsWith('/dashboard/?') && next.includes('site=demo'), next);
  await context.close();
});
