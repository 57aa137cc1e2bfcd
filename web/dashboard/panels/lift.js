// Turning points: the lift of each micro-conversion on the goal, i.e. the
// conversion rate of sessions with it minus the rate of sessions without it,
// among its baseline (core/lift.h: the sessions that reached the funnel step
// before it, or every session), with its 95 % confidence interval
// (Newcombe) as an error bar. Required steps of the goal's funnel are left
// out of the chart: nobody converts without them, so their lift is a
// tautology (the funnel panel shows them).
import { axisText, baseTooltip, colors, mountChart, tooltipHtml } from '../charts.js';
import { clear, dataTable, el, emptyState, tableDetails } from '../dom.js';
import { formatInt, formatPercent, formatPoints } from '../format.js';
import { ldpEstimates } from './estimates.js';

const baselineText = (r) =>
  r.baseline_funnel ? `reached "${r.baseline_step}" (${r.baseline_funnel})` : 'every session';

export function renderLift(body, view) {
  const rows = view.report.lift || [];
  const columns = [
    { key: 'label', label: 'Micro-conversion' },
    {
      key: 'baseline',
      label: 'Among sessions that',
      value: (r) => (r.required_step ? `${baselineText(r)}; required step` : baselineText(r)),
    },
    { key: 'rate_with', label: 'Rate with', numeric: true, format: (v) => formatPercent(v) },
    { key: 'rate_without', label: 'Rate without', numeric: true, format: (v) => formatPercent(v) },
    { key: 'difference', label: 'Lift', numeric: true, format: (v) => formatPoints(v) },
    {
      key: 'ci',
      label: '95 % interval',
      numeric: true,
      value: (r) => (r.suppressed ? null : `${r.ci_low}..${r.ci_high}`),
      format: (_v, r) =>
        `${formatPoints(r.ci_low).replace(' pp', '')} to ${formatPoints(r.ci_high)}`,
    },
    {
      key: 'significant',
      label: 'Sig.',
      numeric: true,
      value: (r) => (r.significant ? 'yes' : 'no'),
      help: 'the 95 % interval excludes 0',
    },
  ];
  view.exportTable({
    title: 'Turning points (lift on the goal)',
    columns: [
      { key: 'micro', label: 'Micro id' },
      ...columns.filter((c) => c.key !== 'ci'),
      { key: 'ci_low', label: 'CI low', numeric: true },
      { key: 'ci_high', label: 'CI high', numeric: true },
      { key: 'sessions_with', label: 'Sessions with', numeric: true },
      { key: 'sessions_without', label: 'Sessions without', numeric: true },
      { key: 'converters_with', label: 'Converters with', numeric: true },
      { key: 'converters_without', label: 'Converters without', numeric: true },
    ],
    rows,
  });
  const shown = rows
    .filter((r) => !r.suppressed && r.sessions_with > 0 && !r.required_step)
    .sort((a, b) => a.difference - b.difference);
  if (!shown.length) {
    return void clear(
      body,
      emptyState(
        'No lift to show yet',
        'Lift needs sessions with and without each micro-conversion.',
      ),
      rows.length
        ? tableDetails(
            'Lift as a table',
            dataTable({ caption: 'Lift of each micro-conversion', columns, rows, k: view.k }),
          )
        : null,
    );
  }
  const chart = el('div', { className: 'chart chart-lift' });
  chart.style.height = `${Math.max(200, shown.length * 30 + 60)}px`;
  clear(
    body,
    el(
      'div',
      { className: 'funnel-summary' },
      el(
        'span',
        { className: 'legend-inline' },
        el('span', { className: 'swatch swatch-dot-up' }),
        'raises the goal rate',
        el('span', { className: 'swatch swatch-dot-down' }),
        'lowers it',
        el('span', { className: 'swatch swatch-dot-ns' }),
        'not significant',
      ),
    ),
    el('p', {
      className: 'panel-note',
      text: 'Each is compared among the sessions that reached the funnel step before it (every session when it is in no funnel or starts one); required funnel steps are in the table only, as nobody converts without them.',
    }),
    chart,
    ldpEstimates(view.report, view.k),
    tableDetails(
      'Lift as a table',
      dataTable({
        caption: 'Lift of each micro-conversion on the goal',
        columns,
        rows,
        k: view.k,
        className: 'lift-table',
      }),
    ),
  );

  const colorOf = (r) =>
    !r.significant ? colors.faint : r.difference >= 0 ? colors.accent : colors.loss;
  const low = Math.min(0, ...shown.map((r) => r.ci_low));
  const high = Math.max(0, ...shown.map((r) => r.ci_high));
  const pad = Math.max(0.01, (high - low) * 0.08);
  // Negative rows carry their value on the left of the whisker: leave room.
  const left = low < 0 ? Math.max(pad * 2, (high - low) * 0.2) : 0;
  mountChart(
    chart,
    {
      grid: { left: 8, right: 64, top: 8, bottom: 28, containLabel: true },
      tooltip: {
        ...baseTooltip,
        trigger: 'item',
        formatter: (p) => {
          const r = shown[p.dataIndex];
          return tooltipHtml(
            r.label,
            [
              ['With it', `${formatPercent(r.rate_with)} of ${formatInt(r.sessions_with)}`],
              [
                'Without it',
                `${formatPercent(r.rate_without)} of ${formatInt(r.sessions_without)}`,
              ],
              ['Lift', formatPoints(r.difference)],
              ['95 % interval', `${formatPoints(r.ci_low)} to ${formatPoints(r.ci_high)}`],
              ['Significant', r.significant ? 'yes' : 'no'],
            ],
            colorOf(r),
          );
        },
      },
      xAxis: {
        type: 'value',
        min: low - left,
        max: high + pad * 2,
        splitLine: { lineStyle: { color: colors.grid } },
        axisLabel: {
          ...axisText,
          formatter: (v) => formatPoints(v, 0),
          showMinLabel: false,
          showMaxLabel: false,
        },
      },
      yAxis: {
        type: 'category',
        data: shown.map((r) => r.label),
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { ...axisText, color: colors.text, width: 170, overflow: 'truncate' },
      },
      series: [
        {
          type: 'custom',
          data: shown.map((r, i) => [r.difference, i, r.ci_low, r.ci_high]),
          encode: { x: [0, 2, 3], y: 1 },
          renderItem: (params, api) => {
            const r = shown[params.dataIndex];
            const y = api.coord([0, api.value(1)])[1];
            const low = api.coord([api.value(2), api.value(1)])[0];
            const high = api.coord([api.value(3), api.value(1)])[0];
            const x = api.coord([api.value(0), api.value(1)])[0];
            const color = colorOf(r);
            const stroke = { stroke: color, lineWidth: 2 };
            return {
              type: 'group',
              children: [
                { type: 'line', shape: { x1: low, y1: y, x2: high, y2: y }, style: stroke },
                { type: 'line', shape: { x1: low, y1: y - 5, x2: low, y2: y + 5 }, style: stroke },
                {
                  type: 'line',
                  shape: { x1: high, y1: y - 5, x2: high, y2: y + 5 },
                  style: stroke,
                },
                {
                  type: 'circle',
                  shape: { cx: x, cy: y, r: 5 },
                  style: { fill: r.significant ? color : '#fff', stroke: color, lineWidth: 2 },
                },
                // The value sits outside the whisker, away from the zero line.
                {
                  type: 'text',
                  x: r.difference < 0 ? low - 8 : high + 8,
                  y,
                  style: {
                    text: formatPoints(r.difference),
                    fill: colors.muted,
                    fontSize: 11,
                    verticalAlign: 'middle',
                    align: r.difference < 0 ? 'right' : 'left',
                  },
                },
              ],
            };
          },
          markLine: {
            silent: true,
            symbol: 'none',
            label: { show: false },
            lineStyle: { color: colors.text, type: 'solid', width: 1 },
            data: [{ xAxis: 0 }],
          },
        },
      ],
    },
    `Lift of ${shown.length} micro-conversions on the goal's conversion rate, in percentage points with 95 % intervals; the numbers are in the table below.`,
  );
}
