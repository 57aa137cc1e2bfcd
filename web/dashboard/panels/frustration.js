// Frustration per element: rage clicks (3+ quick clicks in one spot) and dead
// clicks (nothing happened) on each element, named by id or a stable path.
import { clear, dataTable, el, emptyState, shareBar, stat } from '../dom.js';
import { formatInt } from '../format.js';

export function renderFrustration(body, view) {
  const rows = [...(view.report.frustration || [])].sort(
    (a, b) =>
      (b.rage_clicks || 0) + (b.dead_clicks || 0) - ((a.rage_clicks || 0) + (a.dead_clicks || 0)),
  );
  const max = Math.max(...rows.map((r) => Math.max(r.rage_clicks || 0, r.dead_clicks || 0)), 1);
  const columns = [
    {
      key: 'element',
      label: 'Element',
      format: (v) => el('span', { className: 'mono', text: v, attrs: { title: v } }),
    },
    {
      key: 'rage_clicks',
      label: 'Rage',
      numeric: true,
      format: formatInt,
      cell: (r, td) => td.prepend(shareBar(r.rage_clicks / max, 'bar-inline bar-loss')),
    },
    {
      key: 'dead_clicks',
      label: 'Dead',
      numeric: true,
      format: formatInt,
      cell: (r, td) => td.prepend(shareBar(r.dead_clicks / max, 'bar-inline bar-muted')),
    },
    { key: 'clicks', label: 'Clicks', numeric: true, format: formatInt },
  ];
  view.exportTable({
    title: 'Frustration per element',
    columns: [...columns, { key: 'sessions', label: 'Sessions', numeric: true }],
    rows,
  });
  const e = view.report.engagement || {};
  const summary = e.suppressed
    ? null
    : el(
        'div',
        { className: 'funnel-summary' },
        stat('Rage clicks', formatInt(e.rage_clicks || 0)),
        stat('Dead clicks', formatInt(e.dead_clicks || 0)),
        stat('Quick backs', formatInt(e.quick_backs || 0)),
      );
  if (!rows.length)
    return void clear(
      body,
      summary,
      emptyState('No frustrated clicks', 'No element collected rage or dead clicks in this range.'),
    );
  clear(
    body,
    summary,
    dataTable({
      id: 'frustration-table',
      caption: 'Rage and dead clicks per element',
      columns,
      rows,
      k: view.k,
      className: 'frustration-table',
    }),
  );
}
