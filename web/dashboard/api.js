// The collector's JSON API, same origin as the dashboard.
import { daysBetween } from './format.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function failure(response) {
  // The collector answers 4xx/5xx with a text/plain reason ("bad_request: from: after to").
  const text = (await response.text().catch(() => '')).trim().slice(0, 300);
  return new ApiError(response.status, text || `HTTP ${response.status}`);
}

// A 401: no login (or it expired). The login page brings the browser back here.
function toLogin() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

// Who is looking: { user, site, csrf } (user null for a shared link or a
// public site; csrf null without a login), or null when unknown.
export async function fetchMe() {
  try {
    const response = await fetch('/api/me', { headers: { Accept: 'application/json' } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

// What a report query accepts, as the collector serves it with the site list
// ({ default_days, max_days, daily_max_days, breakdowns }); null until
// fetchSites has read it.
export let reportQuery = null;

// Site -> its time zone (IANA name), as /api/sites says; 'UTC' when unsaid.
let timeZones = {};
export function siteTimeZone(site) {
  return typeof timeZones[site] === 'string' ? timeZones[site] : 'UTC';
}

// The site ids the collector serves, or null when it cannot list them.
export async function fetchSites() {
  try {
    const response = await fetch('/api/sites', { headers: { Accept: 'application/json' } });
    if (response.status === 401) toLogin();
    if (!response.ok) return null;
    const body = await response.json();
    if (body.report && typeof body.report === 'object') reportQuery = body.report;
    if (body.time_zones && typeof body.time_zones === 'object') timeZones = body.time_zones;
    return Array.isArray(body.sites) ? body.sites.filter((site) => typeof site === 'string') : null;
  } catch {
    return null;
  }
}

// The whole report of a date range: every funnel and every breakdown, so the
// funnel and breakdown pickers switch views without another round trip; for
// ranges the collector can split by day, referrers per day too.
// `filter`, `compare` and `funnel_breakdown` are the report query's own
// parameters (core/report_query.h), passed as the URL holds them.
export async function fetchReport(site, { from, to, filter, compare, funnel_breakdown }, signal) {
  const params = new URLSearchParams();
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  if (filter) params.set('filter', filter);
  if (compare) params.set('compare', compare);
  if (funnel_breakdown) params.set('funnel_breakdown', funnel_breakdown);
  // The collector splits days by a dimension for ranges up to its daily limit.
  if (from && to && reportQuery && daysBetween(from, to) < reportQuery.daily_max_days)
    params.set('daily', 'referrer');
  const url = `/api/report/${encodeURIComponent(site)}?${params}`;
  let response;
  // A busy collector answers 503 with Retry-After (e.g. too_many_scans: its
  // limit on concurrent filtered scans); the report is asked again after the
  // wait it names, a few times, before the error is shown.
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(url, { headers: { Accept: 'application/json' }, signal });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, 'the collector cannot be reached');
    }
    const retryAfter = response.headers.get('Retry-After');
    const wait = retryAfter === null ? Number.NaN : Number(retryAfter);
    if (response.status !== 503 || !(wait >= 0) || attempt >= kBusyRetries) break;
    await sleep(Math.min(wait, kMaxRetryWaitSeconds) * 1000, signal);
  }
  if (response.status === 401) toLogin();
  if (!response.ok) throw await failure(response);
  return response.json();
}

// A range's journey replays by outcome (GET /api/replays/SITE):
// { sampled, replays: [{ date, id, outcome, drops }], next } or
// { withheld: true, k } under k sampled sessions. Owner login only.
export async function fetchReplays(site, { from, to, outcome }) {
  const params = new URLSearchParams();
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  if (outcome && outcome !== 'any') params.set('outcome', outcome);
  return getJson(`/api/replays/${encodeURIComponent(site)}?${params}`);
}

// One replay decoded: { date, device, grid, entries: [{ t, kind, ... }], truncated }.
export async function fetchReplay(site, id) {
  return getJson(`/api/replays/${encodeURIComponent(site)}?id=${encodeURIComponent(id)}`);
}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'the collector cannot be reached');
  }
  if (response.status === 401) toLogin();
  if (!response.ok) throw await failure(response);
  return response.json();
}

const kBusyRetries = 3;
const kMaxRetryWaitSeconds = 5;

// Resolves after `ms`, rejects with an AbortError when `signal` aborts first.
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}

// Server-Sent Events of the live board; EventSource reconnects by itself.
//   handlers: { onData(json), onStatus('connecting' | 'open' | 'reconnecting') }
export function openLive(site, { onData, onStatus }) {
  const source = new EventSource(`/api/live/${encodeURIComponent(site)}`);
  onStatus('connecting');
  source.addEventListener('open', () => onStatus('open'));
  source.addEventListener('error', () =>
    onStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  source.addEventListener('live', (event) => {
    try {
      onData(JSON.parse(event.data));
    } catch {
      // A malformed event is skipped; the next one arrives within a second.
    }
  });
  return { close: () => source.close() };
}
