// Segments: who the ideal visitors are. For each dimension value, its share
// of converters next to its share of non-converters; a value whose converter
// share is clearly higher is over-represented among buyers.
import { clear, dataTable, el, emptyState, shareBar } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatInt, formatPercent } from '../format.js';
import { revenueColumns, revenueExport } from '../revenue.js';
import { kBreakdowns } from '../state.js';

// Screen buckets of core/dimensions.cc (viewport CSS px).
const kScreens = {
  xs: '< 576 px',
  s: '576\u2013767 px',
  m: '768\u2013991 px',
  l: '992\u20131199 px',
  xl: '1200\u20131599 px',
  xxl: '\u2265 1600 px',
};

const regionNames = safeDisplayNames('region');
const languageNames = safeDisplayNames('language');

function safeDisplayNames(type) {
  try {
    return new Intl.DisplayNames(undefined, { type, fallback: 'code' });
  } catch {
    return null;
  }
}

// A readable name for a bucketed value (or [name, hint]); the raw value stays
// in the title and the CSV.
function valueName(dimension, value) {
  if (value.startsWith('(')) return value;
  try {
    if (dimension === 'country' && /^[A-Z]{2}$/.test(value) && regionNames)
      return regionNames.of(value);
    if (dimension === 'language' && /^[a-z]{2,3}$/.test(value) && languageNames)
      return languageNames.of(value);
  } catch {
    // An unknown code keeps its code.
  }
  if (dimension === 'screen' && kScreens[value]) return [value.toUpperCase(), kScreens[value]];
  if (['device', 'browser', 'os'].includes(dimension))
    return value === 'ios'
      ? 'iOS'
      : value === 'macos'
        ? 'macOS'
        : value[0].toUpperCase() + value.slice(1);
  return value;
}

function dimensionTitle(dimension) {
  return (kBreakdowns.find(([name]) => name === dimension) || [dimension, dimension])[1];
}

export function renderSegments(body, view) {
  const tables = (view.report.segments || []).filter(
    (t) => view.breakdown === 'all' || t.dimension === view.breakdown,
  );
  const exportRows = [];
  const cards = tables.map((table) => {
    const rows = [
      ...table.rows,
      ...(table.other && (table.other.suppressed || table.other.sessions) ? [table.other] : []),
    ];
    for (const row of rows) {
      exportRows.push({ dimension: table.dimension, ...row, ...revenueExport(row) });
    }
    const maxShare = Math.max(
      ...rows.map((r) => Math.max(r.converter_share || 0, r.non_converter_share || 0)),
      0.01,
    );
    const columns = [
      { key: 'value', label: 'Value', format: (v) => valueCell(table.dimension, v) },
      {
        key: 'converter_share',
        label: 'Converters vs others',
        numeric: true,
        className: 'shares',
        format: (_v, r) => shares(r, maxShare),
      },
      {
        key: 'conversion_rate',
        label: 'Conv.',
        numeric: true,
        format: (v) => formatPercent(v),
        help: 'conversion rate',
      },
      { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
      ...revenueColumns(view.report.currency),
    ];
    const content = rows.length
      ? dataTable({
          caption: `Converters and non-converters by ${dimensionTitle(table.dimension)}`,
          columns,
          rows,
          k: view.k,
          className: 'segment-table',
          // A row (not "(other)") filters every panel by its value.
          rowAttrs: (r) => {
            const attrs = { className: overRepresented(r) ? 'ideal' : '' };
            return r === table.other
              ? attrs
              : filterRow(filterTerm(table.dimension, r.value), attrs);
          },
        })
      : emptyState('No values yet');
    return el(
      'article',
      { className: 'segment-card', attrs: { 'aria-label': dimensionTitle(table.dimension) } },
      el('h3', { className: 'subhead', text: dimensionTitle(table.dimension) }),
      content,
    );
  });
  view.exportTable({
    title: 'Segments',
    columns: [
      { key: 'dimension', label: 'Dimension' },
      { key: 'value', label: 'Value' },
      { key: 'sessions', label: 'Sessions', numeric: true },
      { key: 'converters', label: 'Converters', numeric: true },
      { key: 'non_converters', label: 'Non-converters', numeric: true },
      { key: 'conversion_rate', label: 'Conversion rate', numeric: true },
      { key: 'converter_share', label: 'Share of converters', numeric: true },
      { key: 'non_converter_share', label: 'Share of non-converters', numeric: true },
      { key: 'revenue_cents', label: `Revenue (cents, ${view.report.currency})`, numeric: true },
      { key: 'orders', label: 'Orders', numeric: true },
      { key: 'average_order_cents', label: 'Average order (cents)', numeric: true },
    ],
    rows: exportRows,
  });
  if (!cards.length) return void clear(body, emptyState('No segments in this report'));
  clear(
    body,
    el(
      'p',
      { className: 'legend-inline' },
      el('span', { className: 'swatch swatch-accent' }),
      'share of converters',
      el('span', { className: 'swatch swatch-muted' }),
      'share of non-converters',
      el('span', { className: 'swatch swatch-ideal' }),
      'over-represented among converters (\u2265 1.2\u00d7)',
    ),
    el('div', { className: `segment-grid${cards.length === 1 ? ' single' : ''}` }, cards),
  );
}

function valueCell(dimension, value) {
  const name = valueName(dimension, value);
  return Array.isArray(name)
    ? el(
        'span',
        { attrs: { title: value } },
        name[0],
        el('span', { className: 'value-hint', text: name[1] }),
      )
    : el('span', { text: name, attrs: { title: value } });
}

function shares(row, maxShare) {
  const line = (share, variant, who) =>
    el(
      'span',
      { className: 'share-line', attrs: { title: `${formatPercent(share)} of ${who}` } },
      shareBar(share / maxShare, `bar-share ${variant}`),
      el('span', { text: formatPercent(share, 0) }),
    );
  return el(
    'span',
    { className: 'share-pair' },
    line(row.converter_share, '', 'converters'),
    line(row.non_converter_share, 'bar-muted', 'non-converters'),
  );
}

function overRepresented(row) {
  return (
    !row.suppressed &&
    row.converters >= 5 &&
    row.converter_share >= 1.2 * row.non_converter_share &&
    row.converter_share >= 0.05
  );
}
