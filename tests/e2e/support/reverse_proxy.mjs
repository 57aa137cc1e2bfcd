// Debian's nginx and Caddy as ordinary processes on 127.0.0.1 in front of a
// collector, each running the deploy/ file a user installs (names, ports and
// paths substituted, every substitution checked so an edit of the file that
// the test does not follow fails here), and a raw HTTP(S) client that can
// speak from any loopback address (127.0.0.2, 127.0.0.3...: distinct
// visitors as a proxy sees them).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, openContext } from './browser.mjs';
import { freePort, startCollector } from './collector.mjs';
import { waitFor } from './harness.mjs';
import { repoRoot, requireDist } from './paths.mjs';
import { shopRoutes, walkPurchaseJourney } from './shop.mjs';
import { startSite } from './site_server.mjs';

// Ingest budget per visitor in these tests: a burst, then one more every
// 100 s (none during a test).
export const kVisitorBurst = 30;

// A collector trusting 127.0.0.1/32 (where the proxy connects from), the
// proxy `startProxy(collectorUrl)` in front of it, the shop's pages pointing
// at the proxy, and one Chromium (`browserArgs`: more flags).
export async function startBehindProxy(startProxy, browserArgs = []) {
  requireDist();
  const started = [];
  try {
    const collector = await startCollector(
      {},
      {
        args: ['--trust-proxy', '127.0.0.1/32', '--rate', '0.01', '--burst', String(kVisitorBurst)],
      },
    );
    started.unshift(collector);
    const proxy = await startProxy(collector.url);
    started.unshift(proxy);
    const site = await startSite(shopRoutes, proxy.url);
    started.unshift(site);
    const browser = await launchBrowser({ args: browserArgs });
    started.unshift({ stop: () => browser.close() });
    return {
      collector,
      proxy,
      site,
      browser,
      async close() {
        for (const part of started) await part.stop();
      },
    };
  } catch (error) {
    for (const part of started) await part.stop();
    throw error;
  }
}

// The purchase journey in a fresh browser context, through the proxy; done
// once the collector reports its conversion. `viaProxy`: "METHOD /path" of
// what the browser asked the proxy; `direct`: requests that bypassed it.
// Beacons sent while a page unloads are not in Playwright's request list:
// the pages know only the proxy's address, so the report proves they passed.
export async function journeyThroughProxy({ collector, proxy, site, browser }, options = {}) {
  const { page, context, requests, errors } = await openContext(browser, options);
  await walkPurchaseJourney(page, site.url);
  await page.goto('about:blank'); // leaving the last page sends its summary
  const report = await waitFor(async () => {
    const r = await collector.report('demo');
    const f = r.funnels.find((x) => x.id === 'purchase');
    return f && !f.suppressed && f.conversions === 1 ? r : null;
  }, 'the collector to report the conversion through the proxy');
  await context.close();
  return {
    report,
    viaProxy: requests
      .filter((r) => r.url.startsWith(proxy.url + '/'))
      .map((r) => `${r.method} ${new URL(r.url).pathname}`),
    direct: requests.filter((r) => r.url.startsWith(collector.url)),
    errors,
  };
}

// `text` with `from` replaced by `to`, exactly `count` times.
function substitute(text, from, to, count = 1) {
  const found = text.split(from).length - 1;
  if (found !== count)
    throw new Error(`expected ${count} "${from}" in the deploy file, found ${found}`);
  return text.replaceAll(from, to);
}

function startProcess(command, args, options, what) {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return {
    child,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
    what,
  };
}

