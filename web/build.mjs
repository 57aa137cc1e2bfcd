// Builds web/dist: the loader (microconv.js), the lazily loaded tracker chunk
// (microconv-tracker.HASH.js), the heatmap overlay's module
// (microconv-overlay.HASH.js, loaded only in a page the dashboard frames, so
// not in the visitor's total below) and the core files copied from an Emscripten
// build (microconv-core.HASH.js/.wasm, microconv-core.nowasm.HASH.js, and
// the same three of microconv-inspect), each
// with precompressed .br/.gz twins, and manifest.json (plain name -> served
// name); then prints raw / gzip / brotli sizes of each as served
// (tools/bench.sh reads them).
// First regenerates the tracker's JS twins of C++ wire facts (web/tracker/wire,
// see generate_wire.mjs), so a bundle never carries a stale copy.
// Also builds the dashboard (web/dashboard -> web/dist/dashboard: index.html, funnel-semantics.html,
// dashboard.HASH.js, dashboard.HASH.css), served by the collector at /dashboard/.
//
//   node web/build.mjs [--wasm-dir build/wasm/wasm] [--out web/dist] [--json] [--keep-names]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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
// The core files the chunk loads (the no-Wasm builds embed their memory
// image): the visitor's module, and the inspect module that only
// microconv('inspect') loads.
const coreFiles = [
  'microconv-core.js',
  'microconv-core.wasm',
  'microconv-core.nowasm.js',
  'microconv-inspect.js',
  'microconv-inspect.wasm',
  'microconv-inspect.nowasm.js',
];

// --keep-names: identifiers unminified, for a readable CPU profile
// (tracker_perf.mjs --profile); its sizes are not the served ones.
const keepNames = process.argv.includes('--keep-names');
const common = {
  bundle: true,
  minify: !keepNames,
  legalComments: 'none',
  target: ['es2020'],
  logLevel: 'warning',
};

