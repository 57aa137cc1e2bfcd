// KPI strip: how the site did in the range, at a glance.
import { comparedKpi, deltaMark } from '../compare.js';
import { clear, el, suppressedBadge } from '../dom.js';
import { formatDuration, formatInt, formatMoney, formatPercent } from '../format.js';

const kSvg = 'http://www.w3.org/2000/svg';

export function renderKpis(body, view) {
  const e = view.report.engagement || {};
  const days = view.days;
  // With no sessions, rates and times are undefined rather than 0.
  const none = e.sessions === 0;
  const rate = (v) => (none ? '\u2013' : formatPercent(v, 1));
  const time = (v) => (none ? '\u2013' : formatDuration(v));
  const note = (text) => (none ? '' : text);
  const cards = [
    card(
      'sessions',
      'Sessions',
      e.sessions,
      formatInt,
      note(
        e.median_duration_s !== undefined
          ? `median visit ${formatDuration(e.median_duration_s)}`
          : '',
      ),
      days.map((d) => d.sessions),
    ),
    card(
      'converters',
      'Converters',
      e.converters,
      formatInt,
      'sessions with a goal',
      days.map((d) => d.conversions),
    ),
    card(
      'conversion_rate',
      'Conversion rate (of all sessions)',
      e.conversion_rate,
      rate,
      'converters \u00f7 sessions',
      days.map((d) => (d.sessions ? d.conversions / d.sessions : d.sessions === 0 ? 0 : null)),
    ),
    card(
      'page_views',
      'Page views',
      e.page_views,
      formatInt,
      note(
        e.pages_per_session !== undefined ? `${e.pages_per_session.toFixed(1)} per session` : '',
      ),
      days.map((d) => d.page_views),
    ),
    card(
      'bounce_rate',
      'Bounce rate (of all sessions)',
      e.bounce_rate,
      rate,
      note(e.bounces !== undefined ? `${formatInt(e.bounces)} single-page sessions` : ''),
    ),
    card(
      'median_active_s',
      'Median active time',
      e.median_active_s,
      time,
      note(e.p90_active_s !== undefined ? `p90 ${formatDuration(e.p90_active_s)}` : ''),
    ),
    frustrationCard(e, none),
  ];
  const revenue = view.report.revenue || {};
  const currency = view.report.currency;
  const money = (cents) => formatMoney(cents, currency);
  const other = revenue.other_currency_orders;
  const revenueCards = [
    card(
      'revenue',
      `Revenue (${currency})`,
      revenue.revenue_cents,
      money,
      revenue.orders !== undefined
        ? `${formatInt(revenue.orders)} orders` +
            (other === null
              ? ', other-currency orders hidden'
              : other
                ? `, ${formatInt(other)} in another currency not summed`
                : '')
        : '',
      days.map((d) =>
        d.suppressed || d.revenue?.suppressed ? null : (d.revenue?.revenue_cents ?? 0),
      ),
    ),
    card(
      'average_order_value',
      'Average order value',
      revenue.orders ? revenue.average_order_cents : undefined,
      money,
      'revenue ÷ orders',
    ),
  ];
  for (const c of cards) {
    if (e.suppressed) markSuppressed(c, view.k);
  }
  for (const c of revenueCards) {
    if (revenue.suppressed) markSuppressed(c, view.k);
  }
  // Against the compared period: the change, marked beyond noise or not.
  if (view.report.comparison) {
    const compared = {
      sessions: ['sessions'],
      converters: ['converters'],
      conversion_rate: ['conversion_rate', true],
      page_views: ['page_views'],
      bounce_rate: ['bounce_rate', true],
      median_active_s: ['median_active_s'],
      revenue: ['revenue_cents'],
    };
    for (const c of [...cards, ...revenueCards]) {
      const key = c.querySelector('.kpi-value[data-kpi]')?.dataset.kpi;
      if (!compared[key]) continue;
      const [name, rate] = compared[key];
      const mark = deltaMark(comparedKpi(view.report, name), { rate });
      if (mark) c.querySelector('dd').append(el('span', { className: 'kpi-delta' }, mark));
    }
  }
  cards.push(...revenueCards);
  clear(body, el('dl', { className: 'kpis' }, cards));
  view.exportTable({
    title: 'Overview',
    columns: [
      { key: 'metric', label: 'Metric' },
      { key: 'value', label: 'Value', numeric: true },
    ],
    rows: [
      'sessions',
      'converters',
      'conversion_rate',
      'page_views',
      'pages_per_session',
      'bounces',
      'bounce_rate',
      'median_active_s',
      'p90_active_s',
      'median_duration_s',
      'median_scroll_percent',
      'rage_clicks',
      'dead_clicks',
      'quick_backs',
    ]
      .map((metric) => ({ metric, value: e[metric], suppressed: e.suppressed }))
      .concat(
        ['orders', 'revenue_cents', 'average_order_cents', 'other_currency_orders'].map(
          (metric) => ({
            metric: `${metric} (${currency})`,
            value: revenue[metric],
            suppressed: revenue.suppressed,
          }),
        ),
      ),
  });
}

function card(key, label, value, format, note, spark) {
  const number = el('span', {
    className: 'kpi-value',
    dataset: { kpi: key, value: value ?? '' },
    text: value === undefined ? '' : format(value),
  });
  return el(
    'div',
    { className: 'kpi' },
    el('dt', { className: 'kpi-label', text: label }),
    el(
      'dd',
      {},
      number,
      note ? el('span', { className: 'kpi-note', text: note }) : null,
      spark && spark.some((v) => v) ? sparkline(spark) : null,
    ),
  );
}

function frustrationCard(e, none) {
  const rage = el('span', {
    dataset: { kpi: 'rage_clicks', value: e.rage_clicks ?? '' },
    text: formatInt(e.rage_clicks ?? 0),
  });
  const dead = el('span', {
    dataset: { kpi: 'dead_clicks', value: e.dead_clicks ?? '' },
    text: formatInt(e.dead_clicks ?? 0),
  });
  const per100 = e.sessions ? ((e.rage_clicks + e.dead_clicks) / e.sessions) * 100 : 0;
  return el(
    'div',
    { className: 'kpi' },
    el('dt', { className: 'kpi-label', text: 'Rage / dead clicks' }),
    el(
      'dd',
      {},
      el(
        'span',
        { className: 'kpi-value' },
        rage,
        el('span', { className: 'kpi-sep', text: ' / ' }),
        dead,
      ),
      none
        ? null
        : el('span', { className: 'kpi-note', text: `${per100.toFixed(1)} per 100 sessions` }),
    ),
  );
}

function markSuppressed(card, k) {
  for (const node of card.querySelectorAll('[data-kpi]')) {
    node.dataset.value = 'suppressed';
    node.replaceChildren(suppressedBadge(k));
  }
  for (const node of card.querySelectorAll('.kpi-note, svg')) node.remove();
}

// A tiny daily trend; decorative (the traffic panel has the numbers).
function sparkline(values) {
  const width = 120;
  const height = 28;
  const known = values.filter((v) => v !== null);
  const max = Math.max(...known, 0) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const svg = document.createElementNS(kSvg, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  let d = '';
  values.forEach((v, i) => {
    if (v === null) return;
    const x = (i * step).toFixed(1);
    const y = (height - 2 - (v / max) * (height - 4)).toFixed(1);
    d += `${d && values[i - 1] !== null ? 'L' : 'M'}${x} ${y}`;
  });
  const path = document.createElementNS(kSvg, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
