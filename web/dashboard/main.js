// The microconv dashboard: reads the view from the URL, fetches the report of
// the date range, and has each panel render its part of it.
import { showAccount } from './account.js';
import { ApiError, fetchMe, fetchReport, fetchSites, reportQuery } from './api.js';
import { disposeCharts } from './charts.js';
import { download, downloadUrl, reportCsvUrl } from './csv.js';
import { fillDays } from './daily.js';
import { clear, el, emptyState } from './dom.js';
import { joinFilter, renderFilterBar, splitFilter, wireFilterClicks } from './filters.js';
import {
  addDays,
  daysBetween,
  formatDay,
  formatDayLong,
  formatInt,
  isDate,
  todayUtc,
} from './format.js';
import { microLabels } from './labels.js';
import { renderExits } from './panels/exits.js';
import { renderForms } from './panels/forms.js';
import { renderFrustration } from './panels/frustration.js';
import { renderFunnel } from './panels/funnel.js';
import { renderFunnelBreakdown } from './panels/funnel_breakdown.js';
import { createHeatmapPanel } from './panels/heatmap.js';
import { renderKpis } from './panels/kpis.js';
import { renderLift } from './panels/lift.js';
import { createLivePanel } from './panels/live.js';
import { renderNextActions } from './panels/next_actions.js';
import { renderPaths } from './panels/paths.js';
import { renderSegments } from './panels/segments.js';
import { renderTimeToConvert } from './panels/time_to_convert.js';
import { renderTraffic } from './panels/traffic.js';
import { breakdownOptions, readState, withServedDefaults, writeState } from './state.js';

const $ = (id) => document.getElementById(id);
const controls = {
  site: $('site'),
  from: $('from'),
  to: $('to'),
  funnel: $('funnel'),
  breakdown: $('breakdown'),
  compare: $('compare'),
  exportCsv: $('export-csv'),
  exportJson: $('export-json'),
  presets: [...document.querySelectorAll('[data-days]')],
};

// Panels rebuilt from each report, by body element id; in page order.
const kPanels = [
  ['kpis-body', renderKpis],
  ['traffic-body', renderTraffic],
  ['funnel-body', renderFunnel],
  [
    'funnel-breakdown-body',
    (body, view) => renderFunnelBreakdown(body, view, (dimension) => setFunnelBreakdown(dimension)),
  ],
  ['time-to-convert-body', renderTimeToConvert],
  ['next-actions-body', renderNextActions],
  ['paths-body', renderPaths],
  ['turning-points-body', renderLift],
  ['exits-body', renderExits],
  ['segments-body', renderSegments],
  ['forms-body', renderForms],
  ['frustration-body', renderFrustration],
];

const state = readState();
let report = null;
let sections = [];
let inflight = null;
// New summaries stored (the live stream's count moves): the panels re-query,
// at most every kLiveRefreshMs and only while the tab is visible.
const kLiveRefreshMs = 5000;
const live = createLivePanel($('live-body'), { onStored: scheduleLiveRefresh });
const heatmap = createHeatmapPanel($('heatmap-body'));

async function boot() {
  const [me, served] = await Promise.all([fetchMe(), fetchSites()]);
  showAccount($('account'), me);
  const sites = served || ['demo'];
  Object.assign(state, withServedDefaults(state, reportQuery));
  for (const [name, label] of breakdownOptions(reportQuery ? reportQuery.breakdowns : ['all']))
    controls.breakdown.append(el('option', { text: label, attrs: { value: name } }));
  if (!state.site) state.site = sites[0] || 'demo';
  const siteList = sites.includes(state.site) ? sites : [state.site, ...sites];
  clear(
    controls.site,
    siteList.map((site) => el('option', { text: site, attrs: { value: site } })),
  );
  controls.site.value = state.site;
  controls.breakdown.value = state.breakdown;
  controls.compare.value = state.compare === 'previous' ? 'previous' : '';
  $('page-title').textContent = state.site;
  syncRangeInputs();
  wireControls();
  await load();
}

