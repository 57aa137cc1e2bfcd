import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesDir = join(repoRoot, 'tests/e2e/fixtures');

export function requireDist() {
  for (const file of [
    'microconv.js',
    'microconv-tracker.js',
    'microconv-core.js',
    'microconv-core.wasm',
  ]) {
    if (!existsSync(join(repoRoot, 'web/dist', file))) {
      throw new Error(
        `web/dist/${file} missing: run node web/build.mjs --wasm-dir build/wasm/wasm first`,
      );
    }
  }
}
