// The one place where a core status becomes something JS acts on: the
// bindings return "" or an error's name (ErrorName() in core/status.cc,
// twinned in wire/error_name.js; the browser build keeps no messages), and
// nothing else in web/ reads them.
import * as ErrorName from './wire/error_name.js';

export function statusName(result) {
  return result || ErrorName.kOk;
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
