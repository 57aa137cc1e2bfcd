// Privacy claims that are exactly true (issue 10, point 6): the visitor's IP
// address and user agent reach the collector in every request (socket and
// headers: unavoidable), and the collector neither stores nor logs them.
// After a real browser journey, every file the collector wrote (the SQLite
// store, its -wal and -shm, the site configs) and its whole stdout/stderr
// are searched for the address, a forwarded address, the exact user agent
// and a planted secret.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext, trackerReady } from './support/browser.mjs';
import { startCollector } from './support/collector.mjs';
import { waitFor } from './support/harness.mjs';
import { startRecordingProxy } from './support/recording_proxy.mjs';
import { requireDist } from './support/paths.mjs';
import { shopRoutes } from './support/shop.mjs';
import { startSite } from './support/site_server.mjs';

const kProbe = randomBytes(6).toString('hex');
// A real Chrome user agent (the tracker buckets it as Chrome on Linux) with
// a token no other run can have.
const kUserAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  `Chrome/120.0.0.0 Safari/537.36 MicroconvProbe/${kProbe}`;
// Documentation ranges (RFC 5737), as a proxy in front of the collector would
// forward them.
const kForwarded = '198.51.100.23';
const kRealIp = '203.0.113.77';
const kSecret = 'SECRET_EMAIL_1f2e';

let collector;
let proxy;
let site;
let browser;
before(async () => {
  requireDist();
  collector = await startCollector();
  // A reverse proxy in front of the collector, as in a deployment: it passes
  // the browser's headers on (User-Agent included) and adds the visitor's
  // address in the forwarding headers.
  proxy = await startRecordingProxy(collector.url, {
    addHeaders: {
      'x-forwarded-for': kForwarded,
      'x-real-ip': kRealIp,
      forwarded: `for=${kForwarded};proto=https`,
    },
  });
  site = await startSite(
    { ...shopRoutes, '/': 'audit_home.html', '/signin': 'audit_form.html' },
    proxy.url,
  );
  // The flag, not a context option: Chromium applies a context's override to
  // page requests only, and beacons sent while a page unloads carry the
  // browser's own user agent.
  browser = await launchBrowser({ args: [`--user-agent=${kUserAgent}`] });
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await proxy?.stop();
  await collector?.stop();
});

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

// Where `needle` occurs in `text` (latin1 and UTF-16 renderings too: SQLite
// may store text as UTF-16), as short excerpts for the failure message.
function occurrences(text, needle) {
  const forms = [needle, Buffer.from(needle, 'utf16le').toString('latin1')];
  return forms.flatMap((form) => {
    const found = [];
    for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) {
      found.push(JSON.stringify(text.slice(Math.max(0, at - 40), at + form.length + 40)));
    }
    return found;
  });
}

test('the collector never stores or logs the IP address, forwarded addresses, user agent or page secrets', async () => {
  const { page, context, errors } = await openContext(browser);

  await page.goto(`${site.url}/?q=${kSecret}&utm_source=newsletter`);
  await trackerReady(page);
  await page.click('#copy');
  await page.click('a.nav');
  await page.waitForURL((url) => url.pathname === '/signin');
  await trackerReady(page);
  await page.fill('[name=email]', `${kSecret}@example.com`);
  await page.fill('[name=password]', kSecret);
  await page.click('#signin-submit');
  await page.waitForURL((url) => url.pathname === '/category/headphones');
  await trackerReady(page);
  await page.goto('about:blank');
  const report = await waitFor(async () => {
    const r = await collector.report('demo');
    return r.engagement.sessions >= 1 && r;
  }, 'the journey stored');
  assert.equal(report.unreadable_sessions, 0);
  assert.deepEqual(errors, []);
  await context.close();

  // The collector did receive them: otherwise the search below proves nothing.
  const collects = proxy.collects();
  assert.ok(collects.length >= 1, 'summaries went through the proxy');
  // Each exact user agent that reached the collector is searched for.
  const userAgents = [...new Set(collects.map((r) => r.headers['user-agent']))];
  assert.ok(userAgents.includes(kUserAgent), `user agents seen: ${userAgents}`);

  const needles = [...userAgents, `MicroconvProbe/${kProbe}`, kForwarded, kRealIp, kSecret];
  const files = filesUnder(collector.dir);
  assert.ok(
    files.some((f) => f.endsWith('store.db')),
    `the store is among the files: ${files}`,
  );
  for (const file of files) {
    const text = readFileSync(file).toString('latin1');
    for (const needle of [...needles, '127.0.0.1']) {
      assert.deepEqual(occurrences(text, needle), [], `${needle} in ${file}`);
    }
  }
  // The log names the collector's own listening address, which in this test
  // is the visitor's too: that one line is the only place it may appear.
  const log = collector.log();
  const ownAddress = /^microconv: serve: listening on 127\.0\.0\.1:\d+$/;
  const otherLines = log.split('\n').filter((line) => !ownAddress.test(line));
  for (const needle of [...needles, '127.0.0.1']) {
    assert.deepEqual(occurrences(otherLines.join('\n'), needle), [], `${needle} in the log`);
  }
});
