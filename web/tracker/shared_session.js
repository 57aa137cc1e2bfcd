// The one session a visitor has across the site's tabs: a single record in
// first-party localStorage (never a cookie) that each tab replaces in turn.
// A turn (catch up with what other tabs wrote, add this tab's events, write
// back, maybe send) runs under the site's Web Lock, so only one tab writes
// and flushes at a time; a page being unloaded cannot wait for the lock and
// takes its last turn at once.
//
// Such a turn can overlap another tab's, and localStorage reaches other tabs
// a moment late, so a write can replace one it never saw. Nothing is lost:
// each write that adds events also leaves a journal entry with them, and the
// record lists the entries whose events it holds. A turn that finds an entry
// the record does not list feeds its events again. Entries live
// kJournalMs, far longer than two turns can overlap (milliseconds).
import { fromBase64, toBase64 } from './storage.js';

const kKey = 'session';
const kJournal = 'journal_';
const kJournalMs = 10000;

export class SharedSession {
  // `storage`: a SiteStorage on localStorage; `pageId`: this page's random id.
  constructor(storage, site, pageId) {
    this.storage = storage;
    this.lock = 'microconv_' + site;
    this.pageId = pageId;
    this.writes = 0;
    // The version of the record this page's core holds ('' = none yet) and
    // the journal entries it holds the events of.
    this.version = '';
    this.journaled = [];
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

  // The stored record, or null: {nonce, bytes, version, journaled, owner,
  // dirty}.
  read() {
    try {
      const stored = JSON.parse(this.storage.get(kKey) || 'null');
      if (!stored) return null;
      if (stored.e && stored.e < Date.now()) {
        this.erase();
        return null;
      }
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
      };
    } catch (_) {
      return null;
    }
  }

  // The page now holds `stored` (from read()).
  adopt(stored) {
    this.version = stored.version;
    this.journaled = stored.journaled;
  }

  // `state`: {nonce, bytes, owner, dirty, expires (ms or 0)}; `events`: what
  // this turn added, journaled in case a write that never saw this one
  // replaces it.
  write(state, events) {
    // The write's time last: lostEvents reads a held entry's age from it.
    this.version = this.pageId + '.' + ++this.writes + '.' + Date.now();
    const nonce = hex(state.nonce);
    if (events.length) {
      this.storage.set(
        kJournal + this.version,
        JSON.stringify({ n: nonce, w: Date.now(), e: events }),
      );
      this.journaled.push(this.version);
    }
    const record = {
      n: nonce,
      s: toBase64(state.bytes),
      v: this.version,
      j: this.journaled,
      o: state.owner,
      d: state.dirty ? 1 : 0,
    };
    if (state.expires) record.e = state.expires;
    this.storage.set(kKey, JSON.stringify(record));
  }

  // The events of journal entries that the record this page holds (of
  // session `nonce`, or none) lacks, in time order, to be fed again; their
  // entries and the expired ones go, and leave the record's list. Runs at
  // the start of every turn, before its write.
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
      // An entry of an ended session has nothing to rejoin.
      if (!held && entry && entry.n === session && Array.isArray(entry.e)) lost.push(...entry.e);
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
  }

  erase() {
    this.storage.remove(kKey);
    for (const name of this.storage.names(kJournal)) this.storage.remove(name);
  }
}

export function hex(nonce) {
  return nonce.map((half) => half.toString(16).padStart(8, '0')).join('');
}
