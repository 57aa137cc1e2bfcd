// The dashboard's view as URL state (?site=&from=&to=&funnel=&breakdown=
// &filter=&compare=&funnel_breakdown=&open=), so a reload or a shared link
// shows the same report, filters, comparison and opened detail sections.
import { addDays, isDate, todayIn } from './format.js';

// Labels of the breakdown names the collector serves (GET /api/sites,
// report.breakdowns); a served name without a label shows as itself.
export const kBreakdowns = [
  ['all', 'All dimensions'],
  ['referrer', 'Referrer'],
  ['utm_source', 'UTM source'],
  ['utm_medium', 'UTM medium'],
  ['utm_campaign', 'UTM campaign'],
  ['device', 'Device'],
  ['browser', 'Browser'],
  ['os', 'Operating system'],
  ['screen', 'Screen size'],
  ['language', 'Language'],
  ['country', 'Country'],
];

// The view of the URL; a missing range or breakdown stays empty until
// withServedDefaults fills it from what the collector serves.
export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const from = params.get('from');
  const to = params.get('to');
  return {
    site: params.get('site') || '',
    from: isDate(from) ? from : '',
    to: isDate(to) ? to : '',
    funnel: params.get('funnel') || '',
    breakdown: params.get('breakdown') || '',
    filter: params.get('filter') || '',
    compare: params.get('compare') || '',
    funnel_breakdown: params.get('funnel_breakdown') || '',
    // The detail sections shown open (data-section names).
    open: (params.get('open') || '').split(',').filter(Boolean),
  };
}

// Fills the range with the collector's default (the days ending today in
// the site's time zone `zone`) and drops a breakdown it does not serve.
// `query` is api.js reportQuery, or null when the collector is unreachable
// (then: today only).
export function withServedDefaults(state, query, zone) {
  const days = query ? query.default_days : 1;
  const to = state.to || todayIn(zone);
  const from = state.from || addDays(to, -(days - 1));
  const names = query ? query.breakdowns : ['all'];
  const breakdown = names.includes(state.breakdown) ? state.breakdown : 'all';
  return { ...state, from, to, breakdown };
}

export function writeState(state) {
  const params = new URLSearchParams(location.search);
  for (const key of [
    'site',
    'from',
    'to',
    'funnel',
    'breakdown',
    'filter',
    'compare',
    'funnel_breakdown',
    'open',
  ]) {
    const value = Array.isArray(state[key]) ? state[key].join(',') : state[key];
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}