function wireControls() {
  controls.site.addEventListener('change', () => {
    state.site = controls.site.value;
    state.funnel = '';
    load();
  });
  // Typing a date fires 'change' at every complete value ("0002-10-26" while
  // typing the year): wait for a pause and a plausible year.
  let dateTimer = 0;
  for (const input of [controls.from, controls.to]) {
    input.addEventListener('change', () => {
      clearTimeout(dateTimer);
      dateTimer = setTimeout(() => {
        const { value: from } = controls.from;
        const { value: to } = controls.to;
        if (!isDate(from) || !isDate(to) || from < '1970' || to < '1970') return;
        state.from = from;
        state.to = to;
        syncRangeInputs();
        load();
      }, 450);
    });
  }
  for (const button of controls.presets) {
    button.addEventListener('click', () => {
      const days = Number(button.dataset.days);
      state.to = todayUtc();
      state.from = addDays(state.to, -(days - 1));
      syncRangeInputs();
      load();
    });
  }
  // Funnel and breakdown only change the view of the report already here.
  controls.funnel.addEventListener('change', () => {
    state.funnel = controls.funnel.value;
    render();
  });
  controls.breakdown.addEventListener('change', () => {
    state.breakdown = controls.breakdown.value;
    render();
  });
  // A comparison and filters change the question: re-query.
  controls.compare.addEventListener('change', () => {
    state.compare = controls.compare.value;
    load();
  });
  wireFilterClicks($('panels'), (term) => {
    const terms = splitFilter(state.filter);
    if (!terms.includes(term)) setFilter([...terms, term]);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && liveRefreshPending) scheduleLiveRefresh();
  });
  $('controls').addEventListener('submit', (event) => event.preventDefault());
  controls.exportCsv.addEventListener('click', exportCsv);
  controls.exportJson.addEventListener('click', exportJson);
}

function syncRangeInputs() {
  controls.from.value = state.from;
  controls.to.value = state.to;
  controls.from.max = state.to;
  controls.to.min = state.from;
  controls.to.max = todayUtc();
  const span = daysBetween(state.from, state.to) + 1;
  for (const button of controls.presets) {
    const pressed = state.to === todayUtc() && Number(button.dataset.days) === span;
    button.setAttribute('aria-pressed', String(pressed));
  }
  writeState(state);
}

function setFilter(terms) {
  state.filter = joinFilter(terms);
  load();
}

function setFunnelBreakdown(dimension) {
  state.funnel_breakdown = dimension;
  load();
}

let liveTimer = 0;
let liveRefreshPending = false;
let lastLoadAt = 0;

// Debounced: one re-query at most every kLiveRefreshMs, none while hidden
// (it runs when the tab is shown again).
function scheduleLiveRefresh() {
  liveRefreshPending = true;
  if (liveTimer || document.hidden || !report) return;
  const wait = Math.max(0, lastLoadAt + kLiveRefreshMs - Date.now());
  liveTimer = setTimeout(() => {
    liveTimer = 0;
    if (document.hidden) return;
    liveRefreshPending = false;
    load({ quiet: true });
  }, wait);
}

