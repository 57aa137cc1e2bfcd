// Traffic over time (sessions, page views, conversions per day) and where
// visitors came from (the referrer segment).
import { axisText, baseTooltip, colors, dayAxis, mountChart, tooltipHtml } from '../charts.js';
import {
  clear,
  dataTable,
  el,
  emptyState,
  shareBar,
  suppressedBadge,
  tableDetails,
} from '../dom.js';
import { formatDayLong, formatInt, formatMoney, formatPercent } from '../format.js';
import {
  changeMarkLine,
  changeNotes,
  changeText,
  configChanges,
  renderMicroTrend,
} from '../history.js';
import { fillDays } from '../daily.js';
import { revenueColumns } from '../revenue.js';

// Both day charts: the same frame, legend and one category per day.
const kDayChartFrame = {
  grid: { left: 48, right: 44, top: 52, bottom: 28 },
  // One row at any width (scrolls when narrow), so it never covers the axis name.
  legend: {
    type: 'scroll',
    top: 0,
    left: 0,
    right: 0,
    itemWidth: 14,
    itemHeight: 8,
    textStyle: axisText,
    icon: 'roundRect',
  },
};

export function renderTraffic(body, view) {
  const days = view.days;
  // The compared period's sessions, day i against day i (a dashed line).
  const comparison = view.report.comparison;
  const previous = comparison ? fillDays(comparison.days, comparison.from, comparison.to) : null;
  const chart = el('div', { className: 'chart chart-traffic' });
  const referrerTrendChart = el('div', { className: 'traffic-trend' });
  const microTrend = el('div', { className: 'traffic-trend traffic-micro-trend' });
  // Config edits that changed what is counted, marked on the daily chart.
  const changes = configChanges(view.report);
  const columns = [
    { key: 'date', label: 'Day' },
    { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
    { key: 'page_views', label: 'Page views', numeric: true, format: formatInt },
    {
      key: 'conversions',
      label: 'Converters',
      numeric: true,
      format: formatInt,
      help: 'sessions that reached a goal (macro-conversion)',
    },
    ...revenueColumns(view.report.currency),
  ];
  clear(
    body,
    el(
      'div',
      { className: 'traffic' },
      el(
        'div',
        { className: 'traffic-chart' },
        ...changeNotes(
          changes,
          (c) =>
            `Config edit: ${c.item === 'funnel' ? 'funnel' : 'micro-conversion'} \u201c${c.id}\u201d ${changeText(c)}.`,
        ),
        chart,
        tableDetails(
          'Daily numbers',
          dataTable({
            caption: 'Sessions, page views and converters (sessions that reached a goal) per day',
            columns,
            rows: days,
            k: view.k,
          }),
        ),
      ),
      el('div', { className: 'traffic-referrers' }, referrers(view)),
      referrerTrendChart,
      microTrend,
    ),
  );
  view.exportTable({ title: 'Traffic per day', columns, rows: days });

  mountChart(
    chart,
    {
      ...kDayChartFrame,
      tooltip: {
        ...baseTooltip,
        trigger: 'axis',
        axisPointer: { type: 'line', lineStyle: { color: colors.neutral } },
        formatter: (items) => {
          const day = days[items[0].dataIndex];
          if (day.suppressed)
            return tooltipHtml(formatDayLong(day.date), [
              ['Hidden', `fewer than ${view.k} sessions`],
            ]);
          const before = previous?.[items[0].dataIndex];
          return tooltipHtml(formatDayLong(day.date), [
            ['Sessions', formatInt(day.sessions)],
            ...(before
              ? [
                  [
                    `Sessions on ${formatDayLong(before.date)}`,
                    before.suppressed ? `fewer than ${view.k}` : formatInt(before.sessions),
                  ],
                ]
              : []),
            ['Page views', formatInt(day.page_views)],
            ['Converters', formatInt(day.conversions)],
            [
              'Conversion rate (of sessions)',
              day.sessions ? formatPercent(day.conversions / day.sessions) : '\u2013',
            ],
            [
              'Revenue',
              !day.revenue
                ? '\u2013'
                : day.revenue.suppressed
                  ? `hidden (fewer than ${view.k} buyers)`
                  : `${formatMoney(day.revenue.revenue_cents, view.report.currency)} from ${formatInt(day.revenue.orders)} orders`,
            ],
          ]);
        },
      },
      xAxis: dayAxis(days),
      // Conversions are far fewer than sessions: they get their own axis, on
      // the right, labelled and coloured like their bars, so ~30 a day never
      // reads as ~500 against the left axis.
      yAxis: [
        {
          type: 'value',
          name: 'sessions, page views',
          nameTextStyle: { ...axisText, align: 'left' },
          minInterval: 1,
          splitLine: { lineStyle: { color: colors.grid } },
          axisLabel: { ...axisText, formatter: (v) => formatInt(v) },
        },
        {
          type: 'value',
          name: 'converters',
          nameTextStyle: { ...axisText, color: colors.accent, align: 'right' },
          minInterval: 1,
          max: (extent) => Math.max(3, Math.ceil(extent.max * 3)),
          splitLine: { show: false },
          axisLine: { show: true, lineStyle: { color: colors.accentSoft } },
          axisLabel: { ...axisText, color: colors.accent, formatter: (v) => formatInt(v) },
        },
      ],
      series: [
        {
          name: 'Sessions',
          type: 'line',
          data: days.map((d) => d.sessions),
          smooth: 0.25,
          showSymbol: false,
          lineStyle: { width: 2.5, color: colors.accent },
          itemStyle: { color: colors.accent },
          markLine: changeMarkLine(changes, days),
          areaStyle: {
            color: {
              type: 'linear',
              x: 0,
              y: 0,
              x2: 0,
              y2: 1,
              colorStops: [
                { offset: 0, color: 'rgba(79,70,229,0.18)' },
                { offset: 1, color: 'rgba(79,70,229,0)' },
              ],
            },
          },
        },
        {
          name: 'Page views',
          type: 'line',
          data: days.map((d) => d.page_views),
          smooth: 0.25,
          showSymbol: false,
          lineStyle: { width: 1.5, color: colors.faint, type: 'dashed' },
          itemStyle: { color: colors.faint },
        },
        ...(previous
          ? [
              {
                name: `Sessions ${comparison.from} \u2013 ${comparison.to}`,
                id: 'previous-sessions',
                type: 'line',
                data: days.map((_, i) => previous[i]?.sessions ?? null),
                smooth: 0.25,
                showSymbol: false,
                lineStyle: { width: 2, color: colors.muted, type: 'dashed' },
                itemStyle: { color: colors.muted },
              },
            ]
          : []),
        {
          name: 'Converters',
          type: 'bar',
          yAxisIndex: 1,
          data: days.map((d) => d.conversions),
          barMaxWidth: 14,
          itemStyle: { color: colors.accentSoft, borderRadius: [3, 3, 0, 0] },
        },
      ],
    },
    `Sessions and page views per day (left axis) and converters per day (right axis) from ${view.range.from} to ${view.range.to}; the daily numbers are in the table below.`,
  );
  renderReferrerTrend(referrerTrendChart, view);
  renderMicroTrend(microTrend, view);
}

const kTrendReferrers = 4;
const kTrendColors = [colors.accent, '#0891b2', '#d97706', '#059669'];

// One referrer's sessions on a day: 0 when the day had no sessions, null (a
// gap) when it is hidden under k (its row, or the day's "other" row under
// k), kAmongOther (a gap too) when it may be inside the day's "other" row:
// not among that day's top referrers, so its count is not known -- neither
// "fewer than k" nor 0.
const kAmongOther = 'other';
function referrerSessions(day, referrer) {
  if (!day) return 0;
  const row = day.rows.find((r) => r.value === referrer);
  if (row) return row.suppressed ? null : row.sessions;
  const other = day.other || {};
  if (other.suppressed) return null;
  return other.sessions ? kAmongOther : 0;
}
const kAmongOtherText = 'among other referrers that day';

// Referrers over time: the range's top referrers, a line each, from the
// collector's per-day referrer tables (report.daily).
function renderReferrerTrend(container, view) {
  const table = (view.report.segments || []).find((t) => t.dimension === 'referrer');
  const daily = view.report.daily;
  if (!daily || !table) return;
  const top = table.rows
    .filter((r) => !r.suppressed)
    .slice(0, kTrendReferrers)
    .map((r) => r.value);
  if (!top.length) return;
  const byDate = new Map(daily.map((day) => [day.date, day]));
  const days = view.days;
  const series = top.map((referrer) =>
    days.map((d) => referrerSessions(byDate.get(d.date), referrer)),
  );
  const chart = el('div', { className: 'chart chart-referrer-trend' });
  const columns = [
    { key: 'date', label: 'Day' },
    ...top.map((referrer, i) => ({
      key: 'r' + i,
      label: referrer,
      numeric: true,
      value: (row) => (row['r' + i] === kAmongOther ? undefined : row['r' + i]),
      format: (value) => (value === undefined ? '\u2013' : formatInt(value)),
      cell: (row, td) => {
        if (row['r' + i] !== kAmongOther) return;
        td.dataset.value = kAmongOther;
        td.title = kAmongOtherText;
      },
    })),
  ];
  const rows = days.map((d, day) =>
    Object.fromEntries([['date', d.date], ...top.map((_, i) => ['r' + i, series[i][day]])]),
  );
  clear(
    container,
    el('h3', { className: 'subhead', text: 'Referrers over time' }),
    chart,
    tableDetails(
      'Referrers per day',
      dataTable({
        caption:
          'Sessions per day from the top referrers (empty: hidden under k or among other referrers that day)',
        columns,
        rows,
        k: view.k,
      }),
    ),
  );
  view.exportTable({ title: 'Referrers per day', columns, rows });
  mountChart(
    chart,
    {
      ...kDayChartFrame,
      tooltip: {
        ...baseTooltip,
        trigger: 'axis',
        formatter: (items) =>
          tooltipHtml(
            formatDayLong(days[items[0].dataIndex].date),
            items.map((item) => [
              top[item.seriesIndex],
              series[item.seriesIndex][item.dataIndex] === kAmongOther
                ? kAmongOtherText
                : item.value == null
                  ? 'hidden'
                  : formatInt(item.value),
            ]),
          ),
      },
      xAxis: dayAxis(days),
      yAxis: {
        type: 'value',
        name: 'sessions',
        nameTextStyle: { ...axisText, align: 'left' },
        minInterval: 1,
        splitLine: { lineStyle: { color: colors.grid } },
        axisLabel: { ...axisText, formatter: (v) => formatInt(v) },
      },
      series: top.map((referrer, i) => ({
        name: referrer,
        type: 'line',
        data: series[i].map((value) => (value === kAmongOther ? null : value)),
        smooth: 0.25,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { width: 2, color: kTrendColors[i] },
        itemStyle: { color: kTrendColors[i] },
      })),
    },
    `Sessions per day from the top ${top.length} referrers from ${view.range.from} to ${view.range.to}; the numbers are in the table below.`,
  );
}

function referrers(view) {
  const heading = el('h3', { className: 'subhead', text: 'Referrers' });
  const table = (view.report.segments || []).find((t) => t.dimension === 'referrer');
  if (!table) {
    return [
      heading,
      emptyState(
        'Not in this report',
        'Choose the breakdown "All dimensions" or "Referrer" to see referrers.',
      ),
    ];
  }
  const rows = [
    ...table.rows,
    ...(table.other && (table.other.suppressed || table.other.sessions) ? [table.other] : []),
  ];
  if (!rows.length) return [heading, emptyState('No referrers yet')];
  const max = Math.max(...rows.map((r) => r.sessions || 0), 1);
  const list = el('ol', {
    className: 'rank-list',
    attrs: { 'aria-label': 'Referrers by sessions' },
  });
  for (const row of rows) {
    const value = row.suppressed
      ? suppressedBadge(view.k)
      : el('span', { className: 'rank-num', text: formatInt(row.sessions) });
    const item = el(
      'li',
      { className: 'rank-item' },
      row.suppressed ? null : shareBar(row.sessions / max, 'bar-back'),
      el('span', { className: 'rank-label', text: row.value, attrs: { title: row.value } }),
      row.suppressed
        ? null
        : el('span', {
            className: 'rank-extra',
            text: formatPercent(row.conversion_rate),
            attrs: { title: 'conversion rate' },
          }),
      value,
    );
    list.append(item);
  }
  view.exportTable({
    title: 'Referrers',
    columns: [
      { key: 'value', label: 'Referrer' },
      { key: 'sessions', label: 'Sessions', numeric: true },
      { key: 'converters', label: 'Converters', numeric: true },
      { key: 'conversion_rate', label: 'Conversion rate', numeric: true },
    ],
    rows,
  });
  return [
    heading,
    el(
      'div',
      { className: 'rank-head' },
      el('span', { text: 'Source' }),
      el('span', { text: 'Conv. rate' }),
      el('span', { text: 'Sessions' }),
    ),
    list,
  ];
}
