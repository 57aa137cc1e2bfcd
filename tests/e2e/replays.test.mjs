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
import { collectorBinary, startCollector } from './support/collector.mjs';
import { repoRoot, requireDist } from './support/paths.mjs';

function summariesBinary() {
  return (
    process.env.MICROCONV_REPLAY_SUMMARIES_BIN ||
    join(dirname(collectorBinary()), '../tests/integration/microconv_replay_summaries')
  );
}

let collector;
let browser;
before(async () => {
  requireDist();
  // The demo config sampling every session, as microconv_replay_summaries
  // builds them (a config at rate 0 has its timelines refused).
  const demo = JSON.parse(readFileSync(join(repoRoot, 'demo-site/sites/demo.json'), 'utf8'));
  demo.privacy = { ...demo.privacy, replay_sample_rate: 1 };
  collector = await startCollector({ demo });
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
