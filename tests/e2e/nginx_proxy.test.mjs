// Behind nginx (issue 10 point 3): Debian's nginx runs deploy/nginx/microconv.conf
// on 127.0.0.1 (TLS with a certificate made now) in front of a collector
// started with --trust-proxy 127.0.0.1/32. The purchase journey runs
// through it (tracker, config and beacons), and the per-address limits key
// on the visitor each request really came from: distinct loopback source
// addresses (127.0.0.2, 127.0.0.3) are distinct visitors to nginx.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  ingestStatuses,
  journeyThroughProxy,
  kVisitorBurst,
  readEvents,
  send,
  startBehindProxy,
  startNginx,
} from './support/reverse_proxy.mjs';

let env;
let nginx;
before(async () => {
  // The certificate is made now and self-signed: Chromium is told to accept it.
  env = await startBehindProxy(startNginx, ['--ignore-certificate-errors']);
  nginx = env.proxy;
});
after(() => env?.close());

test('the purchase journey runs through nginx over TLS and is reported', async () => {
  const { report, viaProxy, direct, errors } = await journeyThroughProxy(env, {
    ignoreHTTPSErrors: true,
  });
  assert.equal(report.engagement.sessions, 1);
  assert.equal(report.engagement.page_views, 10);
  assert.ok(viaProxy.includes('GET /microconv.js'), viaProxy.join(', '));
  assert.ok(
    viaProxy.some((request) => request.endsWith('.wasm')),
    viaProxy.join(', '),
  );
  assert.ok(viaProxy.includes('GET /config/demo.mcc'), viaProxy.join(', '));
  assert.deepEqual(direct, [], 'no request bypassed the proxy');
  assert.deepEqual(errors, []);
  // nginx logged no request (the file's access_log off beats the http-level
  // log, as it must beat Debian's nginx.conf).
  assert.ok(!existsSync(nginx.accessLog) || readFileSync(nginx.accessLog, 'utf8') === '');
});

test('each visitor behind nginx has its own ingest budget; what it claims is ignored', async () => {
  const first = await ingestStatuses(nginx.url, kVisitorBurst + 3, {
    from: '127.0.0.2',
    ca: nginx.ca,
  });
  // Admitted (then refused as no summary) up to the burst, then limited.
  assert.deepEqual(first.slice(0, kVisitorBurst), Array(kVisitorBurst).fill(400), String(first));
  assert.deepEqual(first.slice(kVisitorBurst), [429, 429, 429]);
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
  for (let i = 0; i < kVisitorBurst + 2; i++) {
    const [status] = await ingestStatuses(env.collector.url, 1, {
      from: '127.0.0.4',
      headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-forwarded-proto': 'https' },
    });
    statuses.push(status);
  }
  assert.deepEqual(statuses.slice(kVisitorBurst), [429, 429], String(statuses));
  const login = await send(env.collector.url + '/login', {
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
  const post = (body, headers = {}) =>
    send(nginx.url + '/api/collect', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body,
      from: '127.0.0.3',
      ca: nginx.ca,
    });
  assert.equal((await post('x'.repeat(16 * 1024 + 1))).status, 413);
  // Through to the collector, refused as no summary.
  assert.equal((await post('x'.repeat(16 * 1024))).status, 400);
  // A chunked body has no length up front: nginx counts as it reads.
  const chunked = await post('x'.repeat(1024 * 1024), { 'transfer-encoding': 'chunked' });
  assert.equal(chunked.status, 413);

  // The live view's events arrive one by one (a second apart) through nginx.
  const live = await readEvents(nginx.url + '/api/live/demo', {
    headers: { cookie: env.collector.cookie },
    ca: nginx.ca,
    count: 2,
    timeoutMs: 5000,
  });
  assert.match(live.headers['content-type'], /^text\/event-stream/);
  assert.equal(live.events.length, 2);
});
