// Time to convert: how long converters took from entering the funnel to the
// goal, as the report's (log-spaced) buckets with the median and p90 marked.
import { axisText, baseTooltip, colors, mountChart, tooltipHtml } from '../charts.js';
import { clear, dataTable, el, emptyState, stat, suppressedBadge, tableDetails } from '../dom.js';
import { formatDuration, formatDurationShort, formatInt, formatPercent } from '../format.js';

export function renderTimeToConvert(body, view) {
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
  const buckets = funnel.time_to_convert || [];
  if (!buckets.length) {
    return void clear(
      body,
      emptyState('No conversions yet', `Nobody completed "${funnel.label}" in this range.`),
    );
  }
  const total = buckets.reduce((sum, b) => sum + b.sessions, 0);
  const columns = [
    {
      key: 'range',
      label: 'Time to convert',
      value: (b) => `${formatDuration(b.from_s)} \u2013 ${formatDuration(b.to_s)}`,
    },
    { key: 'from_s', label: 'From (s)', numeric: true },
    { key: 'to_s', label: 'To (s)', numeric: true },
    { key: 'sessions', label: 'Converters', numeric: true, format: formatInt },
  ];
  view.exportTable({ title: `Time to convert: ${funnel.label}`, columns, rows: buckets });
  const chart = el('div', { className: 'chart chart-ttc' });
  clear(
    body,
    el(
      'div',
      { className: 'funnel-summary' },
      stat('Median', formatDuration(funnel.median_time_to_convert_s)),
      stat('p90', formatDuration(funnel.p90_time_to_convert_s)),
      stat('Converters', formatInt(funnel.conversions)),
    ),
    chart,
    tableDetails(
      'Buckets as a table',
      dataTable({
        caption: 'Converters per time-to-convert bucket',
        columns,
        rows: buckets,
        k: view.k,
      }),
    ),
  );

  const low = buckets[0].from_s;
  const high = buckets[buckets.length - 1].to_s;
  const pad = (high - low) * 0.04;
  mountChart(
    chart,
    {
      grid: { left: 44, right: 24, top: 34, bottom: 30 },
      tooltip: {
        ...baseTooltip,
        trigger: 'item',
        formatter: (p) => {
          const b = buckets[p.dataIndex];
          if (!b) return '';
          return tooltipHtml(
            `${formatDuration(b.from_s)} \u2013 ${formatDuration(b.to_s)}`,
            [
              ['Converters', formatInt(b.sessions)],
              ['Share', formatPercent(b.sessions / total)],
            ],
            colors.accent,
          );
        },
      },
      xAxis: {
        type: 'value',
        min: Math.max(0, low - pad),
        max: high + pad,
        splitLine: { show: false },
        axisLine: { show: true, lineStyle: { color: colors.grid } },
        axisLabel: {
          ...axisText,
          formatter: (v) => formatDurationShort(v),
          hideOverlap: true,
          showMinLabel: false,
          showMaxLabel: false,
        },
      },
      yAxis: {
        type: 'value',
        name: 'converters',
        nameTextStyle: { ...axisText, align: 'left' },
        minInterval: 1,
        splitLine: { lineStyle: { color: colors.grid } },
        axisLabel: axisText,
      },
      series: [
        {
          type: 'custom',
          data: buckets.map((b) => [b.from_s, b.to_s, b.sessions]),
          encode: { x: [0, 1], y: 2 },
          renderItem: (_params, api) => {
            const start = api.coord([api.value(0), api.value(2)]);
            const end = api.coord([api.value(1), 0]);
            return {
              type: 'rect',
              shape: {
                x: start[0] + 1,
                y: start[1],
                width: Math.max(1, end[0] - start[0] - 2),
                height: end[1] - start[1],
                r: [3, 3, 0, 0],
              },
              style: { fill: colors.accent, opacity: 0.85 },
              emphasis: { style: { opacity: 1 } },
            };
          },
          markLine: {
            silent: true,
            symbol: 'none',
            label: { position: 'end', fontSize: 11, color: colors.text, formatter: (p) => p.name },
            data: [
              {
                name: 'median',
                xAxis: funnel.median_time_to_convert_s,
                lineStyle: { color: colors.text, type: 'solid', width: 1.5 },
              },
              {
                name: 'p90',
                xAxis: funnel.p90_time_to_convert_s,
                lineStyle: { color: colors.loss, type: 'dashed', width: 1.5 },
              },
            ],
          },
        },
      ],
    },
    `Histogram of the time converters of ${funnel.label} took, median ${formatDuration(funnel.median_time_to_convert_s)}, p90 ${formatDuration(funnel.p90_time_to_convert_s)}; the buckets are in the table below.`,
  );
}
