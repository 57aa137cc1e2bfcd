// Behind Caddy (issue 10 point 3): Debian's caddy runs deploy/Caddyfile on
// 127.0.0.1 (plain HTTP: automatic HTTPS needs a public name) in front of a
// collector started with --trust-proxy 127.0.0.1/32. The purchase journey
// runs through it, the live stream is flushed event by event, and each
// loopback source address is its own visitor for the rate limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { waitFor } from './support/harness.mjs';
import { requireDist } from './support/paths.mjs';
import { ingestStatuses, readEvents, send, startCaddy } from './support/reverse_proxy.mjs';
import { shopRoutes, walkPurchaseJourney } from './support/shop.mjs';
import { startSite } from './support/site_server.mjs';

const kBurst = 30;

let collector;
let caddy;
let site;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector(
    {},
    { args: ['--trust-proxy', '127.0.0.1/32', '--rate', '0.01', '--burst', String(kBurst)] },
  );
  caddy = await startCaddy(collector.url);
  site = await startSite(shopRoutes, caddy.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await caddy?.stop();
  await collector?.stop();
});

test('the purchase journey runs through Caddy and is reported', async () => {
  const { page, context, requests, errors } = await openContext(browser);
  await walkPurchaseJourney(page, site.url);
  await page.goto('about:blank');
  const report = await waitFor(async () => {
    const r = await collector.report('demo');
    const f = r.funnels.find((x) => x.id === 'purchase');
    return f && !f.suppressed && f.conversions === 1 ? r : null;
  }, 'the collector to report the conversion through Caddy');
  assert.equal(report.engagement.sessions, 1);
  const paths = requests
    .filter((r) => r.url.startsWith(caddy.url + '/'))
    .map((r) => `${r.method} ${new URL(r.url).pathname}`);
  // Beacons sent while a page unloads are not in Playwright's list; the
  // pages know only Caddy's address, so the reported session came through it.
  for (const expected of ['GET /microconv.js', 'GET /config/demo.mcc']) {
    assert.ok(paths.includes(expected), `${expected} in ${paths.join(', ')}`);
  }
  assert.deepEqual(
    requests.filter((r) => r.url.startsWith(collector.url)),
    [],
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('each visitor behind Caddy has its own ingest budget; what it claims is dropped', async () => {
  const first = await ingestStatuses(caddy.url, kBurst + 2, { from: '127.0.0.2' });
  assert.equal(first.filter((s) => s === 400).length, kBurst, String(first));
  assert.deepEqual(first.slice(kBurst), [429, 429]);
  assert.deepEqual(await ingestStatuses(caddy.url, 2, { from: '127.0.0.3' }), [400, 400]);
  const spoofed = await ingestStatuses(caddy.url, 2, {
    from: '127.0.0.2',
    headers: { 'x-forwarded-for': '198.51.100.7', forwarded: 'for=198.51.100.8' },
  });
  assert.deepEqual(spoofed, [429, 429]);
});

test('Caddy caps bodies at the collector size and flushes the live stream', async () => {
  const big = await send(caddy.url + '/api/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(16 * 1024 + 1),
    from: '127.0.0.3',
  });
  assert.equal(big.status, 413);
  const fits = await send(caddy.url + '/api/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(16 * 1024),
    from: '127.0.0.3',
  });
  assert.equal(fits.status, 400); // through to the collector, refused as no summary
  const chunked = await send(caddy.url + '/api/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
    body: 'x'.repeat(1024 * 1024),
    from: '127.0.0.3',
  });
  assert.ok(chunked.status === 413 || chunked.status === 502, String(chunked.status));
  const live = await readEvents(caddy.url + '/api/live/demo', {
    headers: { cookie: collector.cookie },
    count: 2,
    timeoutMs: 5000,
  });
  assert.equal(live.events.length, 2);
});
