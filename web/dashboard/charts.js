// Apache ECharts, tree-shaken to the charts and components the panels use,
// drawn as SVG (crisp at any zoom, text stays text). Every tooltip goes
// through tooltipHtml(), which escapes: ECharts renders tooltips as HTML and
// labels are attacker controlled.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, SankeyChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { formatDay, formatInt } from './format.js';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  SankeyChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  SVGRenderer,
]);

// The palette of styles.css: one accent, greys, and a rose used only for loss.
export const colors = {
  accent: '#4f46e5',
  accentSoft: '#c7d2fe',
  accentFaint: '#eef2ff',
  loss: '#e11d48',
  lossSoft: '#fecdd3',
  text: '#0f172a',
  muted: '#64748b',
  faint: '#94a3b8',
  grid: '#e2e8f0',
  neutral: '#cbd5e1',
  positive: '#059669',
};

export const font =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const kEscapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => kEscapes[c]);
}

// title, then [name, value] rows; everything escaped. `marker` is a colour
// from the palette (never data).
export function tooltipHtml(title, rows = [], marker) {
  const dot = marker ? `<span class="tt-dot" style="background:${escapeHtml(marker)}"></span>` : '';
  const head = `<div class="tt-title">${dot}${escapeHtml(title)}</div>`;
  const body = rows
    .filter((row) => row)
    .map(
      ([name, value]) =>
        `<div class="tt-row"><span>${escapeHtml(name)}</span><b>${escapeHtml(value)}</b></div>`,
    )
    .join('');
  return head + body;
}

export const baseTooltip = {
  confine: true,
  renderMode: 'html',
  appendToBody: false,
  className: 'chart-tooltip',
  backgroundColor: '#ffffff',
  borderColor: colors.grid,
  borderWidth: 1,
  padding: [8, 10],
  textStyle: { color: colors.text, fontFamily: font, fontSize: 12 },
  extraCssText: 'box-shadow: 0 6px 24px rgba(15, 23, 42, 0.12); border-radius: 8px;',
};

export const axisText = { color: colors.muted, fontFamily: font, fontSize: 11 };

const observed = new WeakSet();
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) echarts.getInstanceByDom(entry.target)?.resize();
});

// Renders `option` into `container` (reusing its chart), with an aria label
// that says what the chart shows; the numbers are in the table next to it.
export function mountChart(container, option, ariaLabel) {
  const chart =
    echarts.getInstanceByDom(container) || echarts.init(container, null, { renderer: 'svg' });
  chart.setOption(
    {
      animationDuration: 400,
      textStyle: { fontFamily: font },
      aria: { enabled: true, label: { description: ariaLabel } },
      ...option,
    },
    { notMerge: true },
  );
  if (!observed.has(container)) {
    observed.add(container);
    resizer.observe(container);
  }
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', ariaLabel);
  return chart;
}

// The category axis of a daily chart: one category per day.
export function dayAxis(days) {
  return {
    type: 'category',
    data: days.map((d) => formatDay(d.date)),
    axisLine: { lineStyle: { color: colors.grid } },
    axisTick: { show: false },
    axisLabel: { ...axisText, hideOverlap: true },
  };
}

// A value axis of whole sessions, named with its unit.
export function sessionsAxis(name = 'sessions') {
  return {
    type: 'value',
    name,
    nameTextStyle: { ...axisText, align: 'left' },
    minInterval: 1,
    splitLine: { lineStyle: { color: colors.grid } },
    axisLabel: { ...axisText, formatter: (v) => formatInt(v) },
  };
}

// Before a panel body is rebuilt: its charts go with their containers.
export function disposeCharts(root) {
  for (const node of root.querySelectorAll('[_echarts_instance_]'))
    echarts.getInstanceByDom(node)?.dispose();
}
