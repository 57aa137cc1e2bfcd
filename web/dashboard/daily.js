// Report days cover only days with sessions; charts want every day of the
// range. A missing day had no sessions (0); a suppressed day had some, fewer
// than k, and stays a gap (null), never 0.
import { addDays, daysBetween } from './format.js';

const kMaxChartDays = 400;
// A day without sessions took no order (the report's revenue object, zero).
const kNoRevenue = Object.freeze({
  buyers: 0,
  orders: 0,
  revenue_cents: 0,
  average_order_cents: 0,
  other_currency_orders: 0,
});

export function fillDays(days, from, to) {
  const byDate = new Map((days || []).map((day) => [day.date, day]));
  const span = daysBetween(from, to);
  // Long ranges start at the first day with data rather than drawing years of zeros.
  let start = from;
  if (span >= kMaxChartDays) {
    const first = (days || []).map((day) => day.date).sort()[0];
    start = first && first > from ? first : addDays(to, -(kMaxChartDays - 1));
  }
  const out = [];
  for (let date = start; date <= to; date = addDays(date, 1)) {
    const day = byDate.get(date);
    if (!day) out.push({ date, sessions: 0, conversions: 0, page_views: 0, revenue: kNoRevenue });
    else if (day.suppressed)
      out.push({ date, suppressed: true, sessions: null, conversions: null, page_views: null });
    else out.push(day);
  }
  return out;
}
