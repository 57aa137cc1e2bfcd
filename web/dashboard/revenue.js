// Revenue columns shared by the tables that show it (segments, days): a
// row's `revenue` object of the report, null (hidden under k) while 1..k-1
// of its sessions ordered.
import { formatInt, formatMoney } from './format.js';

const figure =
  (key, scale = 1) =>
  (row) => {
    if (!row.revenue) return undefined;
    return row.revenue.suppressed ? null : row.revenue[key] / scale;
  };

export function revenueColumns(currency) {
  return [
    {
      key: 'revenue_cents',
      label: `Revenue (${currency})`,
      numeric: true,
      // In currency units, as the CSV export writes it.
      value: figure('revenue_cents', 100),
      format: (v) => formatMoney(Math.round(v * 100), currency),
    },
    {
      key: 'orders',
      label: 'Orders',
      numeric: true,
      value: figure('orders'),
      format: formatInt,
    },
  ];
}

// The same figures flattened for the CSV export.
export function revenueExport(row) {
  const r = row.revenue || {};
  return {
    revenue_cents: r.suppressed ? null : r.revenue_cents,
    orders: r.suppressed ? null : r.orders,
    average_order_cents: r.suppressed ? null : r.average_order_cents,
  };
}
