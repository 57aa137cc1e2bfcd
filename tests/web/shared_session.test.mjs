// The cross-tab journal (web/tracker/shared_session.js) with records that
// wait under a burst: whatever order tabs take their turns in, and whatever
// stale record a turn starts from, every tab that catches up holds each
// event exactly once. Tabs are modelled as the tracker drives them
// (tracker.js `turn`): catch up, feed the lost events, add their own, write.
// Run by ctest (test shared_session_js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedSession } from '../../web/tracker/shared_session.js';

// One localStorage shared by the tabs (SiteStorage's get/set/remove/names).
function storage() {
  const items = new Map();
  return {
    items,
    get: (name) => (items.has(name) ? items.get(name) : null),
    set: (name, value) => items.set(name, value),
    remove: (name) => items.delete(name),
    names: (start) => [...items.keys()].filter((name) => name.startsWith(start)),
  };
}

const nonce = [0x12345678, 0x9abcdef0];
const encode = (events) => new TextEncoder().encode(JSON.stringify(events));
const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

class Tab {
  constructor(shared, id) {
    this.session = new SharedSession(shared, 'demo', id);
    this.events = []; // what this tab's core holds
    this.id = id;
    this.count = 0;
  }

  // tracker.js catchUp.
  catchUp() {
    const stored = this.session.read();
    if (!stored || stored.version === this.session.version) return;
    this.events = decode(stored.bytes);
    this.session.adopt(stored);
  }

  // A turn adding `n` new events; `eventsOnly`: a batch feed, whose record
  // may wait. `stale`: the record as read earlier (an overlapping turn).
  turn(n, eventsOnly, stale) {
    if (stale) {
      this.events = decode(stale.bytes);
      this.session.adopt(stale);
    } else {
      this.catchUp();
    }
    this.events.push(...this.session.lostEvents(nonce));
    const added = [];
    for (let i = 0; i < n; i++)
      added.push({ t: Date.now(), type: 1, str: `${this.id}${this.count++}` });
    this.events.push(...added);
    this.session.write(
      { nonce, bytes: () => encode(this.events), owner: '', dirty: true, expires: 0 },
      added,
      eventsOnly,
    );
  }
}

// Every event added by any tab, once, in the tab's view after a full turn.
function assertExact(tab, tabs) {
  tab.turn(0, false);
  const want = tabs.flatMap((t) => Array.from({ length: t.count }, (_, i) => `${t.id}${i}`));
  assert.deepEqual(tab.events.map((e) => e.str).sort(), want.sort());
}

test('batch turns write their journal entry and leave the record for later', () => {
  const shared = storage();
  const a = new Tab(shared, 'a');
  a.turn(3, false);
  const record = shared.get('session');
  a.turn(5, true);
  a.turn(5, true);
  assert.equal(shared.get('session'), record, 'the record waited');
  assert.equal([...shared.items.keys()].filter((k) => k.startsWith('journal_')).length, 3);
  a.turn(0, false);
  assert.notEqual(shared.get('session'), record, 'a full turn writes it');
  assertExact(a, [a]);
});

test('tabs alternating batch turns see each other through the journal', () => {
  const shared = storage();
  const [a, b, c] = ['a', 'b', 'c'].map((id) => new Tab(shared, id));
  a.turn(2, false);
  for (let i = 0; i < 20; i++) {
    a.turn(3, true);
    b.turn(2, true);
    if (i % 7 === 3) c.turn(1, false); // a tick or flush in a third tab
  }
  for (const tab of [a, b, c]) assertExact(tab, [a, b, c]);
  // A new page of the site catches up from storage alone.
  assertExact(new Tab(shared, 'd'), [a, b, c]);
});

test('a write that never saw the latest record loses nothing', () => {
  const shared = storage();
  const [a, b, c] = ['a', 'b', 'c'].map((id) => new Tab(shared, id));
  a.turn(2, false);
  b.turn(1, true);
  const stale = b.session.read(); // c's turn reads now ...
  a.turn(4, true);
  b.turn(3, false); // ... b writes a record c never sees ...
  a.turn(2, true);
  c.turn(5, false, stale); // ... and c's write replaces it.
  b.turn(1, true);
  for (const tab of [a, b, c]) assertExact(tab, [a, b, c]);
});
