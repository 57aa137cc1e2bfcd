// microconv.js: the only script on the page's critical path (budget 1.5 KB
// gzip). It decides whether to run at all, installs the microconv() queue,
// starts capturing DOM events into a small buffer at once, and loads the rest
// (tracker chunk, core, compiled config) once the page is idle. Everything
// that can wait lives in the chunk (tracker.js), which takes over the
// listeners registered here through `boot.sink`.
// The content-hashed names of the chunk and the overlay module, given by
// web/build.mjs.
import { overlayModule, trackerChunk } from 'microconv:files';
import * as Navigation from './wire/navigation.js';

(function (win, doc) {
  var script = doc.currentScript;
  var nav = navigator;
  var quiet = function () {
    return Promise.resolve(null);
  };
  // Every reason to stop or degrade is said once; nothing reaches the page.
  var warn = function (why) {
    try {
      console.warn('microconv: ' + why);
    } catch (_) {}
  };
  // Patches a built-in the page may have frozen (SES lockdown, hardened
  // pages): defineProperty also works where assignment hits a frozen
  // prototype's property; a frozen object itself throws, and that is said.
  var hook = function (object, name, wrap) {
    try {
      Object.defineProperty(object, name, {
        value: wrap(object[name]),
        writable: true,
        configurable: true,
      });
    } catch (error) {
      warn('cannot watch ' + name + ': ' + error);
    }
  };
  try {
    var previous = win.microconv;
    if (previous && previous.l) return; // included twice: the first copy runs
    var data = (script && script.dataset) || {};
    var site = data.site;
    var endpoint = (data.endpoint || new URL(script.src, location.href).origin).replace(/\/+$/, '');
    var optedOut;
    try {
      optedOut = win.localStorage.getItem('microconv_optout') == '1';
      // Opted out: what this site's tracker kept goes now (the visit's
      // record, a stored journey, unsent summaries: all in localStorage; a
      // tab's sessionStorage holds no more than a consent), not when it
      // would expire. A consent answer stays: it holds if the opt-out is undone.
      if (optedOut)
        for (var key in localStorage)
          if (!key.indexOf('microconv_' + site + '_') && !/_consent$/.test(key))
            localStorage.removeItem(key);
    } catch (_) {}
    // The dashboard's heatmap frames the page with this fragment: do not
    // count that view, but tell the dashboard (and only it: the endpoint's
    // origin) the document size and the boxes of clicked elements.
    var overlay = location.hash == '#microconv-overlay' && win.parent != win;
    var why = !site
      ? 'no data-site'
      : optedOut || overlay
        ? 0
        : /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname) &&
            !('allowLocalhost' in data)
          ? 'localhost (add data-allow-localhost)'
          : nav.webdriver && !('allowWebdriver' in data)
            ? 'automated browser (add data-allow-webdriver)'
            : '';
    if (why !== '') {
      if (why) warn('off: ' + why);
      // Its answers are a module of their own (overlay.js), not loader bytes.
      if (overlay) {
        import(endpoint + '/' + overlayModule).then(function (module) {
          module.answer(endpoint);
        }, warn);
      }
      quiet.l = 1;
      win.microconv = quiet;
      return;
    }

    var root = doc.documentElement;
    var buffer = [];
    var calls = [];
    // Until the chunk takes over: keep a bounded record of what happened.
    var boot = {
      site: site,
      endpoint: endpoint,
      data: data,
      buffer: buffer,
      calls: calls,
      sink: function (record) {
        if (buffer.length < 1000) buffer.push(record);
      },
      handle: function (args) {
        return new Promise(function (resolve) {
          calls.push([args, Date.now(), resolve]);
        });
      },
      hook: hook,
      // Tracking off for this page: the queue answers null from now on.
      stop: function (why) {
        if (why) warn(why);
        boot.sink = function () {};
        buffer.length = 0;
        boot.handle = quiet;
        calls.splice(0).forEach(function (call) {
          call[2](null);
        });
      },
    };
    var queued = (previous && previous.q) || [];
    for (var i = 0; i < queued.length; i++) boot.handle(queued[i]);
    var microconv = (win.microconv = function () {
      try {
        return boot.handle(arguments);
      } catch (_) {
        return quiet();
      }
    });
    microconv.l = 1;

    // The document's size and the viewport's height, kept current by a
    // ResizeObserver (its callback runs after layout) and resize events: an
    // event handler never reads layout. `size` is replaced, never changed,
    // so a buffered record keeps the size of its moment.
    var size = [0, 0];
    var viewport = 0;
    var observed;
    var measure = function () {
      size = [root.scrollWidth, root.scrollHeight];
      viewport = win.innerHeight;
      // A body swapped in (Turbo's `document.body = ...`): the old one's
      // last callback (detached, 0 px) puts the new one under watch.
      if (observed && doc.body && doc.body != observed) body();
    };
    var listen = { capture: true, passive: true };
    try {
      var sizes = new ResizeObserver(measure);
      // The root, and the body: content may overflow a root of fixed height
      // (html {height: 100%}). Watched afresh each time, since an observer
      // keeps what it watches (a swapped-out body); before the body is
      // parsed, and in a document without one, the root twice (no throw).
      var body = function () {
        sizes.disconnect();
        sizes.observe(root);
        sizes.observe((observed = doc.body || root));
      };
      body();
      doc.body || doc.addEventListener('DOMContentLoaded', body);
    } catch (_) {
      // No ResizeObserver (before 2020): measured on resize only.
    }
    win.addEventListener('resize', measure, listen);
    // [event, time, document size, bottom of the viewport (scroll only)].
    var record = function (event) {
      try {
        boot.sink([event, Date.now(), size, event.type == 'scroll' ? win.scrollY + viewport : 0]);
      } catch (_) {}
    };
    var route = function (how) {
      try {
        boot.sink(['route', Date.now(), how, location.pathname + location.search + location.hash]);
      } catch (_) {}
    };
    'click scroll focusin focusout change submit keydown pointerdown wheel touchstart play timeupdate ended visibilitychange'
      .split(' ')
      .forEach(function (type) {
        doc.addEventListener(type, record, listen);
      });
    win.addEventListener('pagehide', record, listen);
    win.addEventListener('pageshow', record, listen);
    ['pushState', 'replaceState'].forEach(function (name) {
      hook(history, name, function (original) {
        return function () {
          var result = original.apply(this, arguments);
          route(Navigation.kSpaRoute);
          return result;
        };
      });
    });
    win.addEventListener('popstate', function () {
      route(Navigation.kHistoryBack);
    });
    win.addEventListener('hashchange', function () {
      route(Navigation.kSpaRoute);
    });
    route(Navigation.kPageLoad);

    // The import's error names the chunk's URL and why it failed.
    var off = function (error) {
      boot.stop('off: ' + error);
    };
    // Runs from the page's event loop: a throw here would be the page's
    // uncaught error (a page's broken Promise.prototype.then, say).
    var load = function () {
      try {
        import(endpoint + '/' + trackerChunk).then(function (chunk) {
          chunk.boot(boot);
        }, off);
      } catch (error) {
        off(error);
      }
    };
    var idle = function () {
      try {
        requestIdleCallback(load, { timeout: 2000 });
      } catch (_) {
        // Missing or replaced by the page.
        setTimeout(load, 1);
      }
    };
    doc.readyState == 'complete' ? idle() : win.addEventListener('load', idle);
  } catch (error) {
    // A built-in the loader needs throws (addEventListener replaced, say).
    boot ? boot.stop('off: ' + error) : warn('off: ' + error);
    quiet.l = 1;
    win.microconv = quiet;
  }
})(window, document);
