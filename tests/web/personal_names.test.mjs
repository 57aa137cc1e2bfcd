// Element ids that may name a person are never sent: the tracker's
// looksPersonal (web/tracker/element_path.js) agrees with the core's
// LooksPersonal (tests/unit/page_pattern_test.cc) on every case of
// tests/golden/personal_names.tsv. Run by ctest (personal_names_js) and by
// `node --test tests/web/`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { looksPersonal } from '../../web/tracker/element_path.js';

const kCases = readFileSync(new URL('../golden/personal_names.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => [line[0] === '1', line.slice(2)]);

test('every golden case is judged as the core judges it', () => {
  assert.ok(kCases.length >= 20);
  for (const [personal, text] of kCases) assert.equal(looksPersonal(text), personal, text);
});
