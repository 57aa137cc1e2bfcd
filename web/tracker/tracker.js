// The lazily loaded tracker chunk (microconv-tracker.js): loads the compiled
// config and the core, restores or starts the session, takes over the
// loader's listeners and call queue, feeds events to the core in batches and
// sends cumulative summaries. Every entry point from the page is wrapped:
// nothing here may throw into the host page.
import { Capture } from './capture.js';
import { TrackerCore, loadCoreModule, loadInspector } from './core.js';
import { browserSignal, mayStoreAndSend } from './privacy.js';
import { purchaseFields } from './purchase.js';
import { statusName, warnOnce } from './status.js';
import { SharedSession, hex } from './shared_session.js';
import { SiteStorage, fromBase64, toBase64 } from './storage.js';
import { Transport } from './transport.js';
import * as EventType from './wire/event_type.js';
import { kMaxEventNameLength } from './wire/event_record.js';

const kBatchEvents = 64;
const kBatchDelayMs = 250;
const kAdvanceEveryMs = 5000;
const kRouteFlushEveryMs = 10000;
const kDayMs = 86400000;
// Journey scope: the journey a visit leaves for the next (core/journey.h).
const kJourney = 'journey';
// The longest the start waits for an idle period between its steps.
const kIdleTimeoutMs = 1000;

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

