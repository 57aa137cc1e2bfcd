// The tracker's speed budgets (issue 3) in headless Chromium: main-thread
// time per captured event over a 10,000-event storm, long tasks, and Wasm
// instantiate time. Standalone (not part of the e2e suite); prints one
// `name=value` line per figure for tools/bench.sh.
// Usage: node tests/e2e/perf/tracker_perf.mjs [--events 10000] [--per-task 100] [--repeat 3]
//   [--web web/dist]
// (--web: another tracker build to serve, e.g. a candidate fix.)
//
// Each page runs --repeat times (fresh contexts, alternating); figures are
// medians, long tasks are counted over all runs.
//
// Method (see tests/e2e/fixtures/perf/storm.js for the page side):
// - Two pages, identical except for the tracker's script tag, each in a
//   fresh context, with the same instrumentation loaded first. On each, page
//   script dispatches the same storm of real DOM events, in tasks of
//   --per-task events, timing only the dispatch loops with performance.now().
//   The tracker's listeners run synchronously inside them, so the
//   difference of the two loop sums is the tracker's synchronous cost.
// - The tracker's asynchronous work (every batch ingest into the
//   core, which runs as a turn under the site's Web Lock, the 250 ms
//   trailing batch feed, dead-click reports, the 5 s tick, its observers)
//   runs in lock, timer and observer callbacks; the instrumentation wraps
//   navigator.locks.request, setTimeout, setInterval, requestIdleCallback,
//   MutationObserver and IntersectionObserver and times every callback
//   (until session 28 the lock callbacks were not timed: the batch ingest
//   was missing from per_event_us). Those that start between the storm's first event and
//   1.5 s after its last (dead clicks report after 1 s) are added, minus the
//   same sum on the page without the tracker (zero: it has no timers).
//   per_event_us = (sync difference + async difference) / events.
// - Long tasks: PerformanceObserver 'longtask' (buffered, so page load is
//   included) on the tracker page, from navigation until the storm settled.
//   A long task is the tracker's when a long animation frame overlapping it
//   names a microconv script, or it overlaps a tracker timer callback or the
//   Wasm instantiate; else it is the storm's own (the same task on the page
//   without the tracker is reported as baseline_long_tasks).
// - Wasm instantiate: the glue's WebAssembly.instantiateStreaming call is
//   wrapped and timed from call to resolution (fetch of the .wasm from
//   127.0.0.1, streaming compile and instantiate: what the visitor waits
//   for). wasm_after_response_ms subtracts the part before the .wasm's
//   Resource Timing responseEnd. wasm_cold_compile_instantiate_ms is
//   WebAssembly.compile + instantiate of the same bytes with stub imports on
//   the tracker-free page, where V8 has not cached the module.
import { launchBrowser, openContext, trackerReady } from '../support/browser.mjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectorBinary, freePort } from '../support/collector.mjs';
import { repoRoot, requireDist, servedName } from '../support/paths.mjs';
import { startSite } from '../support/site_server.mjs';

const kSettleMs = 1500;
const kLongTaskMs = 50;

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

// The real collector with the demo config, serving the tracker from `web`.
async function startCollector(web) {
  const dir = mkdtempSync(join(tmpdir(), 'microconv-perf-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    collectorBinary(),
    [
      'serve',
      '--store',
      'sqlite:' + join(dir, 'store.db'),
      '--sites',
      join(repoRoot, 'demo-site/sites'),
      '--listen',
      `127.0.0.1:${port}`,
      '--web',
      web,
      '--k',
      '1',
      '--rate',
      '0',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url + '/healthz')).ok) break;
    } catch (_) {
      // Not listening yet.
    }
    if (i > 100 || child.exitCode !== null) throw new Error('collector did not start');
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const routes = {
  '/product/aurora-x2': 'perf/storm.html',
  '/baseline': 'perf/baseline.html',
  '/perf/storm.js': { file: 'perf/storm.js', type: 'text/javascript; charset=utf-8' },
};

const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;

