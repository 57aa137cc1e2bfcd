// The lazily loaded tracker chunk (microconv-tracker.js): loads the compiled
// config and the core, restores or starts the session, takes over the
// loader's listeners and call queue, feeds events to the core in batches and
// sends cumulative summaries. Every entry point from the page is wrapped:
// nothing here may throw into the host page.
import { Capture } from './capture.js';
import { EventType } from './event_types.js';
import { TrackerCore, loadCoreModule } from './core.js';
import { browserSignal, mayStoreAndSend } from './privacy.js';
import { statusName, warnOnce } from './status.js';
import { SiteStorage, fromBase64, toBase64 } from './storage.js';
import { Transport } from './transport.js';

const kBatchEvents = 64;
const kBatchDelayMs = 250;
const kAdvanceEveryMs = 5000;
const kRouteFlushEveryMs = 10000;
const kDayMs = 86400000;
const kMaxNameLength = 100;

function guard(fn) {
  return function () {
    try {
      return fn.apply(this, arguments);
    } catch (error) {
      warnOnce('internal error; some events were not recorded', String(error));
      return undefined;
    }
  };
}

function randomNonce() {
  const halves = crypto.getRandomValues(new Uint32Array(2));
  return [halves[0], halves[1]];
}

function hex(nonce) {
  return nonce.map((half) => half.toString(16).padStart(8, '0')).join('');
}

function visitor(referrer) {
  let timeZone = '';
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (_) {
    // Old engines: the core reports an unknown country.
  }
  return {
    userAgent: navigator.userAgent || '',
    language: navigator.language || '',
    timeZone,
    screenWidth: Math.round(window.innerWidth) || 0,
    coarsePointer: !!(window.matchMedia && matchMedia('(pointer: coarse)').matches),
    referrer,
    ownHost: location.hostname,
  };
}

// A GA4 event name from a dataLayer entry: {event: 'purchase', ...} or the
// arguments of gtag('event', 'purchase', {...}). GTM's own events are noise.
function dataLayerEventName(item) {
  if (!item || typeof item !== 'object') return '';
  let name = typeof item.event === 'string' ? item.event : '';
  if (!name && item[0] === 'event' && typeof item[1] === 'string') name = item[1];
  return name.startsWith('gtm.') ? '' : name.slice(0, kMaxNameLength);
}

class Tracker {
  constructor(boot, core, settings) {
    this.boot = boot;
    this.core = core;
    this.settings = settings;
    this.privacy = settings.privacy || {};
    const journey = this.privacy.scope === 'journey';
    this.journeyMs = journey ? Math.max(1, this.privacy.journeyDays || 1) * kDayMs : 0;
    this.storage = new SiteStorage(journey ? 'localStorage' : 'sessionStorage', boot.site);
    this.transport = new Transport(boot.endpoint, this.storage);
    this.signal = browserSignal(this.privacy);
    if (this.signal) warnOnce('off: ' + this.signal + ' (nothing stored or sent)');
    this.consent = this.storage.get('consent') === '1' ? true : null;
    this.queue = [];
    this.nonce = null; // null: no running session
    this.dirty = false;
    this.replaying = false;
    this.batchTimer = 0;
    this.routeTimer = 0;
    this.lastFlushMs = 0;
    this.sends = 0;
    this.referrer = document.referrer;
    this.capture = new Capture(
      settings,
      (event) => this.emit(event),
      (kind, t) => this.onSignal(kind, t)
    );
    this.applyPrivacy();
  }

  applyPrivacy() {
    this.permitted = mayStoreAndSend(this.privacy, this.signal, this.consent);
    this.storage.enabled = this.permitted;
  }

