// Loads the core (Wasm, or the same C++ compiled to plain JS when Wasm
// cannot be instantiated) and wraps its Embind functions. Bytes cross as
// addresses into the core's memory (wasm/bindings.cc), read and written
// through the module's HEAPU8, fetched again after every call that may grow
// memory (growth replaces it); results are copied out, because the core
// reuses its buffers on the next call.
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
  input(inspector, config);
  inspector.loadConfig();
  return (summary) => {
    input(inspector, summary);
    const json = inspector.renderJson();
    return json ? JSON.parse(json) : null;
  };
}

// `bytes` into the module's input buffer.
function input(module, bytes) {
  const at = module.inputBuffer(bytes.length);
  module.HEAPU8.set(bytes, at);
}

// Strings cross as UTF-8, at most 3 bytes per UTF-16 unit.
const encoder = new TextEncoder();
const kUtf8PerUnit = 3;

// One visitor's session in the core.
export class TrackerCore {
  constructor(module) {
    this.core = module; // its functions: wasm/bindings.cc
    // Reused by every batch: the garbage of an ingest is two views and one
    // subarray per distinct string.
    this.strings = [];
    this.indices = new Map();
  }

  // "" on success, else the error's name (see status.js).
  loadConfig(bytes) {
    input(this.core, bytes);
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
    input(this.core, bytes);
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
    // Strings first, each call before the heap it writes: a buffer call may
    // grow memory, which replaces HEAPU8 (what was written stays).
    const table = 4 * strings.length;
    let size = table;
    for (const string of strings) size += kUtf8PerUnit * string.length;
    const start = this.core.stringBuffer(size);
    let heap = this.core.HEAPU8;
    const ends = new DataView(heap.buffer, start, table);
    let end = 0; // of the strings written so far, from the end of the table
    for (let i = 0; i < strings.length; i++) {
      const free = heap.subarray(start + table + end, start + size);
      end += encoder.encodeInto(strings[i], free).written;
      ends.setUint32(4 * i, end, true);
    }
    const bytes = events.length * Record.kEventBytes;
    const address = this.core.eventBuffer(events.length);
    heap = this.core.HEAPU8;
    const record = new DataView(heap.buffer, address, bytes);
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
    const packed = this.core.ingest(events.length, strings.length); // consumed * 2 + expired
    strings.length = 0;
    indices.clear();
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

  // A result of `size` bytes, copied out of the core's output buffer.
  output(size) {
    const at = this.core.output();
    return this.core.HEAPU8.slice(at, at + size);
  }

  flush() {
    return this.output(this.core.flush());
  }

  preview() {
    return this.output(this.core.preview());
  }

  // The session's true LDP bits (never sent): the playground's "flipped".
  ldpTruth() {
    return this.output(this.core.ldpTruth());
  }

  snapshot() {
    return this.output(this.core.snapshot());
  }

  // Journey scope (core/journey.h): the journey the previous visit left,
  // continued in the session just started; '' or the error's name.
  continueJourney(bytes) {
    input(this.core, bytes);
    return this.core.continueJourney();
  }

  // What this visit leaves for the next one (empty in session scope), and
  // when that journey ends by age (ms).
  journey() {
    return [this.output(this.core.journey()), this.journeyEnd()];
  }

  // When this visit's journey ends by age (ms; 0 in session scope).
  journeyEnd() {
    return this.core.journeyEnd();
  }

  // Summaries sent so far: the last one's seq.
  flushes() {
    return this.core.flushes();
  }
}
