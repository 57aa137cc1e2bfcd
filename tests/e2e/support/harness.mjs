// Everything a test file needs: the real collector behind a recording proxy,
// the host site, and one Chromium.
import { launchBrowser } from './browser.mjs';
import { startCollector } from './collector.mjs';
import { requireDist } from './paths.mjs';
import { startRecordingProxy } from './recording_proxy.mjs';
import { startSite } from './site_server.mjs';

// `configs`: site configs by name that replace or add to the defaults
// (startCollector).
export async function startHarness(routes, configs = {}) {
  requireDist();
  const collector = await startCollector(configs);
  const proxy = await startRecordingProxy(collector.url);
  const site = await startSite(routes, proxy.url);
  const browser = await launchBrowser();
  return {
    collector,
    proxy,
    site,
    browser,
    async close() {
      await browser.close();
      await site.stop();
      await proxy.stop();
      await collector.stop();
    },
  };
}

export async function waitFor(condition, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
