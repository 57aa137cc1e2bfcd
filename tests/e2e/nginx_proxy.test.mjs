// Behind nginx (issue 10 point 3): Debian's nginx runs deploy/nginx/microconv.conf
// on 127.0.0.1 (TLS with a certificate made now) in front of a collector
// started with --trust-proxy 127.0.0.1/32. The purchase journey runs
// through it (tracker, config and beacons), and the per-address limits key
// on the visitor each request really came from: distinct loopback source
// addresses (127.0.0.2, 127.0.0.3) are distinct visitors to nginx.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { waitFor } from './support/harness.mjs';
import { requireDist } from './support/paths.mjs';
import { ingestStatuses, readEvents, send, startNginx } from './support/reverse_proxy.mjs';
import { shopRoutes, walkPurchaseJourney } from './support/shop.mjs';
import { startSite } from './support/site_server.mjs';

// Ingest budget per visitor: a burst, then one more every 100 s (none
// during this test).
const kBurst = 30;

let collector;
let nginx;
let site;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector(
    {},
    { args: ['--trust-proxy', '127.0.0.1/32', '--rate', '0.01', '--burst', String(kBurst)] },
  );
  nginx = await startNginx(collector.url);
  site = await startSite(shopRoutes, nginx.url);
  browser = await launchBrowser({ args: ['--ignore-certificate-errors'] });
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await nginx?.stop();
  await collector?.stop();
});

test('the purchase journey runs through nginx over TLS and is reported', async () => {
  const { page, context, requests, errors } = await openContext(browser, {
    ignoreHTTPSErrors: true,
  });
  await walkPurchaseJourney(page, site.url);
  await page.goto('about:blank'); // leaving the last page sends its summary
  const report = await waitFor(async () => {
    const r = await collector.report('demo');
    const f = r.funnels.find((x) => x.id === 'purchase');
    return f && !f.suppressed && f.conversions === 1 ? r : null;
  }, 'the collector to report the conversion through nginx');
  assert.equal(report.engagement.sessions, 1);
  assert.equal(report.engagement.page_views, 10);

  // The tracker, its Wasm and the compiled config came through nginx, and
  // no request reached the collector's own port: the pages know only nginx's
  // address, so the beacons counted above went through it too (a beacon sent
  // while its page unloads is not in Playwright's request list).
  const viaProxy = requests.filter((r) => r.url.startsWith(nginx.url + '/'));
  const paths = viaProxy.map((r) => new URL(r.url).pathname);
  assert.ok(paths.includes('/microconv.js'), paths.join(' '));
  assert.ok(
    paths.some((p) => p.endsWith('.wasm')),
    paths.join(' '),
  );
  assert.ok(paths.includes('/config/demo.mcc'), paths.join(' '));
  assert.deepEqual(
    requests.filter((r) => r.url.startsWith(collector.url)),
    [],
    'no request bypassed the proxy',
  );
  assert.deepEqual(errors, []);
  await context.close();
  // nginx logged no request (the file's access_log off beats the http-level
  // log, as it must beat Debian's nginx.conf).
  assert.ok(!existsSync(nginx.accessLog) || readFileSync(nginx.accessLog, 'utf8') === '');
});

test('each visitor behind nginx has its own ingest budget; what it claims is ignored', async () => {
  const first = await ingestStatuses(nginx.url, kBurst + 3, { from: '127.0.0.2', ca: nginx.ca });
  assert.deepEqual(
    first.filter((s) => s !== 429).length,
    kBurst,
    `127.0.0.2 gets ${kBurst} before 429: ${first}`,
  );
  assert.deepEqual(first.slice(kBurst), [429, 429, 429]);
  assert.ok(first.slice(0, kBurst).every((s) => s === 400)); // admitted, then refused as no summary
  // Another visitor behind the same nginx: a fresh budget.
  const second = await ingestStatuses(nginx.url, 3, { from: '127.0.0.3', ca: nginx.ca });
  assert.deepEqual(second, [400, 400, 400]);
  // The exhausted visitor naming someone else: nginx appends the address it
  // saw, the collector reads from the right and stops there.
  const spoofed = await ingestStatuses(nginx.url, 3, {
    from: '127.0.0.2',
    ca: nginx.ca,
    headers: { 'x-forwarded-for': '198.51.100.7' },
  });
  assert.deepEqual(spoofed, [429, 429, 429]);
});

test('a spoofed X-Forwarded-For sent straight to the collector is ignored', async () => {
  // 127.0.0.4 is not a trusted proxy: every claim below is ignored and all
  // its posts share one budget.
  const statuses = [];
  for (let i = 0; i < kBurst + 2; i++) {
    const [status] = await ingestStatuses(collector.url, 1, {
      from: '127.0.0.4',
      headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-forwarded-proto': 'https' },
    });
    statuses.push(status);
  }
  assert.deepEqual(statuses.slice(kBurst), [429, 429], String(statuses));
  const login = await send(collector.url + '/login', {
    from: '127.0.0.4',
    headers: { 'x-forwarded-proto': 'https' },
  });
  assert.doesNotMatch(String(login.headers['set-cookie']), /Secure/);
});

test('nginx redirects HTTP, terminates TLS for a Secure login cookie, caps bodies, streams live', async () => {
  const redirect = await send(nginx.httpUrl + '/dashboard/?site=demo');
  assert.equal(redirect.status, 301);
  assert.match(redirect.headers.location, /^https:\/\/127\.0\.0\.1\/dashboard\/\?site=demo$/);

  const login = await send(nginx.url + '/login', { ca: nginx.ca });
  assert.equal(login.status, 200);
  assert.match(String(login.headers['set-cookie']), /^mc_csrf=[0-9a-f]+;.*; Secure$/);
  assert.match(login.headers['strict-transport-security'], /max-age=31536000/);

  // The collector's body cap, enforced before the collector reads a byte.
  const big = await send(nginx.url + '/api/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(16 * 1024 + 1),
    from: '127.0.0.3',
    ca: nginx.ca,
  });
  assert.equal(big.status, 413);
  const fits = await send(nginx.url + '/api/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(16 * 1024),
    from: '127.0.0.3',
    ca: nginx.ca,
  });
  assert.equal(fits.status, 400); // through to the collector, refused as no summary

  // The live view's events arrive one by one (a second apart) through nginx.
  const live = await readEvents(nginx.url + '/api/live/demo', {
    headers: { cookie: collector.cookie },
    ca: nginx.ca,
    count: 2,
    timeoutMs: 5000,
  });
  assert.match(live.headers['content-type'], /^text\/event-stream/);
  assert.equal(live.events.length, 2);
});
