// Prints benchmark figures against the budgets the issues name.
// Usage: node tools/bench_report.mjs google-benchmark.json
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byName = new Map(report.benchmarks.map((b) => [b.name, b]));
const rows = [];
const perSecond = (b) => b?.items_per_second;

function budget(label, value, unit, limit, higherIsBetter) {
  if (value === undefined) {
    rows.push([label, 'missing', '', `${higherIsBetter ? '>=' : '<='} ${limit}`, 'MISSING']);
    return;
  }
  const ok = higherIsBetter ? value >= limit : value <= limit;
  const shown = value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : `${+value.toFixed(1)}`;
  rows.push([label, shown, unit, `${higherIsBetter ? '>=' : '<='} ${limit >= 1e6 ? limit / 1e6 + 'M' : limit}`, ok ? 'ok' : 'OVER BUDGET']);
}

budget('core ingest (event storm)', perSecond(byName.get('BM_IngestStorm')), 'events/s', 20e6, true);
const journey = byName.get('BM_PurchaseJourney');
budget('9-step journey summary', journey?.summary_bytes, 'bytes', 300, false);
budget('9-step journey snapshot', journey?.snapshot_bytes, 'bytes', 1024, false);
budget('aggregation (Add)', perSecond(byName.get('BM_AggregateAdd')), 'summaries/s', 1e6, true);

const width = [30, 10, 12, 10, 12];
const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join(' ');
console.log(line(['figure', 'measured', 'unit', 'budget', 'verdict']));
for (const row of rows) console.log(line(row));
console.log('\nall benchmarks (ns per iteration; items/s where counted):');
for (const b of report.benchmarks) {
  const items = b.items_per_second ? `  ${(b.items_per_second / 1e6).toFixed(2)}M items/s` : '';
  console.log(`  ${b.name.padEnd(36)} ${b.real_time.toFixed(0).padStart(10)} ${b.time_unit}${items}`);
}
console.log(`\nmachine: ${report.context.num_cpus} cpus @ ${report.context.mhz_per_cpu} MHz, build ${report.context.library_build_type}`);
