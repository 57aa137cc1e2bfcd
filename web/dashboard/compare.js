// The report's comparison with another period (Report "comparison": each
// figure with its change and whether it is beyond noise at 95 %: counts by
// a Poisson test per day, rates by a two-proportion z-test), as small
// delta marks next to the numbers.
import { el } from './dom.js';
import { formatPercent, formatPoints } from './format.js';

// The compared KPI named `name`, or null.
export function comparedKpi(report, name) {
  return (report?.comparison?.kpis || []).find((f) => f.name === name) || null;
}

export function comparedFunnel(report, id) {
  return (report?.comparison?.funnels || []).find((f) => f.id === id) || null;
}

// "▲ 12.5 % vs previous" (counts: relative change; rates: points), marked
// significant or within noise. Null when there is nothing to show.
export function deltaMark(figure, { rate = false } = {}) {
  if (!figure) return null;
  if (figure.suppressed)
    return el('span', { className: 'delta delta-hidden', text: 'change hidden (< k sessions)' });
  const change = figure.change;
  const arrow = change > 0 ? '\u25b2' : change < 0 ? '\u25bc' : '\u25cf';
  let text;
  if (rate) text = formatPoints(change);
  else if (figure.relative_change === null || figure.relative_change === undefined)
    text = figure.previous === 0 && figure.current > 0 ? 'new' : '\u00b10';
  else text = `${change >= 0 ? '+' : '\u2212'}${formatPercent(Math.abs(figure.relative_change))}`;
  const tested = figure.test !== 'none';
  const significant = tested && figure.significant;
  const why = tested
    ? significant
      ? `beyond noise at 95 % (${figure.test === 'poisson' ? 'Poisson rate test' : 'two-proportion z-test'}, z = ${figure.z})`
      : `within noise at 95 % (z = ${figure.z})`
    : 'not tested';
  return el(
    'span',
    {
      className: `delta ${change > 0 ? 'delta-up' : change < 0 ? 'delta-down' : 'delta-flat'}${significant ? ' delta-significant' : ''}`,
      dataset: {
        delta: figure.name,
        change: String(change),
        significant: String(significant),
      },
      attrs: { title: `previous: ${figure.previous}; ${why}` },
    },
    `${arrow} ${text}`,
    tested
      ? el('span', { className: 'delta-note', text: significant ? ' significant' : ' noise' })
      : null,
  );
}