async function waitAnswering(url, server, ca) {
  for (let i = 0; i < 100; i++) {
    if (server.child.exitCode !== null) throw new Error(`${server.what} exited: ${server.log()}`);
    try {
      await send(url, { ca });
      return;
    } catch (_) {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${server.what} did not answer: ${server.log()}`);
}

// A self-signed certificate for 127.0.0.1 (P-256: quick to make).
function makeCertificate(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key, pem: readFileSync(cert) };
}

// nginx with deploy/nginx/microconv.conf: HTTPS on `url` (self-signed, `ca`
// trusts it), the redirecting HTTP server on `httpUrl`. `accessLog` is the
// log an http-level access_log would write, which the file turns off.
export async function startNginx(collectorUrl) {
  const prefix = mkdtempSync(join(tmpdir(), 'microconv-nginx-'));
  // Workers run as nobody when started as root: they must reach the temp dirs.
  chmodSync(prefix, 0o755);
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(prefix, dir), { mode: 0o777 });
    chmodSync(join(prefix, dir), 0o777);
  }
  const tls = makeCertificate(prefix);
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  let site = readFileSync(join(repoRoot, 'deploy/nginx/microconv.conf'), 'utf8');
  site = substitute(site, 'server 127.0.0.1:8080;', `server ${new URL(collectorUrl).host};`);
  site = substitute(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = substitute(site, 'listen [::]:80;\n', '');
  site = substitute(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = substitute(site, 'listen [::]:443 ssl http2;\n', '');
  site = substitute(site, '/etc/letsencrypt/live/analytics.example.com/fullchain.pem', tls.cert);
  site = substitute(site, '/etc/letsencrypt/live/analytics.example.com/privkey.pem', tls.key);
  site = substitute(site, 'root /var/www/html;', `root ${prefix};`);
  const accessLog = join(prefix, 'access.log');
  const config = join(prefix, 'nginx.conf');
  writeFileSync(
    config,
    [
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')} error;`,
      'events { worker_connections 256; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      // What Debian's nginx.conf does: every request logged, with the address.
      `  access_log ${accessLog};`,
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (dir) => `  ${dir === 'body' ? 'client_body' : dir}_temp_path ${join(prefix, dir)};`,
      ),
      site,
      '}',
      '',
    ].join('\n'),
  );
  const nginx = startProcess(
    'nginx',
    ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', config, '-g', 'daemon off;'],
    {},
    'nginx',
  );
  const url = `https://127.0.0.1:${httpsPort}`;
  await waitAnswering(url + '/healthz', nginx, tls.pem);
  return {
    url,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    ca: tls.pem,
    accessLog,
    log: () => nginx.log() + readFileSync(join(prefix, 'error.log'), 'utf8'),
    async stop() {
      await nginx.stop();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

// Caddy with deploy/Caddyfile, plain HTTP on `url` (automatic HTTPS needs a
// public name; the proxying is the same).
export async function startCaddy(collectorUrl) {
  const home = mkdtempSync(join(tmpdir(), 'microconv-caddy-'));
  const port = await freePort();
  let caddyfile = readFileSync(join(repoRoot, 'deploy/Caddyfile'), 'utf8');
  // No admin endpoint on :2019 (another test may run one), no ACME account.
  caddyfile = substitute(caddyfile, '\temail admin@example.com\n', '\tadmin off\n');
  caddyfile = substitute(
    caddyfile,
    'analytics.example.com {\n',
    `http://127.0.0.1:${port} {\n\tbind 127.0.0.1\n`,
  );
  caddyfile = substitute(
    caddyfile,
    'reverse_proxy 127.0.0.1:8080 {',
    `reverse_proxy ${new URL(collectorUrl).host} {`,
  );
  const config = join(home, 'Caddyfile');
  writeFileSync(config, caddyfile);
  const caddy = startProcess(
    'caddy',
    ['run', '--config', config, '--adapter', 'caddyfile'],
    // Caddy keeps its state under HOME / XDG dirs: a temp one.
    { env: { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home } },
    'caddy',
  );
  const url = `http://127.0.0.1:${port}`;
  await waitAnswering(url + '/healthz', caddy);
  return {
    url,
    log: caddy.log,
    async stop() {
      await caddy.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

// One request, the body read whole. `from`: the local address to connect
// from; `ca`: the certificate to trust for https.
export function send(url, { method = 'GET', headers = {}, body, from, ca } = {}) {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method, headers, localAddress: from, ca, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// The statuses of `n` ingest posts from `from` (a body the collector
// refuses after the rate limit: 400 when admitted, 429 when limited).
export async function ingestStatuses(url, n, { from, headers = {}, ca } = {}) {
  const statuses = [];
  for (let i = 0; i < n; i++) {
    const res = await send(url + '/api/collect', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body: 'not a summary',
      from,
      ca,
    });
    statuses.push(res.status);
  }
  return statuses;
}

// The first `count` server-sent events of a stream, or a rejection after
// `timeoutMs`: proves each event passes the proxy unbuffered.
export function readEvents(url, { headers = {}, ca, count = 2, timeoutMs = 5000 } = {}) {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(target, { headers, ca, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        reject(new Error(`live stream answered ${res.statusCode}`));
        return;
      }
      res.on('data', (chunk) => {
        text += chunk;
        const events = text.split('\n\n').filter((event) => event.startsWith('event: live'));
        if (events.length >= count) {
          clearTimeout(timer);
          req.destroy();
          resolve({ headers: res.headers, events });
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`fewer than ${count} live events in ${timeoutMs} ms: ${text}`));
    }, timeoutMs);
    req.on('error', reject); // a no-op once resolved
    req.end();
  });
}
