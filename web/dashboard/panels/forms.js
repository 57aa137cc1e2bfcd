// Form-field abandonment: per configured form, how many started, submitted
// and abandoned it, and per field the focus, time, refills and how often it
// was the last field touched before giving up.
import { clear, dataTable, el, emptyState, shareBar, suppressedBadge } from '../dom.js';
import { formatDuration, formatInt, formatPercent } from '../format.js';

export function renderForms(body, view) {
  const forms = view.report.forms || [];
  const fieldColumns = [
    {
      key: 'field',
      label: 'Field',
      format: (v, f) =>
        el(
          'span',
          { className: 'mono' },
          v,
          f.literal
            ? el('span', {
                className: 'tag',
                text: 'unlisted',
                attrs: { title: 'a field not listed in the form config' },
              })
            : null,
        ),
    },
    {
      key: 'sessions',
      label: 'Focused',
      numeric: true,
      format: formatInt,
      help: 'sessions that focused the field',
    },
    {
      key: 'mean_time_s',
      label: 'Time',
      csvLabel: 'Mean time (s)',
      numeric: true,
      // A field nobody focused has no mean time, not one of 0 s.
      format: (v, f) => (f.sessions ? formatDuration(v) : '\u2014'),
      help: 'mean time in the field per session that focused it',
    },
    {
      key: 'refills',
      label: 'Refills',
      numeric: true,
      format: formatInt,
      help: 'times a filled field was cleared and typed again',
    },
    {
      key: 'last_before_abandon',
      label: 'Gave up here',
      numeric: true,
      format: formatInt,
      help: 'sessions whose last field before abandoning the form was this one',
    },
  ];
  const exportRows = [];
  const cards = forms.map((form) => {
    const fields = form.fields || [];
    for (const field of fields) exportRows.push({ form: form.id, ...field });
    const maxLast = Math.max(...fields.map((f) => f.last_before_abandon || 0), 0);
    const columns = fieldColumns.map((c) =>
      c.key !== 'last_before_abandon'
        ? c
        : {
            ...c,
            cell: (f, td) => {
              if (!maxLast) return;
              td.prepend(shareBar(f.last_before_abandon / maxLast, 'bar-inline bar-loss'));
            },
          },
    );
    const head = el(
      'div',
      { className: 'form-head' },
      el('h3', { className: 'form-name mono', text: form.id }),
    );
    if (form.suppressed) {
      head.append(
        el('span', { className: 'form-stats' }, suppressedBadge(view.k), ' too few sessions'),
      );
    } else {
      const started = form.started || 0;
      const split = el(
        'span',
        { className: 'split', attrs: { 'aria-hidden': 'true' } },
        el('span', { className: 'split-ok' }),
        el('span', { className: 'split-loss' }),
      );
      split.firstChild.style.flexGrow = String(form.submitted || 0);
      split.lastChild.style.flexGrow = String(form.abandoned || 0);
      head.append(
        el(
          'span',
          { className: 'form-stats' },
          el('span', { text: `${formatInt(started)} started` }),
          el('span', { text: `${formatInt(form.submitted)} submitted` }),
          el('span', {
            className: form.abandoned ? 'loss' : '',
            // Nobody started it: no rate to show (0 of 0 is not 0 %).
            text: started
              ? `${formatInt(form.abandoned)} abandoned (${formatPercent(form.abandonment_rate)})`
              : `${formatInt(form.abandoned)} abandoned`,
          }),
        ),
      );
      // Node.append would write a null as the text "null".
      if (started) head.append(split);
    }
    return el(
      'article',
      { className: 'form-card', attrs: { 'aria-label': `Form ${form.id}` } },
      head,
      fields.length
        ? dataTable({
            caption: `Fields of form ${form.id}`,
            columns,
            rows: fields,
            k: view.k,
            className: 'fields-table',
            rowAttrs: (f) => ({
              className: maxLast && f.last_before_abandon === maxLast ? 'hotspot' : '',
            }),
          })
        : null,
    );
  });
  view.exportTable({
    title: 'Forms',
    columns: [
      { key: 'id', label: 'Form' },
      { key: 'started', label: 'Started', numeric: true },
      { key: 'submitted', label: 'Submitted', numeric: true },
      { key: 'abandoned', label: 'Abandoned', numeric: true },
      { key: 'abandonment_rate', label: 'Abandonment rate', numeric: true },
    ],
    rows: forms,
  });
  view.exportTable({
    title: 'Form fields',
    columns: [
      { key: 'form', label: 'Form' },
      ...fieldColumns,
      { key: 'focus_count', label: 'Focus count', numeric: true },
      { key: 'literal', label: 'Unlisted field', value: (f) => (f.literal ? 'yes' : 'no') },
    ],
    rows: exportRows,
  });
  if (!forms.length)
    return void clear(
      body,
      emptyState(
        'No forms configured',
        'List forms and their fields in the site config to see where visitors give up.',
      ),
    );
  // Forms with abandonment first: that is what the panel is for.
  const order = forms
    .map((f, i) => [f, cards[i]])
    .sort(
      ([a], [b]) => (b.abandoned || 0) - (a.abandoned || 0) || (b.started || 0) - (a.started || 0),
    );
  clear(
    body,
    el(
      'div',
      { className: 'form-grid' },
      order.map(([, card]) => card),
    ),
  );
}
