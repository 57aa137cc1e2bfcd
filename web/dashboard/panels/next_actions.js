// Next action after drop-off: for each funnel step, what the visitors whose
// furthest step it was did next (a micro-conversion or a page) instead.
import { clear, el, emptyState, shareBar, suppressedBadge } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatInt, formatPercent } from '../format.js';

export function renderNextActions(body, view) {
  const funnel = view.funnel;
  if (!funnel) return void clear(body, emptyState('No funnel configured'));
  if (funnel.suppressed) {
    return void clear(
      body,
      el(
        'p',
        { className: 'note' },
        suppressedBadge(view.k),
        ' Too few sessions in this funnel: hidden for privacy.',
      ),
    );
  }
  const groups = [];
  const exportRows = [];
  if (funnel.dropped_before_first || (funnel.next_before_first || []).length) {
    groups.push(
      group(
        'Before the first step',
        funnel.dropped_before_first,
        funnel.next_before_first || [],
        view,
        exportRows,
      ),
    );
  }
  funnel.steps.forEach((step, index) => {
    if (step.suppressed) {
      groups.push(
        el(
          'li',
          { className: 'drop-group' },
          el(
            'div',
            { className: 'drop-head' },
            el('span', { className: 'drop-step', text: `${index + 1}. ${step.label}` }),
            suppressedBadge(view.k),
          ),
        ),
      );
      exportRows.push({ step: step.label, action: '', kind: '', suppressed: true });
      return;
    }
    if (!step.drop_off) return;
    groups.push(
      group(
        `${index + 1}. ${step.label}`,
        step.drop_off,
        step.next_actions || [],
        view,
        exportRows,
      ),
    );
  });
  view.exportTable({
    title: `Next action after drop-off: ${funnel.label}`,
    columns: [
      { key: 'step', label: 'Dropped at' },
      { key: 'dropped', label: 'Dropped off', numeric: true },
      { key: 'action', label: 'Next action' },
      { key: 'kind', label: 'Kind' },
      { key: 'sessions', label: 'Sessions', numeric: true },
    ],
    rows: exportRows,
  });
  if (!groups.length)
    return void clear(
      body,
      emptyState('No drop-off in this range', 'Everybody who entered the funnel converted.'),
    );
  clear(body, el('ol', { className: 'drop-list' }, groups));
}

function group(title, dropped, actions, view, exportRows) {
  const list = el('ul', { className: 'rank-list compact' });
  for (const action of actions) {
    const label = action.kind === 'page' ? action.action : view.label(action.action);
    // A micro-conversion (or a page template) filters every panel by it.
    const term =
      action.kind === 'page'
        ? action.action.startsWith('/')
          ? filterTerm('page', action.action)
          : null
        : filterTerm('micro', action.action);
    list.append(
      el(
        'li',
        term ? filterRow(term, { className: 'rank-item' }) : { className: 'rank-item' },
        action.suppressed || !dropped ? null : shareBar(action.sessions / dropped, 'bar-back'),
        el(
          'span',
          { className: 'rank-label', attrs: { title: action.action } },
          el('span', {
            className: `kind kind-${action.kind === 'page' ? 'page' : 'micro'}`,
            text: action.kind === 'page' ? 'page' : 'step',
          }),
          el('span', { text: label }),
        ),
        action.suppressed
          ? suppressedBadge(view.k)
          : el(
              'span',
              { className: 'rank-num', text: `${formatInt(action.sessions)}` },
              dropped
                ? el('span', {
                    className: 'rank-extra',
                    text: ` ${formatPercent(action.sessions / dropped, 0)}`,
                  })
                : null,
            ),
      ),
    );
    exportRows.push({
      step: title,
      dropped,
      action: label,
      kind: action.kind,
      sessions: action.suppressed ? 'suppressed' : action.sessions,
    });
  }
  if (!actions.length) {
    list.append(
      el('li', {
        className: 'rank-item muted',
        text: 'No further micro-conversion or page: they left the site.',
      }),
    );
    exportRows.push({ step: title, dropped, action: '(left)', kind: '', sessions: null });
  }
  return el(
    'li',
    { className: 'drop-group' },
    el(
      'div',
      { className: 'drop-head' },
      el('span', { className: 'drop-step', text: title }),
      el('span', { className: 'drop-count', text: `${formatInt(dropped)} dropped off` }),
    ),
    list,
  );
}