  run() {
    const buffer = this.boot.buffer;
    this.resume(buffer.length ? buffer[0][1] : Date.now());
    if (this.permitted) this.transport.retry(this.nonce && hex(this.nonce));

    this.replaying = true;
    for (const record of buffer.splice(0)) this.capture.handle(record);
    this.replaying = false;
    this.boot.sink = guard((record) => this.capture.handle(record));
    this.capture.goLive();
    this.watchDataLayer();

    for (const [args, t, resolve] of this.boot.calls.splice(0)) resolve(this.call(args, t));
    const call = guard((args) => this.call(args, Date.now()));
    this.boot.handle = (args) => Promise.resolve(call(args));
    this.feed();
    setInterval(guard(() => this.tick()), kAdvanceEveryMs);
  }

  // Continues the session stored by an earlier page of this visit when it
  // is still alive; else starts one.
  resume(t) {
    const stored = this.readSnapshot();
    if (stored) {
      const result = this.core.restore(stored.bytes);
      if (!result) {
        this.nonce = stored.nonce;
        this.referrer = '';
        if (!this.core.expiredAt(t)) return;
        this.endSession();
      } else {
        warnOnce('stored session unreadable; starting a new one', statusName(result));
      }
    }
    this.startSession(t);
  }

  readSnapshot() {
    try {
      const stored = JSON.parse(this.storage.get('session') || 'null');
      if (!stored || (stored.e && stored.e < Date.now())) return null;
      const bytes = fromBase64(stored.s);
      const nonce = /^[0-9a-f]{16}$/.test(stored.n) ?
        [parseInt(stored.n.slice(0, 8), 16), parseInt(stored.n.slice(8), 16)] : null;
      return bytes && nonce ? { bytes, nonce } : null;
    } catch (_) {
      return null;
    }
  }

  saveSnapshot() {
    if (!this.permitted || !this.nonce) return;
    const record = { n: hex(this.nonce), s: toBase64(this.core.snapshot()) };
    if (this.journeyMs) record.e = Date.now() + this.journeyMs;
    this.storage.set('session', JSON.stringify(record));
  }

  startSession(t) {
    this.nonce = randomNonce();
    this.core.start(this.nonce, t, visitor(this.referrer));
    this.referrer = ''; // later sessions on this page started here, not elsewhere
    this.dirty = true;
  }

  // The final flush of a session (inactivity timeout).
  endSession() {
    this.core.end();
    this.send();
    this.nonce = null;
    this.storage.remove('session');
  }

  emit(event) {
    this.queue.push(event);
    if (this.queue.length >= kBatchEvents) {
      this.feed();
    } else if (!this.batchTimer) {
      this.batchTimer = setTimeout(guard(() => this.feed()), kBatchDelayMs);
    }
  }

  feed() {
    clearTimeout(this.batchTimer);
    this.batchTimer = 0;
    this.capture.emitScroll();
    let events = this.queue;
    this.queue = [];
    for (let guardRounds = 0; events.length && guardRounds < 8; guardRounds++) {
      if (!this.nonce) this.startSession(events[0].t);
      const result = this.core.ingest(events);
      if (result.consumed > 0) this.dirty = true;
      if (!result.expired) return;
      // The rest came after the inactivity timeout: a new session.
      events = events.slice(result.consumed);
      this.endSession();
    }
  }

  tick() {
    if (document.visibilityState !== 'visible') return;
    this.feed();
    const now = Date.now();
    if (!this.nonce) return;
    if (this.core.expiredAt(now)) {
      this.endSession();
      return;
    }
    this.core.advance(now);
  }

  onSignal(kind, t) {
    if (this.replaying) return;
    if (kind !== 'route') {
      this.flush();
      return;
    }
    const wait = this.lastFlushMs + kRouteFlushEveryMs - t;
    if (wait <= 0) {
      this.flush();
    } else if (!this.routeTimer) {
      this.routeTimer = setTimeout(
        guard(() => {
          this.routeTimer = 0;
          this.flush();
        }),
        wait
      );
    }
  }

  // Sends the session's cumulative summary if anything changed since the
  // last one, and keeps the snapshot for the next page.
  flush() {
    this.feed();
    if (!this.nonce) return;
    this.core.advance(Date.now());
    if (this.dirty) this.send();
    this.saveSnapshot();
  }

