// The collector's static files as a browser fetches them (issue 11): the
// precompressed variant chosen by Accept-Encoding, the right types, a year of
// caching for content-hashed names, ETag/304 for the rest, nosniff, CORS for
// what sites' pages load, and bytes that decode to exactly the built file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectorBinary, startCollector } from './support/collector.mjs';
import { distDir, repoRoot, requireDist, servedName } from './support/paths.mjs';
import { decoded, rawGet as rawGetAnonymous } from './support/raw_http.mjs';

const kBrowser = { 'Accept-Encoding': 'gzip, deflate, br' };
const kImmutable = 'public, max-age=31536000, immutable';

// Every file a visitor's browser or the owner's dashboard loads.
const kFiles = [
  { file: 'microconv.js', type: 'text/javascript', cache: 'no-cache', cors: true },
  { file: 'microconv-tracker.js', type: 'text/javascript', cache: kImmutable, cors: true },
  { file: 'microconv-core.js', type: 'text/javascript', cache: kImmutable, cors: true },
  { file: 'microconv-core.wasm', type: 'application/wasm', cache: kImmutable, cors: true },
  { file: 'microconv-core.nowasm.js', type: 'text/javascript', cache: kImmutable, cors: true },
  { file: 'microconv-inspect.js', type: 'text/javascript', cache: kImmutable, cors: true },
  { file: 'microconv-inspect.wasm', type: 'application/wasm', cache: kImmutable, cors: true },
  { file: 'microconv-inspect.nowasm.js', type: 'text/javascript', cache: kImmutable, cors: true },
  { file: 'dashboard/dashboard.js', type: 'text/javascript', cache: kImmutable },
  { file: 'dashboard/dashboard.css', type: 'text/css', cache: kImmutable },
  { path: 'dashboard/index.html', url: '/dashboard/', type: 'text/html', cache: 'no-cache' },
  { path: 'dashboard/funnel-semantics.html', type: 'text/html', cache: 'no-cache' },
];

let collector;
before(async () => {
  requireDist();
  collector = await startCollector();
});
after(() => collector?.stop());

// The dashboard is private: these requests come from the owner's logged-in
// browser, as the dashboard's own would (tests/e2e/access.test.mjs covers
// everyone else).
const rawGet = (url, headers = {}) =>
  rawGetAnonymous(url, { ...headers, Cookie: collector.cookie });

// Where the entry lies in web/dist: under its content-hashed name, or its
// own path for the files that keep their name.
const built = (entry) => entry.path ?? servedName(entry.file);

test('every static file: precompressed, typed, cached, validated, exact bytes', async () => {
  for (const entry of kFiles) {
    const url = collector.url + (entry.url ?? '/' + built(entry));
    const bytes = readFileSync(join(distDir, built(entry)));
    const res = await rawGet(url, kBrowser);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers['content-encoding'], 'br', url);
    assert.ok(
      res.headers['content-type'].startsWith(entry.type),
      `${url}: ${res.headers['content-type']}`,
    );
    assert.equal(res.headers['cache-control'], entry.cache, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers.vary, 'Accept-Encoding', url);
    if (entry.cors) assert.equal(res.headers['access-control-allow-origin'], '*', url);
    assert.ok(res.body.length < bytes.length, `${url}: ${res.body.length} of ${bytes.length}`);
    assert.ok(decoded(res).equals(bytes), `${url}: decoded bytes differ from the built file`);

    // gzip-only clients get gzip, and a validator of their own.
    const gzip = await rawGet(url, { 'Accept-Encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip', url);
    assert.ok(decoded(gzip).equals(bytes), url);
    assert.notEqual(gzip.headers.etag, res.headers.etag, url);

    // Revalidation: 304 with no body for the variant the client holds.
    const etag = res.headers.etag;
    assert.match(etag, /^"[0-9a-f]+-br"$/, url);
    const again = await rawGet(url, { ...kBrowser, 'If-None-Match': etag });
    assert.equal(again.status, 304, url);
    assert.equal(again.body.length, 0, url);
    assert.equal(again.headers.etag, etag, url);
    const other = await rawGet(url, { ...kBrowser, 'If-None-Match': gzip.headers.etag });
    assert.equal(other.status, 200, `${url}: a gzip validator does not validate br`);
  }
});

