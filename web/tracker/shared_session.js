// The one session a visitor has across the site's tabs: a single record in
// first-party localStorage (never a cookie) that each tab replaces in turn.
// A turn (catch up with what other tabs wrote, add this tab's events, write
// back, maybe send) runs under the site's Web Lock, so only one tab writes
// and flushes at a time; a page being unloaded cannot wait for the lock and
// takes its last turn at once.
import { fromBase64, toBase64 } from './storage.js';

const kKey = 'session';

export class SharedSession {
  // `storage`: a SiteStorage on localStorage; `pageId`: this page's random id.
  constructor(storage, site, pageId) {
    this.storage = storage;
    this.lock = 'microconv_' + site;
    this.pageId = pageId;
    this.writes = 0;
    // The version of the record this page's core holds ('' = none yet).
    this.version = '';
  }

  // Runs `body` under the lock (or at once without Web Locks: old engines,
  // opaque origins); resolves to its result.
  locked(body) {
    try {
      const locks = navigator.locks;
      if (locks && typeof locks.request === 'function') return locks.request(this.lock, body);
    } catch (_) {
      // No locks here: one tab's turns are still serialised by its event loop.
    }
    return Promise.resolve(body());
  }

  // The stored record, or null: {nonce, bytes, version, owner, dirty, expires}.
  read() {
    try {
      const stored = JSON.parse(this.storage.get(kKey) || 'null');
      if (!stored) return null;
      if (stored.e && stored.e < Date.now()) {
        this.storage.remove(kKey);
        return null;
      }
      const bytes = fromBase64(stored.s);
      const nonce = /^[0-9a-f]{16}$/.test(stored.n)
        ? [parseInt(stored.n.slice(0, 8), 16), parseInt(stored.n.slice(8), 16)]
        : null;
      if (!bytes || !nonce) return null;
      return { nonce, bytes, version: String(stored.v), owner: stored.o || '', dirty: !!stored.d };
    } catch (_) {
      return null;
    }
  }

  // `state`: {nonce, bytes, owner, dirty, expires (ms or 0)}.
  write(state) {
    this.version = this.pageId + '.' + ++this.writes;
    const record = {
      n: hex(state.nonce),
      s: toBase64(state.bytes),
      v: this.version,
      o: state.owner,
      d: state.dirty ? 1 : 0,
    };
    if (state.expires) record.e = state.expires;
    this.storage.set(kKey, JSON.stringify(record));
  }

  // The session ended (or consent was withdrawn): its state goes with it.
  remove() {
    this.storage.remove(kKey);
    this.version = '';
  }
}

export function hex(nonce) {
  return nonce.map((half) => half.toString(16).padStart(8, '0')).join('');
}
