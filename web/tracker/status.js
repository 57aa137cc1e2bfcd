// The one place where a core status becomes something JS acts on. Mirrors
// ErrorName() in core/status.cc (its twin): the bindings return
// "error_name: message" strings, and nothing else in web/ parses them.
export const ErrorName = Object.freeze({
  kOk: 'ok',
  kInvalidConfig: 'invalid_config',
  kTooLarge: 'too_large',
  kTruncated: 'truncated',
  kWrongIdentifier: 'wrong_identifier',
  kUnsupportedVersion: 'unsupported_version',
  kVerifyFailed: 'verify_failed',
  kOutOfRange: 'out_of_range',
  kConfigMismatch: 'config_mismatch',
  kCorruptSnapshot: 'corrupt_snapshot',
  kUnavailable: 'unavailable',
});

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
