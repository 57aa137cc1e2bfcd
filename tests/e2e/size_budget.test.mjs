// The hard size gate (issue 11 point 5): fails when the tracker as the
// collector serves it, the loader or the 9-step golden summary grows past
// its budget. Sizes are deterministic; timings stay benchmark figures
// (tools/bench.sh). The budgets and the targets are side by side in
// ARCHITECTURE.md's "Size and speed budgets": lower a budget when a change
// makes room, raise one only with a reason in the commit.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCollector } from './support/collector.mjs';
import { repoRoot, requireDist, servedName } from './support/paths.mjs';
import { rawGet } from './support/raw_http.mjs';

const kKiB = 1024;
// Loader + chunk + glue + .wasm + the demo site's compiled config, as sent
// to `Accept-Encoding: gzip, br`: 64,990 B when the gate was set (this
// session's merged tree: static serving, cross-tab journal, revenue); 55,709 B
// after the browser core's diet (issue 11 point 2: inspect module, packed
// time-zone table, no printf, error codes only), rounded up to the next KB;
// 55,986 B with the beacon deflate and its dictionary in the chunk (+~1.0 KB)
// and the slimmer glue and second wasm-opt pass (-735 B); 55,089 B after diet 3
// (Embind functions, grouped time-zone table: -3,183 B) paid for journey scope
// (+2,216 B), rounded up to the next KB; 53,709 B after the snapshot's direct
// builder calls (-1,145 B) paid for calls to action (+426 B), rounded up to the
// next KB; 51,606 B after the summary's direct builder calls (-269 B) and the
// tracker settings rendered at compile time (.wasm -2,037 B, config +192 B),
// rounded up to the next KB. The target is 25 KB.
const kServedTrackerBudget = 51 * kKiB;
// The critical-path loader, gzip: 1,450 B with the document size kept by a
// ResizeObserver (1,364 B before), rounded up to the next 50 B.
const kLoaderGzipBudget = 1450;
// tests/golden/purchase.mcs, the 9-step journey's summary (512 B with the
// revenue fields, rounded up to the next 50 B; target 300).
const kGoldenSummaryBudget = 550;

let collector;
before(async () => {
  requireDist();
  collector = await startCollector();
});
after(() => collector?.stop());

async function servedBytes(path, acceptEncoding) {
  const res = await rawGet(collector.url + path, { 'Accept-Encoding': acceptEncoding });
  assert.equal(res.status, 200, path);
  return res.body.length;
}

test('the whole tracker as served stays within its budget', async () => {
  const parts = {};
  for (const file of [
    'microconv.js',
    'microconv-tracker.js',
    'microconv-core.js',
    'microconv-core.wasm',
  ]) {
    parts[file] = await servedBytes('/' + servedName(file), 'gzip, br');
  }
  parts['config/demo.mcc'] = await servedBytes('/config/demo.mcc', 'gzip, br');
  const total = Object.values(parts).reduce((sum, bytes) => sum + bytes, 0);
  assert.ok(
    total <= kServedTrackerBudget,
    `served tracker ${total} B > budget ${kServedTrackerBudget} B: ${JSON.stringify(parts)}`,
  );
});

test('the loader stays within its gzip budget', async () => {
  const bytes = await servedBytes('/microconv.js', 'gzip');
  assert.ok(bytes <= kLoaderGzipBudget, `loader ${bytes} B gzip > ${kLoaderGzipBudget} B`);
});

test('the 9-step golden summary stays within its budget', () => {
  const bytes = statSync(join(repoRoot, 'tests/golden/purchase.mcs')).size;
  assert.ok(bytes <= kGoldenSummaryBudget, `golden summary ${bytes} B > ${kGoldenSummaryBudget} B`);
});
