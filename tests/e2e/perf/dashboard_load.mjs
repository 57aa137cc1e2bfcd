// The owner's dashboard cold load (issue 11: data within 1 s of opening) in
// headless Chromium: a fresh context (empty cache) logged in as the owner
// opens /dashboard/?site=demo on a collector holding simulated demo traffic;
// the figure is the time from navigation start until the page says its data
// is shown (body[data-state=ready], then the frame that shows it painted:
// the microconv-data-shown mark), with the bytes the page downloaded, and
// (median) when the overview's charts were drawn after it.
// Standalone (not part of the e2e suite); prints `name=value` lines.
// Usage: node tests/e2e/perf/dashboard_load.mjs [--repeat 5] [--sessions 200]
import { launchBrowser, openContext } from '../support/browser.mjs';
import { startCollector } from '../support/collector.mjs';
import { simulateVisitors } from '../support/demo_store.mjs';
import { requireDist } from '../support/paths.mjs';

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const repeat = option('repeat', 5);
const sessions = option('sessions', 200);
requireDist();
const collector = await startCollector();
const browser = await launchBrowser();
try {
  await simulateVisitors(collector.url, sessions, 2);
  const times = [];
  const chartTimes = [];
  const bytes = [];
  for (let run = 0; run < repeat; run++) {
    const { page, context } = await openContext(browser, { login: collector });
    let received = 0;
    page.on('response', async (response) => {
      const length = Number((await response.allHeaders())['content-length'] || 0);
      received += length;
    });
    const started = Date.now();
    await page.goto(collector.url + '/dashboard/?site=demo');
    await page.waitForFunction(
      () => ['ready', 'error'].includes(document.body.dataset.state),
      null,
      {
        timeout: 60000,
      },
    );
    const state = await page.evaluate(() => document.body.dataset.state);
    if (state !== 'ready') throw new Error(`dashboard state ${state}`);
    // From the navigation's start until the frame showing the report was
    // painted, as the page measured it (main.js markShown).
    await page.waitForFunction(
      () => performance.getEntriesByName('microconv-data-shown').length,
      null,
      { timeout: 60000 },
    );
    const ms = await page.evaluate(
      () => performance.getEntriesByName('microconv-data-shown')[0].startTime,
    );
    times.push(Math.round(ms));
    // The overview's charts follow the numbers (ECharts loads on the first).
    await page.waitForFunction(() => document.body.dataset.charts !== 'pending', null, {
      timeout: 60000,
    });
    const drawn = await page.evaluate(
      () => performance.getEntriesByName('microconv-charts-drawn')[0]?.startTime ?? 0,
    );
    chartTimes.push(Math.round(drawn));
    bytes.push(received);
    console.error(
      `run ${run + 1}: ${Math.round(ms)} ms, charts ${Math.round(drawn)} ms (wall ${Date.now() - started} ms)`,
    );
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`dashboard_cold_ms_min=${sorted[0]}`);
  console.log(`dashboard_cold_ms_median=${sorted[Math.floor(sorted.length / 2)]}`);
  console.log(`dashboard_cold_ms_max=${sorted.at(-1)}`);
  const charts = [...chartTimes].sort((a, b) => a - b);
  console.log(`dashboard_charts_ms_median=${charts[Math.floor(charts.length / 2)]}`);
  console.log(`dashboard_cold_bytes=${bytes[0]}`);
} finally {
  await browser.close();
  await collector.stop();
}
