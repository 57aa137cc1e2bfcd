// Loads the core (Wasm, or the same C++ compiled to plain JS when Wasm
// cannot be instantiated) and wraps its Embind functions: this wrapper
// copies every result out of the core's memory, because the core reuses its
// buffers on the next call and memory growth detaches old views.
// The core files' content-hashed names, given by web/build.mjs.
import {
  coreNoWasm,
  coreScript,
  coreWasm,
  inspectNoWasm,
  inspectScript,
  inspectWasm,
} from 'microconv:files';
import { warnOnce } from './status.js';
import * as Record from './wire/event_record.js';

// A CSP without 'wasm-unsafe-eval' rejects even an empty module, so one
// synchronous 8-byte compile tells whether the real one can load.
function canInstantiateWasm() {
  try {
    return (
      new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0)) instanceof
      WebAssembly.Module
    );
  } catch (_) {
    return false;
  }
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.onload = () => {
      script.remove();
      resolve();
    };
    script.onerror = () => {
      script.remove();
      reject(new Error('cannot load ' + url));
    };
    (document.head || document.documentElement).appendChild(script);
  });
}

// `script` defines `exportName`, the Emscripten factory; its glue asks
// locateFile for `wasm` (absent in the no-Wasm builds).
async function instantiate(endpoint, script, wasm, exportName) {
  await loadScript(endpoint + '/' + script);
  const factory = window[exportName];
  if (typeof factory !== 'function') throw new Error(script + ' defines no ' + exportName);
  const silent = () => {};
  return factory({
    locateFile: (path) => endpoint + '/' + (wasm || path),
    print: silent,
    printErr: silent,
  });
}

// Whether the core runs as Wasm: the inspect module then loads as Wasm too.
let wasmCore = false;

// Resolves to the Emscripten module; rejects when neither build loads.
export async function loadCoreModule(endpoint) {
  if (!canInstantiateWasm()) {
    warnOnce('WebAssembly unavailable (CSP without wasm-unsafe-eval?); using the no-Wasm core');
    return instantiate(endpoint, coreNoWasm, '', 'MicroconvCore');
  }
  try {
    const module = await instantiate(endpoint, coreScript, coreWasm, 'MicroconvCore');
    wasmCore = true;
    return module;
  } catch (error) {
    warnOnce('Wasm core failed; using the no-Wasm core', String(error));
    return instantiate(endpoint, coreNoWasm, '', 'MicroconvCore');
  }
}

// The inspect module (wasm/inspect_bindings.cc), loaded on the first
// microconv('inspect'): the visitor's module does not carry the summary
// Verifier and JSON rendering. `config`: the compiled config's bytes, so ids
// are rendered with their names. Resolves to render(summary): the
// collector's reading of `summary`, or null if it does not verify.
export async function loadInspector(endpoint, config) {
  const module = await instantiate(
    endpoint,
    wasmCore ? inspectScript : inspectNoWasm,
    wasmCore ? inspectWasm : '',
    'MicroconvInspect',
  );
  const inspector = module; // its functions: wasm/inspect_bindings.cc
  inspector.inputBuffer(config.length).set(config);
  inspector.loadConfig();
  return (summary) => {
    inspector.inputBuffer(summary.length).set(summary);
    const json = inspector.renderJson();
    return json ? JSON.parse(json) : null;
  };
}

// One visitor's session in the core.
export class TrackerCore {
  constructor(module) {
    this.core = module; // its functions: wasm/bindings.cc
    // Reused by every batch: no garbage per ingest but the record view.
    this.strings = [];
    this.indices = new Map();
  }

  // "" on success, else the error's name (see status.js).
  loadConfig(bytes) {
    this.core.inputBuffer(bytes.length).set(bytes);
    return this.core.loadConfig();
  }

  settings() {
    return JSON.parse(this.core.settings());
  }

  // `nonce`, `ldpSeed`: [high, low] uint32 halves; the seed keys the
  // session's fixed LDP noise and never leaves the device, nor does
  // `replayDraw` (uint32: whether the session records a journey replay).
  start(nonce, ldpSeed, replayDraw, timeMs, visitor) {
    return this.core.start(
      nonce[0],
      nonce[1],
      ldpSeed[0],
      ldpSeed[1],
      replayDraw,
      timeMs,
      visitor.userAgent,
      visitor.language,
      visitor.timeZone,
      visitor.screenWidth,
      visitor.coarsePointer,
      visitor.referrer,
      visitor.ownHost,
    );
  }

  restore(bytes) {
    this.core.inputBuffer(bytes.length).set(bytes);
    return this.core.restore();
  }

  // Feeds `events` ({t, type, a, b, str, x, y, w, h}); returns the core's
  // {consumed, expired}.
  ingest(events) {
    const strings = this.strings;
    const indices = this.indices;
    strings.length = 0;
    indices.clear();
    for (const event of events) {
      if (event.str == null || indices.has(event.str)) continue;
      indices.set(event.str, strings.length);
      strings.push(event.str);
    }
    // Strings first: setStrings may grow memory, which would detach a view.
    this.core.setStrings(strings);
    const view = this.core.eventBuffer(events.length);
    const record = new DataView(view.buffer, view.byteOffset, view.byteLength);
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const at = i * Record.kEventBytes;
      const t = Math.max(0, Math.floor(event.t));
      // int64 time_ms as two little-endian halves (DataView has no safe int64).
      record.setUint32(at + Record.kEventTimeMsOffset, t >>> 0, true);
      record.setUint32(at + Record.kEventTimeMsOffset + 4, Math.floor(t / 4294967296), true);
      record.setUint8(at + Record.kEventTypeOffset, event.type);
      record.setUint8(at + Record.kEventBOffset, event.b || 0);
      record.setUint16(at + Record.kEventAOffset, event.a || 0, true);
      record.setUint32(
        at + Record.kEventStrOffset,
        event.str == null ? Record.kNoString : indices.get(event.str),
        true,
      );
      record.setInt32(at + Record.kEventXOffset, event.x || 0, true);
      record.setInt32(at + Record.kEventYOffset, event.y || 0, true);
      record.setInt32(at + Record.kEventWOffset, event.w || 0, true);
      record.setInt32(at + Record.kEventHOffset, event.h || 0, true);
    }
    strings.length = 0; // the core copied them
    indices.clear();
    const packed = this.core.ingest(events.length); // consumed * 2 + expired
    return { consumed: packed >>> 1, expired: (packed & 1) === 1 };
  }

  advance(nowMs) {
    this.core.advance(nowMs);
  }

  expiredAt(nowMs) {
    return this.core.expiredAt(nowMs);
  }

  end() {
    this.core.end();
  }

  flush() {
    return this.core.flush().slice();
  }

  preview() {
    return this.core.preview().slice();
  }

  // The session's true LDP bits (never sent): the playground's "flipped".
  ldpTruth() {
    return this.core.ldpTruth().slice();
  }

  snapshot() {
    return this.core.snapshot().slice();
  }

  // Journey scope (core/journey.h): the journey the previous visit left,
  // continued in the session just started; '' or the error's name.
  continueJourney(bytes) {
    this.core.inputBuffer(bytes.length).set(bytes);
    return this.core.continueJourney();
  }

  // What this visit leaves for the next one (empty in session scope), and
  // when that journey ends by age (ms).
  journey() {
    return [this.core.journey().slice(), this.core.journeyEnd()];
  }

  // Summaries sent so far: the last one's seq.
  flushes() {
    return this.core.flushes();
  }
}
