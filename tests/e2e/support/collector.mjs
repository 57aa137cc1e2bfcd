// Runs the real collector (`microconv serve`) on 127.0.0.1 with a temporary
// store and site configs: demo-site/sites/demo.json plus variants that the
// tests need (require-consent, journey scope). The store has an owner
// account, logged in through the real login form: `report()` reads as that
// owner and `login(context)` hands a browser context the owner's session
// (the dashboard is private; nothing is opened for tests).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

// MICROCONV_BIN, else the test command's native build, else the newest
// build/*/tools/microconv.
export function collectorBinary() {
  if (process.env.MICROCONV_BIN) return process.env.MICROCONV_BIN;
  const preferred = join(repoRoot, 'build/native/tools/microconv');
  if (existsSync(preferred)) return preferred;
  const builds = join(repoRoot, 'build');
  const found = (existsSync(builds) ? readdirSync(builds) : [])
    .map((dir) => join(builds, dir, 'tools/microconv'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found.length) {
    throw new Error(
      'no microconv binary: build it (cmake --build build/native) or set MICROCONV_BIN',
    );
  }
  return found[0];
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The demo site's config (demo-site/sites/demo.json), its privacy settings
// changed by `privacy`.
export function demoConfig(privacy = {}) {
  const demo = JSON.parse(readFileSync(join(repoRoot, 'demo-site/sites/demo.json'), 'utf8'));
  return { ...demo, privacy: { ...demo.privacy, ...privacy } };
}

function siteVariants() {
  const variant = (site, privacy) => ({ ...demoConfig(privacy), site });
  return {
    demo: demoConfig(),
    consent: variant('consent', { require_consent: true }),
    journey: variant('journey', { scope: 'journey', journey_days: 7 }),
    // An LDP summary carries no journey replay timeline (config check).
    ldp: variant('ldp', { ldp_epsilon: 1, replay_sample_rate: 0 }),
  };
}

async function waitHealthy(url, child, log) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error('collector exited: ' + log());
    try {
      const response = await fetch(url + '/healthz');
      if (response.ok) return;
    } catch (_) {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('collector did not become healthy: ' + log());
}

// The session cookie value of a login through the form: GET /login for the
// CSRF cookie and field, POST them with the credentials.
export async function logIn(url, user, password) {
  const form = await fetch(url + '/login');
  const csrfCookie = form.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith('mc_csrf='))
    .split(';')[0];
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await form.text())[1];
  const response = await fetch(url + '/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, password, csrf }),
  });
  const session = response.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith('mc_session='));
  if (response.status !== 303 || !session) throw new Error(`login answered ${response.status}`);
  return session.split(';')[0].slice('mc_session='.length);
}

// `configs` replaces site configs by file name (e.g. { demo: {...} }).
// `args`: more serve flags (a repeated flag wins over the defaults below).
export async function startCollector(configs = {}, { args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'microconv-e2e-'));
  const sites = join(dir, 'sites');
  mkdirSync(sites);
  for (const [name, config] of Object.entries({ ...siteVariants(), ...configs })) {
    writeFileSync(join(sites, name + '.json'), JSON.stringify(config, null, 2));
  }
  const store = 'sqlite:' + join(dir, 'store.db');
  const owner = { user: 'e2e-owner', password: randomBytes(16).toString('hex') };
  execFileSync(collectorBinary(), ['user', 'add', owner.user, '--store', store], {
    input: owner.password + '\n',
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    collectorBinary(),
    [
      'serve',
      '--store',
      store,
      '--sites',
      sites,
      '--listen',
      `127.0.0.1:${port}`,
      '--web',
      join(repoRoot, 'web/dist'),
      '--k',
      '1',
      '--rate',
      '0',
      // The seeded tests simulate up to 3 days of history: more than the
      // 48 h a live collector accepts by default.
      '--history-hours',
      '96',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await waitHealthy(url, child, () => output);
  const session = await logIn(url, owner.user, owner.password);
  return {
    url,
    sites,
    store,
    owner,
    dir, // the store and the site configs: every file the collector writes
    log: () => output,
    // A config edit as a site owner deploys it: the file, then SIGHUP.
    deploy(name, config) {
      writeFileSync(join(sites, name + '.json'), JSON.stringify(config, null, 2));
      child.kill('SIGHUP');
    },
    cookie: `mc_session=${session}`,
    // The owner's session in this browser context, as if logged in there.
    async login(context) {
      await context.addCookies([{ name: 'mc_session', value: session, url, httpOnly: true }]);
    },
    async report(site, query = '') {
      const response = await fetch(`${url}/api/report/${site}${query ? '?' + query : ''}`, {
        headers: { cookie: `mc_session=${session}` },
      });
      if (!response.ok) throw new Error(`report ${response.status}: ${await response.text()}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