test('the compiled config: compressed, CORS, ETag of its hash and its bytes, 304', async () => {
  const url = collector.url + '/config/demo.mcc';
  const identity = await rawGet(url, { 'Accept-Encoding': 'identity' });
  assert.equal(identity.status, 200);
  assert.equal(identity.headers['content-encoding'], undefined);
  assert.equal(identity.headers['content-type'], 'application/octet-stream');
  // "CONFIG.BYTES": the config's hash, then the served bytes' own.
  assert.match(identity.headers.etag, /^"[0-9a-f]{8}\.[0-9a-f]{8}"$/);
  const res = await rawGet(url, kBrowser);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-encoding'], 'br');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers.etag, identity.headers.etag.replace(/"$/, '-br"'));
  assert.ok(res.body.length < identity.body.length);
  assert.ok(decoded(res).equals(identity.body));
  const again = await rawGet(url, { ...kBrowser, 'If-None-Match': res.headers.etag });
  assert.equal(again.status, 304);
});

test('the served config leaves out what only the owner reads; config compile keeps it', async () => {
  const text = decoded(await rawGet(collector.url + '/config/demo.mcc', kBrowser)).toString(
    'latin1',
  );
  const dir = mkdtempSync(join(tmpdir(), 'microconv-config-'));
  try {
    const out = join(dir, 'demo.mcc');
    execFileSync(collectorBinary(), [
      'config',
      'compile',
      join(repoRoot, 'demo-site/sites/demo.json'),
      '-o',
      out,
    ]);
    const compiled = readFileSync(out).toString('latin1');
    // Micro-conversion and funnel labels, page examples (core/browser_config.h
    // BrowserConfig): the owner's reports and dashboard read them.
    for (const ownersOnly of ['Placed order', 'Opened Electronics', '/product/aurora-x2']) {
      assert.ok(compiled.includes(ownersOnly), ownersOnly);
      assert.ok(!text.includes(ownersOnly), ownersOnly);
    }
    // What the visitor's core, tracker and inspect module read stays.
    for (const kept of ['add_to_cart', 'Place order', '[data-mc=add-to-cart]', '"clicks"'])
      assert.ok(text.includes(kept), kept);
    assert.ok(text.length < compiled.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Accept-Encoding q-values pick the variant', async () => {
  const url = collector.url + '/' + servedName('microconv-core.wasm');
  const coding = async (accept) =>
    (await rawGet(url, { 'Accept-Encoding': accept })).headers['content-encoding'] ?? 'identity';
  assert.equal(await coding('br;q=0.5, gzip'), 'gzip');
  assert.equal(await coding('gzip;q=0.2, br;q=0.3'), 'br');
  assert.equal(await coding('br;q=0, gzip;q=0'), 'identity');
  assert.equal(await coding('*'), 'br');
  assert.equal(await coding('*, br;q=0'), 'gzip');
  assert.equal(await coding('identity'), 'identity');
  assert.equal(await coding(''), 'identity');
});

test('paths that could name something else are refused', async () => {
  for (const path of [
    '/microconv.js%00.html',
    '/microconv.js%00',
    '/%2e%2e/etc/passwd',
    '/../etc/passwd',
    '/dashboard/..%2fmicroconv.js',
    '/dashboard%5cindex.html',
    '/.manifest',
  ]) {
    const res = await rawGet(collector.url + path, kBrowser);
    assert.equal(res.status, 400, path);
    assert.ok(!String(res.headers['content-type']).startsWith('text/html'), path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
  }
  // Twins are variants, not files of their own; unknown names are 404.
  for (const path of ['/microconv.js.br', '/nope.js']) {
    assert.equal((await rawGet(collector.url + path, kBrowser)).status, 404, path);
  }
  const redirect = await rawGet(collector.url + '/dashboard', kBrowser);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/dashboard/');
});
