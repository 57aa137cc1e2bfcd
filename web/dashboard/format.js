// Number, rate, duration and date formatting for the dashboard. One place so
// every panel reads the same way (tabular numbers, same units, same locale).
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatInt(value) {
  return integer.format(value);
}

// Cents of an ISO 4217 currency (the report's `currency`) as "$1,234.50".
export function formatMoney(cents, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch (_) {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

// Rates come as 0..1 with four decimals.
export function formatPercent(rate, digits = 1) {
  return `${(rate * 100).toFixed(digits)} %`;
}

// A rate difference (lift) in percentage points, signed.
export function formatPoints(difference, digits = 1) {
  const points = difference * 100;
  const sign = points > 0 ? '+' : points < 0 ? '\u2212' : '';
  return `${sign}${Math.abs(points).toFixed(digits)} pp`;
}

// Seconds (one decimal in the report) as "4.6 s", "1 min 26 s", "2 h 5 min".
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    const rest = Math.round(seconds - minutes * 60);
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds - hours * 3600) / 60);
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}

// Axis ticks: short and unambiguous ("45s", "1m30s", "2h").
export function formatDurationShort(seconds) {
  if (seconds < 60) return `${+seconds.toFixed(1)}s`;
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    const rest = Math.round(seconds - minutes * 60);
    return rest ? `${minutes}m${rest}s` : `${minutes}m`;
  }
  return `${+(seconds / 3600).toFixed(1)}h`;
}

// Report dates are days in the site's time zone ("YYYY-MM-DD"; the
// collector counts a session on the local day it started): today there, by
// the browser's copy of the same IANA database; UTC when the zone is unknown
// to it.
export function todayIn(zone) {
  try {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone || 'UTC' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000);
}

const shortDate = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const longDate = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

export function formatDay(date) {
  return shortDate.format(new Date(`${date}T00:00:00Z`));
}

export function formatDayLong(date) {
  return longDate.format(new Date(`${date}T00:00:00Z`));
}

export function isDate(text) {
  return (
    typeof text === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(text) &&
    !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
  );
}
