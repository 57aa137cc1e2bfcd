// microconv for bundled apps: a thin ESM front for the same tracker the
// script tag loads. init() adds the loader script from your collector (so the
// Wasm core and config stay versioned with the collector) and every other
// call goes through the microconv() queue, which works before and after the
// script has loaded. Nothing here throws into your app.
const kQueue = function () {
  (window.microconv.q = window.microconv.q || []).push(arguments);
};

function queue() {
  if (typeof window === 'undefined') return null; // server-side rendering: no-op
  window.microconv = window.microconv || kQueue;
  return window.microconv;
}

function call(...args) {
  try {
    const microconv = queue();
    const result = microconv ? microconv(...args) : null;
    return result && typeof result.then === 'function' ? result : Promise.resolve(null);
  } catch (_) {
    return Promise.resolve(null);
  }
}

let started = false;

/**
 * Starts the tracker once. `endpoint` is the collector's origin (it serves
 * /microconv.js, the core and the compiled config); `site` the site id.
 */
export function init({ site, endpoint, allowLocalhost = false, allowWebdriver = false } = {}) {
  if (started || typeof document === 'undefined') return;
  if (!site || !endpoint) {
    console.warn('microconv: init needs site and endpoint');
    return;
  }
  started = true;
  try {
    queue();
    const script = document.createElement('script');
    const origin = String(endpoint).replace(/\/+$/, '');
    script.async = true;
    script.src = origin + '/microconv.js';
    script.dataset.site = site;
    script.dataset.endpoint = origin;
    if (allowLocalhost) script.dataset.allowLocalhost = '';
    if (allowWebdriver) script.dataset.allowWebdriver = '';
    (document.head || document.documentElement).appendChild(script);
  } catch (error) {
    console.warn('microconv: init failed (' + error + ')');
  }
}

/** Records a custom event; `props` stay in the page (never sent). */
export function track(name, props) {
  return call('track', name, props).then(() => undefined);
}

/** Grants (true) or withdraws (false) consent to store and send. */
export function consent(granted) {
  return call('consent', granted === true).then(() => undefined);
}

/**
 * The decoded summary exactly as it would be sent, or null when off; with
 * `{bytes: true}`, `{summary, hex}` where hex is the exact bytes.
 */
export function inspect(options) {
  return options ? call('inspect', options) : call('inspect');
}

/** Sends the session's summary now (as on page hide): `{sent, seq}`. */
export function flush() {
  return call('flush');
}
