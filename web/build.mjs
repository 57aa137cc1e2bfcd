// Builds web/dist: the loader (microconv.js), the lazily loaded tracker chunk
// (microconv-tracker.js) and the core files copied from an Emscripten build,
// then prints raw / gzip / brotli sizes of each (tools/bench.sh reads them).
// First regenerates the tracker's JS twins of C++ wire facts (web/tracker/wire,
// see generate_wire.mjs), so a bundle never carries a stale copy.
// Also builds the dashboard (web/dashboard -> web/dist/dashboard: index.html, funnel-semantics.html,
// dashboard.js, dashboard.css), served by the collector at /dashboard/.
//
//   node web/build.mjs [--wasm-dir build/wasm/wasm] [--out web/dist] [--json]
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { writeWire } from './generate_wire.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const wasmDir = resolve(
  root,
  option('wasm-dir', process.env.MICROCONV_WASM_DIR || 'build/wasm/wasm'),
);
const out = resolve(root, option('out', 'web/dist'));
// The core files the chunk loads (the no-Wasm build embeds its memory image).
const coreFiles = ['microconv-core.js', 'microconv-core.wasm', 'microconv-core.nowasm.js'];

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['es2020'],
  logLevel: 'warning',
};

writeWire();
mkdirSync(out, { recursive: true });
await build({
  ...common,
  entryPoints: [join(here, 'tracker/loader.js')],
  format: 'iife',
  outfile: join(out, 'microconv.js'),
});
await build({
  ...common,
  entryPoints: [join(here, 'tracker/tracker.js')],
  format: 'esm',
  outfile: join(out, 'microconv-tracker.js'),
});

// The dashboard: one script (ECharts tree-shaken in), one stylesheet, the page.
const dashboardOut = join(out, 'dashboard');
mkdirSync(dashboardOut, { recursive: true });
await build({
  ...common,
  entryPoints: [join(here, 'dashboard/main.js')],
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outfile: join(dashboardOut, 'dashboard.js'),
});
await build({
  ...common,
  entryPoints: [join(here, 'dashboard/styles.css')],
  outfile: join(dashboardOut, 'dashboard.css'),
});
copyFileSync(join(here, 'dashboard/index.html'), join(dashboardOut, 'index.html'));
// The login page is a template the collector fills (CSRF token, message): no script.
for (const file of ['login.html', 'login.css']) {
  copyFileSync(join(here, 'dashboard', file), join(dashboardOut, file));
}
// The funnel semantics page the funnel panel links to (one static page).
copyFileSync(
  join(here, 'dashboard/funnel-semantics.html'),
  join(dashboardOut, 'funnel-semantics.html'),
);

const missing = coreFiles.filter((file) => !existsSync(join(wasmDir, file)));
if (missing.length) {
  console.error(
    `web/build.mjs: ${missing.join(', ')} not found in ${wasmDir}; build the Wasm first:\n` +
      '  NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release\n' +
      '  cmake --build build/wasm --target microconv_tracker microconv_tracker_nowasm',
  );
  process.exit(1);
}
for (const file of coreFiles) copyFileSync(join(wasmDir, file), join(out, file));

function sizes(file, dir = out) {
  const bytes = readFileSync(join(dir, file));
  return {
    file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

const table = readdirSync(out)
  .sort()
  .filter((file) => statSync(join(out, file)).isFile())
  .map((file) => sizes(file));
const dashboard = readdirSync(dashboardOut)
  .sort()
  .map((file) => sizes(file, dashboardOut));
// What a visitor's browser downloads on a Wasm-capable page.
const wasmPath = [
  'microconv.js',
  'microconv-tracker.js',
  'microconv-core.js',
  'microconv-core.wasm',
];
const total = (key) =>
  table.filter((row) => wasmPath.includes(row.file)).reduce((sum, row) => sum + row[key], 0);
const report = {
  files: table,
  wasmPathTotal: { raw: total('raw'), gzip: total('gzip'), brotli: total('brotli') },
  dashboard,
};

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report));
} else {
  const pad = (value, width) => String(value).padStart(width);
  console.log('file'.padEnd(32) + pad('raw', 9) + pad('gzip', 9) + pad('brotli', 9));
  for (const row of table) {
    console.log(row.file.padEnd(32) + pad(row.raw, 9) + pad(row.gzip, 9) + pad(row.brotli, 9));
  }
  const t = report.wasmPathTotal;
  console.log(
    'loader+chunk+glue+wasm'.padEnd(32) + pad(t.raw, 9) + pad(t.gzip, 9) + pad(t.brotli, 9),
  );
  console.log('');
  for (const row of dashboard) {
    console.log(
      `dashboard/${row.file}`.padEnd(32) + pad(row.raw, 9) + pad(row.gzip, 9) + pad(row.brotli, 9),
    );
  }
}
