// The dashboard shows a report's numbers as the CLI table does: each case of
// tests/golden/display_numbers.tsv, its JSON text through
// web/dashboard/format.js, reads as the CLI shows it (tests/unit/
// display_numbers_test.cc checks the C++ side of the same cases). Run by
// ctest (display_numbers_js) and by `node --test tests/web/`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatDuration, formatPercent, formatPoints } from '../../web/dashboard/format.js';

const kCases = readFileSync(new URL('../golden/display_numbers.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => line.split('\t'));

const kFormat = { seconds: formatDuration, percent: formatPercent, points: formatPoints };

test('every golden case reads the same in the dashboard', () => {
  assert.ok(kCases.length >= 20);
  for (const [kind, raw, json, shown] of kCases) {
    assert.equal(kFormat[kind](JSON.parse(json)), shown, `${kind} ${raw}`);
  }
});
