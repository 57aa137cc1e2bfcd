// Funnel breakdown (issue 14 point 3): the selected funnel's conversion per
// value of one dimension, with the 95 % Wilson interval of each rate, from
// the report's `funnels[].breakdown` (asked for with `funnel_breakdown=`).
// Values entered by fewer than k sessions show no numbers.
import { clear, dataTable, el, emptyState } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatInt, formatPercent } from '../format.js';
import { kBreakdowns } from '../state.js';

// onPick(dimension): the dashboard re-queries the report with it.
export function renderFunnelBreakdown(body, view, onPick) {
  const dimensions = kBreakdowns.filter(([name]) => name !== 'all');
  const picker = el(
    'select',
    {
      attrs: { id: 'funnel-breakdown-dimension', 'aria-label': 'Break the funnel down by' },
      on: { change: (event) => onPick(event.target.value) },
    },
    el('option', { text: 'Choose a dimension\u2026', attrs: { value: '' } }),
    dimensions.map(([name, label]) => el('option', { text: label, attrs: { value: name } })),
  );
  picker.value = view.funnelBreakdown || '';
  const head = el(
    'div',
    { className: 'funnel-breakdown-head' },
    el('label', { text: 'Conversion by ', attrs: { for: 'funnel-breakdown-dimension' } }),
    picker,
  );
  const breakdown = view.funnel?.breakdown;
  if (!view.funnel) return void clear(body, head, emptyState('No funnel configured'));
  if (!view.funnelBreakdown || !breakdown)
    return void clear(
      body,
      head,
      emptyState(
        'Pick a dimension',
        'See how the funnel converts per country, device, source\u2026 with 95 % intervals.',
      ),
    );
  const rows = [
    ...breakdown.rows,
    ...(breakdown.other.suppressed || breakdown.other.entered ? [breakdown.other] : []),
  ];
  const columns = [
    { key: 'value', label: breakdown.dimension },
    { key: 'entered', label: 'Entered', numeric: true, format: formatInt },
    { key: 'conversions', label: 'Converted', numeric: true, format: formatInt },
    {
      key: 'conversion_rate',
      label: 'Conversion',
      numeric: true,
      format: (v) => formatPercent(v),
      cell: (r, td) => td.append(interval(r)),
      help: 'converted / entered, with its 95 % Wilson interval',
    },
    {
      key: 'ci_low',
      label: '95 % interval',
      numeric: true,
      format: (v, r) => `${formatPercent(v)} \u2013 ${formatPercent(r.ci_high)}`,
    },
  ];
  view.exportTable({
    title: `Funnel ${view.funnel.label} by ${breakdown.dimension}`,
    columns: [...columns, { key: 'ci_high', label: '95 % interval high', numeric: true }],
    rows,
  });
  clear(
    body,
    head,
    rows.length
      ? dataTable({
          id: 'funnel-breakdown-table',
          caption: `Conversion of ${view.funnel.label} by ${breakdown.dimension}`,
          columns,
          rows,
          k: view.k,
          rowAttrs: (r) =>
            r === breakdown.other ? {} : filterRow(filterTerm(breakdown.dimension, r.value)),
        })
      : emptyState('Nobody entered this funnel in the range'),
  );
}

// The rate's interval drawn on a 0..100 % track, the rate as a tick.
function interval(row) {
  const track = el('span', { className: 'ci-track', attrs: { 'aria-hidden': 'true' } });
  const range = el('span', { className: 'ci-range' });
  range.style.left = `${row.ci_low * 100}%`;
  range.style.width = `${Math.max(0.5, (row.ci_high - row.ci_low) * 100)}%`;
  const tick = el('span', { className: 'ci-tick' });
  tick.style.left = `${row.conversion_rate * 100}%`;
  track.append(range, tick);
  return track;
}