// Runs the storm on one page; returns the page's timings and records.
async function storm(browser, url, { tracker, events, perTask }) {
  const { context, page, errors } = await openContext(browser);
  try {
    await page.goto(url);
    if (tracker) {
      await trackerReady(page);
    } else {
      await page.waitForLoadState('load');
    }
    // Let load-time work (idle callbacks, first observers) finish first.
    await page.waitForTimeout(500);
    const result = await page.evaluate(([n, k]) => window.__storm(n, k), [events, perTask]);
    await page.waitForTimeout(kSettleMs);
    const perf = await page.evaluate(() => ({
      ...window.__perf,
      resources: performance.getEntriesByType('resource').map((e) => e.toJSON()),
    }));
    const summary = tracker ? await page.evaluate(() => window.microconv('inspect')) : null;
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
    return { ...result, perf, summary };
  } finally {
    await context.close();
  }
}

function asyncMs(perf, { stormStart, stormEnd }) {
  return perf.callbacks
    .filter((c) => c.start >= stormStart && c.start <= stormEnd + kSettleMs)
    .reduce((sum, c) => sum + c.ms, 0);
}

function attribute(perf, stormStart, stormEnd) {
  const trackerFrame = (task) =>
    perf.frames.some(
      (frame) =>
        overlaps(
          task.startTime,
          task.startTime + task.duration,
          frame.startTime,
          frame.startTime + frame.duration,
        ) &&
        (frame.scripts || []).some((s) => /microconv/.test(s.sourceURL || '') && s.duration > 0),
    );
  const trackerCallback = (task) =>
    perf.callbacks.some((c) =>
      overlaps(task.startTime, task.startTime + task.duration, c.start, c.start + c.ms),
    );
  const wasm = (task) =>
    perf.wasm.some((w) =>
      overlaps(task.startTime, task.startTime + task.duration, w.start, w.end || stormEnd),
    );
  return perf.longTasks
    .filter((task) => task.duration > kLongTaskMs && task.startTime <= stormEnd + kSettleMs)
    .map((task) => ({
      ms: task.duration,
      phase: task.startTime < stormStart ? 'load' : 'storm',
      tracker: trackerFrame(task) || trackerCallback(task) || wasm(task),
    }));
}

// --explain: every long task of every run with what it overlaps (the long
// animation frames' scripts, tracker callbacks, the Wasm instantiate), to
// find what a task is before cutting it.
function explain(runs, bases) {
  const print = (label, run) => {
    for (const task of run.perf.longTasks.filter((t) => t.duration > kLongTaskMs)) {
      const end = task.startTime + task.duration;
      const scripts = run.perf.frames
        .filter((f) => overlaps(task.startTime, end, f.startTime, f.startTime + f.duration))
        .flatMap((f) => f.scripts || [])
        .filter((s) => s.duration > 0)
        .map(
          (s) =>
            `${s.invokerType}:${s.invoker} ${(s.sourceURL || '').replace(/^.*\//, '')} ${s.duration.toFixed(0)}ms`,
        );
      const callbacks = run.perf.callbacks
        .filter((c) => overlaps(task.startTime, end, c.start, c.start + c.ms))
        .map((c) => `${c.kind || 'callback'} ${c.ms.toFixed(1)}ms`);
      const wasm = run.perf.wasm.filter((w) =>
        overlaps(task.startTime, end, w.start, w.end || end),
      );
      console.log(
        `${label} task at ${task.startTime.toFixed(0)} ms, ${task.duration.toFixed(0)} ms` +
          ` (storm at ${run.stormStart.toFixed(0)}): scripts [${scripts.join('; ')}]` +
          ` callbacks [${callbacks.join('; ')}] wasm ${wasm.length ? `${wasm[0].start.toFixed(0)}..${(wasm[0].end || 0).toFixed(0)}` : 'none'}`,
      );
    }
  };
  for (const [i, run] of runs.entries()) print(`tracker run ${i}`, run);
  for (const [i, run] of bases.entries()) print(`baseline run ${i}`, run);
}

