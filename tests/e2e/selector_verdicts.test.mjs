// `microconv config check` judges a CSS selector as the browser will: every
// selector of tests/e2e/fixtures/selectors.json (real-world typos, jQuery
// extensions, and the corners of the Selectors 4 grammar) goes through
// Chromium's document.querySelector and, as a click micro-conversion's
// selector, through `config check`; the verdicts must be the same.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { launchBrowser } from './support/browser.mjs';
import { collectorBinary } from './support/collector.mjs';
import { fixturesDir, repoRoot } from './support/paths.mjs';

const run = promisify(execFile);
const selectors = JSON.parse(readFileSync(join(fixturesDir, 'selectors.json'), 'utf8'));
const demo = JSON.parse(readFileSync(join(repoRoot, 'demo-site/sites/demo.json'), 'utf8'));
const clickIndex = demo.micro_conversions.findIndex((micro) => micro.kind === 'click');

let dir;
let browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'microconv-selectors-'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function browserVerdicts() {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><p>x</p>');
  const verdicts = await page.evaluate(
    (list) =>
      list.map((selector) => {
        try {
          document.querySelector(selector);
          return true;
        } catch {
          return false;
        }
      }),
    selectors,
  );
  await page.close();
  return verdicts;
}

// One `config check` over one config per selector (a single process: the
// test stays quick): selector index -> its error message, "" when it passed.
async function checkVerdicts() {
  const files = selectors.map((selector, index) => {
    const config = structuredClone(demo);
    config.micro_conversions[clickIndex].selector = selector;
    const file = join(dir, `config-${index}.json`);
    writeFileSync(file, JSON.stringify(config));
    return file;
  });
  let output;
  try {
    output = await run(collectorBinary(), ['config', 'check', ...files], {
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    output = error; // exit 1 when any failed; stdout and stderr still say which
  }
  const messages = files.map(() => null);
  for (const line of String(output.stdout).split('\n')) {
    const index = files.findIndex((file) => line.startsWith(`${file}: ok:`));
    if (index >= 0) messages[index] = '';
  }
  for (const line of String(output.stderr).split('\n')) {
    const index = files.findIndex((file) => line.startsWith(`config: ${file}:`));
    if (index >= 0) messages[index] = line;
  }
  return messages;
}

test('config check and Chromium agree on every selector', async () => {
  assert.ok(clickIndex >= 0, 'the demo config has a click micro-conversion');
  const expected = await browserVerdicts();
  // Both verdicts occur, so neither side can pass by always saying one.
  assert.ok(expected.filter(Boolean).length > 100);
  assert.ok(expected.filter((valid) => !valid).length > 100);
  const messages = await checkVerdicts();
  const disagreements = [];
  selectors.forEach((selector, i) => {
    const message = messages[i];
    assert.notEqual(message, null, `${JSON.stringify(selector)}: config check said nothing`);
    const valid = message === '';
    if (valid !== expected[i]) {
      disagreements.push(
        `${JSON.stringify(selector)}: Chromium ${expected[i] ? 'accepts' : 'refuses'}, config check ${valid ? 'accepts' : `refuses (${message.trim()})`}`,
      );
    } else if (!valid) {
      // Refused for its selector, not for something else in the config.
      assert.match(message, /selector/, `${JSON.stringify(selector)}: ${message}`);
    }
  });
  assert.deepEqual(disagreements, []);
});
