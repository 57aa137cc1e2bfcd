// DOM building without HTML strings: every label, path, referrer and element
// name in a report is attacker controlled, so text only ever goes through
// textContent (never innerHTML).

// el('td', { className: 'num', dataset: { col: 'reached' }, attrs: { title } }, child, 'text', ...)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { className, text, dataset, attrs, on, hidden } = props;
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (hidden) node.hidden = true;
  for (const [key, value] of Object.entries(dataset || {})) node.dataset[key] = String(value);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false)
      node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(on || {})) node.addEventListener(type, handler);
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// The k-anonymity mark: a cell backed by fewer than k sessions has no numbers,
// and must never read as 0. With k = 1 (k-anonymity off) "fewer than 1" is
// exactly none, so it reads 0.
export function suppressedBadge(k) {
  if (k <= 1) return el('span', { text: '0' });
  const why = `fewer than ${k} sessions: hidden for privacy`;
  return el('span', {
    className: 'suppressed',
    text: `< ${k}`,
    attrs: { title: why, 'aria-label': why },
  });
}

export function emptyState(title, detail) {
  return el(
    'div',
    { className: 'empty' },
    el('p', { className: 'empty-title', text: title }),
    detail ? el('p', { className: 'empty-detail', text: detail }) : null,
  );
}

// A horizontal share bar (0..1) drawn behind or beside a number.
export function shareBar(share, variant = '') {
  const bar = el('span', { className: `bar ${variant}`.trim(), attrs: { 'aria-hidden': 'true' } });
  bar.append(el('span', { className: 'bar-fill' }));
  bar.firstChild.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return bar;
}

// A data table from column specs; the same specs feed the CSV export.
//   column: { key, label, numeric, value(row) -> raw, format(raw, row) -> text,
//             cell(row, td) -> extra content, className }
//   rows: objects; `row.suppressed` replaces numeric cells by the badge.
export function dataTable({ id, caption, columns, rows, k, rowAttrs, className = '' }) {
  const table = el('table', { className: `data ${className}`.trim(), attrs: { id } });
  if (caption) table.append(el('caption', { className: 'visually-hidden', text: caption }));
  const head = el('tr');
  for (const column of columns) {
    head.append(
      el('th', {
        text: column.label,
        className: column.numeric ? 'num' : '',
        attrs: { scope: 'col', title: column.help },
      }),
    );
  }
  table.append(el('thead', {}, head));
  const body = el('tbody');
  rows.forEach((row, index) => {
    const tr = el('tr', rowAttrs ? rowAttrs(row, index) : {});
    columns.forEach((column, columnIndex) => {
      const raw = cellValue(column, row);
      const td = el(columnIndex === 0 ? 'th' : 'td', {
        className: [column.numeric ? 'num' : '', column.className || ''].join(' ').trim(),
        // data-label: the column's name where a narrow layout stacks a row.
        dataset: { col: column.key, label: column.label },
        attrs: columnIndex === 0 ? { scope: 'row' } : {},
      });
      // A whole row under k, or one number the report withheld (null: e.g. a
      // drop-off or scroll depth reached by 1..k-1 sessions).
      if (column.numeric && (row.suppressed || raw === null)) {
        td.dataset.value = 'suppressed';
        td.append(suppressedBadge(k));
      } else {
        if (column.numeric && raw !== null && raw !== undefined) td.dataset.value = String(raw);
        // A number the row does not carry (e.g. a report of an older
        // collector) is a dash, never a formatted NaN.
        const missing = column.numeric && raw === undefined;
        const text = missing ? '\u2013' : column.format ? column.format(raw, row) : raw;
        if (text !== null && text !== undefined)
          td.append(text instanceof Node ? text : String(text));
        if (column.cell) column.cell(row, td);
      }
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return el('div', { className: 'table-scroll' }, table);
}

export function cellValue(column, row) {
  return column.value ? column.value(row) : row[column.key];
}

// The accessible twin of a chart, folded away for sighted users.
export function tableDetails(summary, table) {
  return el('details', { className: 'chart-table' }, el('summary', { text: summary }), table);
}

// A labelled figure in a panel's summary line.
// `value`: text or a node (the k-anonymity badge).
export function stat(label, value) {
  return el(
    'span',
    { className: 'stat' },
    el('span', { className: 'stat-label', text: label }),
    el('span', { className: 'stat-value' }, value),
  );
}