async function main() {
  requireDist();
  const events = Number(option('events', 10000));
  const perTask = Number(option('per-task', 100));
  const repeat = Number(option('repeat', 3));
  const web = resolve(option('web', join(repoRoot, 'web/dist')));
  const collector = await startCollector(web);
  const site = await startSite(routes, collector.url);
  const browser = await launchBrowser();
  try {
    // The tracker-free page first: its renderer has never compiled the .wasm.
    const wasmUrl = collector.url + '/' + servedName('microconv-core.wasm', web);
    const cold = await (async () => {
      const { context, page } = await openContext(browser);
      try {
        await page.goto(site.url + '/baseline');
        return await page.evaluate((u) => window.__compileWasm(u), wasmUrl);
      } finally {
        await context.close();
      }
    })();

    // Alternating fresh pages, medians: the machine is shared and noisy.
    const bases = [];
    const runs = [];
    for (let i = 0; i < repeat; i++) {
      bases.push(await storm(browser, site.url + '/baseline', { tracker: '', events, perTask }));
      runs.push(
        await storm(browser, site.url + '/product/aurora-x2', { tracker: true, events, perTask }),
      );
    }
    // The storm must have reached the core, or the timing means nothing.
    for (const run of runs) {
      const micros = new Set((run.summary?.path || []).map((step) => step.micro));
      for (const micro of ['product_view', 'add_to_cart', 'begin_checkout']) {
        if (!micros.has(micro))
          throw new Error(`storm not captured: no ${micro} in ${[...micros]}`);
      }
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const run = runs[0];
    const _base = bases[0];
    const syncMs = median(runs.map((r) => r.loopMs)) - median(bases.map((b) => b.loopMs));
    const trackerAsyncMs =
      median(runs.map((r) => asyncMs(r.perf, r))) - median(bases.map((b) => asyncMs(b.perf, b)));
    const tasks = runs.flatMap((r) => attribute(r.perf, r.stormStart, r.stormEnd));
    const baseTasks = bases.flatMap((b) => attribute(b.perf, b.stormStart, b.stormEnd));
    const trackerTasks = tasks.filter((t) => t.tracker);
    const wasmMs = runs
      .map((r) => r.perf.wasm.find((w) => w.end))
      .map((w) => (w ? w.end - w.start : NaN));
    const afterResponseMs = runs.map((r) => {
      const w = r.perf.wasm.find((x) => x.end);
      const entry = r.perf.resources.find((e) => e.name.endsWith('.wasm'));
      return w && entry ? w.end - Math.max(w.start, entry.responseEnd) : NaN;
    });
    const figures = {
      per_event_us: ((syncMs + trackerAsyncMs) * 1000) / run.events,
      sync_per_event_us: (syncMs * 1000) / run.events,
      storm_events: run.events,
      storms_per_page: repeat,
      storm_loop_ms: median(runs.map((r) => r.loopMs)),
      baseline_loop_ms: median(bases.map((b) => b.loopMs)),
      tracker_async_ms: trackerAsyncMs,
      tracker_async_max_ms: Math.max(
        0,
        ...runs.flatMap((r) =>
          r.perf.callbacks.filter((c) => c.start >= r.stormStart).map((c) => c.ms),
        ),
      ),
      long_tasks: trackerTasks.length,
      long_tasks_load: trackerTasks.filter((t) => t.phase === 'load').length,
      long_tasks_all: tasks.length,
      longest_task_ms: Math.max(0, ...trackerTasks.map((t) => t.ms)),
      baseline_long_tasks: baseTasks.length,
      wasm_instantiate_ms: median(wasmMs),
      wasm_instantiate_max_ms: Math.max(...wasmMs),
      wasm_instantiate_call: run.perf.wasm.find((w) => w.end)?.name || 'none',
      wasm_after_response_ms: median(afterResponseMs),
      wasm_cold_compile_ms: cold.compileMs,
      wasm_cold_compile_instantiate_ms: cold.totalMs,
    };
    if (process.argv.includes('--explain')) explain(runs, bases);
    for (const [name, value] of Object.entries(figures)) {
      console.log(
        `${name}=${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : value}`,
      );
    }
  } finally {
    await browser.close();
    await site.stop();
    await collector.stop();
  }
}

main().catch((error) => {
  console.error('tracker_perf: ' + (error.stack || error));
  process.exit(1);
});
