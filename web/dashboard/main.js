// The microconv dashboard: reads the view from the URL, fetches the report of
// the date range, and has each panel render its part of it.
import { showAccount } from './account.js';
import { ApiError, fetchMe, fetchReport, fetchSites, reportQuery, siteTimeZone } from './api.js';
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
  todayIn,
} from './format.js';
import { microLabels } from './labels.js';
import { renderExits } from './panels/exits.js';
import { renderForms } from './panels/forms.js';
import { renderFrustration } from './panels/frustration.js';
import { funnelFormStale, renderFunnel } from './panels/funnel.js';
import { renderFunnelBreakdown } from './panels/funnel_breakdown.js';
import { createHeatmapPanel } from './panels/heatmap.js';
import { renderHighlights } from './panels/highlights.js';
import { renderJourneys } from './panels/journeys.js';
import { renderKpis } from './panels/kpis.js';
import { renderLift } from './panels/lift.js';
import { createLivePanel } from './panels/live.js';
import { renderNextActions } from './panels/next_actions.js';
import { renderPaths } from './panels/paths.js';
import { createReplaysPanel } from './panels/replays.js';
import { renderSegments } from './panels/segments.js';
import { renderTimeToConvert } from './panels/time_to_convert.js';
import { renderTraffic } from './panels/traffic.js';
import { readState, withServedDefaults, writeState } from './state.js';

const $ = (id) => document.getElementById(id);
const controls = {
  site: $('site'),
  from: $('from'),
  to: $('to'),
  funnel: $('funnel'),
  compare: $('compare'),
  exportCsv: $('export-csv'),
  exportJson: $('export-json'),
  presets: [...document.querySelectorAll('[data-days]')],
};

// The overview, rebuilt from each report before the page says it is ready,
// by body element id.
const kOverview = [
  ['kpis-body', renderKpis],
  ['funnel-body', renderFunnel],
  ['highlights-body', renderHighlights],
];
// The details: each a closed <details> section drawn only once opened (and
// redrawn with each report while open), so the first paint lays out no
// detail chart. By section name (data-section, ?open=).
const kDetails = {
  traffic: ['traffic-body', renderTraffic],
  segments: [
    'segments-body',
    (body, view) => renderSegments(body, view, (dimension) => setBreakdown(dimension)),
  ],
  'funnel-breakdown': [
    'funnel-breakdown-body',
    (body, view) => renderFunnelBreakdown(body, view, (dimension) => setFunnelBreakdown(dimension)),
  ],
  'next-actions': ['next-actions-body', renderNextActions],
  'time-to-convert': ['time-to-convert-body', renderTimeToConvert],
  journeys: ['journeys-body', renderJourneys],
  paths: ['paths-body', renderPaths],
  'turning-points': ['turning-points-body', renderLift],
  exits: ['exits-body', renderExits],
  frustration: ['frustration-body', renderFrustration],
  forms: ['forms-body', renderForms],
  // Mounted once below (their body is theirs): updated, never cleared.
  heatmap: ['heatmap-body', null, (shown) => heatmap.update(shown)],
  replays: ['replays-body', null, (shown) => replays.update(shown)],
  live: ['live-body', null, null],
};
const detailSections = [...document.querySelectorAll('details[data-section]')];

const state = readState();
// Asked before anything is built: the report's query waits for these.
const asked = Promise.all([fetchMe(), fetchSites()]);
let report = null;
let sections = [];
// The view the last report was drawn with, and the detail sections already
// drawn from it.
let view = null;
const drawn = new Set();
let inflight = null;
// New summaries stored (the live stream's count moves): the panels re-query,
// at most every kLiveRefreshMs and only while the tab is visible.
const kLiveRefreshMs = 5000;
const live = createLivePanel($('live-body'), { onStored: scheduleLiveRefresh });
const heatmap = createHeatmapPanel($('heatmap-body'));
const replays = createReplaysPanel($('replays-body'));
// The funnel is a chart or, narrow, a list of bars: a resize across the
// width between them draws it again.
new ResizeObserver(() => {
  const body = $('funnel-body');
  if (view && !$('panels').hidden && funnelFormStale(body)) drawPanel('funnel-body', renderFunnel);
}).observe($('funnel-body'));