function visitor(referrer) {
  let timeZone = '';
  try {
    // Temporal's answer costs nothing; the page's first Intl.DateTimeFormat
    // loads ICU's locale data, 40-100 ms in one task (a long task at the
    // start of every visit). Both give an IANA name the core's table knows.
    timeZone =
      (typeof Temporal === 'object' && Temporal.Now.timeZoneId()) ||
      Intl.DateTimeFormat().resolvedOptions().timeZone ||
      '';
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
// Of the rest only a purchase's value and currency are read (purchase.js).
function dataLayerEventName(item) {
  if (!item || typeof item !== 'object') return '';
  let name = typeof item.event === 'string' ? item.event : '';
  if (!name && item[0] === 'event' && typeof item[1] === 'string') name = item[1];
  return name.startsWith('gtm.') ? '' : name.slice(0, kMaxEventNameLength);
}

class Tracker {
  constructor(boot, core, settings, config) {
    this.boot = boot;
    this.core = core;
    this.config = config; // compiled config bytes, for the inspect module
    this.inspector = null; // its promise, once asked for
    this.settings = settings;
    this.privacy = settings.privacy || {};
    const journey = this.privacy.scope === 'journey';
    this.journeyMs = journey ? Math.max(1, this.privacy.journeyDays || 1) * kDayMs : 0;
    // Consent lives as long as the scope; the session is shared by the
    // site's tabs, so it and its outbox are in localStorage either way.
    this.storage = new SiteStorage(journey ? 'localStorage' : 'sessionStorage', boot.site);
    this.shared = new SiteStorage('localStorage', boot.site);
    this.pageId = hex(randomNonce());
    this.session = new SharedSession(this.shared, boot.site, this.pageId);
    this.transport = new Transport(boot.endpoint, this.shared);
    this.signal = browserSignal(this.privacy);
    if (this.signal) warnOnce('off: ' + this.signal + ' (nothing stored or sent)');
    // A refusal (kept in localStorage, as long as the site's) wins over a
    // consent another tab stored.
    this.consent =
      this.shared.get('consent') === '0' ? false : this.storage.get('consent') === '1' || null;
    this.queue = [];
    this.nonce = null; // null: no running session
    this.dirty = false;
    // The page whose visibility the session follows: the one the visitor
    // looked at last ('' when none of the site's tabs is visible).
    this.owner = '';
    this.replaying = false;
    this.feeding = false;
    // Events fed to the core in the running turn (null between turns): the
    // journal of its write (see shared_session.js).
    this.applied = null;
    this.batchTimer = 0;
    this.routeTimer = 0;
    this.lastFlushMs = 0;
    this.sends = 0;
    this.referrer = document.referrer;
    this.capture = new Capture(
      settings,
      (event) => this.emit(event),
      (kind, t) => this.onSignal(kind, t),
    );
    this.applyPrivacy();
  }

  applyPrivacy() {
    this.permitted = mayStoreAndSend(this.privacy, this.signal, this.consent);
    this.storage.enabled = this.shared.enabled = this.permitted;
    // A stored journey goes with the permission (GPC, DNT, consent withdrawn).
    if (!this.permitted) this.shared.remove(kJourney);
  }

  // The stored journey's bytes, or null; one past its N days is deleted.
  storedJourney() {
    try {
      const stored = JSON.parse(this.shared.get(kJourney) || 'null');
      if (stored && stored.e > Date.now()) return fromBase64(stored.s);
    } catch (_) {
      // Unreadable: deleted below.
    }
    this.shared.remove(kJourney);
    return null;
  }

  run() {
    const buffer = this.boot.buffer;
    const t = buffer.length ? buffer[0][1] : Date.now();
    // The page's real visibility first: the stored session says "hidden"
    // since the previous page left (or another tab was hidden).
    this.queue.push(this.visibilityEvent(t));
    this.replaying = true;
    for (const record of buffer.splice(0)) this.capture.handle(record);
    this.replaying = false;
    this.boot.sink = guard((record) => this.capture.handle(record));
    this.capture.goLive();
    this.watchDataLayer();

    this.turn(() => {
      if (this.permitted) this.transport.retry(this.nonce && hex(this.nonce));
      this.ingestQueue();
    });
    for (const [args, t, resolve] of this.boot.calls.splice(0)) resolve(this.call(args, t));
    const call = guard((args) => this.call(args, Date.now()));
    this.boot.handle = (args) => Promise.resolve(call(args));
    setInterval(
      guard(() => this.tick()),
      kAdvanceEveryMs,
    );
  }

  visibilityEvent(t) {
    return { t, type: EventType.kVisibility, b: document.visibilityState === 'hidden' ? 0 : 1 };
  }

  // Runs `body` as this tab's turn on the shared session: catch up with what
  // other tabs wrote, run, write back. `now`: the page is being hidden or
  // unloaded and cannot wait for the lock. `eventsOnly`: `body` only feeds
  // queued events (the record may wait: shared_session.js). Resolves to
  // `body`'s result.
  turn(body, now, eventsOnly) {
    const run = guard(() => {
      this.catchUp();
      // Another page's visibility is history: the record knows the present.
      // Their entries stay, so these events are not journaled again.
      const lost = this.session.lostEvents(this.nonce);
      this.feedCore(lost.filter((event) => event.type !== EventType.kVisibility));
      this.applied = [];
      const result = body();
      this.save(eventsOnly);
      this.applied = null;
      return result;
    });
    if (now) return Promise.resolve(run());
    return this.session.locked(run).catch((error) => {
      warnOnce('internal error; some events were not recorded', String(error));
      this.feeding = false;
      return null;
    });
  }

  // Another tab (or the previous page) wrote a newer state: continue from it.
  catchUp() {
    const stored = this.session.read();
    if (!stored) {
      // The record this page held is gone: another tab ended the session
      // (and sent its final summary) or consent was withdrawn.
      if (this.session.version) {
        this.nonce = null;
        this.session.version = '';
      }
      return;
    }
    if (stored.version === this.session.version) return;
    const result = this.core.restore(stored.bytes);
    if (result) {
      warnOnce('stored session unreadable; starting a new one', statusName(result));
      return;
    }
    this.nonce = stored.nonce;
    this.owner = stored.owner;
    this.dirty = stored.dirty;
    this.referrer = ''; // the visit came from the site itself
    this.session.adopt(stored);
  }

  save(eventsOnly) {
    if (!this.permitted) return;
    if (!this.nonce) return;
    this.session.write(
      {
        nonce: this.nonce,
        bytes: () => this.core.snapshot(),
        owner: this.owner,
        dirty: this.dirty,
        expires: this.journeyMs ? Date.now() + this.journeyMs : 0,
      },
      this.applied || [],
      eventsOnly,
    );
  }

  startSession(t) {
    this.nonce = randomNonce();
    // Independent draws: the LDP noise and the replay sampling must not
    // follow from the nonce, which is sent.
    this.core.start(this.nonce, randomNonce(), randomNonce()[0], t, visitor(this.referrer));
    this.referrer = ''; // later sessions on this page started here, not elsewhere
    this.dirty = true;
    if (!this.journeyMs) return;
    // The journey continues in this visit's session record from now on.
    const journey = this.storedJourney();
    const result = journey && this.core.continueJourney(journey);
    if (result) warnOnce('stored journey unreadable; starting a new one', statusName(result));
    this.shared.remove(kJourney);
  }

  // The final flush of a session (inactivity timeout), when it has anything
  // to tell: an unsent change, or a local-differential-privacy session's one
  // answer (never clean). The Ended flag alone is not worth it: the collector
  // needs it only within the live board's minutes, and a session found
  // expired by the next visit's first page load would send it in that visit.
  endSession() {
    this.core.end();
    if (this.dirty) this.send();
    this.nonce = null;
    this.session.remove();
    const [journey, ends] = this.core.journey();
    // Only the journey stays, until its N days end (the visit's details go).
    if (journey.length)
      this.shared.set(kJourney, JSON.stringify({ e: ends, s: toBase64(journey) }));
  }

  emit(event) {
    this.queue.push(event);
    if (this.queue.length >= kBatchEvents) {
      // A turn already asked for takes the whole queue: asking again for
      // each event of a burst only cleared a timer.
      if (!this.feeding) this.feed();
    } else if (!this.batchTimer) {
      this.batchTimer = setTimeout(
        guard(() => this.feed()),
        kBatchDelayMs,
      );
    }
  }

  // Queued events go to the core in this tab's next turn.
  feed() {
    clearTimeout(this.batchTimer);
    this.batchTimer = 0;
    if (this.feeding) return;
    this.feeding = true;
    this.turn(
      () => {
        this.feeding = false;
        this.ingestQueue();
      },
      false,
      true,
    );
  }

  // Inside a turn.
  ingestQueue() {
    this.capture.emitScroll();
    clearTimeout(this.batchTimer);
    this.batchTimer = 0;
    const events = this.queue.filter((event) => this.followsVisibility(event));
    this.queue = [];
    this.feedCore(events);
  }

  // Inside a turn: `events` (in time order) go to the core, and to the
  // journal of this turn's write.
  feedCore(events) {
    if (this.applied) this.applied.push(...events);
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

  // The session is visible while the page the visitor looked at last is:
  // another tab loading or hidden in the background does not stop it.
  followsVisibility(event) {
    if (event.type !== EventType.kVisibility) return true;
    if (event.b) {
      this.owner = this.pageId;
      return true;
    }
    if (this.owner && this.owner !== this.pageId) return false;
    this.owner = '';
    return true;
  }

  tick() {
    if (document.visibilityState !== 'visible') return;
    this.turn(() => {
      this.ingestQueue();
      const now = Date.now();
      if (!this.nonce) return;
      if (this.core.expiredAt(now)) {
        this.endSession();
        return;
      }
      this.core.advance(now);
    });
  }

  onSignal(kind, t) {
    if (this.replaying) return;
    if (kind !== 'route') {
      // Hidden or unloading: this may be the page's last chance.
      this.turn(() => this.flush(), true);
      return;
    }
    const wait = this.lastFlushMs + kRouteFlushEveryMs - t;
    if (wait <= 0) {
      this.turn(() => this.flush());
    } else if (!this.routeTimer) {
      this.routeTimer = setTimeout(
        guard(() => {
          this.routeTimer = 0;
          this.turn(() => this.flush());
        }),
        wait,
      );
    }
  }

  // Inside a turn: sends the session's cumulative summary if anything
  // changed since the last one (by any tab).
  flush() {
    this.ingestQueue();
    if (!this.nonce) return;
    this.core.advance(Date.now());
    if (this.dirty) this.send();
  }

  send() {
    if (!this.permitted || !this.nonce) return;
    // Empty while a local-differential-privacy session runs: it sends once,
    // at its end (core/ldp.h).
    const summary = this.core.flush();
    if (!summary.length) return;
    this.transport.send(hex(this.nonce), summary);
    this.dirty = false;
    this.lastFlushMs = Date.now();
    this.sends++;
  }

  // microconv('flush'): the playground's "send now", the same flush as on
  // pagehide. `sent` is false when nothing changed since the last send (the
  // collector already has it) or when sending is not permitted.
  flushNow() {
    return this.turn(() => {
      const before = this.sends;
      this.flush();
      if (!this.nonce) return null;
      return { sent: this.sends !== before, seq: this.core.flushes() };
    });
  }

  // Exactly what the next flush would send, decoded by the core's inspect
  // module (loaded now, the first time); with {bytes: true} also the bytes
  // themselves as hex and, with local differential privacy, the true bits
  // behind the randomized ones (`ldpTruth`, 0/1 per bit: shown, never sent)
  // and, in journey scope, when the stored journey ends by age
  // (`journeyEnds`, ms since the epoch).
  // An LDP session sends only at its end: this is what that send would be.
  async inspect(options) {
    let truth = null;
    let ends = 0;
    const bytes = await this.turn(() => {
      this.ingestQueue();
      if (!this.nonce) return null;
      this.core.advance(Date.now());
      truth = this.core.ldpTruth();
      ends = this.core.journeyEnd();
      return this.core.preview();
    });
    if (!bytes) return null;
    if (!this.inspector) this.inspector = loadInspector(this.boot.endpoint, this.config);
    let summary = null;
    try {
      summary = (await this.inspector)(bytes);
    } catch (error) {
      this.inspector = null; // the next inspect tries again
      warnOnce('inspect module failed to load', String(error));
      return null;
    }
    if (!(options && options.bytes)) return summary;
    const hexBytes = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    const result = { summary, hex: hexBytes };
    if (summary && summary.journey) result.journeyEnds = ends;
    if (summary && summary.ldp)
      result.ldpTruth = summary.ldp.bits.map((_, i) => (truth[i >> 3] >> (i & 7)) & 1);
    return result;
  }

  call(args, t) {
    const command = args[0];
    if (command === 'track') {
      const name = typeof args[1] === 'string' ? args[1].slice(0, kMaxEventNameLength) : '';
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

  // The choice is stored for later pages: a consent as long as the scope, a
  // refusal until consent(true) (no identifier, only what honouring it needs;
  // require-consent mode needs none: not asked is no).
  setConsent(granted) {
    this.consent = granted;
    this.applyPrivacy();
    this.storage.remove('consent');
    this.shared.remove('consent');
    if (granted && this.permitted) {
      this.storage.set('consent', '1');
      this.turn(() => this.ingestQueue());
    } else if (!granted) {
      this.shared.remove('outbox');
      this.session.remove();
      if (!this.privacy.requireConsent) this.shared.set('consent', '0', true);
    }
  }

  watchDataLayer() {
    // Assigned only when absent: a page may define it read-only.
    let layer = window.dataLayer;
    if (!layer) layer = window.dataLayer = [];
    if (!Array.isArray(layer)) return;
    const record = guard((item) => {
      const name = dataLayerEventName(item);
      if (!name) return;
      const value = name === 'purchase' ? purchaseFields(item, this.settings.currency) : {};
      this.emit({ t: Date.now(), type: EventType.kDataLayer, str: name, ...value });
    });
    layer.forEach(record);
    // GTM keeps working: its push (or Array's) runs first and its result is
    // returned unchanged. A frozen dataLayer is said once and not watched.
    this.boot.hook(
      layer,
      'push',
      (original) =>
        function () {
          const result = original.apply(this, arguments);
          for (let i = 0; i < arguments.length; i++) record(arguments[i]);
          return result;
        },
    );
  }
}

// Resolves in the page's next idle period (or after `timeoutMs` at the
// latest): the start is cut into short tasks, none of them long.
function idle(timeoutMs) {
  return new Promise((resolve) => {
    try {
      requestIdleCallback(resolve, { timeout: timeoutMs });
    } catch (_) {
      // Missing or replaced by the page.
      setTimeout(resolve, 1);
    }
  });
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
  await idle(kIdleTimeoutMs);
  const module = await loadCoreModule(boot.endpoint);
  await idle(kIdleTimeoutMs);
  const core = new TrackerCore(module);
  const loaded = core.loadConfig(config);
  if (loaded) {
    warnOnce('config rejected; tracking off', loaded);
    return boot.stop();
  }
  new Tracker(boot, core, core.settings(), config).run();
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
