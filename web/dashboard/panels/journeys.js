// Journey scope (report.journeys, core/report_journeys.h): the selected funnel
// counted by journeys, each counted once over its visits, with the visits and
// days its converted journeys took. Absent for session-scope sites.
import { clear, dataTable, el, emptyState, stat, suppressedBadge, tableDetails } from '../dom.js';
import { formatInt } from '../format.js';

function countTable(view, title, what, rows) {
  const columns = [
    { key: 'what', label: what },
    { key: 'journeys', label: 'Journeys', numeric: true, format: formatInt },
  ];
  view.exportTable({ title, columns, rows });
  return tableDetails(title, dataTable({ caption: title, columns, rows, k: view.k }));
}

export function renderJourneys(body, view) {
  const journeys = view.report.journeys;
  if (!journeys) {
    return void clear(
      body,
      emptyState('No journeys', 'This site counts visits (privacy.scope "session").'),
    );
  }
  const funnel = view.funnel && journeys.funnels.find((f) => f.id === view.funnel.id);
  if (!funnel) return void clear(body, emptyState('No funnel configured'));
  const count = (c) => (c.suppressed ? suppressedBadge(view.k) : formatInt(c.journeys));
  const rows = (list, what) => list.map((c) => ({ ...c, what: what(c) }));
  clear(
    body,
    el(
      'div',
      { className: 'funnel-summary' },
      // null: 1..k-1 visits, withheld by the collector like any cell under k.
      stat(
        'Journey visits',
        journeys.visits === null ? suppressedBadge(view.k) : formatInt(journeys.visits),
      ),
      stat('Journeys started', count(journeys.started)),
      stat('Converted journeys', count(funnel.converted)),
    ),
    countTable(
      view,
      `Funnel by journeys: ${funnel.label}`,
      'Step first reached',
      rows(funnel.steps, (c) => c.label),
    ),
    countTable(
      view,
      'Visits to convert',
      'Converting visit',
      rows(funnel.visits_to_convert, (c) => `visit ${c.visits}${c.visits >= 8 ? '+' : ''}`),
    ),
    countTable(
      view,
      'Days to convert',
      'Days after the first visit',
      rows(funnel.days_to_convert, (c) => `${c.days}`),
    ),
  );
}
