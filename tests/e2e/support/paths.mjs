import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesDir = join(repoRoot, 'tests/e2e/fixtures');

export const distDir = join(repoRoot, 'web/dist');

// The name web/build.mjs served a file under (content-hashed for the lazily
// loaded ones), from the manifest it writes.
// `dir`: another build's output (tracker_perf.mjs --web).
export function servedName(file, dir = distDir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  if (!manifest[file]) throw new Error(`${dir}/manifest.json names no ${file}`);
  return manifest[file];
}

export function requireDist() {
  const hint = 'run node web/build.mjs --wasm-dir build/wasm/wasm first';
  if (!existsSync(join(distDir, 'manifest.json'))) {
    throw new Error(`web/dist/manifest.json missing: ${hint}`);
  }
  for (const file of [
    'microconv.js',
    'microconv-tracker.js',
    'microconv-core.js',
    'microconv-core.wasm',
  ]) {
    if (!existsSync(join(distDir, servedName(file)))) {
      throw new Error(`web/dist/${servedName(file)} missing: ${hint}`);
    }
  }
}
