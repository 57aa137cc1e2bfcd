// The report's timeline across config edits (report.history, written by
// core/report_history.cc): the edits that changed what is counted, marked
// on the daily charts and the funnel, and each item's days before it was
// tracked, drawn as gaps with a note (never as 0).
import {
  axisText,
  baseTooltip,
  colors,
  dayAxis,
  mountChart,
  sessionsAxis,
  tooltipHtml,
} from './charts.js';
import { el } from './dom.js';
import { formatDay, formatDayLong, formatInt } from './format.js';

const kVerbs = {
  added: 'added',
  removed: 'removed',
  rule_changed: 'rule changed',
  steps_changed: 'steps changed',
};

// The edits of the range, optionally only those of one item ("micro" or
// "funnel", and its id).
export function configChanges(report, item, id) {
  const changes = report.history?.changes || [];
  return changes.filter((c) => (!item || c.item === item) && (!id || c.id === id));
}

// "steps changed on 2026-11-20: added 'Shipping'", "added on 2026-11-20"
// (an addition or removal needs no more words).
export function changeText(change) {
  const verb = `${kVerbs[change.change] || change.change} on ${change.date}`;
  return change.change === 'added' || change.change === 'removed'
    ? verb
    : `${verb}: ${change.what}`;
}

// The item's history entry (per-day series over report.history.dates).
export function itemHistory(report, list, id) {
  return (report.history?.[list] || []).find((entry) => entry.id === id) || null;
}

// A mark's short text (the notes carry the whole sentence): "steps
// changed", "engaged: added", or "2 config edits".
export function shortChangeLabel(list, withId) {
  if (list.length > 1) return `${list.length} config edits`;
  const verb = kVerbs[list[0].change] || list[0].change;
  return withId ? `${list[0].id}: ${verb}` : verb;
}

// An ECharts markLine of dashed verticals on the day axis at each edit, or
// undefined when no edit falls on a charted day. Text goes to SVG text
// nodes, never HTML.
export function changeMarkLine(changes, days, withId = true) {
  const charted = new Set(days.map((d) => d.date));
  const byDate = new Map();
  for (const change of changes) {
    if (charted.has(change.date))
      byDate.set(change.date, [...(byDate.get(change.date) || []), change]);
  }
  if (!byDate.size) return undefined;
  return {
    silent: true,
    symbol: 'none',
    animation: false,
    lineStyle: { color: colors.muted, type: 'dashed', width: 1 },
    label: { show: true, position: 'insideEndTop', color: colors.muted, fontSize: 10 },
    data: [...byDate].map(([date, list]) => ({
      xAxis: formatDay(date),
      name: shortChangeLabel(list, withId),
      label: { formatter: '{b}' },
    })),
  };
}

// Notes saying what each edit did, for the panel under a chart.
export function changeNotes(changes, describe = changeText) {
  return changes.map((change) =>
    el('p', {
      className: 'note note-change',
      dataset: { note: 'config-change', change: change.change, id: change.id },
      text: describe(change),
    }),
  );
}

// A series over `days` (the charted days) from an item's history: null
// where not tracked or hidden under k (a gap), else the number.
export function historySeries(report, entry, key, days) {
  const dates = report.history?.dates || [];
  const at = new Map(dates.map((date, i) => [date, i]));
  const hidden = new Set(entry?.suppressed_dates || []);
  return days.map((d) => {
    const i = at.get(d.date);
    if (!entry || i === undefined || hidden.has(d.date)) return null;
    return entry[key][i];
  });
}

// "Not tracked before 2026-11-20 (...)" when the item started within the
// charted days, else null.
export function notTrackedNote(entry, days, what) {
  if (!entry?.since || !days.length || entry.since <= days[0].date) return null;
  return el('p', {
    className: 'note note-not-tracked',
    dataset: { note: 'not-tracked', since: entry.since },
    text: `Not tracked before ${formatDayLong(entry.since)}: ${what} The chart leaves those days empty (not 0).`,
  });
}

// One daily series: a gap (no line) where a day is null, a point on every
// day with a number so a lone tracked day still shows.
function dayLine(name, data, color) {
  return {
    name,
    type: 'line',
    data,
    connectNulls: false,
    showSymbol: true,
    symbolSize: 4,
    lineStyle: { width: 2, color },
    itemStyle: { color },
  };
}

