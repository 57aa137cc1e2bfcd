// The dashboard's Replays panel (issue 13 point 3) against a real collector:
// sampled summaries (built natively by microconv_replay_summaries with a
// fixed timeline, so what the panel lists is exact) posted over HTTP, listed by outcome in the
// panel and played entry by entry, at 390, 1024 and 1440 px (screenshots in
// build/e2e-screenshots/ to be looked at).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openContext } from './support/browser.mjs';
import { collectorBinary, demoConfig, startCollector } from './support/collector.mjs';
import { startDemoStore } from './support/demo_store.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

function summariesBinary() {
  return (
    process.env.MICROCONV_REPLAY_SUMMARIES_BIN ||
    join(dirname(collectorBinary()), '../tests/integration/microconv_replay_summaries')
  );
}

let collector;
let store;
let browser;
before(async () => {
  requireDist();
  // The demo config sampling every session, as microconv_replay_summaries
  // builds them (a config at rate 0 has its timelines refused).
  collector = await startCollector({ demo: demoConfig({ replay_sample_rate: 1 }) });
  store = await startDemoStore(collector.url);
  browser = await launchBrowser();
  const out = mkdtempSync(join(tmpdir(), 'microconv-replays-'));
  const startMinute = Math.floor(Date.now() / 60000) - 10;
  execFileSync(summariesBinary(), [String(startMinute), out]);
  for (const file of readdirSync(out).sort()) {
    const response = await fetch(`${collector.url}/api/collect`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: readFileSync(join(out, file)),
    });
    assert.equal(response.status, 202, `${file}: ${await response.text()}`);
  }
});
after(async () => {
  await browser.close();
  await store.stop();
  await collector.stop();
});

test('the Replays panel lists sampled sessions by outcome and plays one', async () => {
  const shots = join(repoRoot, 'build/e2e-screenshots');
  mkdirSync(shots, { recursive: true });
  for (const width of [390, 1024, 1440]) {
    const { page, context, errors } = await openContext(browser, {
      login: collector,
      viewport: { width, height: 900 },
    });
    page.setDefaultTimeout(60000); // 2 shared cores: loading can be slow
    await page.goto(`${collector.url}/dashboard/?site=demo`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    assert.equal(await page.$eval('#replays-body', (b) => b.childElementCount), 0);
    await page.click('#panel-replays > summary');
    // Three of the four sessions were sampled.
    await page.waitForFunction(() => document.querySelectorAll('.replay-pick').length === 3);
    await page.selectOption('#replays-outcome', 'dropped');
    await page.waitForFunction(() => document.querySelectorAll('.replay-pick').length === 1);
    const dropped = await page.textContent('.replay-pick');
    assert.match(dropped, /dropped/);
    assert.match(dropped, /step \d/);
    await page.selectOption('#replays-outcome', 'converted');
    await page.waitForFunction(() => document.querySelectorAll('.replay-pick').length === 2);

    await page.click('.replay-pick');
    await page.waitForSelector('.replay-player:not([hidden])');
    const entries = await page.$$eval('.replay-entries li', (items) =>
      items.map((li) => li.textContent),
    );
    assert.equal(entries.length, 5);
    assert.match(entries[0], /^0\.0 s {2}Page \//);
    assert.match(entries[1], /^1\.2 s {2}Click .* at cell 3,5$/);
    assert.match(entries[2], /Rage click/);
    assert.match(entries[3], /Scrolled to 60 %/);
    assert.match(entries[4], /Micro-conversion: /);
    assert.match(await page.textContent('.replay-position'), /^1 \/ 5/);
    await page.click('.replay-player button:has-text("Step")');
    assert.match(await page.textContent('.replay-position'), /^2 \/ 5/);
    // The click sits at its grid cell: row 3 of 32, column 5 of 16.
    const dot = await page.$eval('.replay-dot', (d) => [d.style.left, d.style.top]);
    assert.deepEqual(dot, [`${(5.5 / 16) * 100}%`, `${(3.5 / 32) * 100}%`]);
    await page.click('.replay-player button:has-text("Play")');
    await page.waitForFunction(() =>
      document.querySelector('.replay-position').textContent.startsWith('5 / 5'),
    );
    assert.equal(await page.textContent('.replay-player button.btn-primary'), 'Play');
    const [scroll, client] = await page.$eval('#replays-body', (b) => [
      b.scrollWidth,
      b.clientWidth,
    ]);
    assert.ok(scroll <= client, `${width}: the panel is ${scroll} px wide in ${client}`);
    await page.locator('#panel-replays').screenshot({ path: join(shots, `replays-${width}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

// The replay plays over the owner's live page: framed with
// '#microconv-overlay', so the page's script counts no visit, and as tall as
// the page's document at the visitor's screen width, which the page reports:
// the grid cells the timeline holds are fractions of that document.
test('a replay frames the live page as the overlay (no visit counted) at its document height', async () => {
  const sessions = async () => (await collector.report('demo')).engagement.sessions;
  const before = await sessions();
  const { page, context, errors } = await openContext(browser, {
    login: collector,
    viewport: { width: 1440, height: 900 },
  });
  page.setDefaultTimeout(60000);
  const origin = encodeURIComponent(store.url);
  await page.goto(`${collector.url}/dashboard/?site=demo&origin=${origin}`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await page.click('#panel-replays > summary');
  await page.waitForFunction(() => document.querySelectorAll('.replay-pick').length === 3);
  await page.click('.replay-pick');
  await page.waitForSelector('.replay-player:not([hidden])');
  assert.equal(
    await page.$eval('.replay-player iframe', (f) => f.getAttribute('src')),
    `${store.url}/#microconv-overlay`,
  );
  await page.waitForFunction(
    () => Number(document.querySelector('.replay-stage').dataset.documentHeight) > 0,
  );
  const frame = page.frames().find((f) => f.url().endsWith('#microconv-overlay'));
  const own = await frame.evaluate(() => document.documentElement.scrollHeight);
  const [measured, stage, width] = await page.$eval('.replay-stage', (s) => [
    Number(s.dataset.documentHeight),
    s.getBoundingClientRect().height,
    s.getBoundingClientRect().width,
  ]);
  assert.equal(measured, own, 'the stage is as tall as the framed document');
  // The replayed session is a desktop one: laid out at 1280 px, scaled.
  assert.ok(Math.abs(stage - (own * width) / 1280) < 1, `${stage} vs ${(own * width) / 1280}`);
  assert.deepEqual(errors, []);
  await context.close();
  // Leaving the framed page would have sent its summary had it tracked.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(await sessions(), before, 'watching a replay is no visit');
});
