// The panels' charts: Apache ECharts (echarts_setup.js), loaded on the
// first chart so the numbers and tables show without waiting for it, drawn as
// SVG (crisp at any zoom, text stays text). Every tooltip goes through
// tooltipHtml(), which escapes: ECharts renders tooltips as HTML and labels
// are attacker controlled.
import { formatDay, formatInt } from './format.js';

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
let echarts = null;
let loading = null;
let resizer = null;
// Charts waiting for ECharts; body[data-charts] says "pending" until the
// last of them is drawn, then "drawn" (the tests and the load figure read it).
let pending = 0;

function loadEcharts() {
  loading ||= import('./echarts_setup.js').then((module) => {
    echarts = module.echarts;
    resizer = new ResizeObserver((entries) => {
      for (const entry of entries) echarts.getInstanceByDom(entry.target)?.resize();
    });
  });
  return loading;
}

// Renders `option` into `container` (reusing its chart), with an aria label
// that says what the chart shows; the numbers are in the table next to it.
// Drawn now once ECharts is here, else when it arrives (if the container is
// still on the page then).
export function mountChart(container, option, ariaLabel) {
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', ariaLabel);
  if (echarts) return void draw(container, option, ariaLabel);
  pending += 1;
  document.body.dataset.charts = 'pending';
  loadEcharts()
    // After the next paint: the numbers on the page show first.
    .then(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
    .then(() => {
      if (container.isConnected) draw(container, option, ariaLabel);
    })
    .catch((error) => console.error('microconv dashboard: charts:', error))
    .finally(() => {
      pending -= 1;
      if (pending) return;
      document.body.dataset.charts = 'drawn';
      performance.mark('microconv-charts-drawn');
    });
}

function draw(container, option, ariaLabel) {
  const existing = echarts.getInstanceByDom(container);
  const chart = existing || echarts.init(container, null, { renderer: 'svg' });
  chart.setOption(
    {
      animationDuration: 400,
      textStyle: { fontFamily: font },
      aria: { enabled: true, label: { description: ariaLabel } },
      ...option,
    },
    { notMerge: true },
  );
  // A reused chart whose container was resized before this option.
  if (existing) chart.resize();
  if (!observed.has(container)) {
    observed.add(container);
    resizer.observe(container);
  }
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
  if (!echarts) return;
  for (const node of root.querySelectorAll('[_echarts_instance_]'))
    echarts.getInstanceByDom(node)?.dispose();
}
