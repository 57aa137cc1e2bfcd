// Report filters (issue 14): the terms of the report query's `filter`
// parameter (core/report_filter.h: `KEY:VALUE` or `!KEY:VALUE`, joined by
// commas, `\,` and `\\` escaped in values), shown as removable chips. Any
// element with a `data-filter` term (a segment, page, funnel step or
// micro-conversion row) adds its term when clicked.
import { el } from './dom.js';

// "country:DE" -> ["country", "DE"], unescaped; a leading "!" negates.
export function splitFilter(text) {
  const terms = [];
  let current = '';
  for (let i = 0; i < (text || '').length; ++i) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) current += text[++i];
    else if (c === ',') {
      terms.push(current);
      current = '';
    } else current += c;
  }
  if (current) terms.push(current);
  return terms.filter(Boolean);
}

export function joinFilter(terms) {
  return terms.map(escapeTerm).join(',');
}

function escapeTerm(term) {
  return term.replace(/[\\,]/g, (c) => `\\${c}`);
}

// A term for a key and a value, e.g. filterTerm('page', '/cart').
export function filterTerm(key, value) {
  return `${key}:${value}`;
}

const kKeyLabels = {
  referrer: 'Referrer',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  device: 'Device',
  browser: 'Browser',
  os: 'OS',
  screen: 'Screen',
  language: 'Language',
  country: 'Country',
  entry: 'Entry page',
  page: 'Visited page',
  micro: 'Did',
  step: 'Reached step',
};

// "Country is DE", "Did not newsletter".
export function termLabel(term, label = (v) => v) {
  const negated = term.startsWith('!');
  const body = negated ? term.slice(1) : term;
  const colon = body.indexOf(':');
  const key = body.slice(0, colon);
  const value = body.slice(colon + 1);
  const name = kKeyLabels[key] || key;
  const shown = key === 'micro' ? label(value) : value;
  if (key === 'micro') return `${negated ? 'Did not do' : 'Did'} ${shown}`;
  return `${name} ${negated ? 'is not' : 'is'} ${shown}`;
}

// The filter bar: one chip per term with a remove button, and a hint.
//   onChange(terms) is called with the new list when a chip is removed.
export function renderFilterBar(bar, terms, { onChange, label, scanned }) {
  bar.replaceChildren();
  bar.hidden = false;
  if (!terms.length) {
    bar.append(
      el('span', {
        className: 'filter-hint',
        text: 'Click a row (segment, page, funnel step, next action) to filter every panel by it.',
      }),
    );
    return;
  }
  bar.append(el('span', { className: 'filter-title', text: 'Filtered:' }));
  terms.forEach((term, index) => {
    const text = termLabel(term, label);
    bar.append(
      el(
        'span',
        { className: 'filter-chip', dataset: { term } },
        el('span', { text }),
        el('button', {
          className: 'filter-remove',
          text: '\u00d7',
          attrs: { type: 'button', 'aria-label': `Remove filter: ${text}`, title: 'Remove' },
          on: { click: () => onChange(terms.filter((_, i) => i !== index)) },
        }),
      ),
    );
  });
  if (terms.length > 1) {
    bar.append(
      el('button', {
        className: 'btn filter-clear',
        text: 'Clear all',
        attrs: { type: 'button' },
        on: { click: () => onChange([]) },
      }),
    );
  }
  if (scanned) bar.append(el('span', { className: 'filter-note', text: scanned }));
}

// Clicks on `data-filter` rows anywhere in `root` add the row's term.
export function wireFilterClicks(root, add) {
  root.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target || target.closest('a, button, select, input, summary')) return;
    const row = target.closest('[data-filter]');
    if (row) add(row.dataset.filter);
  });
  root.addEventListener('keydown', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if ((event.key === 'Enter' || event.key === ' ') && target?.dataset.filter) {
      event.preventDefault();
      add(target.dataset.filter);
    }
  });
}

// Row attributes that make a table row a filter: a term, focusable.
export function filterRow(term, extra = {}) {
  return {
    ...extra,
    className: `${extra.className || ''} filterable`.trim(),
    dataset: { ...(extra.dataset || {}), filter: term },
    attrs: { ...(extra.attrs || {}), tabindex: '0', title: 'Click to filter every panel by this' },
  };
}