// Content-hashed names (`stem.HASH.ext`) for everything loaded lazily, so the
// collector can cache them for a year (tools/serve/static_files.h reads a
// name as hashed by this shape: kContentHashDigits there is this count).
const kHashDigits = 8;
function hashedName(file, bytes) {
  const dot = file.lastIndexOf('.');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, kHashDigits);
  return `${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
}
// What the build wrote, by its plain name: {file: served name}. Written to
// manifest.json for the tests and tools; the bundles get their part of it
// from the virtual modules below, so no name is ever written by hand.
const manifest = {};
function writeHashed(file, bytes) {
  const served = file.includes('/')
    ? `${dirname(file)}/${hashedName(basename(file), bytes)}`
    : hashedName(file, bytes);
  writeFileSync(join(out, served), bytes);
  manifest[file] = served;
  return served;
}
// `import { coreScript, ... } from 'microconv:files'` in a bundle: the served
// name of each file given here, one constant per name (a lookup object would
// carry its plain names as keys too).
function filesModule(files) {
  return {
    name: 'microconv-files',
    setup(builder) {
      builder.onResolve({ filter: /^microconv:files$/ }, (args) => ({
        path: args.path,
        namespace: 'microconv-files',
      }));
      builder.onLoad({ filter: /.*/, namespace: 'microconv-files' }, () => ({
        contents: Object.entries(files)
          .map(([name, file]) => `export const ${name} = ${JSON.stringify(file)};`)
          .join('\n'),
        loader: 'js',
      }));
    },
  };
}
// The dashboard's module graph, split by esbuild (chunks named by their
// content), written under content-hashed names like every lazy part: each
// chunk after the chunks it imports, so an importer's hash covers the names
// it imports. Returns the served entry and chunk names, and the chunks the
// entry imports statically.
async function bundleDashboard() {
  const result = await build({
    ...common,
    entryPoints: { dashboard: join(here, 'dashboard/main.js') },
    format: 'esm',
    splitting: true,
    chunkNames: 'chunk-[hash]',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    outdir: join(here, 'dashboard-out'),
    absWorkingDir: root,
    write: false,
    metafile: true,
  });
  const byPath = new Map(
    result.outputFiles.map((file) => [relative(root, file.path), file.contents]),
  );
  const served = new Map(); // esbuild's name -> served name
  const write = (path) => {
    if (served.has(path)) return served.get(path);
    let text = Buffer.from(byPath.get(path)).toString('utf8');
    for (const { path: imported } of result.metafile.outputs[path].imports) {
      if (!byPath.has(imported)) continue;
      const name = basename(write(imported));
      text = text.split(`./${basename(imported)}`).join(`./${name}`);
    }
    const name = writeHashed(`dashboard/${basename(path)}`, Buffer.from(text));
    served.set(path, name);
    return name;
  };
  const entry = [...byPath.keys()].find((path) => basename(path) === 'dashboard.js');
  write(entry);
  for (const path of byPath.keys()) write(path);
  return {
    entry: served.get(entry),
    chunks: [...served].filter(([path]) => path !== entry).map(([, name]) => name),
    preload: result.metafile.outputs[entry].imports
      .filter((imported) => imported.kind === 'import-statement')
      .map((imported) => served.get(imported.path)),
  };
}

async function bundle(options, files = {}) {
  const result = await build({
    ...common,
    ...options,
    write: false,
    plugins: [filesModule(files)],
  });
  return result.outputFiles[0].contents;
}

const missing = coreFiles.filter((file) => !existsSync(join(wasmDir, file)));
if (missing.length) {
  console.error(
    `web/build.mjs: ${missing.join(', ')} not found in ${wasmDir}; build the Wasm first:\n` +
      '  NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release\n' +
      '  cmake --build build/wasm --target microconv_tracker microconv_tracker_nowasm' +
      ' microconv_inspect microconv_inspect_nowasm',
  );
  process.exit(1);
}

writeWire();
const dashboardOut = join(out, 'dashboard');
// A fresh output: hashed files of an older build are not served on.
for (const dir of [out, dashboardOut]) {
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir)) {
    if (statSync(join(dir, file)).isFile()) rmSync(join(dir, file));
  }
}
mkdirSync(dashboardOut, { recursive: true });

// The core (the glue finds its .wasm through locateFile, so the hashed name
// is given there), then the chunk that loads it, then the loader that
// imports the chunk: each learns the names of the files it loads.
for (const file of coreFiles) writeHashed(file, readFileSync(join(wasmDir, file)));
// Named by what web/tracker/core.js loads.
const coreNames = {
  coreScript: manifest['microconv-core.js'],
  coreWasm: manifest['microconv-core.wasm'],
  coreNoWasm: manifest['microconv-core.nowasm.js'],
  inspectScript: manifest['microconv-inspect.js'],
  inspectWasm: manifest['microconv-inspect.wasm'],
  inspectNoWasm: manifest['microconv-inspect.nowasm.js'],
};
writeHashed(
  'microconv-tracker.js',
  await bundle({ entryPoints: [join(here, 'tracker/tracker.js')], format: 'esm' }, coreNames),
);
// The heatmap overlay's answers (tracker/overlay.js): the loader imports it
// only in a page the dashboard frames, so no visitor downloads it.
writeHashed(
  'microconv-overlay.js',
  await bundle({ entryPoints: [join(here, 'tracker/overlay.js')], format: 'esm' }),
);
const loader = await bundle(
  { entryPoints: [join(here, 'tracker/loader.js')], format: 'iife' },
  {
    trackerChunk: manifest['microconv-tracker.js'],
    overlayModule: manifest['microconv-overlay.js'],
  },
);
// The one URL site owners paste keeps its name.
writeFileSync(join(out, 'microconv.js'), loader);
manifest['microconv.js'] = 'microconv.js';

// The dashboard: an ES module and the chunks it imports on demand (ECharts,
// tree-shaken, is one: charts.js loads it on the first chart), one
// stylesheet, the page that names them.
const dashboardScripts = await bundleDashboard();
const dashboardStyles = writeHashed(
  'dashboard/dashboard.css',
  await bundle({ entryPoints: [join(here, 'dashboard/styles.css')], outfile: 'dashboard.css' }),
);
let page = readFileSync(join(here, 'dashboard/index.html'), 'utf8');
for (const [from, to] of [
  ['href="dashboard.css"', `href="${basename(dashboardStyles)}"`],
  [
    '<script type="module" src="dashboard.js"></script>',
    `<script type="module" src="${basename(dashboardScripts.entry)}"></script>` +
      // The entry's static imports load with it, not one round trip after.
      // ECharts is not preloaded: compiling it would hold up the numbers.
      dashboardScripts.preload
        .map((chunk) => `\n  <link rel="modulepreload" href="${basename(chunk)}">`)
        .join(''),
  ],
]) {
  if (!page.includes(from)) throw new Error(`web/build.mjs: dashboard/index.html lost ${from}`);
  page = page.replace(from, to);
}
writeFileSync(join(dashboardOut, 'index.html'), page);
// The funnel semantics page the funnel panel links to (one static page).
copyFileSync(
  join(here, 'dashboard/funnel-semantics.html'),
  join(dashboardOut, 'funnel-semantics.html'),
);
// The login page is a template the collector fills (CSRF token, message): no script.
for (const file of ['login.html', 'login.css']) {
  copyFileSync(join(here, 'dashboard', file), join(dashboardOut, file));
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}
// Precompressed twins of every static file: the collector serves them by
// Accept-Encoding and never compresses a static file itself.
for (const dir of [out, dashboardOut]) {
  for (const file of readdirSync(dir)) {
    if (!statSync(join(dir, file)).isFile()) continue;
    const bytes = readFileSync(join(dir, file));
    writeFileSync(join(dir, file + '.gz'), gzipSync(bytes, { level: 9 }));
    writeFileSync(join(dir, file + '.br'), brotli(bytes));
  }
}

// Sizes as served: the file and its twins, by plain name.
function sizes(file) {
  const served = join(out, manifest[file] || file);
  return {
    file: basename(file),
    served: basename(served),
    raw: statSync(served).size,
    gzip: statSync(served + '.gz').size,
    brotli: statSync(served + '.br').size,
  };
}

const table = [...coreFiles, 'microconv-tracker.js', 'microconv-overlay.js', 'microconv.js']
  .sort()
  .map(sizes);
const dashboard = [
  'dashboard.css',
  'dashboard.js',
  ...dashboardScripts.chunks.map((chunk) =>
    Object.keys(manifest)
      .find((file) => manifest[file] === chunk)
      .slice('dashboard/'.length),
  ),
  'funnel-semantics.html',
  'index.html',
].map((file) => sizes('dashboard/' + file));
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
