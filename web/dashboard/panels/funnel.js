// Funnel: where visitors drop off, and how long each step takes.
import { axisText, baseTooltip, colors, mountChart, tooltipHtml } from '../charts.js';
import { clear, dataTable, el, emptyState, stat, suppressedBadge } from '../dom.js';
import { formatDuration, formatInt, formatPercent } from '../format.js';

export function renderFunnel(body, view) {
  const funnel = view.funnel;
  if (!funnel) {
    clear(body, emptyState('No funnel configured', 'Add a funnel to the site config to see reach and drop-off per step.'));
    return;
  }
  const steps = funnel.steps.map((step, index) => ({ ...step, index }));
  const columns = [
    { key: 'label', label: 'Step', value: (s) => s.label, format: (v, s) => stepName(s), csv: (v) => v },
    { key: 'optional', label: 'Optional', value: (s) => (s.optional ? 'yes' : 'no'), className: 'visually-hidden-col' },
    { key: 'reached', label: 'Reached', numeric: true, format: formatInt },
    { key: 'from_previous', label: 'From previous', numeric: true, format: (v) => formatPercent(v), help: 'reached / reached of the previous required step' },
    { key: 'from_start', label: 'From start', numeric: true, format: (v) => formatPercent(v), help: 'reached / entered the funnel' },
    { key: 'drop_off', label: 'Drop-off', numeric: true, format: formatInt, help: 'did not convert; this was their furthest step' },
    { key: 'drop_off_rate', label: 'Drop-off rate', numeric: true, format: (v) => formatPercent(v) },
    { key: 'median_step_s', label: 'Median time', csvLabel: 'Median time (s)', numeric: true, format: (v, s) => stepTime(v, s), help: 'from the previous reached step' },
    { key: 'p90_step_s', label: 'p90 time', csvLabel: 'p90 time (s)', numeric: true, format: (v, s) => stepTime(v, s) },
  ];
  view.exportTable({ title: `Funnel: ${funnel.label}`, columns, rows: steps });
  const table = dataTable({
    id: 'funnel-table',
    caption: `Funnel ${funnel.label}: reach, conversion and time per step`,
    columns: columns.filter((c) => c.key !== 'optional'),
    rows: steps,
    k: view.k,
    rowAttrs: (s) => ({ dataset: { step: s.index }, className: s.optional ? 'optional' : '' }),
  });

  const summary = el('div', { className: 'funnel-summary' });
  if (funnel.suppressed) {
    clear(summary, el('span', {}, suppressedBadge(view.k), ' Fewer than ', String(view.k), ' sessions entered this funnel: its numbers are hidden for privacy.'));
  } else {
    clear(summary,
      stat('Entered', formatInt(funnel.entered)),
      stat('Converted', formatInt(funnel.conversions)),
      stat('Conversion', formatPercent(funnel.conversion_rate)),
      stat('Median time to convert', funnel.conversions ? formatDuration(funnel.median_time_to_convert_s) : '\u2013'),
      funnel.exclusions ? stat('Excluded', formatInt(funnel.exclusions)) : null,
    );
  }
  const chart = el('div', { className: 'chart chart-funnel' });
  const hasNumbers = !funnel.suppressed && funnel.entered > 0;
  clear(body, summary, hasNumbers ? chart : emptyState(funnel.suppressed ? 'Hidden for privacy' : 'Nobody entered this funnel in this range'), table);
  if (hasNumbers) drawChart(chart, funnel, steps, view);
}


function stepName(step) {
  return el('span', { className: 'step-name' },
    el('span', { className: 'step-index', text: String(step.index + 1) }),
    el('span', { text: step.label }),
    step.optional ? el('span', { className: 'tag', text: 'optional' }) : null);
}

function stepTime(seconds, step) {
  return step.index === 0 && !seconds ? '\u2013' : formatDuration(seconds);
}

// Each bar: reached (solid) on top of which sits what the previous required
// step had and this one lost, so the drop reads as the empty part of a column.
function drawChart(container, funnel, steps, view) {
  let previous = funnel.entered;
  const lost = steps.map((step) => {
    if (step.suppressed || previous === null) {
      if (!step.optional) previous = step.suppressed ? null : step.reached;
      return null;
    }
    const base = previous;
    if (!step.optional) previous = step.reached;
    return Math.max(0, base - step.reached);
  });
  const reached = steps.map((s) => (s.suppressed ? null : s.reached));
  mountChart(container, {
    grid: { left: 56, right: 16, top: 34, bottom: 44 },
    tooltip: {
      ...baseTooltip,
      trigger: 'axis',
      axisPointer: { type: 'shadow', shadowStyle: { color: 'rgba(79,70,229,0.06)' } },
      formatter: (items) => {
        const step = steps[items[0].dataIndex];
        const title = `${step.index + 1}. ${step.label}${step.optional ? ' (optional)' : ''}`;
        if (step.suppressed) return tooltipHtml(title, [['Hidden', `fewer than ${view.k} sessions`]]);
        return tooltipHtml(title, [
          ['Reached', formatInt(step.reached)],
          ['From previous', formatPercent(step.from_previous)],
          ['From start', formatPercent(step.from_start)],
          lost[step.index] !== null ? ['Lost since previous', formatInt(lost[step.index])] : null,
          ['Drop-off here', `${formatInt(step.drop_off)} (${formatPercent(step.drop_off_rate)})`],
          step.index > 0 ? ['Median / p90 time', `${formatDuration(step.median_step_s)} / ${formatDuration(step.p90_step_s)}`] : null,
        ], colors.accent);
      },
    },
    xAxis: {
      type: 'category',
      data: steps.map((s) => `${s.index + 1}. ${s.label}${s.optional ? '\n(optional)' : ''}`),
      axisTick: { show: false },
      axisLine: { lineStyle: { color: colors.grid } },
      axisLabel: { ...axisText, color: colors.text, interval: 0, width: Math.max(64, (container.clientWidth - 80) / steps.length - 8), overflow: 'truncate', lineHeight: 14 },
    },
    yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: colors.grid } }, axisLabel: axisText },
    series: [
      {
        name: 'Reached', type: 'bar', stack: 'funnel', data: reached, barMaxWidth: 72,
        itemStyle: { color: (p) => (steps[p.dataIndex].optional ? '#818cf8' : colors.accent), borderRadius: 0 },
        label: {
          show: true, position: 'insideTop', distance: 6, color: '#fff', fontSize: 11, fontWeight: 600,
          formatter: (p) => (steps[p.dataIndex].suppressed ? '' : formatPercent(steps[p.dataIndex].from_start, 0)),
        },
      },
      {
        name: 'Lost since previous', type: 'bar', stack: 'funnel', data: lost, barMaxWidth: 72,
        itemStyle: { color: colors.lossSoft, opacity: 0.55, borderRadius: [4, 4, 0, 0] },
        label: {
          show: true, position: 'top', color: colors.loss, fontSize: 11,
          formatter: (p) => (p.value ? `\u2212${formatInt(p.value)}` : ''),
        },
      },
    ],
  }, `Funnel ${funnel.label}: sessions reaching each of its ${steps.length} steps, with the loss since the previous step; the table below has the numbers.`);
}
