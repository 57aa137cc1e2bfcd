// The demo store as a newcomer runs it: `microconv host demo-site/store` on
// its own origin, its pages pointing at the collector (here through the
// recording proxy, so every request the pages send is seen).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { collectorBinary, freePort } from './collector.mjs';
import { repoRoot } from './paths.mjs';

export async function startDemoStore(collectorUrl) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    collectorBinary(),
    [
      'host',
      join(repoRoot, 'demo-site/store'),
      '--listen',
      `127.0.0.1:${port}`,
      '--collector',
      collectorUrl,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i >= 100) throw new Error('demo store did not start: ' + output);
    try {
      if ((await fetch(url + '/')).ok) break;
    } catch (_) {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

// Seeds a collector with simulated demo-store visitors (real summaries made
// by the core, sent over HTTP). `extra` flags override (--config, --seed).
export function simulateVisitors(collectorUrl, sessions, days = 3, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      collectorBinary(),
      [
        'simulate',
        '--endpoint',
        collectorUrl,
        '--config',
        join(repoRoot, 'demo-site/sites/demo.json'),
        '--sessions',
        String(sessions),
        '--days',
        String(days),
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error('simulate failed: ' + errors)),
    );
  });
}
