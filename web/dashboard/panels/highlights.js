// Where visitors are lost, at a glance: the funnel step losing most sessions
// (and what those visitors did instead) and the element with the most
// frustrated clicks. The details sections have the full lists.
import { clear, el, emptyState, shareBar } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatInt, formatPercent } from '../format.js';
import { actionLabel, kLeftSite } from './next_actions.js';

const kShownActions = 3;

export function renderHighlights(body, view) {
  clear(body, topDropOff(view), topFrustration(view));
}

// The step of the selected funnel with the largest drop-off (reached it and
// not the next required step), hidden steps left out.
export function topDropOffStep(funnel) {
  if (!funnel || funnel.suppressed) return null;
  let top = null;
  funnel.steps.forEach((step, index) => {
    if (step.suppressed || !step.drop_off) return;
    if (!top || step.drop_off > top.step.drop_off) top = { step, index };
  });
  return top;
}

// The element with the most rage and dead clicks together.
export function topFrustrationElement(report) {
  let top = null;
  for (const row of report.frustration || []) {
    const total = (row.rage_clicks || 0) + (row.dead_clicks || 0);
    if (total && (!top || total > top.total)) top = { row, total };
  }
  return top;
}

function topDropOff(view) {
  const head = el('h3', { className: 'subhead', text: 'Top drop-off' });
  const funnel = view.funnel;
  const top = topDropOffStep(funnel);
  if (!top)
    return el(
      'div',
      { className: 'highlight' },
      head,
      emptyState(
        funnel?.suppressed ? 'Hidden for privacy' : 'No drop-off in this funnel and range',
      ),
    );
  const { step, index } = top;
  const actions = (step.next_actions || []).slice(0, kShownActions);
  const where = el('ul', { className: 'rank-list compact' });
  for (const action of actions) {
    const label = actionLabel(action, view);
    where.append(
      el(
        'li',
        { className: 'rank-item', dataset: { action: action.action } },
        action.suppressed ? null : shareBar(action.sessions / step.drop_off, 'bar-back'),
        el('span', { className: 'rank-label', text: label, attrs: { title: action.action } }),
        el('span', {
          className: 'rank-num',
          text: action.suppressed
            ? `< ${view.k}`
            : `${formatInt(action.sessions)} ${formatPercent(action.sessions / step.drop_off, 0)}`,
        }),
      ),
    );
  }
  if (!actions.length)
    where.append(
      el('li', {
        className: 'rank-item muted',
        text: kLeftSite,
      }),
    );
  return el(
    'div',
    { className: 'highlight' },
    head,
    el(
      'p',
      filterRow(filterTerm('step', `${funnel.id}.${index + 1}`), {
        className: 'highlight-main',
        dataset: { highlight: 'drop-off', step: index, value: step.drop_off },
      }),
      el('span', { className: 'highlight-value loss', text: `\u2212${formatInt(step.drop_off)}` }),
      el('span', { className: 'highlight-name', text: `at ${index + 1}. ${step.label}` }),
      el('span', {
        className: 'highlight-note',
        text: `${formatPercent(step.drop_off_rate)} of the ${formatInt(step.reached)} sessions that reached it`,
      }),
    ),
    el('p', { className: 'note', text: 'They went on to:' }),
    where,
  );
}

function topFrustration(view) {
  const head = el('h3', { className: 'subhead', text: 'Top frustration' });
  const top = topFrustrationElement(view.report);
  if (!top) return el('div', { className: 'highlight' }, head, emptyState('No frustrated clicks'));
  const { row } = top;
  return el(
    'div',
    { className: 'highlight' },
    head,
    el(
      'p',
      {
        className: 'highlight-main',
        dataset: { highlight: 'frustration', element: row.element, value: top.total },
      },
      el('span', {
        className: 'highlight-name mono',
        text: row.element,
        attrs: { title: row.element },
      }),
      el('span', {
        className: 'highlight-note',
        text: `${formatInt(row.rage_clicks || 0)} rage, ${formatInt(row.dead_clicks || 0)} dead clicks in ${formatInt(row.sessions || 0)} sessions`,
      }),
    ),
  );
}
