// Funnel: where visitors drop off, and how long each step takes.
import { axisText, baseTooltip, colors, mountChart, tooltipHtml } from '../charts.js';
import { comparedFunnel, deltaMark } from '../compare.js';
import { clear, dataTable, el, emptyState, stat, suppressedBadge } from '../dom.js';
import { filterRow, filterTerm } from '../filters.js';
import { formatDuration, formatInt, formatPercent } from '../format.js';
import { itemHistory, renderFunnelTrend } from '../history.js';

export function renderFunnel(body, view) {
  const funnel = view.funnel;
  if (!funnel) {
    clear(
      body,
      emptyState(
        'No funnel configured',
        'Add a funnel to the site config to see reach and drop-off per step.',
      ),
    );
    return;
  }
  const steps = funnel.steps.map((step, index) => ({ ...step, index }));
  const columns = [
    {
      key: 'label',
      label: 'Step',
      value: (s) => s.label,
      format: (_v, s) => stepName(s),
      csv: (v) => v,
    },
    {
      key: 'optional',
      label: 'Optional',
      value: (s) => (s.optional ? 'yes' : 'no'),
      className: 'visually-hidden-col',
    },
    { key: 'reached', label: 'Reached', numeric: true, format: formatInt },
    {
      key: 'from_previous',
      label: 'From previous',
      numeric: true,
      format: (v) => formatPercent(v),
      help: 'reached / reached of the previous required step',
    },
    {
      key: 'from_start',
      label: 'From start',
      numeric: true,
      format: (v) => formatPercent(v),
      help: 'reached / entered the funnel',
    },
    {
      key: 'drop_off',
      label: 'Drop-off',
      numeric: true,
      format: formatInt,
      help: 'reached this step and not the next required one',
    },
    {
      key: 'drop_off_rate',
      label: 'Drop-off rate',
      numeric: true,
      format: (v) => formatPercent(v),
    },
    {
      key: 'median_step_s',
      label: 'Median time',
      csvLabel: 'Median time (s)',
      numeric: true,
      format: (v, s) => stepTime(v, s),
      help: 'from the previous reached step',
    },
    {
      key: 'p90_step_s',
      label: 'p90 time',
      csvLabel: 'p90 time (s)',
      numeric: true,
      format: (v, s) => stepTime(v, s),
    },
  ];
  view.exportTable({ title: `Funnel: ${funnel.label}`, columns, rows: steps });
  // With a comparison: each step's share of entered against the other
  // period (shown only; the CSV keeps the report's own columns).
  const compared = comparedFunnel(view.report, funnel.id);
  const shownColumns = columns.filter((c) => c.key !== 'optional');
  if (compared) {
    shownColumns.splice(4, 0, {
      key: 'compare_from_start',
      label: 'vs previous',
      value: (s) => compared.steps[s.index]?.from_start ?? null,
      format: (figure) => deltaMark(figure, { rate: true }),
      help: 'change of "from start" against the compared period (percentage points)',
    });
  }
  const table = dataTable({
    id: 'funnel-table',
    caption: `Funnel ${funnel.label}: reach, conversion and time per step`,
    columns: shownColumns,
    rows: steps,
    k: view.k,
    // A step filters every panel to the sessions that reached it.
    rowAttrs: (s) =>
      filterRow(filterTerm('step', `${funnel.id}.${s.index + 1}`), {
        dataset: { step: s.index },
        className: s.optional ? 'optional' : '',
      }),
  });
  const figure = (name) => compared?.figures.find((f) => f.name === name) || null;
  const withDelta = (node, mark) => {
    if (mark) node.append(mark);
    return node;
  };

  const summary = el('div', { className: 'funnel-summary' });
  if (funnel.suppressed) {
    clear(
      summary,
      el(
        'span',
        {},
        suppressedBadge(view.k),
        ' Fewer than ',
        String(view.k),
        ' sessions entered this funnel: its numbers are hidden for privacy.',
      ),
    );
  } else {
    clear(
      summary,
      withDelta(stat('Entered', formatInt(funnel.entered)), deltaMark(figure('entered'))),
      withDelta(stat('Converted', formatInt(funnel.conversions)), deltaMark(figure('conversions'))),
      withDelta(
        stat('Conversion (converted \u00f7 entered)', formatPercent(funnel.conversion_rate)),
        deltaMark(figure('conversion_rate'), { rate: true }),
      ),
      stat(
        'Median time to convert',
        funnel.conversions ? formatDuration(funnel.median_time_to_convert_s) : '\u2013',
      ),
      funnel.exclusions ? stat('Excluded', formatInt(funnel.exclusions)) : null,
      countedFrom(view, funnel),
    );
  }
  const notes = el(
    'div',
    { className: 'funnel-notes' },
    funnel.suppressed
      ? null
      : el('p', {
          className: 'note',
          dataset: { note: 'rates' },
          text: 'Conversion here divides by the sessions that entered this funnel; the overview\u2019s conversion rate divides goal completions by all sessions.',
        }),
    convertedNote(funnel, steps),
    el(
      'p',
      { className: 'note' },
      'Drop-off at a step: sessions that reached it and not the next required step. ',
      el('a', {
        text: 'How steps, windows and modes are counted',
        attrs: { href: './funnel-semantics.html', id: 'funnel-semantics-link' },
      }),
    ),
  );
  const chart = el('div', { className: 'chart chart-funnel' });
  const hasNumbers = !funnel.suppressed && funnel.entered > 0;
  // Per day, with the config edits that changed this funnel marked.
  const trend = el('div', { className: 'chart chart-funnel-trend' });
  const history = el('div', { className: 'funnel-history', attrs: { id: 'funnel-history' } });
  const hasHistory = Boolean(itemHistory(view.report, 'funnels', funnel.id));
  clear(
    body,
    summary,
    notes,
    hasNumbers
      ? chart
      : emptyState(
          funnel.suppressed ? 'Hidden for privacy' : 'Nobody entered this funnel in this range',
        ),
    table,
    hasHistory ? el('h3', { className: 'subhead', text: 'Per day' }) : null,
    hasHistory ? history : null,
    hasHistory ? trend : null,
  );
  if (hasNumbers) drawChart(chart, funnel, steps, view);
  if (hasHistory) history.append(...renderFunnelTrend(trend, view, funnel).filter(Boolean));
}