// Entered and converted per day for one funnel, with its edits marked.
export function renderFunnelTrend(container, view, funnel) {
  const entry = itemHistory(view.report, 'funnels', funnel.id);
  if (!entry) return [];
  const days = view.days;
  const entered = historySeries(view.report, entry, 'entered', days);
  const converted = historySeries(view.report, entry, 'conversions', days);
  const changes = configChanges(view.report, 'funnel', funnel.id);
  const tracked = (i) => entry.since == null || days[i].date >= entry.since;
  mountChart(
    container,
    {
      grid: { left: 48, right: 16, top: 40, bottom: 28 },
      legend: { top: 0, left: 0, textStyle: axisText, itemWidth: 14, itemHeight: 8 },
      tooltip: {
        ...baseTooltip,
        trigger: 'axis',
        formatter: (items) => {
          const i = items[0].dataIndex;
          const title = formatDayLong(days[i].date);
          if (!tracked(i))
            return tooltipHtml(title, [['Not tracked', 'the funnel had other steps']]);
          if (entered[i] === null)
            return tooltipHtml(title, [['Hidden', `fewer than ${view.k} sessions`]]);
          return tooltipHtml(title, [
            ['Entered', formatInt(entered[i])],
            ['Converted', formatInt(converted[i])],
          ]);
        },
      },
      xAxis: dayAxis(days),
      yAxis: sessionsAxis(),
      series: [
        {
          ...dayLine('Entered', entered, colors.accent),
          markLine: changeMarkLine(changes, days, false),
        },
        dayLine('Converted', converted, colors.positive),
      ],
    },
    `Funnel ${funnel.label}: sessions that entered and converted per day from ${view.range.from} to ${view.range.to}` +
      (changes.length ? `; ${changes.map(changeText).join('; ')}` : '') +
      (entry.since ? `; not tracked before ${entry.since}` : ''),
  );
  return [
    ...changeNotes(changes, (c) => `${capitalize(changeText(c))}.`),
    notTrackedNote(
      entry,
      days,
      'its figures count from the day its steps last changed; older sessions answered other steps.',
    ),
  ];
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const kTrendMicros = 5;
const kMicroColors = [colors.accent, '#0891b2', '#d97706', '#059669', '#db2777'];

// Sessions per day for the most done micro-conversions, plus any that began
// being tracked within the range (their older days are gaps, with a note).
export function renderMicroTrend(container, view) {
  const entries = view.report.history?.micros || [];
  const days = view.days;
  if (!entries.length || !days.length) return;
  const total = (entry) => (entry.sessions || []).reduce((sum, value) => sum + (value || 0), 0);
  const late = (entry) => entry.since && entry.since > days[0].date;
  const picked = [...entries]
    .sort((a, b) => Number(late(b)) - Number(late(a)) || total(b) - total(a))
    .filter((entry) => late(entry) || total(entry) > 0)
    .slice(0, kTrendMicros);
  if (!picked.length) return;
  const series = picked.map((entry) => historySeries(view.report, entry, 'sessions', days));
  const changes = configChanges(view.report, 'micro');
  const chart = el('div', { className: 'chart chart-micro-trend' });
  container.replaceChildren(
    el('h3', { className: 'subhead', text: 'Micro-conversions over time' }),
    ...changeNotes(
      changes,
      (c) => `Micro-conversion \u201c${view.label(c.id)}\u201d ${changeText(c)}.`,
    ),
    ...picked
      .map((entry) =>
        notTrackedNote(
          entry,
          days,
          `\u201c${view.label(entry.id)}\u201d did not exist in the config yet.`,
        ),
      )
      .filter(Boolean),
    chart,
  );
  mountChart(
    chart,
    {
      grid: { left: 48, right: 16, top: 40, bottom: 28 },
      legend: {
        type: 'scroll',
        top: 0,
        left: 0,
        right: 0,
        textStyle: axisText,
        itemWidth: 14,
        itemHeight: 8,
      },
      tooltip: {
        ...baseTooltip,
        trigger: 'axis',
        formatter: (items) => {
          const i = items[0].dataIndex;
          return tooltipHtml(
            formatDayLong(days[i].date),
            items.map((item) => {
              const entry = picked[item.seriesIndex];
              const note =
                entry.since && days[i].date < entry.since
                  ? 'not tracked'
                  : item.value == null
                    ? `hidden: fewer than ${view.k} sessions`
                    : formatInt(item.value);
              return [view.label(entry.id), note];
            }),
          );
        },
      },
      xAxis: dayAxis(days),
      yAxis: sessionsAxis(),
      series: picked.map((entry, i) => ({
        ...dayLine(view.label(entry.id), series[i], kMicroColors[i]),
        markLine: i === 0 ? changeMarkLine(changes, days) : undefined,
      })),
    },
    `Sessions per day that did each of ${picked.length} micro-conversions from ${view.range.from} to ${view.range.to}` +
      (changes.length ? `; ${changes.map(changeText).join('; ')}` : ''),
  );
}
