// The one place where a core status becomes something JS acts on: the
// bindings return "error_name: message" strings (names from ErrorName() in
// core/status.cc, twinned in wire/error_name.js), and nothing else in web/
// parses them.
import * as ErrorName from './wire/error_name.js';

// "" means ok; otherwise the error name before the colon.
export function statusName(result) {
  if (!result) return ErrorName.kOk;
  const colon = result.indexOf(':');
  return colon < 0 ? result : result.slice(0, colon);
}

const warned = new Set();

// Degrading is normal (blocked Wasm, full storage, collector down); the site
// owner hears about each reason once, the host page never sees an exception.
export function warnOnce(reason, detail) {
  if (warned.has(reason)) return;
  warned.add(reason);
  try {
    console.warn('microconv: ' + reason + (detail ? ' (' + detail + ')' : ''));
  } catch (_) {
    // A console that throws is not our problem to report.
  }
}
