// Behind Caddy (issue 10 point 3): Debian's caddy runs deploy/Caddyfile on
// 127.0.0.1 (plain HTTP: automatic HTTPS needs a public name) in front of a
// collector started with --trust-proxy 127.0.0.1/32. The purchase journey
// runs through it, the live stream is flushed event by event, and each
// loopback source address is its own visitor for the rate limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ingestStatuses,
  journeyThroughProxy,
  kVisitorBurst,
  readEvents,
  send,
  startBehindProxy,
  startCaddy,
} from './support/reverse_proxy.mjs';

let env;
before(async () => {
  env = await startBehindProxy(startCaddy);
});
after(() => env?.close());

test('the purchase journey runs through Caddy and is reported', async () => {
  const { report, viaProxy, direct, errors } = await journeyThroughProxy(env);
  assert.equal(report.engagement.sessions, 1);
  assert.equal(report.engagement.page_views, 10);
  for (const expected of ['GET /microconv.js', 'GET /config/demo.mcc']) {
    assert.ok(viaProxy.includes(expected), `${expected} in ${viaProxy.join(', ')}`);
  }
  assert.deepEqual(direct, []);
  assert.deepEqual(errors, []);
});

test('each visitor behind Caddy has its own ingest budget; what it claims is dropped', async () => {
  const caddy = env.proxy.url;
  const first = await ingestStatuses(caddy, kVisitorBurst + 2, { from: '127.0.0.2' });
  assert.equal(first.filter((s) => s === 400).length, kVisitorBurst, String(first));
  assert.deepEqual(first.slice(kVisitorBurst), [429, 429]);
  assert.deepEqual(await ingestStatuses(caddy, 2, { from: '127.0.0.3' }), [400, 400]);
  const spoofed = await ingestStatuses(caddy, 2, {
    from: '127.0.0.2',
    headers: { 'x-forwarded-for': '198.51.100.7', forwarded: 'for=198.51.100.8' },
  });
  assert.deepEqual(spoofed, [429, 429]);
});

test('Caddy caps bodies at the collector size and flushes the live stream', async () => {
  const post = (body, headers = {}) =>
    send(env.proxy.url + '/api/collect', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body,
      from: '127.0.0.3',
    });
  assert.equal((await post('x'.repeat(16 * 1024 + 1))).status, 413);
  // Through to the collector, refused as no summary.
  assert.equal((await post('x'.repeat(16 * 1024))).status, 400);
  const chunked = await post('x'.repeat(1024 * 1024), { 'transfer-encoding': 'chunked' });
  assert.ok(chunked.status === 413 || chunked.status === 502, String(chunked.status));
  const live = await readEvents(env.proxy.url + '/api/live/demo', {
    headers: { cookie: env.collector.cookie },
    count: 2,
    timeoutMs: 5000,
  });
  assert.equal(live.events.length, 2);
});
