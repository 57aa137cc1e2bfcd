// A GA4 purchase's value and currency as the event record carries them
// (core/event.h, kDataLayer): dataLayer.push({event: 'purchase', value,
// currency}), the same under `ecommerce`, or gtag('event', 'purchase',
// {value, currency}). Nothing else of the event is read: items, ids and
// coupons stay on the page. A value that cannot be revenue is dropped with
// its reason said once; the core then counts the configured value, if any.
import { warnOnce } from './status.js';
import { kDataLayerHasValue, kMaxOrderCents } from './wire/event_record.js';

function params(item) {
  const own = item.event === 'purchase' ? item : item[2];
  if (!own || typeof own !== 'object') return null;
  if (own.value === undefined && own.ecommerce && typeof own.ecommerce === 'object') {
    return own.ecommerce;
  }
  return own;
}

function packCurrency(code) {
  return (code.charCodeAt(0) << 16) | (code.charCodeAt(1) << 8) | code.charCodeAt(2);
}

// {b, x, y} for the record of a `purchase` event, or {} (no usable value).
export function purchaseFields(item, siteCurrency) {
  const p = params(item);
  if (!p || p.value === undefined) return {};
  const value = p.value;
  const ignored = (why) => {
    warnOnce('purchase value ignored: ' + why, String(value));
    return {};
  };
  if (typeof value !== 'number') return ignored('not a number');
  if (!Number.isFinite(value)) return ignored('not a finite number');
  if (value < 0) return ignored('negative');
  const cents = Math.round(value * 100);
  if (cents > kMaxOrderCents)
    return ignored('above ' + kMaxOrderCents / 100 + ', the largest order counted');
  let y = 0;
  if (p.currency !== undefined) {
    const code = typeof p.currency === 'string' ? p.currency.toUpperCase() : '';
    if (!/^[A-Z]{3}$/.test(code)) return ignored('currency is not an ISO 4217 code');
    if (siteCurrency && code !== siteCurrency) {
      warnOnce(
        'purchase in ' + code + ' counted as an other-currency order, not as revenue',
        'this site counts ' + siteCurrency + '; nothing is converted',
      );
    }
    y = packCurrency(code);
  }
  return { b: kDataLayerHasValue, x: cents, y };
}
