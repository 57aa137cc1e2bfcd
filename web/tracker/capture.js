// Turns what the loader's listeners saw into core Event records. Reads only
// positions, sizes, tag names, ids, field names and selector matches: never
// text, never an input value, never another attribute. Runs only where the
// core's glue does (ES2020 browsers: wasm/CMakeLists.txt's MIN_*_VERSION),
// all of which have IntersectionObserver and MutationObserver.
import { elementPath } from './element_path.js';
import { warnOnce } from './status.js';
import * as EventType from './wire/event_type.js';
import { kElementGridSide, kMaxEventNameLength } from './wire/event_record.js';
import * as MediaEvent from './wire/media_event.js';
import * as Navigation from './wire/navigation.js';

const kInputEveryMs = 1000;

// Element visibility callbacks: half of the element, or (for tall ones) the
// ratio at which it fills half the viewport, up to 100 viewports tall.
const kVisibilityThresholds = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1];

const kDeadClickMs = 1000;
// What the dead-click watch observes: any change (one options object for
// the document and every shadow root, not one per click).
const kAnyChange = { subtree: true, childList: true, attributes: true, characterData: true };

// Controls that answer a click themselves, without a DOM or focus change
// the watch could see (the caret moves in a focused field; focus came with
// the press, before the click): a click on them is never dead. Buttons are
// not among them: a button that does nothing is the dead click.
const kSelfAnswering =
  'input:not([type=button],[type=submit],[type=reset],[type=image]),select,textarea';

// The page as the core sees it: path and query (the core keeps only utm_*),
// no fragment, except hash routers (`#/cart`), whose fragment is the route.
export function pagePath(url) {
  const hash = url.indexOf('#');
  if (hash < 0) return url;
  if (url.startsWith('#/', hash)) return url.slice(hash + 1);
  return url.slice(0, hash);
}

