// Exits: which pages visitors leave the site from, and which they enter and
// bounce on.
import { clear, dataTable, el, emptyState, shareBar } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatInt, formatPercent } from '../format.js';

export function renderExits(body, view) {
  const pages = [...(view.report.pages || [])].sort(
    (a, b) => (b.exits || 0) - (a.exits || 0) || (b.views || 0) - (a.views || 0),
  );
  const maxRate = Math.max(...pages.map((p) => p.exit_rate || 0), 0.01);
  const columns = [
    {
      key: 'page',
      label: 'Page',
      format: (v, p) =>
        el(
          'span',
          { className: 'mono' },
          v,
          p.literal
            ? el('span', {
                className: 'tag',
                text: 'path',
                attrs: { title: 'a literal path, not a configured page template' },
              })
            : null,
        ),
    },
    { key: 'exits', label: 'Exits', numeric: true, format: formatInt },
    {
      key: 'exit_rate',
      label: 'Exit rate',
      numeric: true,
      format: (v) => formatPercent(v),
      help: 'exits / sessions that saw the page',
      cell: (p, td) => td.prepend(shareBar(p.exit_rate / maxRate, 'bar-inline bar-loss')),
    },
    { key: 'entries', label: 'Entries', numeric: true, format: formatInt },
    {
      key: 'bounce_rate',
      label: 'Bounce',
      numeric: true,
      format: (v, p) => (p.entries ? formatPercent(v) : '\u2013'),
      help: 'single-page sessions / entries',
    },
  ];
  view.exportTable({
    title: 'Pages and exits',
    columns: [
      ...columns,
      { key: 'views', label: 'Views', numeric: true },
      { key: 'sessions', label: 'Sessions', numeric: true },
      { key: 'mean_active_s', label: 'Mean active time (s)', numeric: true },
      { key: 'quick_backs', label: 'Quick backs', numeric: true },
      { key: 'literal', label: 'Literal path', value: (p) => (p.literal ? 'yes' : 'no') },
    ],
    rows: pages,
  });
  if (!pages.length) return void clear(body, emptyState('No page views yet'));
  clear(
    body,
    dataTable({
      id: 'exits-table',
      caption: 'Pages by exits',
      columns,
      rows: pages,
      k: view.k,
      className: 'exits-table',
      // A page row filters every panel to the sessions that viewed it.
      rowAttrs: (p) => (p.page.startsWith('/') ? filterRow(filterTerm('page', p.page)) : {}),
    }),
  );
}