// quiet: a live refresh, drawn over the report in place (no loading state,
// the scroll position kept).
async function load({ quiet = false } = {}) {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  lastLoadAt = Date.now();
  if (!quiet) document.body.dataset.state = 'loading';
  document.body.setAttribute('aria-busy', 'true');
  if (!quiet) showError('');
  writeState(state);
  try {
    if (state.from > state.to) throw new ApiError(0, 'the start date is after the end date');
    const next = await fetchReport(state.site, state, controller.signal);
    if (inflight !== controller) return;
    report = next;
    const scroll = [window.scrollX, window.scrollY];
    render();
    if (quiet) window.scrollTo(...scroll);
    document.body.dataset.state = 'ready';
    document.body.dataset.refreshedAt = String(Date.now());
  } catch (error) {
    if (error.name === 'AbortError' || inflight !== controller) return;
    // A failed live refresh keeps the report shown; the next one retries.
    if (quiet && report) return;
    showError(`Could not load the report: ${error.message}`);
    $('loading').hidden = true;
    document.body.dataset.state = 'error';
  } finally {
    if (inflight === controller) document.body.removeAttribute('aria-busy');
  }
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

function render() {
  if (!report) return;
  const funnels = report.funnels || [];
  if (!funnels.some((f) => f.id === state.funnel)) state.funnel = funnels[0]?.id || '';
  clear(
    controls.funnel,
    funnels.map((f) => el('option', { text: f.label || f.id, attrs: { value: f.id } })),
  );
  controls.funnel.value = state.funnel;
  controls.funnel.disabled = !funnels.length;
  writeState(state);

  const k = report.k_anonymity;
  const noSessions =
    (report.engagement?.suppressed && !(report.days || []).length) ||
    report.engagement?.sessions === 0;
  renderFilterBar($('filter-bar'), splitFilter(state.filter), {
    onChange: setFilter,
    label: microLabels(report),
    scanned: filterNote(report),
  });
  const view = {
    report: noSessions ? { ...report, engagement: zeroEngagement() } : report,
    funnelBreakdown: state.funnel_breakdown,
    funnel: funnels.find((f) => f.id === state.funnel) || null,
    breakdown: state.breakdown,
    k,
    label: microLabels(report),
    range: { from: state.from, to: state.to },
    days: fillDays(report.days, state.from, state.to),
    exportTable: (section) => sections.push(section),
  };
  sections = [];
  // Shown before drawing: charts measure their containers.
  $('loading').hidden = true;
  $('panels').hidden = false;
  renderHeader(noSessions);
  for (const [id, renderPanel] of kPanels) {
    const body = $(id);
    disposeCharts(body);
    if (noSessions && id !== 'kpis-body') {
      clear(
        body,
        emptyState(
          'No sessions in this range yet',
          'Numbers appear here once visitors with the tracker arrive.',
        ),
      );
      continue;
    }
    try {
      renderPanel(body, view);
    } catch (error) {
      // One malformed section must not take the rest of the report down.
      clear(body, emptyState('This panel could not be drawn', String(error.message || error)));
      console.error(`microconv dashboard: ${id}:`, error);
    }
  }
  heatmap.update(view);
  live.update(state.site, view.funnel);
  controls.exportCsv.disabled = false;
  controls.exportJson.disabled = false;
}

function renderHeader(noSessions) {
  $('page-title').textContent = report.site || state.site;
  const span = daysBetween(state.from, state.to) + 1;
  $('page-sub').textContent =
    `${formatDayLong(state.from)} \u2013 ${formatDayLong(state.to)} \u00b7 ${span} ${span === 1 ? 'day' : 'days'} (UTC)`;
  $('privacy-note').textContent =
    `Computed in visitors' browsers \u00b7 cells under ${report.k_anonymity} sessions are hidden`;
  const notice = $('notice');
  if (report.filter && (report.filter.suppressed || !report.filter.matched_sessions)) {
    clear(
      notice,
      el('p', {
        text: report.filter.suppressed
          ? `Fewer than ${report.k_anonymity} sessions match these filters: their numbers are hidden for privacy. Remove a filter or pick a longer range.`
          : 'No sessions match these filters in this range.',
      }),
    );
    notice.hidden = false;
  } else if (noSessions) {
    const origin = location.origin;
    clear(
      notice,
      el('p', {
        className: 'notice-title',
        text: `No sessions for "${report.site}" between ${formatDay(state.from)} and ${formatDay(state.to)}.`,
      }),
      el('p', { text: 'Add the script tag to the site\u2019s pages (or pick a longer range):' }),
      el('code', {
        className: 'snippet',
        text: `<script async src="${origin}/microconv.js" data-site="${report.site}"></script>`,
      }),
    );
    notice.hidden = false;
  } else if (report.engagement?.suppressed) {
    clear(
      notice,
      el('p', {
        text: `Fewer than ${report.k_anonymity} sessions in this range: the totals are hidden for privacy. Pick a longer range.`,
      }),
    );
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
}

// What the filtered report counted, or why it shows nothing.
function filterNote(r) {
  const f = r.filter;
  if (!f) return '';
  if (f.suppressed)
    return `fewer than ${r.k_anonymity} of ${formatInt(f.scanned_sessions)} sessions match: hidden for privacy`;
  return `${formatInt(f.matched_sessions)} of ${formatInt(f.scanned_sessions)} sessions match`;
}

function zeroEngagement() {
  return {
    sessions: 0,
    converters: 0,
    conversion_rate: 0,
    page_views: 0,
    pages_per_session: 0,
    bounces: 0,
    bounce_rate: 0,
    median_active_s: 0,
    p90_active_s: 0,
    mean_active_s: 0,
    median_duration_s: 0,
    median_scroll_percent: 0,
    rage_clicks: 0,
    dead_clicks: 0,
    quick_backs: 0,
    truncated_paths: 0,
  };
}

function fileStem() {
  const site =
    String(state.site)
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .slice(0, 64) || 'site';
  return `microconv-${site}-${state.from}-to-${state.to}`;
}

function exportCsv() {
  if (!report) return;
  downloadUrl(`${fileStem()}.csv`, reportCsvUrl(state.site, state));
}

// The report as shown: the selected funnel and breakdown only.
function exportJson() {
  if (!report) return;
  const shown = {
    ...report,
    range: { from: state.from, to: state.to },
    funnels: (report.funnels || []).filter((f) => f.id === state.funnel),
    segments: (report.segments || []).filter(
      (t) => state.breakdown === 'all' || t.dimension === state.breakdown,
    ),
  };
  download(`${fileStem()}.json`, 'application/json', `${JSON.stringify(shown, null, 2)}\n`);
}

boot();
