// The tracker's speed budgets (issue 3) in headless Chromium: main-thread
// time per captured event over a 10,000-event storm, long tasks, and Wasm
// instantiate time. Standalone (not part of the e2e suite); prints one
// `name=value` line per figure for tools/bench.sh.
// Usage: node tests/e2e/perf/tracker_perf.mjs [--events 10000] [--per-task 100] [--repeat 3]
//   [--web web/dist[,DIR...]] [--profile FILE.cpuprofile] [--explain]
// (--web: another tracker build to serve, e.g. a candidate fix; several,
// comma-separated, are served alternately in one run, page by page, so a
// before/after pair sees the same machine load. --profile:
// a CPU profile (CDP, 100 us samples) of the first tracker page's storm and
// settle, saved to FILE and summed by self and total time per function;
// that run's figures carry the profiler's overhead. A build with names kept,
// `node web/build.mjs --keep-names`, makes it readable.)
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
// - cpu_per_event_us: the renderer main thread's CPU time (Linux
//   /proc/PID/task/PID/schedstat, nanoseconds on the CPU; the renderers' pids
//   from CDP SystemInfo.getProcessInfo; once every renderer is quiet, the
//   page's is the one whose main thread ran the most over the storm, and the
//   others must have run under a tenth of that) from the storm's start to the
//   end of its settle, minus the tracker-free page's, per event. CPU time,
//   so a busy shared machine that preempts the page does not add to it; it
//   also holds what no timer wraps (event dispatch to the listeners,
//   observers' rendering steps, garbage collection). Until session 35 it
//   came from CDP Performance.getMetrics (ThreadTime), whose domain, once
//   enabled, times every script call it sees: an empty passive listener
//   cost ~3.5 us a call with it on and ~1 us with it off (the same storm,
//   Playwright, one page), and the tracker page paid that on every event.
//   No DevTools domain that instruments script calls is on during a storm.
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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// Self and total (self + callees, each function once per stack) time per
// function of a CPU profile, the top entries printed; the profile saved.
function printProfile(profile, file) {
  writeFileSync(file, JSON.stringify(profile));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  });
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children || []) parent.set(child, node);
  const name = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const script = url
      ? url
          .split('/')
          .pop()
          .replace(/\.[0-9a-f]{8}\./, '.')
      : '';
    return `${functionName || '(anonymous)'} ${script}:${lineNumber + 1}`;
  };
  const bySelf = new Map();
  const byTotal = new Map();
  const byScript = new Map();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) || 0;
    if (!ms) continue;
    const own = name(node);
    bySelf.set(own, (bySelf.get(own) || 0) + ms);
    const script = node.callFrame.url.split('/').pop() || `(${node.callFrame.functionName})`;
    byScript.set(script, (byScript.get(script) || 0) + ms);
    const seen = new Set();
    for (let at = node; at; at = parent.get(at.id)) {
      const key = name(at);
      if (seen.has(key)) continue;
      seen.add(key);
      byTotal.set(key, (byTotal.get(key) || 0) + ms);
    }
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${key}`)
      .join('\n');
  console.log(`profile (${file}): self time by script\n${top(byScript, 12)}`);
  console.log(`self time by function\n${top(bySelf, 40)}`);
  console.log(`total time by function\n${top(byTotal, 60)}`);
}

// The main thread's CPU time (not wall time: the machine is shared) of
// every renderer of the browser, pid -> ns. Chromium's renderer main thread
// is the process's first thread (tid = pid); --no-sandbox (support/
// browser.mjs) keeps the pids in this pid namespace.
async function rendererThreadNs(browserCdp) {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  const ns = new Map();
  for (const { type, id } of processInfo) {
    if (type !== 'renderer') continue;
    try {
      ns.set(id, Number(readFileSync(`/proc/${id}/task/${id}/schedstat`, 'utf8').split(' ')[0]));
    } catch (_) {
      // Exited between the listing and the read.
    }
  }
  return ns;
}

// Waits (up to 5 s) until no renderer's main thread ran 1 ms in 100 ms: a
// closed context's renderer runs its page's unload and teardown for a
// moment after the close (36-77 ms of CPU, seen), which must not fall into
// the next storm's window.
async function rendererQuiet(browserCdp) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const before = await rendererThreadNs(browserCdp);
    await new Promise((done) => setTimeout(done, 100));
    const after = await rendererThreadNs(browserCdp);
    if ([...after].every(([pid, ns]) => ns - (before.get(pid) ?? ns) < 1e6)) return;
  }
}

// The storm page's main-thread CPU ms between two readings: the renderer
// that ran the most. It ran the storm's dispatch loops, so less than half
// of their wall time means the wrong process was read, and another renderer
// running a tenth as much means the figure holds someone else's work: fail
// rather than print a wrong figure.
function pageCpuMs(before, after, loopMs) {
  const ms = [...after].map(([pid, ns]) => (ns - (before.get(pid) ?? ns)) / 1e6);
  ms.sort((a, b) => b - a);
  if (!(ms[0] >= loopMs / 2) || ms[1] > ms[0] / 10)
    throw new Error(
      `renderer CPU over the storm ${ms.map((m) => m.toFixed(1))} ms, loop ${loopMs} ms`,
    );
  return ms[0];
}

const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;

// Runs the storm on one page; returns the page's timings and records.
async function storm(browser, browserCdp, url, { tracker, events, perTask, profile }) {
  const { context, page, errors } = await openContext(browser);
  try {
    const cdp = profile ? await context.newCDPSession(page) : null;
    await page.goto(url);
    if (tracker) {
      await trackerReady(page);
    } else {
      await page.waitForLoadState('load');
    }
    // Let load-time work (idle callbacks, first observers) finish first.
    await page.waitForTimeout(500);
    if (profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    await rendererQuiet(browserCdp);
    const cpuBefore = await rendererThreadNs(browserCdp);
    const result = await page.evaluate(([n, k]) => window.__storm(n, k), [events, perTask]);
    await page.waitForTimeout(kSettleMs);
    const cpuMs = pageCpuMs(cpuBefore, await rendererThreadNs(browserCdp), result.loopMs);
    if (profile) printProfile((await cdp.send('Profiler.stop')).profile, profile);
    const perf = await page.evaluate(() => ({
      ...window.__perf,
      resources: performance.getEntriesByType('resource').map((e) => e.toJSON()),
    }));
    const summary = tracker ? await page.evaluate(() => window.microconv('inspect')) : null;
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
    return { ...result, cpuMs, perf, summary };
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

// The figures of one build's tracker pages against the tracker-free ones.
function figuresOf(runs, bases, cold, repeat) {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const run = runs[0];
  const baseLoopMs = median(bases.map((b) => b.loopMs));
  const baseAsyncMs = median(bases.map((b) => asyncMs(b.perf, b)));
  const syncMs = median(runs.map((r) => r.loopMs)) - baseLoopMs;
  const trackerAsyncMs = median(runs.map((r) => asyncMs(r.perf, r))) - baseAsyncMs;
  // Each storm's own figure (against the baselines' medians): the spread.
  const perRun = runs.map(
    (r) => ((r.loopMs - baseLoopMs + asyncMs(r.perf, r) - baseAsyncMs) * 1000) / r.events,
  );
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
  // Main-thread CPU time of the storm and its settle, against the
  // tracker-free page's: all the tracker's work, also what no callback
  // times (listener dispatch, observers' rendering steps, garbage).
  const baseCpuMs = median(bases.map((b) => b.cpuMs));
  const cpuRuns = runs.map((r) => ((r.cpuMs - baseCpuMs) * 1000) / r.events);
  return {
    per_event_us: ((syncMs + trackerAsyncMs) * 1000) / run.events,
    per_event_runs_us: perRun.map((v) => v.toFixed(2)).join(','),
    cpu_per_event_us: median(cpuRuns),
    cpu_per_event_runs_us: cpuRuns.map((v) => v.toFixed(2)).join(','),
    sync_per_event_us: (syncMs * 1000) / run.events,
    storm_events: run.events,
    storms_per_page: repeat,
    storm_loop_ms: median(runs.map((r) => r.loopMs)),
    baseline_loop_ms: baseLoopMs,
    tracker_async_ms: trackerAsyncMs,
    // The first storm's timed callbacks by kind: count / ms.
    tracker_callbacks: Object.entries(
      run.perf.callbacks
        .filter((c) => c.start >= run.stormStart && c.start <= run.stormEnd + kSettleMs)
        .reduce((kinds, c) => {
          const [count, ms] = kinds[c.kind] || [0, 0];
          kinds[c.kind] = [count + 1, ms + c.ms];
          return kinds;
        }, {}),
    )
      .map(([kind, [count, ms]]) => `${kind} ${count}/${ms.toFixed(1)}`)
      .join(', '),
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
}

async function main() {
  requireDist();
  const events = Number(option('events', 10000));
  const perTask = Number(option('per-task', 100));
  const repeat = Number(option('repeat', 3));
  // --web A,B: builds served alternately in one run (each by its own
  // collector), figures printed per build with its index as a prefix.
  const webs = option('web', join(repoRoot, 'web/dist'))
    .split(',')
    .map((dir) => resolve(dir));
  const profile = option('profile', '');
  const servers = [];
  const browser = await launchBrowser();
  try {
    const browserCdp = await browser.newBrowserCDPSession();
    for (const web of webs) {
      const collector = await startCollector(web);
      servers.push({ web, collector, site: await startSite(routes, collector.url) });
    }
    const { site, collector, web } = servers[0];
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
    const runs = servers.map(() => []);
    for (let i = 0; i < repeat; i++) {
      bases.push(
        await storm(browser, browserCdp, site.url + '/baseline', {
          tracker: '',
          events,
          perTask,
          profile: i === 0 && profile ? profile.replace(/(\.cpuprofile)?$/, '-baseline$1') : '',
        }),
      );
      for (const [b, server] of servers.entries()) {
        runs[b].push(
          await storm(browser, browserCdp, server.site.url + '/product/aurora-x2', {
            tracker: true,
            events,
            perTask,
            profile: i === 0 && profile ? profile.replace(/(\.cpuprofile)?$/, `${b || ''}$1`) : '',
          }),
        );
      }
    }
    // The storm must have reached the core, or the timing means nothing.
    for (const run of runs.flat()) {
      const micros = new Set((run.summary?.path || []).map((step) => step.micro));
      for (const micro of ['product_view', 'add_to_cart', 'begin_checkout']) {
        if (!micros.has(micro))
          throw new Error(`storm not captured: no ${micro} in ${[...micros]}`);
      }
    }
    if (process.argv.includes('--explain')) for (const r of runs) explain(r, bases);
    for (const [b, buildRuns] of runs.entries()) {
      const prefix = webs.length > 1 ? `${b}.` : '';
      if (prefix) console.log(`${prefix}web=${webs[b]}`);
      for (const [name, value] of Object.entries(figuresOf(buildRuns, bases, cold, repeat))) {
        const shown =
          typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : value;
        console.log(`${prefix}${name}=${shown}`);
      }
    }
  } finally {
    await browser.close();
    for (const { site, collector } of servers) {
      await site.stop();
      await collector.stop();
    }
  }
}

main().catch((error) => {
  console.error('tracker_perf: ' + (error.stack || error));
  process.exit(1);
});
