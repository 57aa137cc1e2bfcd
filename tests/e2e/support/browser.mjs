// One headless Chromium per test file (flags from TOOLCHAIN.md; Playwright
// gives it a fresh temporary profile), one context per test with every
// request, page error and console warning recorded.
import { chromium } from 'playwright-core';
import { beaconSummary } from './beacon.mjs';

const kFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// `backForwardCache`: keep Chromium's back/forward cache, which Playwright
// turns off by default. `args`: more Chromium flags.
export function launchBrowser({ backForwardCache = false, args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...kFlags, ...args],
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
    headless: true,
  });
}

// Counts every storage write and cookie write the page makes (tracker
// included) before any page script runs.
const kStorageSpy = `(() => {
  window.__storageWrites = [];
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    window.__storageWrites.push(key);
    return setItem.call(this, key, value);
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    get() { return cookie.get.call(this); },
    set(value) { window.__storageWrites.push('cookie'); cookie.set.call(this, value); },
  });
})();`;

// `gpc`, `dnt`: the visitor's signals. `login`: a started collector whose
// owner this context is logged in as (for the dashboard).
export async function openContext(browser, { gpc = false, dnt = false, login, ...options } = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  if (login) await login.login(context);
  const requests = [];
  const errors = [];
  const warnings = [];
  context.on('request', (request) => {
    const body = request.postDataBuffer();
    const summary = request.url().includes('/api/collect')
      ? beaconSummary(request.url(), body)
      : body;
    requests.push({ url: request.url(), method: request.method(), body, summary });
  });
  await context.addInitScript(kStorageSpy);
  if (gpc) {
    await context.addInitScript(
      "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});",
    );
  }
  if (dnt) {
    await context.addInitScript(
      "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});",
    );
  }
  context.on('page', (page) => watchPage(page, errors, warnings));
  const page = await context.newPage();
  return { context, page, requests, errors, warnings };
}

function watchPage(page, errors, warnings) {
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') warnings.push(message.text());
  });
}

// Resolves when the tracker chunk took over (the call queue answers).
export async function trackerReady(page) {
  await page.waitForFunction(() => typeof window.microconv === 'function' && window.microconv.l);
  // inspect() resolves only once the chunk ran: the queue holds it until then.
  return page.evaluate(() => window.microconv('inspect'));
}

export function collectRequests(requests, collectorUrl) {
  return requests.filter((r) => r.url.startsWith(collectorUrl + '/api/collect'));
}
