// The dashboard's "today" is the site's (web/dashboard/format.js todayIn):
// the day its reports end on, in the zone /api/sites names. Run by ctest
// (site_today_js) and by `node --test tests/web/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { todayIn } from '../../web/dashboard/format.js';
import { withServedDefaults } from '../../web/dashboard/state.js';

const kDay = /^\d{4}-\d{2}-\d{2}$/;

test('today is the date in the named zone', () => {
  // UTC+14 and UTC-11 are 25 hours apart: always on different dates.
  const east = todayIn('Pacific/Kiritimati');
  const west = todayIn('Pacific/Pago_Pago');
  assert.match(east, kDay);
  assert.match(west, kDay);
  const days = (Date.parse(`${east}T00:00:00Z`) - Date.parse(`${west}T00:00:00Z`)) / 86400000;
  assert.ok(days === 1 || days === 2, `${east} vs ${west}`);
  assert.equal(todayIn('UTC'), new Date().toISOString().slice(0, 10));
});

test('an unknown zone falls back to UTC, never throws', () => {
  assert.equal(todayIn('Europe/Atlantis'), todayIn('UTC'));
  assert.equal(todayIn(undefined), todayIn('UTC'));
});

test('the default range ends today in the site zone', () => {
  const query = { default_days: 7, breakdowns: ['all', 'device'] };
  const state = withServedDefaults({ breakdown: 'device' }, query, 'Pacific/Kiritimati');
  assert.equal(state.to, todayIn('Pacific/Kiritimati'));
  const span =
    (Date.parse(`${state.to}T00:00:00Z`) - Date.parse(`${state.from}T00:00:00Z`)) / 86400000;
  assert.equal(span, 6);
});