async function boot() {
  const [me, served] = await asked;
  showAccount($('account'), me);
  const sites = served || ['demo'];
  if (!state.site) state.site = sites[0] || 'demo';
  Object.assign(state, withServedDefaults(state, reportQuery, siteTimeZone(state.site)));
  const siteList = sites.includes(state.site) ? sites : [state.site, ...sites];
  clear(
    controls.site,
    siteList.map((site) => el('option', { text: site, attrs: { value: site } })),
  );
  controls.site.value = state.site;
  for (const section of detailSections) {
    section.open = state.open.includes(section.dataset.section);
  }
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
      state.to = today();
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
  for (const section of detailSections) {
    section.addEventListener('toggle', () => {
      const name = section.dataset.section;
      state.open = section.open
        ? [...new Set([...state.open, name])]
        : state.open.filter((n) => n !== name);
      writeState(state);
      if (section.open) drawDetail(section);
    });
  }
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

// Today in the site's time zone: the day its reports end on.
function today() {
  return todayIn(siteTimeZone(state.site));
}

function syncRangeInputs() {
  controls.from.value = state.from;
  controls.to.value = state.to;
  controls.from.max = state.to;
  controls.to.min = state.from;
  controls.to.max = today();
  const span = daysBetween(state.from, state.to) + 1;
  for (const button of controls.presets) {
    const pressed = state.to === today() && Number(button.dataset.days) === span;
    button.setAttribute('aria-pressed', String(pressed));
  }
  writeState(state);
}

function setFilter(terms) {
  state.filter = joinFilter(terms);
  load();
}

// The segments' dimension only changes the view of the report already here.
function setBreakdown(dimension) {
  state.breakdown = dimension;
  writeState(state);
  if (view) view.breakdown = dimension;
  drawn.delete('segments');
  const section = $('panel-segments');
  if (section.open) drawDetail(section);
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
    markShown();
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

// The first report painted (after the frame that shows it): the cold load
// figure of tests/e2e/perf/dashboard_load.mjs.
function markShown() {
  if (performance.getEntriesByName('microconv-data-shown').length) return;
  requestAnimationFrame(() => setTimeout(() => performance.mark('microconv-data-shown'), 0));
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
  view = {
    report: noSessions ? { ...report, engagement: zeroEngagement() } : report,
    funnelBreakdown: state.funnel_breakdown,
    funnel: funnels.find((f) => f.id === state.funnel) || null,
    breakdown: state.breakdown,
    k,
    label: microLabels(report),
    range: { from: state.from, to: state.to },
    days: fillDays(report.days, state.from, state.to),
    noSessions,
    exportTable: (section) => sections.push(section),
  };
  sections = [];
  drawn.clear();
  // Shown before drawing: charts measure their containers.
  $('loading').hidden = true;
  $('panels').hidden = false;
  renderHeader(noSessions);
  for (const [id, renderPanel] of kOverview) drawPanel(id, renderPanel, id === 'kpis-body');
  // The live panel keeps its stream whether open or not: it drives refresh.
  live.update(state.site, view.funnel);
  for (const section of detailSections) if (section.open) drawDetail(section);
  controls.exportCsv.disabled = false;
  controls.exportJson.disabled = false;
}

// One panel body from the current view; with no sessions, an empty state
// (but for `always`, the KPIs that say 0).
function drawPanel(id, renderPanel, always = false) {
  const body = $(id);
  disposeCharts(body);
  if (view.noSessions && !always) {
    clear(
      body,
      emptyState(
        'No sessions in this range yet',
        'Numbers appear here once visitors with the tracker arrive.',
      ),
    );
    return;
  }
  try {
    renderPanel(body, view);
  } catch (error) {
    // One malformed section must not take the rest of the report down.
    clear(body, emptyState('This panel could not be drawn', String(error.message || error)));
    console.error(`microconv dashboard: ${id}:`, error);
  }
}

// An opened detail section, drawn from the view once per report.
function drawDetail(section) {
  const name = section.dataset.section;
  if (!view || drawn.has(name)) return;
  drawn.add(name);
  const [id, renderPanel, update] = kDetails[name];
  if (update) update(view);
  else if (renderPanel) drawPanel(id, renderPanel);
}

function renderHeader(noSessions) {
  $('page-title').textContent = report.site || state.site;
  const span = daysBetween(state.from, state.to) + 1;
  $('page-sub').textContent =
    `${formatDayLong(state.from)} \u2013 ${formatDayLong(state.to)} \u00b7 ${span} ${span === 1 ? 'day' : 'days'} (${report.time_zone || siteTimeZone(state.site)})`;
  // k = 1 hides nothing: say so rather than "cells under 1 sessions".
  const k = report.k_anonymity;
  $('privacy-note').textContent =
    `Computed in visitors' browsers \u00b7 ` +
    (k > 1 ? `cells under ${k} sessions are hidden` : 'no cell is hidden (k-anonymity off)');
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
