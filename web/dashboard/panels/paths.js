// Paths: the most common sequences of micro-conversions, as a Sankey whose
// columns are the 1st, 2nd, ... micro-conversion of a session. Links are
// tinted by how many of the sessions along them converted.
import { baseTooltip, colors, font, mountChart, tooltipHtml } from '../charts.js';
import { clear, dataTable, el, emptyState, stat, tableDetails } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';

export function renderPaths(body, view) {
  const { report } = view;
  const paths = report.paths || [];
  const other = report.other_paths;
  const pathText = (p) => (p.steps.length ? p.steps.map(view.label).join(' \u2192 ') : '(no micro-conversion)');
  const rows = [...paths, ...(other && (other.suppressed || other.sessions) ? [{ ...other, other: true }] : [])];
  const columns = [
    { key: 'path', label: 'Path', value: (p) => (p.other ? 'Other paths' : pathText(p)) },
    { key: 'length', label: 'Steps', numeric: true, value: (p) => (p.other ? null : p.steps.length) },
    { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
    { key: 'converters', label: 'Converters', numeric: true, format: formatInt },
    { key: 'conversion_rate', label: 'Conversion rate', numeric: true, format: (v) => formatPercent(v) },
  ];
  view.exportTable({ title: 'Paths', columns, rows });
  const drawn = paths.filter((p) => !p.suppressed && p.steps.length && p.sessions);
  if (!drawn.length) {
    return void clear(body, emptyState('No micro-conversion paths yet', 'Paths appear once visitors complete micro-conversions.'),
      rows.length ? tableDetails('Paths as a table', dataTable({ caption: 'Top paths', columns, rows, k: view.k })) : null);
  }
  const noMicro = paths.find((p) => !p.suppressed && !p.steps.length);
  const hidden = paths.filter((p) => p.suppressed).length;
  const chart = el('div', { className: 'chart chart-paths' });
  clear(body,
    el('div', { className: 'funnel-summary' },
      stat('Top paths drawn', formatInt(drawn.length)),
      stat('Sessions on them', formatInt(drawn.reduce((s, p) => s + p.sessions, 0))),
      noMicro ? stat('No micro-conversion', formatInt(noMicro.sessions)) : null,
      other && !other.suppressed && other.sessions ? stat('On other paths', formatInt(other.sessions)) : null,
      hidden ? stat('Paths under k', formatInt(hidden)) : null,
      el('span', { className: 'legend-inline' }, el('span', { className: 'swatch swatch-low' }), 'few converted',
        el('span', { className: 'swatch swatch-high' }), 'many converted')),
    // Eleven columns of labels need room: narrow screens scroll the chart.
    el('div', { className: 'chart-scroll' }, chart),
    tableDetails('Paths as a table', dataTable({ caption: 'Top micro-conversion paths', columns, rows, k: view.k })));
  drawSankey(chart, drawn, view);
}

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
  mountChart(container, {
    tooltip: {
      ...baseTooltip,
      trigger: 'item',
      formatter: (p) => {
        if (p.dataType === 'edge') {
          const link = p.data;
          return tooltipHtml(`${view.label(nodes.get(link.source).id)} \u2192 ${view.label(nodes.get(link.target).id)}`, [
            ['Sessions', formatInt(link.value)],
            ['Of them converted', formatPercent(link.converters / link.value)],
          ]);
        }
        const node = nodes.get(p.name);
        return tooltipHtml(view.label(node.id), [
          ['Micro-conversion #', String(node.depth + 1)],
          ['Sessions', formatInt(node.sessions)],
          ['Path ended here', formatInt(node.ends)],
        ], colors.accent);
      },
    },
    series: [{
      type: 'sankey',
      left: 8, right: 130, top: 12, bottom: 12,
      nodeAlign: 'left',
      nodeWidth: 10,
      nodeGap: 20,
      layoutIterations: 64,
      draggable: false,
      emphasis: { focus: 'adjacency' },
      data,
      links: linkList,
      label: {
        color: colors.text, fontFamily: font, fontSize: 11, lineHeight: 13, width: Math.max(64, (container.clientWidth || 1200) / (depthCount + 1) - 26), overflow: 'break', height: 26, lineOverflow: 'truncate',
        formatter: (p) => view.label(nodes.get(p.name).id),
      },
    }],
  }, `Sankey diagram of the ${paths.length} most common micro-conversion paths, up to ${depthCount} steps long; the paths are in the table below.`);
}

// Neutral grey for links whose sessions rarely converted, the accent for
// links that mostly did.
function tint(rate) {
  const from = [148, 163, 184];
  const to = [79, 70, 229];
  const t = Math.sqrt(Math.max(0, Math.min(1, rate)));
  const mix = from.map((c, i) => Math.round(c + (to[i] - c) * t));
  return `rgb(${mix.join(',')})`;
}
