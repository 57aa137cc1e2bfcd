// The tracker's only persistent state: the session snapshot, the outbox of
// summaries not handed over yet and the visitor's consent choice, under keys
// per site, in sessionStorage (or localStorage for journey scope; a refusal
// always in localStorage). Never cookies. Storage that throws
// (disabled, full, sandboxed) degrades to memory for this page.
import { warnOnce } from './status.js';

export class SiteStorage {
  // `kind`: 'sessionStorage' or 'localStorage'.
  constructor(kind, site) {
    this.kind = kind;
    this.prefix = 'microconv_' + site + '_';
    this.memory = new Map();
    this.persistent = true;
    // Off until privacy allows it (consent, GPC): then nothing is written.
    this.enabled = false;
  }

  area() {
    if (!this.persistent) return null;
    try {
      return window[this.kind];
    } catch (error) {
      this.degrade(error);
      return null;
    }
  }

  degrade(error) {
    this.persistent = false;
    warnOnce('storage unavailable; keeping state in memory', String(error));
  }

  // Reading is always allowed (a consent given on an earlier page, a
  // snapshot); writing only when `enabled`.
  get(name) {
    const area = this.area();
    if (!area) return this.memory.has(name) ? this.memory.get(name) : null;
    try {
      return area.getItem(this.prefix + name);
    } catch (error) {
      this.degrade(error);
      return null;
    }
  }

  // `needed`: a preference that honours the visitor's choice (a refusal),
  // stored even while tracking is off.
  set(name, value, needed) {
    if (!this.enabled && !needed) return;
    this.memory.set(name, value);
    const area = this.area();
    if (!area) return;
    try {
      area.setItem(this.prefix + name, value);
    } catch (error) {
      this.degrade(error);
    }
  }

  // The stored names that start with `start` (this site's only).
  names(start) {
    const found = new Set();
    for (const name of this.memory.keys()) if (name.startsWith(start)) found.add(name);
    const area = this.area();
    try {
      const full = this.prefix + start;
      for (let i = 0; area && i < area.length; i++) {
        const key = area.key(i);
        if (key && key.startsWith(full)) found.add(key.slice(this.prefix.length));
      }
    } catch (error) {
      this.degrade(error);
    }
    return [...found];
  }

  remove(name) {
    this.memory.delete(name);
    const area = this.area();
    if (!area) return;
    try {
      area.removeItem(this.prefix + name);
    } catch (_) {
      // Nothing stored that could not be removed.
    }
  }
}

// Base64 of bytes, in chunks so large snapshots do not overflow the stack.
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// Null when the text is not base64 (storage edited by hand, other versions).
export function fromBase64(text) {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch (_) {
    return null;
  }
}
