// CSV and JSON downloads of the report. The CSV is the collector's
// (GET /api/report/SITE?format=csv, core/report_csv.h): one writer for the
// dashboard's button and `microconv report --format csv`, so both have the
// same dialect (RFC 4180 quoting, a leading apostrophe on formula-like text,
// a title line per section) and the same numbers.

// The report's CSV, as the collector writes it, for the query the dashboard
// shows (api.js fetchReport's parameters): the range, the filter, the
// comparison and the funnel breakdown, so the download holds what is on screen.
export function reportCsvUrl(site, { from, to, filter, compare, funnel_breakdown }) {
  const params = new URLSearchParams({ format: 'csv' });
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  if (filter) params.set('filter', filter);
  if (compare) params.set('compare', compare);
  if (funnel_breakdown) params.set('funnel_breakdown', funnel_breakdown);
  return `/api/report/${encodeURIComponent(site)}?${params}`;
}

function save(filename, href) {
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
}

// A same-origin URL saved as `filename` (the login cookie goes along).
export function downloadUrl(filename, url) {
  save(filename, url);
}

export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  save(filename, url);
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
