// Frustration per element: rage clicks (3+ quick clicks in one spot) and dead
// clicks (nothing happened) on each element, named by id or a stable path;
// then the configured calls to action seen but not clicked.
import { clear, dataTable, el, emptyState, shareBar, stat } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';

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
  clear(
    body,
    summary,
    rows.length
      ? dataTable({
          id: 'frustration-table',
          caption: 'Rage and dead clicks per element',
          columns,
          rows,
          k: view.k,
          className: 'frustration-table',
        })
      : emptyState(
          'No frustrated clicks',
          'No element collected rage or dead clicks in this range.',
        ),
    callsToAction(view),
  );
}

// Calls to action (click rules marked "cta" in the config): sessions that
// saw one for at least a second, clicked it, or saw it and never clicked.
function callsToAction(view) {
  const rows = view.report.calls_to_action || [];
  const columns = [
    { key: 'label', label: 'Call to action' },
    {
      key: 'seen',
      label: 'Seen',
      help: 'Sessions in which it was at least half visible for 1 s',
      numeric: true,
      format: formatInt,
    },
    {
      key: 'clicked',
      label: 'Clicked',
      help: 'Sessions that clicked it',
      numeric: true,
      format: formatInt,
    },
    {
      key: 'seen_not_clicked',
      label: 'Seen, not clicked',
      help: 'Sessions that saw it and never clicked it',
      numeric: true,
      format: formatInt,
      cell: (r, td) =>
        r.seen_not_clicked_rate != null &&
        td.prepend(shareBar(r.seen_not_clicked_rate, 'bar-inline bar-loss')),
    },
    {
      key: 'seen_not_clicked_rate',
      label: 'Share of seen',
      numeric: true,
      format: (v) => formatPercent(v, 0),
    },
  ];
  view.exportTable({ title: 'Calls to action seen but not clicked', columns, rows });
  if (!rows.length) return null;
  return el(
    'div',
    { className: 'cta-section' },
    el('h3', { className: 'subhead', text: 'Calls to action seen but not clicked' }),
    dataTable({
      id: 'cta-table',
      caption: 'Calls to action seen but not clicked',
      columns,
      rows,
      k: view.k,
      rowAttrs: (r) => ({ dataset: { cta: r.id } }),
    }),
  );
}
