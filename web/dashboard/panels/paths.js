// Paths: the most common sequences of micro-conversions, as a Sankey whose
// columns are the 1st, 2nd, ... micro-conversion of a session. Links are
// tinted by how many of the sessions along them converted.
import { baseTooltip, colors, font, mountChart, tooltipHtml } from '../charts.js';
import { clear, dataTable, el, emptyState, stat, tableDetails } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';
import { fitLines } from '../text_fit.js';

export function renderPaths(body, view) {
  const { report } = view;
  const paths = report.paths || [];
  const other = report.other_paths;
  const pathText = (p) =>
    p.steps.length ? p.steps.map(view.label).join(' \u2192 ') : '(no micro-conversion)';
  const rows = [
    ...paths,
    ...(other && (other.suppressed || other.sessions) ? [{ ...other, other: true }] : []),
  ];
  const columns = [
    { key: 'path', label: 'Path', value: (p) => (p.other ? 'Other paths' : pathText(p)) },
    {
      key: 'length',
      label: 'Steps',
      numeric: true,
      value: (p) => (p.other ? null : p.steps.length),
    },
    { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
    { key: 'converters', label: 'Converters', numeric: true, format: formatInt },
    {
      key: 'conversion_rate',
      label: 'Conversion rate',
      numeric: true,
      format: (v) => formatPercent(v),
    },
  ];
  view.exportTable({ title: 'Paths', columns, rows });
  const drawn = paths.filter((p) => !p.suppressed && p.steps.length && p.sessions);
  if (!drawn.length) {
    return void clear(
      body,
      emptyState(
        'No micro-conversion paths yet',
        'Paths appear once visitors complete micro-conversions.',
      ),
      rows.length
        ? tableDetails(
            'Paths as a table',
            dataTable({ caption: 'Top paths', columns, rows, k: view.k }),
          )
        : null,
    );
  }
  const noMicro = paths.find((p) => !p.suppressed && !p.steps.length);
  const hidden = paths.filter((p) => p.suppressed).length;
  const chart = el('div', { className: 'chart chart-paths' });
  clear(
    body,
    el(
      'div',
      { className: 'funnel-summary' },
      stat('Top paths drawn', formatInt(drawn.length)),
      stat('Sessions on them', formatInt(drawn.reduce((s, p) => s + p.sessions, 0))),
      noMicro ? stat('No micro-conversion', formatInt(noMicro.sessions)) : null,
      other && !other.suppressed && other.sessions
        ? stat('On other paths', formatInt(other.sessions))
        : null,
      hidden ? stat('Paths under k', formatInt(hidden)) : null,
      el(
        'span',
        { className: 'legend-inline' },
        el('span', { className: 'swatch swatch-low' }),
        'few converted',
        el('span', { className: 'swatch swatch-high' }),
        'many converted',
      ),
    ),
    // Eleven columns of labels need room: narrow screens scroll the chart.
    // Its height is set by drawSankey from the labels and the busiest column.
    el('div', { className: 'chart-scroll' }, chart),
    tableDetails(
      'Paths as a table',
      dataTable({ caption: 'Top micro-conversion paths', columns, rows, k: view.k }),
    ),
  );
  drawSankey(chart, drawn, view);
}

// Label room: each column gets an equal share of the width and its labels
// stop short of the next column; same-column nodes are at least a label's
// height apart, so labels never overlap. Full labels are in the tooltips.
const kLeft = 8;
const kNodeWidth = 8;
const kLabelDistance = 4; // between a node and its label
const kLabelFont = 11;
const kLineHeight = 13;
const kMaxLines = 3;

function drawSankey(container, paths, view) {
  const nodes = new Map();
  const links = new Map();
  let depthCount = 0;
  for (const path of paths) {
    depthCount = Math.max(depthCount, path.steps.length);
    path.steps.forEach((id, depth) => {
      const key = `${depth}|${id}`;
      const node = nodes.get(key) || { name: key, id, depth, sessions: 0, ends: 0 };
      node.sessions += path.sessions;
      if (depth === path.steps.length - 1) node.ends += path.sessions;
      nodes.set(key, node);
      if (depth === 0) return;
      const source = `${depth - 1}|${path.steps[depth - 1]}`;
      const linkKey = `${source}>${key}`;
      const link = links.get(linkKey) || { source, target: key, value: 0, converters: 0 };
      link.value += path.sessions;
      link.converters += path.converters;
      links.set(linkKey, link);
    });
  }
  const nodeList = [...nodes.values()];
  const linkList = [...links.values()].map((link) => ({
    ...link,
    lineStyle: { color: tint(link.converters / link.value), opacity: 0.45 },
  }));
  // A single-step path has no link; give its node its own height.
  const data = nodeList.map((node) => ({
    name: node.name,
    value: node.sessions,
    depth: node.depth,
    itemStyle: { color: colors.accent, borderWidth: 0 },
  }));

  const width = container.clientWidth || 1200;
  const columnWidth = (width - kLeft) / Math.max(1, depthCount);
  // Clear of the next column's node: 8 px where there is room, 3 px on narrow
  // charts where every pixel of label counts.
  const labelEnd = columnWidth >= 100 ? 8 : 3;
  const labelWidth = Math.max(
    48,
    Math.min(240, Math.floor(columnWidth - kNodeWidth - kLabelDistance - labelEnd)),
  );
  const labels = new Map(
    nodeList.map((node) => [
      node.name,
      fitLines(view.label(node.id), labelWidth, kMaxLines, kLabelFont),
    ]),
  );
  const labelHeight = Math.max(...[...labels.values()].map((lines) => lines.length)) * kLineHeight;
  const nodeGap = labelHeight + 8;
  const perColumn = new Map();
  for (const node of nodeList) perColumn.set(node.depth, (perColumn.get(node.depth) || 0) + 1);
  const crowded = Math.max(...perColumn.values());
  const margin = Math.ceil(labelHeight / 2) + 4; // half a label sticks out past the first and last node
  // The gaps are fixed; the sessions share what is left, at least 380 px.
  container.style.height = `${Math.max(520, (crowded - 1) * nodeGap + 380 + 2 * margin)}px`;
  sankeyWidths.set(container, width);

  mountChart(
    container,
    {
      tooltip: {
        ...baseTooltip,
        trigger: 'item',
        formatter: (p) => {
          if (p.dataType === 'edge') {
            const link = p.data;
            return tooltipHtml(
              `${view.label(nodes.get(link.source).id)} \u2192 ${view.label(nodes.get(link.target).id)}`,
              [
                ['Sessions', formatInt(link.value)],
                ['Of them converted', formatPercent(link.converters / link.value)],
              ],
            );
          }
          const node = nodes.get(p.name);
          return tooltipHtml(
            view.label(node.id),
            [
              ['Micro-conversion #', String(node.depth + 1)],
              ['Sessions', formatInt(node.sessions)],
              ['Path ended here', formatInt(node.ends)],
            ],
            colors.accent,
          );
        },
      },
      series: [
        {
          type: 'sankey',
          left: kLeft,
          right: labelWidth + kLabelDistance + labelEnd,
          top: margin,
          bottom: margin,
          nodeAlign: 'left',
          nodeWidth: kNodeWidth,
          nodeGap,
          layoutIterations: 64,
          draggable: false,
          emphasis: { focus: 'adjacency' },
          data,
          links: linkList,
          label: {
            color: colors.text,
            fontFamily: font,
            fontSize: kLabelFont,
            lineHeight: kLineHeight,
            distance: kLabelDistance,
            // A white halo keeps the text legible where it crosses a link.
            textBorderColor: 'rgba(255, 255, 255, 0.85)',
            textBorderWidth: 2,
            overflow: 'none',
            formatter: (p) => labels.get(p.name).join('\n'),
          },
        },
      ],
    },
    `Sankey diagram of the ${paths.length} most common micro-conversion paths, up to ${depthCount} steps long; the paths are in the table below.`,
  );
  if (!redrawers.has(container)) sankeyResizer.observe(container);
  redrawers.set(container, () => drawSankey(container, paths, view));
}

// Label widths follow the chart's width: a resized chart is laid out again.
const sankeyWidths = new WeakMap();
const redrawers = new WeakMap();
const sankeyResizer = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    if (!target.isConnected) {
      sankeyResizer.unobserve(target);
      continue;
    }
    if (Math.abs(target.clientWidth - (sankeyWidths.get(target) || 0)) > 1)
      redrawers.get(target)?.();
  }
});

// Neutral grey for links whose sessions rarely converted, the accent for
// links that mostly did.
function tint(rate) {
  const from = [148, 163, 184];
  const to = [79, 70, 229];
  const t = Math.sqrt(Math.max(0, Math.min(1, rate)));
  const mix = from.map((c, i) => Math.round(c + (to[i] - c) * t));
  return `rgb(${mix.join(',')})`;
}
