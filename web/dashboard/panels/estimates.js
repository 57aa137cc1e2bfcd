// Local differential privacy sessions (report.ldp): their micro-conversions
// and funnel steps are estimated from randomized answers, so every figure
// here carries an "estimate" badge and its 95 % interval.
import { dataTable, el, tableDetails } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';

export function estimateBadge() {
  const why = 'estimated from randomized answers (local differential privacy): see the interval';
  return el('span', {
    className: 'estimate-badge',
    text: 'estimate',
    attrs: { title: why, 'aria-label': why },
  });
}

// A one-line note and a table of the estimates, or null without LDP sessions.
export function ldpEstimates(report, k) {
  const ldp = report.ldp;
  if (!ldp) return null;
  const rows = [
    ...ldp.micros.map((r) => ({ ...r, what: r.label || r.id })),
    ...ldp.steps.map((r) => ({ ...r, what: `${r.id}: reached ${r.label || r.step + 1}` })),
  ];
  const columns = [
    { key: 'what', label: 'Micro-conversion or funnel step' },
    { key: 'count', label: 'Sessions (est.)', numeric: true, format: (v) => formatInt(v) },
    {
      key: 'ci',
      label: '95 % interval',
      numeric: true,
      value: (r) => (r.suppressed ? null : `${r.ci_low}..${r.ci_high}`),
      format: (_v, r) => `${formatInt(r.ci_low)} to ${formatInt(r.ci_high)}`,
    },
    { key: 'rate', label: 'Share (est.)', numeric: true, format: (v) => formatPercent(v) },
    { key: 'exact', label: 'Of which exact', numeric: true, format: (v) => formatInt(v) },
  ];
  return el(
    'div',
    { className: 'ldp-estimates' },
    el(
      'p',
      { className: 'panel-note' },
      estimateBadge(),
      ` ${formatInt(ldp.sessions)} sessions were sent with local differential privacy (epsilon ${ldp.epsilons.join(', ')}): only randomized yes/no answers, so they are in no other figure here; below, their estimated counts added to the ${formatInt(ldp.exact_sessions)} exact sessions.`,
    ),
    tableDetails(
      'Estimated counts',
      dataTable({ caption: 'Estimated sessions per micro-conversion and step', columns, rows, k }),
    ),
  );
}