// The funnel's totals count from the day its steps last changed, when that
// is within the range.
function countedFrom(view, funnel) {
  const since = itemHistory(view.report, 'funnels', funnel.id)?.since;
  return since && since > view.range.from ? stat('Counted from', since) : null;
}

// "Converted" and the last required step's "reached" should be the same
// number; where the report says otherwise, the panel states the gap and its
// cause instead of leaving two numbers that contradict each other.
function convertedNote(funnel, steps) {
  const last = [...steps].reverse().find((s) => !s.optional);
  if (funnel.suppressed || !last || last.suppressed || last.reached === funnel.conversions)
    return null;
  const gap = last.reached - funnel.conversions;
  const text =
    gap > 0
      ? `Converted (${formatInt(funnel.conversions)}) is ${formatInt(gap)} below the ${formatInt(last.reached)} sessions that reached the last step \u201c${last.label}\u201d: ` +
        'those sessions did that step without completing every other required step as this funnel counts them (in order, within the window, not excluded; in an any-order funnel each step is reached on its own), so they count as reaching it but not as converted.'
      : `Converted (${formatInt(funnel.conversions)}) is ${formatInt(-gap)} above the ${formatInt(last.reached)} sessions that reached the last step \u201c${last.label}\u201d: ` +
        'the collector counted a conversion without that step being reached.';
  return el('p', {
    className: 'note note-warn',
    dataset: { note: 'converted-gap', gap: String(gap) },
    text,
  });
}

function stepName(step) {
  return el(
    'span',
    { className: 'step-name' },
    el('span', { className: 'step-index', text: String(step.index + 1) }),
    el('span', { text: step.label }),
    step.optional ? el('span', { className: 'tag', text: 'optional' }) : null,
  );
}