  send() {
    if (!this.permitted || !this.nonce) return;
    this.transport.send(hex(this.nonce), this.core.flush());
    this.dirty = false;
    this.lastFlushMs = Date.now();
    this.sends++;
  }

  // microconv('flush'): the playground's "send now", the same flush as on
  // pagehide. `sent` is false when nothing changed since the last send (the
  // collector already has it) or when sending is not permitted.
  flushNow() {
    const before = this.sends;
    this.flush();
    if (!this.nonce) return null;
    const next = this.core.render(this.core.preview());
    return { sent: this.sends !== before, seq: next ? next.seq - 1 : null };
  }

  // Exactly what the next flush would send, decoded by the core; with
  // {bytes: true} also the bytes themselves as hex (the playground).
  inspect(options) {
    this.feed();
    if (!this.nonce) return null;
    this.core.advance(Date.now());
    const bytes = this.core.preview();
    const summary = this.core.render(bytes);
    if (!(options && options.bytes)) return summary;
    let hexBytes = '';
    for (let i = 0; i < bytes.length; i++) hexBytes += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return { summary, hex: hexBytes };
  }

  call(args, t) {
    const command = args[0];
    if (command === 'track') {
      const name = typeof args[1] === 'string' ? args[1].slice(0, kMaxNameLength) : '';
      // Properties stay on the page: only the name is analysed.
      if (name) this.emit({ t, type: EventType.kCustom, str: name });
      return null;
    }
    if (command === 'consent') {
      this.setConsent(args[1] === true);
      return null;
    }
    if (command === 'inspect') return this.inspect(args[1]);
    if (command === 'flush') return this.flushNow();
    warnOnce('unknown command', String(command));
    return null;
  }

  setConsent(granted) {
    this.consent = granted;
    this.applyPrivacy();
    if (granted && this.permitted) {
      this.storage.set('consent', '1');
      this.saveSnapshot();
    } else if (!granted) {
      for (const key of ['consent', 'session', 'outbox']) this.storage.remove(key);
    }
  }

  watchDataLayer() {
    // Assigned only when absent: a page may define it read-only.
    let layer = window.dataLayer;
    if (!layer) layer = window.dataLayer = [];
    if (!Array.isArray(layer)) return;
    const record = guard((item) => {
      const name = dataLayerEventName(item);
      if (name) this.emit({ t: Date.now(), type: EventType.kDataLayer, str: name });
    });
    layer.forEach(record);
    // GTM keeps working: its push (or Array's) runs first and its result is
    // returned unchanged. A frozen dataLayer is said once and not watched.
    this.boot.hook(layer, 'push', (original) => function () {
      const result = original.apply(this, arguments);
      for (let i = 0; i < arguments.length; i++) record(arguments[i]);
      return result;
    });
  }
}

async function start(boot) {
  let response;
  try {
    response = await fetch(boot.endpoint + '/config/' + encodeURIComponent(boot.site) + '.mcc', {
      credentials: 'omit',
    });
  } catch (error) {
    response = { ok: false, status: String(error) };
  }
  if (!response.ok) {
    warnOnce('no config for site "' + boot.site + '"; tracking off', String(response.status));
    return boot.stop();
  }
  const config = new Uint8Array(await response.arrayBuffer());
  const core = new TrackerCore(await loadCoreModule(boot.endpoint));
  const loaded = core.loadConfig(config);
  if (loaded) {
    warnOnce('config rejected; tracking off', loaded);
    return boot.stop();
  }
  new Tracker(boot, core, core.settings()).run();
}

// Called once by the loader with its state (see loader.js).
export async function boot(state) {
  // Awaited, not .then(): a page's replaced Promise.prototype.then must not
  // turn a failure here into its uncaught error.
  try {
    await start(state);
  } catch (error) {
    warnOnce('tracker failed to start; tracking off', String(error));
    try {
      state.stop();
    } catch (_) {
      // Already stopped.
    }
  }
}
