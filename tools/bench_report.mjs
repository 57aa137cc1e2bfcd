// Prints the figures of tools/bench.sh against the budgets the issues name.
// Usage: node tools/bench_report.mjs DIR (bench.json, sizes.json, ingest.txt)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2];
const rows = [];
const fmt = (v) =>
  v >= 1e6
    ? `${(v / 1e6).toFixed(2)}M`
    : v >= 1e4
      ? `${(v / 1e3).toFixed(1)}k`
      : `${+v.toFixed(2)}`;

function budget(label, value, unit, limit, higherIsBetter) {
  const bound = `${higherIsBetter ? '>=' : '<='} ${fmt(limit)}`;
  if (value === undefined || Number.isNaN(value))
    return rows.push([label, 'not measured', unit, bound, '-']);
  const ok = higherIsBetter ? value >= limit : value <= limit;
  rows.push([label, fmt(value), unit, bound, ok ? 'ok' : 'OVER BUDGET']);
}

const report = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
const bench = new Map(report.benchmarks.map((b) => [b.name, b]));
budget(
  'core ingest (event storm)',
  bench.get('BM_IngestStorm')?.items_per_second,
  'events/s',
  20e6,
  true,
);
const journey = bench.get('BM_PurchaseJourney');
budget('9-step journey summary', journey?.summary_bytes, 'bytes', 300, false);
budget('9-step journey snapshot', journey?.snapshot_bytes, 'bytes', 1024, false);
budget(
  'aggregation (Add)',
  bench.get('BM_AggregateAdd')?.items_per_second,
  'summaries/s',
  1e6,
  true,
);

if (existsSync(join(dir, 'sizes.json'))) {
  const sizes = JSON.parse(readFileSync(join(dir, 'sizes.json'), 'utf8'));
  const gz = (name) => sizes.files.find((f) => f.file === name)?.gzip;
  // demo.mcc: the config the collector serves to visitors (tools/bench.sh).
  const config = gzipSync(readFileSync(join(dir, 'demo.mcc')), { level: 9 }).length;
  budget('loader microconv.js (gzip)', gz('microconv.js'), 'bytes', 1536, false);
  budget(
    'loader+chunk+glue+wasm+config',
    sizes.wasmPathTotal.gzip + config,
    'bytes gz',
    20480,
    false,
  );
  rows.push(['  of which core .wasm (gzip)', fmt(gz('microconv-core.wasm')), 'bytes', '', '']);
  rows.push(['  of which Embind glue (gzip)', fmt(gz('microconv-core.js')), 'bytes', '', '']);
  rows.push([
    '  no-Wasm fallback (gzip)',
    fmt(gz('microconv-core.nowasm.js')),
    'bytes',
    'CSP only',
    '',
  ]);
  // The site owner's page, not the visitor's: no budget named, shown so a
  // change in it is seen.
  for (const row of sizes.dashboard || []) {
    rows.push([
      `dashboard/${row.file} (gzip / brotli)`,
      `${fmt(row.gzip)} / ${fmt(row.brotli)}`,
      'bytes',
      'no budget',
      '',
    ]);
  }
}

if (existsSync(join(dir, 'tracker_perf.txt'))) {
  const text = readFileSync(join(dir, 'tracker_perf.txt'), 'utf8');
  const num = (key) => Number((text.match(new RegExp(`^${key}=([0-9.]+)$`, 'm')) || [])[1]);
  budget('tracker main thread per event', num('per_event_us'), 'us', 2, false);
  budget('tracker long tasks (> 50 ms)', num('long_tasks'), 'tasks', 0, false);
  rows.push(['  longest tracker task', fmt(num('longest_task_ms') || 0), 'ms', '', '']);
  budget('Wasm instantiate (streaming)', num('wasm_instantiate_ms'), 'ms', 10, false);
}

if (existsSync(join(dir, 'ingest.txt'))) {
  const text = readFileSync(join(dir, 'ingest.txt'), 'utf8');
  const num = (key) => Number((text.match(new RegExp(`${key}=([0-9.]+)`)) || [])[1]);
  budget('collector durable ingest', num('summaries/s'), 'summaries/s', 20000, true);
  rows.push(['  ack p50 / p99 at that load', `${num('p50_ms')} / ${num('p99_ms')}`, 'ms', '', '']);
  rows.push(['  collector peak RSS', fmt(num('collector_peak_rss_kb') / 1024), 'MB', '', '']);
}

const width = [34, 14, 12, 12, 12];
const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join(' ');
console.log(line(['figure', 'measured', 'unit', 'budget', 'verdict']));
for (const row of rows) console.log(line(row));
console.log('\nall core benchmarks (time per iteration; items/s where counted):');
for (const b of report.benchmarks) {
  const items = b.items_per_second ? `  ${fmt(b.items_per_second)} items/s` : '';
  console.log(
    `  ${b.name.padEnd(36)} ${b.real_time.toFixed(0).padStart(10)} ${b.time_unit}${items}`,
  );
}
console.log(
  `\nmachine: ${report.context.num_cpus} cpus, build ${report.context.library_build_type}`,
);