function stepTime(seconds, step) {
  return step.index === 0 && !seconds ? '\u2013' : formatDuration(seconds);
}

// Each bar is the step's reach: the part that went on to the next required
// step (solid) and, on top, the part that dropped off at this step (rose).
// Drop-off comes from the report (`drop_off`), the same number as the table,
// the CSV and the JSON: reached N and not N+1.
function drawChart(container, funnel, steps, view) {
  const dropped = steps.map((s) => (s.suppressed ? null : s.drop_off));
  const continued = steps.map((s) => (s.suppressed ? null : Math.max(0, s.reached - s.drop_off)));
  mountChart(
    container,
    {
      grid: { left: 64, right: 16, top: 34, bottom: 44 },
      tooltip: {
        ...baseTooltip,
        trigger: 'axis',
        axisPointer: { type: 'shadow', shadowStyle: { color: 'rgba(79,70,229,0.06)' } },
        formatter: (items) => {
          const step = steps[items[0].dataIndex];
          const title = `${step.index + 1}. ${step.label}${step.optional ? ' (optional)' : ''}`;
          if (step.suppressed)
            return tooltipHtml(title, [['Hidden', `fewer than ${view.k} sessions`]]);
          return tooltipHtml(
            title,
            [
              ['Reached', formatInt(step.reached)],
              ['From previous', formatPercent(step.from_previous)],
              ['From start', formatPercent(step.from_start)],
              [
                'Dropped off here',
                step.drop_off === null
                  ? `hidden: fewer than ${view.k} sessions`
                  : `${formatInt(step.drop_off)} (${formatPercent(step.drop_off_rate)})`,
              ],
              step.index > 0
                ? [
                    'Median / p90 time',
                    `${formatDuration(step.median_step_s)} / ${formatDuration(step.p90_step_s)}`,
                  ]
                : null,
            ],
            colors.accent,
          );
        },
      },
      xAxis: {
        type: 'category',
        data: steps.map((s) => `${s.index + 1}. ${s.label}${s.optional ? '\n(optional)' : ''}`),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: colors.grid } },
        axisLabel: {
          ...axisText,
          color: colors.text,
          interval: 0,
          width: Math.max(64, (container.clientWidth - 80) / steps.length - 8),
          overflow: 'truncate',
          lineHeight: 14,
        },
      },
      yAxis: {
        type: 'value',
        name: 'sessions',
        nameTextStyle: { ...axisText, align: 'right' },
        minInterval: 1,
        splitLine: { lineStyle: { color: colors.grid } },
        axisLabel: { ...axisText, formatter: (v) => formatInt(v) },
      },
      series: [
        {
          name: 'Went on',
          type: 'bar',
          stack: 'funnel',
          data: continued,
          barMaxWidth: 72,
          itemStyle: {
            color: (p) => (steps[p.dataIndex].optional ? '#818cf8' : colors.accent),
            borderRadius: 0,
          },
          label: {
            show: true,
            position: 'insideTop',
            distance: 6,
            color: '#fff',
            fontSize: 11,
            fontWeight: 600,
            formatter: (p) =>
              steps[p.dataIndex].suppressed || !p.value
                ? ''
                : formatPercent(steps[p.dataIndex].from_start, 0),
          },
        },
        {
          name: 'Dropped off here',
          type: 'bar',
          stack: 'funnel',
          data: dropped,
          barMaxWidth: 72,
          itemStyle: { color: colors.lossSoft, borderRadius: [4, 4, 0, 0] },
          label: {
            show: true,
            position: 'top',
            color: colors.loss,
            fontSize: 11,
            formatter: (p) => (p.value ? `\u2212${formatInt(p.value)}` : ''),
          },
        },
      ],
    },
    `Funnel ${funnel.label}: sessions reaching each of its ${steps.length} steps; the rose top of each bar is the drop-off at that step. The table below has the numbers.`,
  );
}
