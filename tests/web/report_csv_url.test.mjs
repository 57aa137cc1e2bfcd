// The dashboard's CSV button downloads the report it shows: reportCsvUrl
// (web/dashboard/csv.js) asks for the query fetchReport (api.js) asks for,
// filter, comparison and funnel breakdown included, plus format=csv. Run by
// ctest (report_csv_url_js) and by `node --test tests/web/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetchReport } from '../../web/dashboard/api.js';
import { reportCsvUrl } from '../../web/dashboard/csv.js';

// The URL fetchReport requests for `state`, read off a stand-in fetch that
// answers as the collector does (a real Response: fetchReport reads its headers).
async function reportUrl(site, state) {
  let requested = null;
  const saved = globalThis.fetch;
  globalThis.fetch = async (url) => {
    requested = url;
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  try {
    await fetchReport(site, state);
  } finally {
    globalThis.fetch = saved;
  }
  return requested;
}

test('the CSV download carries the report query the dashboard shows', async () => {
  for (const state of [
    { from: '2023-11-14', to: '2023-11-15' },
    {
      from: '2023-11-14',
      to: '2023-11-15',
      filter: '!device:tablet,micro:product_view',
      compare: '2023-11-12..2023-11-13',
      funnel_breakdown: 'device',
    },
    { from: '2023-11-14', to: '2023-11-15', filter: 'country:DE', compare: 'previous' },
  ]) {
    const shown = new URL(await reportUrl('demo site', state), 'http://dashboard');
    const csv = new URL(reportCsvUrl('demo site', state), 'http://dashboard');
    assert.equal(csv.pathname, shown.pathname);
    assert.equal(csv.searchParams.get('format'), 'csv');
    csv.searchParams.delete('format');
    assert.deepEqual(
      [...csv.searchParams].sort(),
      [...shown.searchParams].sort(),
      JSON.stringify(state),
    );
    for (const key of ['filter', 'compare', 'funnel_breakdown']) {
      assert.equal(csv.searchParams.get(key), state[key] ?? null, key);
    }
  }
});
