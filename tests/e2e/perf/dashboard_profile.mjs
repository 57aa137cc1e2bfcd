// Where the dashboard's cold load spends its main-thread time: a CPU profile
// (Chrome DevTools Protocol) from navigation until the report is shown,
// summed by self time per function and per script. Standalone, like
// dashboard_load.mjs; prints the top entries.
// Usage: node tests/e2e/perf/dashboard_profile.mjs [--sessions 200] [--top 25]
import { launchBrowser, openContext } from '../support/browser.mjs';
import { startCollector } from '../support/collector.mjs';
import { simulateVisitors } from '../support/demo_store.mjs';
import { requireDist } from '../support/paths.mjs';

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

requireDist();
const collector = await startCollector();
const browser = await launchBrowser();
try {
  await simulateVisitors(collector.url, option('sessions', 200), 2);
  const { page, context } = await openContext(browser, { login: collector });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(collector.url + '/dashboard/?site=demo');
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, {
    timeout: 60000,
  });
  await page.waitForFunction(() => performance.getEntriesByName('microconv-data-shown').length);
  const readyMs = await page.evaluate(
    () => performance.getEntriesByName('microconv-data-shown')[0].startTime,
  );
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = performance
      .getEntriesByType('paint')
      .map((p) => `${p.name} ${Math.round(p.startTime)}`);
    return `responseEnd ${Math.round(nav.responseEnd)}, domInteractive ${Math.round(nav.domInteractive)}, DOMContentLoaded ${Math.round(nav.domContentLoadedEventEnd)}; ${paint.join(', ')}`;
  });
  const { profile } = await cdp.send('Profiler.stop');
  const marks = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map(
        (r) =>
          `${r.name.split('/').pop().slice(0, 40)} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)} ms`,
      ),
  );
  // Self time per node: the sample intervals attributed to it.
  const self = new Map();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  });
  const byFunction = new Map();
  const byScript = new Map();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) || 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const script = url ? url.split('/').pop() : `(${functionName || 'native'})`;
    const name = `${functionName || '(anonymous)'} ${script}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) || 0) + ms);
    byScript.set(script, (byScript.get(script) || 0) + ms);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${name}`)
      .join('\n');
  console.log(`data shown at ${Math.round(readyMs)} ms; ${timing}`);
  console.log(`resources (response end):\n  ${marks.join('\n  ')}`);
  console.log(`self time by script:\n${top(byScript, 10)}`);
  console.log(`self time by function:\n${top(byFunction, option('top', 25))}`);
  await context.close();
} finally {
  await browser.close();
  await collector.stop();
}
