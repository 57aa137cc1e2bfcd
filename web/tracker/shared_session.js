// The one session a visitor has across the site's tabs: a single record in
// first-party localStorage (never a cookie) that each tab replaces in turn.
// A turn (catch up with what other tabs wrote, add this tab's events, write
// back, maybe send) runs under the site's Web Lock, so only one tab writes
// and flushes at a time; a page being unloaded cannot wait for the lock and
// takes its last turn at once.
//
// Such a turn can overlap another tab's, and localStorage reaches other tabs
// a moment late, so a write can replace one it never saw. Nothing is lost:
// each turn that adds events leaves a journal entry with them, and the
// record lists the entries whose events it holds. A turn that finds an entry
// the record does not list feeds its events and holds the entry from then
// on (the record it writes lists it). Entries live kJournalMs, far longer
// than two turns can overlap (milliseconds); only their age removes them, so
// every tab that reads a record without an entry still finds the entry.
//
// Under a burst, a turn that only added events writes its journal entry
// alone, without the record, while the record was written (or adopted) less
// than kRecordEveryMs ago: other tabs take those events from the journal,
// and the snapshot, the costliest part of a turn, is written about once a
// second instead of with every batch. Any other turn (a new session, a
// flush, a tick, a page being hidden or left) writes the record.
import { fromBase64, toBase64 } from './storage.js';

const kKey = 'session';
const kJournal = 'journal_';
const kJournalMs = 10000;
const kRecordEveryMs = 1000;

export class SharedSession {
  // `storage`: a SiteStorage on localStorage; `pageId`: this page's random id.
  constructor(storage, site, pageId) {
    this.storage = storage;
    this.lock = 'microconv_' + site;
    this.pageId = pageId;
    this.writes = 0;
    // Web Locks refused this document (locked()).
    this.unlocked = false;
    // The version of the record this page's core holds ('' = none yet) and
    // the journal entries it holds the events of.
    this.version = '';
    this.journaled = [];
    // The record as last read or written (its text, and what read() made of
    // it) and when this page last wrote or adopted one.
    this.raw = null;
    this.stored = null;
    this.recordMs = 0;
  }

  // Runs `body` under the lock (or at once without Web Locks: old engines,
  // opaque origins); resolves to its result.
  locked(body) {
    try {
      const locks = navigator.locks;
      if (!this.unlocked && locks && typeof locks.request === 'function') {
        return locks.request(this.lock, body).catch((error) => {
          // A sandboxed document (no allow-same-origin) is refused the lock
          // by a rejection, not a throw: from now on it runs unlocked, as
          // without Web Locks (its storage is this page's memory anyway).
          if (!error || error.name !== 'SecurityError') throw error;
          this.unlocked = true;
          return body();
        });
      }
    } catch (_) {
      // No locks here: one tab's turns are still serialised by its event loop.
    }
    return Promise.resolve(body());
  }

  // The stored record, or null: {nonce, bytes, version, journaled, owner,
  // dirty}.
  // The text unchanged since the last read or write (most turns of a busy
  // page) is not parsed or decoded again.
  read() {
    try {
      const raw = this.storage.get(kKey);
      if (raw !== this.raw) {
        this.stored = this.parse(raw);
        this.raw = raw;
      }
      const stored = this.stored;
      if (stored && stored.expires && stored.expires < Date.now()) {
        this.erase();
        return null;
      }
      return stored;
    } catch (_) {
      return null;
    }
  }

  parse(raw) {
    const stored = JSON.parse(raw || 'null');
    if (!stored) return null;
    const bytes = fromBase64(stored.s);
    const nonce = /^[0-9a-f]{16}$/.test(stored.n)
      ? [parseInt(stored.n.slice(0, 8), 16), parseInt(stored.n.slice(8), 16)]
      : null;
    if (!bytes || !nonce) return null;
    return {
      nonce,
      bytes,
      version: String(stored.v),
      journaled: Array.isArray(stored.j) ? stored.j.map(String) : [],
      owner: stored.o || '',
      dirty: !!stored.d,
      expires: stored.e || 0,
    };
  }

  // The page now holds `stored` (from read()).
  adopt(stored) {
    this.version = stored.version;
    this.journaled = [...stored.journaled];
    this.recordMs = Date.now();
  }

  // `state`: {nonce, bytes(), owner, dirty, expires (ms or 0)}; `events`:
  // what this turn added, journaled in case a write that never saw this one
  // replaces it. `eventsOnly`: the turn did nothing but add events, so the
  // record may wait (see the top of this file).
  write(state, events, eventsOnly) {
    const now = Date.now();
    // The write's time last: lostEvents reads a held entry's age from it.
    const version = this.pageId + '.' + ++this.writes + '.' + now;
    const nonce = hex(state.nonce);
    if (events.length) {
      this.storage.set(kJournal + version, JSON.stringify({ n: nonce, w: now, e: events }));
      this.journaled.push(version);
    }
    const held = this.stored;
    if (
      eventsOnly &&
      held &&
      held.version === this.version &&
      hex(held.nonce) === nonce &&
      held.owner === state.owner &&
      now - this.recordMs < kRecordEveryMs
    )
      return;
    this.version = version;
    this.recordMs = now;
    const bytes = state.bytes();
    const record = {
      n: nonce,
      s: toBase64(bytes),
      v: version,
      j: this.journaled,
      o: state.owner,
      d: state.dirty ? 1 : 0,
    };
    if (state.expires) record.e = state.expires;
    this.raw = JSON.stringify(record);
    this.stored = {
      nonce: state.nonce,
      bytes,
      version,
      journaled: [...this.journaled],
      owner: state.owner,
      dirty: state.dirty,
      expires: state.expires,
    };
    this.storage.set(kKey, this.raw);
  }

  // The events of journal entries that the record this page holds (of
  // session `nonce`, or none) lacks, in time order, to be fed again; the
  // page holds those entries from now on. Expired entries go, and leave the
  // record's list, as do those of other sessions. Runs at the start of every
  // turn, before its write.
  lostEvents(nonce) {
    const lost = [];
    const kept = [];
    const session = nonce ? hex(nonce) : '';
    const now = Date.now();
    const journaled = new Set(this.journaled);
    for (const name of this.storage.names(kJournal)) {
      const version = name.slice(kJournal.length);
      const held = journaled.has(version);
      // A held entry's age is in its name: parsing every entry in every
      // turn was a third of a busy page's turns. An older tracker's names
      // carry no time, so its entries are parsed.
      const time = version.split('.')[2];
      let entry = null;
      if (!held || !time) {
        try {
          entry = JSON.parse(this.storage.get(name) || 'null');
        } catch (_) {
          // Unreadable: removed below.
        }
      }
      if (held && now - (time || (entry && entry.w)) < kJournalMs) {
        kept.push(version);
        continue;
      }
      // An entry of an ended session has nothing to rejoin. One fed here
      // stays for other tabs, whose records may lack it too.
      if (!held && entry && entry.n === session && Array.isArray(entry.e)) {
        lost.push(...entry.e);
        kept.push(version);
        continue;
      }
      this.storage.remove(name);
    }
    this.journaled = kept;
    return lost.sort((x, y) => x.t - y.t);
  }

  // The session ended (or consent was withdrawn): its state goes with it.
  remove() {
    this.erase();
    this.version = '';
    this.journaled = [];
    this.raw = this.stored = null;
  }

  erase() {
    this.storage.remove(kKey);
    for (const name of this.storage.names(kJournal)) this.storage.remove(name);
  }
}

export function hex(nonce) {
  return nonce.map((half) => half.toString(16).padStart(8, '0')).join('');
}
