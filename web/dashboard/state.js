// The dashboard's view as URL state (?site=&from=&to=&funnel=&breakdown=),
// so a reload or a shared link shows the same report.
import { addDays, isDate, todayUtc } from './format.js';

// The collector's own default (tools/serve/collector.cc kDefaultReportDays).
const kDefaultDays = 30;

// Breakdown names of core/report.cc (kBreakdownNames) the picker offers;
// "none" is left out: it would only empty the segments panel.
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

function defaultRange(days = kDefaultDays) {
  const to = todayUtc();
  return { from: addDays(to, -(days - 1)), to };
}

export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const range = defaultRange();
  const from = params.get('from');
  const to = params.get('to');
  const breakdown = params.get('breakdown');
  return {
    site: params.get('site') || '',
    from: isDate(from) ? from : range.from,
    to: isDate(to) ? to : range.to,
    funnel: params.get('funnel') || '',
    breakdown: kBreakdowns.some(([name]) => name === breakdown) ? breakdown : 'all',
  };
}

export function writeState(state) {
  const params = new URLSearchParams(location.search);
  for (const key of ['site', 'from', 'to', 'funnel', 'breakdown']) {
    if (state[key]) params.set(key, state[key]);
    else params.delete(key);
  }
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}