function routeKey(path) {
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

// Invalid selectors in a config must not throw inside a listener.
function validSelectors(selectors, what) {
  return (selectors || []).map((selector) => {
    try {
      document.createDocumentFragment().querySelector(selector);
      return selector;
    } catch (_) {
      warnOnce('ignoring an invalid ' + what + ' selector', selector);
      return null;
    }
  });
}

function closest(element, selector) {
  return selector && element && element.closest ? element.closest(selector) : null;
}

// Whether a click starts a navigation to another document (a link
// followed): it is not dead however long the next page takes to arrive.
// Known only after the page's own handlers ran (preventDefault: an SPA link,
// whose route change cancels the watch anyway), so asked at report time.
function startsNavigation(event) {
  const link = !event.defaultPrevented && closest(event.target, 'a[href]');
  if (!link || /^javascript:/i.test(link.href)) return false;
  return link.href.split('#')[0] !== location.href.split('#')[0];
}

// 1 + the cell (row-major, kElementGridSide per side) of `box` (a DOMRect)
// the viewport point (clientX, clientY) falls in; 0 outside it or when it has
// no area (core/event.h, kClick's a).
function boxCell(box, clientX, clientY) {
  const x = (clientX - box.left) / box.width;
  const y = (clientY - box.top) / box.height;
  // In the box, 0 <= x, y < 1 (NaN without an area fails both), so | 0 floors.
  return x >= 0 && x < 1 && y >= 0 && y < 1
    ? 1 + ((y * kElementGridSide) | 0) * kElementGridSide + ((x * kElementGridSide) | 0)
    : 0;
}

function fieldName(target) {
  const tag = target && target.localName;
  if (tag !== 'input' && tag !== 'select' && tag !== 'textarea') return '';
  const name = target.getAttribute('name') || target.id || '';
  return name.slice(0, kMaxEventNameLength);
}

// How deep into a page of `height` px a viewport ending at `bottom` px
// reaches, percent 0..100 (0 while the page has no height yet).
function depthPercent(bottom, height) {
  if (!(height > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((100 * bottom) / height)));
}

export class Capture {
  // `emit(event)` receives core events; `signal(kind, t)` hears about
  // 'route', 'hidden' and 'pagehide' (the tracker flushes on them).
  constructor(settings, emit, signal) {
    this.clicks = validSelectors(settings.clicks, 'click');
    this.visible = validSelectors(settings.visible, 'visibility');
    this.media = validSelectors(settings.media, 'media');
    this.forms = validSelectors(settings.forms, 'form');
    this.emit = emit;
    this.signal = signal;
    this.live = false;
    // pagehide came (until a back/forward cache restore shows the page again).
    this.left = false;
    this.pageKey = null;
    // The page before it (a popstate back to it is a way back).
    this.lastKey = null;
    this.lastInputMs = -Infinity;
    this.deadClicks = [];
    this.deadTimer = 0;
    this.mutations = null;
    // Clicked elements' paths while the DOM stays unchanged (pathOf).
    this.paths = null;
    this.visibility = null;
    // Clicked elements waiting for their box -> what takes it (watchBox).
    this.boxes = null;
    this.boxWaits = new Map();
    this.resetPage();
  }

  resetPage() {
    this.maxScroll = 0;
    this.scrollDue = 0;
    this.startedForms = new WeakSet();
    this.quartiles = new WeakMap();
  }

  // From now on records arrive as they happen: timers and observers are on.
  goLive() {
    this.live = true;
    this.observeVisibility();
  }

  // One loader record: ['route', t, how, url] or [DOM event, t, [document
  // width, height], bottom of the viewport (scroll only)].
  handle(record) {
    const event = record[0];
    const t = record[1];
    if (event === 'route') {
      this.onRoute(t, record[2], pagePath(String(record[3])));
      return;
    }
    switch (event.type) {
      case 'click':
        this.onClick(event, t, record[2]);
        break;
      case 'scroll':
        if (event.target === document) this.onScroll(t, record[2][1], record[3]);
        else this.onInput(t);
        break;
      case 'focusin':
        this.cancelDeadClicks();
        this.onField(event.target, t, EventType.kFieldFocus);
        break;
      case 'focusout':
        this.cancelDeadClicks();
        this.onField(event.target, t, EventType.kFieldBlur);
        break;
      case 'change':
        // A changed value or checked state answers a pending click.
        this.cancelDeadClicks();
        this.onField(event.target, t, EventType.kFieldChange);
        break;
      case 'submit':
        this.cancelDeadClicks();
        this.onSubmit(event.target, t);
        break;
      case 'play':
      case 'timeupdate':
      case 'ended':
        // A sound or video that starts answers a pending click.
        if (event.type === 'play') this.cancelDeadClicks();
        this.onMedia(event, t);
        break;
      case 'visibilitychange': {
        // Leaving, Chromium fires this after pagehide, which already
        // recorded the page hidden and flushed: a second beacon would only
        // repeat it.
        if (this.left) break;
        const visible = document.visibilityState === 'visible';
        this.emit({ t, type: EventType.kVisibility, b: visible ? 1 : 0 });
        if (!visible) {
          this.leave();
          this.signal('hidden', t);
        }
        break;
      }
      case 'pagehide':
        this.leave();
        if (!this.left && document.visibilityState === 'visible') {
          this.emit({ t, type: EventType.kVisibility, b: 0 });
        }
        this.left = true;
        this.signal('pagehide', t);
        break;
      case 'pageshow':
        // Back from the back/forward cache: the page is seen again (the
        // load's own pageshow is the page view the loader recorded).
        if (event.persisted) {
          this.left = false;
          this.emit({ t, type: EventType.kVisibility, b: 1 });
          this.pageKey = null;
          this.onRoute(
            t,
            Navigation.kHistoryBack,
            pagePath(location.pathname + location.search + location.hash),
          );
        }
        break;
      default:
        this.onInput(t);
    }
  }

  onRoute(t, how, path) {
    const key = routeKey(path);
    // popstate + hashchange for one navigation, replaceState that only
    // changes the query: still the same page.
    if (how !== Navigation.kPageLoad && key === this.pageKey) return;
    // A popstate is a way back only to the page before this one (or from
    // the back/forward cache, pageshow): a hash router's links fire one
    // for every new route.
    if (how === Navigation.kHistoryBack && key !== this.lastKey && this.pageKey) {
      how = Navigation.kSpaRoute;
    }
    this.lastKey = this.pageKey;
    this.pageKey = key;
    this.cancelDeadClicks();
    this.emitScroll();
    this.resetPage();
    // The first viewport is reached without any scroll (b: its depth).
    const root = document.documentElement;
    const b = depthPercent(window.scrollY + window.innerHeight, root.scrollHeight);
    // A page the back or forward button loaded anew (not from the
    // back/forward cache: a no-store page, say) is a way back too.
    const loadedBack = how === Navigation.kPageLoad && performance.navigation?.type === 2;
    this.emit({
      t,
      type: EventType.kPageView,
      a: loadedBack ? Navigation.kHistoryBack : how,
      b,
      str: path,
    });
    if (how !== Navigation.kPageLoad) {
      this.signal('route', t);
      // An SPA renders the new route after the history call.
      if (this.live) setTimeout(() => this.observeVisibility(), 100);
    }
  }

  onClick(event, t, size) {
    const target = event.target;
    const path = this.pathOf(target);
    const click = {
      t,
      type: EventType.kClick,
      x: Math.round(event.pageX),
      y: Math.round(event.pageY),
      w: size[0],
      h: size[1],
      str: path,
    };
    // The part of the element's box clicked. The box comes with the next
    // frame from an IntersectionObserver entry (computed with the frame,
    // never a layout forced here), and the click waits in the queue for it.
    if (this.live && target.nodeType === 1) {
      this.watchBox(target, (box) => {
        click.a = boxCell(box, event.clientX, event.clientY);
      });
    }
    this.emit(click);
    for (let a = 0; a < this.clicks.length; a++) {
      if (closest(target, this.clicks[a])) this.emit({ t, type: EventType.kSelectorMatch, a });
    }
    if (this.live && !closest(target, kSelfAnswering) && !target.isContentEditable) {
      this.watchDeadClick(path, event, t);
    }
  }

  // `target`'s elementPath, kept per element while the dead-click observer
  // runs and has seen no DOM change since the previous click (a busy page
  // clicks the same few elements; a path reads every sibling of each
  // ancestor). Any change, or a gap in the watch, starts afresh.
  pathOf(target) {
    // takeRecords: the changes not yet handed to the observer's callback
    // (which drops the paths itself).
    if (!this.mutations || this.mutations.takeRecords().length) this.paths = null;
    this.paths = this.paths || new WeakMap();
    let path = this.paths.get(target);
    if (!path) this.paths.set(target, (path = elementPath(target)));
    return path;
  }

  onScroll(t, height, bottom) {
    this.onInput(t);
    if (!(height > 0)) return;
    const percent = depthPercent(bottom, height);
    if (percent > this.maxScroll) {
      this.maxScroll = percent;
      this.scrollDue = t;
    }
  }

  // Scroll is reported as the deepest point so far, once per batch rather
  // than once per scroll event.
  emitScroll() {
    if (!this.scrollDue) return;
    const t = this.scrollDue;
    // Cleared before emit: a full batch feeds the core, and feeding emits the
    // pending scroll again (it recursed until the stack overflowed).
    this.scrollDue = 0;
    this.emit({ t, type: EventType.kScroll, a: this.maxScroll });
  }

  onInput(t) {
    if (t - this.lastInputMs < kInputEveryMs) return;
    this.lastInputMs = t;
    this.emit({ t, type: EventType.kInput });
  }

  onField(target, t, type) {
    const name = fieldName(target);
    if (!name) return;
    for (let a = 0; a < this.forms.length; a++) {
      const form = closest(target, this.forms[a]);
      if (!form) continue;
      if (type === EventType.kFieldFocus && !this.startedForms.has(form)) {
        this.startedForms.add(form);
        this.emit({ t, type: EventType.kFormStart, a });
      }
      this.emit({ t, type, a, str: name });
    }
  }

  onSubmit(target, t) {
    this.forms.forEach((selector, index) => {
      const form = closest(target, selector);
      if (!form) return;
      this.startedForms.add(form);
      this.emit({ t, type: EventType.kFormSubmit, a: index });
    });
  }

  onMedia(event, t) {
    const target = event.target;
    let milestones = [];
    if (event.type === 'play') {
      milestones = [MediaEvent.kPlay];
    } else if (event.type === 'ended') {
      milestones = [MediaEvent.kEnded];
    } else {
      const duration = target.duration;
      if (!(duration > 0) || !Number.isFinite(duration)) return;
      const reached = Math.min(3, Math.floor((4 * target.currentTime) / duration));
      const before = this.quartiles.get(target) || 0;
      if (reached <= before) return;
      this.quartiles.set(target, reached);
      for (let q = before + 1; q <= reached; q++) milestones.push(MediaEvent.kQuartile25 + q - 1);
    }
    this.media.forEach((selector, index) => {
      if (!closest(target, selector)) return;
      for (const b of milestones) this.emit({ t, type: EventType.kMedia, a: index, b });
    });
  }

  // Asks for `element`'s box; `take(box)` gets it with the next frame. One
  // observer for every click: an IntersectionObserver built per click cost
  // ~15 us a click (tracker_perf.mjs: 9.3 -> 12.4 us per event of a storm
  // whose fifth are clicks; ARCHITECTURE.md, "Element heatmaps").
  watchBox(element, take) {
    this.boxes =
      this.boxes ||
      new IntersectionObserver((entries) => {
        for (const entry of entries) this.settleBox(entry.target, entry.boundingClientRect);
      });
    const waits = this.boxWaits.get(element);
    if (waits) {
      waits.push(take);
    } else {
      this.boxWaits.set(element, [take]);
      this.boxes.observe(element);
    }
  }

  settleBox(element, box) {
    this.boxes.unobserve(element);
    for (const take of this.boxWaits.get(element) || []) take(box);
    this.boxWaits.delete(element);
  }

  // The page is being hidden or left: no click is dead any more, and those
  // still waiting for their box read it now, before their flush (a link
  // answered within a frame; nothing the visitor sees waits on this read).
  leave() {
    this.cancelDeadClicks();
    for (const element of this.boxWaits.keys()) {
      this.settleBox(element, element.getBoundingClientRect());
    }
  }

  // A click is dead when nothing follows it within a second: no navigation,
  // no DOM change, no focus change. The observer and the one timer run only
  // while a click is pending or was within the second, so a quiet page pays
  // nothing; they outlive a cancel (re-arming them for every click of a busy
  // page cost more than the rest of the click's capture).
  // Only changes after the click count: pathOf took the earlier ones.
  // The shadow roots the click went through are watched too (a subtree
  // stops at a shadow root: a web component that answers inside its own
  // DOM was a dead click).
  watchDeadClick(path, event, t) {
    if (!this.mutations) {
      this.mutations = new MutationObserver(() => {
        this.paths = null;
        this.cancelDeadClicks();
      });
      this.mutations.observe(document, kAnyChange);
    }
    // Retargeted to its host at the document: only a host has one (open).
    if (event.target.shadowRoot) {
      for (const node of event.composedPath()) {
        if (node instanceof ShadowRoot) this.mutations.observe(node, kAnyChange);
      }
    }
    this.deadClicks.push({ path, event, due: t + kDeadClickMs });
    if (!this.deadTimer) this.deadTimer = setTimeout(() => this.reportDeadClicks(), kDeadClickMs);
  }

  reportDeadClicks() {
    this.deadTimer = 0;
    const now = Date.now();
    while (this.deadClicks.length && this.deadClicks[0].due <= now) {
      const click = this.deadClicks.shift();
      if (!startsNavigation(click.event))
        this.emit({ t: now, type: EventType.kDeadClick, str: click.path });
    }
    if (this.deadClicks.length) {
      this.deadTimer = setTimeout(() => this.reportDeadClicks(), this.deadClicks[0].due - now);
    } else {
      this.mutations.disconnect();
      this.mutations = null;
    }
  }

  // The pending clicks were not dead; the timer, when it comes, finds none
  // and stops the observer.
  cancelDeadClicks() {
    this.deadClicks.length = 0;
  }

  // Configured elements entering or leaving 50 % visibility; the core
  // applies the one-second dwell. Elements taller than the viewport count as
  // visible when they fill half of it.
  observeVisibility() {
    if (this.visibility) this.visibility.disconnect();
    if (!this.visible.some(Boolean)) return;
    const indices = new Map();
    const shown = new WeakSet();
    this.visibility = new IntersectionObserver(
      (entries) => {
        try {
          const t = Date.now();
          for (const entry of entries) {
            const root = entry.rootBounds;
            const seen =
              entry.isIntersecting &&
              (entry.intersectionRatio >= 0.5 ||
                (root && entry.intersectionRect.height >= root.height / 2));
            if (seen === shown.has(entry.target)) continue;
            if (seen) shown.add(entry.target);
            else shown.delete(entry.target);
            for (const a of indices.get(entry.target) || []) {
              this.emit({ t, type: EventType.kElementVisible, a, b: seen ? 1 : 0 });
            }
          }
        } catch (error) {
          warnOnce('visibility observer failed', String(error));
        }
      },
      // Small ratios too: an element taller than two viewports never shows
      // half of itself, so its callback must come as it fills the viewport.
      { threshold: kVisibilityThresholds },
    );
    this.visible.forEach((selector, index) => {
      if (!selector) return;
      for (const element of document.querySelectorAll(selector)) {
        if (!indices.has(element)) indices.set(element, []);
        indices.get(element).push(index);
        this.visibility.observe(element);
      }
    });
  }
}
