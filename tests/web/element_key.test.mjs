// elementKey (web/tracker/element_path.js), the key element heatmaps are
// reported by, is the top 24 bits of FNV-1a 32 over the UTF-8 bytes of an
// element path, as 6 lowercase hex digits: the FNV-1a reference vectors, and
// paths with non-ASCII ids against an independent BigInt FNV-1a here. The
// C++ twin is Fnv1a32 in core/fnv1a.h. And the heatmap overlay's memoized
// paths (overlay.js elementPathNamer) equal elementPath's over random trees.
// Run by ctest (test element_key_js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elementKey, elementPath } from '../../web/tracker/element_path.js';
import { elementPathNamer } from '../../web/tracker/overlay.js';

// FNV-1a 32 in BigInt arithmetic, sharing no code with the tracker's.
function fnv1a32(text) {
  let hash = 2166136261n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash = ((hash ^ BigInt(byte)) * 16777619n) % 2n ** 32n;
  }
  return Number(hash);
}

test('the FNV-1a 32 reference vectors, top 24 bits', () => {
  for (const [text, hash] of [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ]) {
    assert.equal(fnv1a32(text), hash, `reference FNV-1a 32 of "${text}"`);
    assert.equal(elementKey(text), (hash >>> 8).toString(16).padStart(6, '0'), text);
  }
  assert.equal(elementKey('foobar'), 'bf9cf9');
});

test('element paths hash their UTF-8 bytes into 6 lowercase hex digits', () => {
  for (const path of [
    'body',
    'button#add',
    'main>ul>li:nth-of-type(2)>a',
    'section#bewertungen-\u00fcbersicht>button',
    'div#\u6ce8\u6587>span',
    'a#\u{1f6d2}',
  ]) {
    const key = elementKey(path);
    assert.match(key, /^[0-9a-f]{6}$/, path);
    assert.equal(key, (fnv1a32(path) >>> 8).toString(16).padStart(6, '0'), path);
  }
});

test('keys under 0x100000 keep their leading zeros', () => {
  // Search a few short strings for a hash whose top 24 bits start with 0.
  let found = null;
  for (let i = 0; i < 100000 && !found; i++) {
    const path = `div:nth-of-type(${i})`;
    if (fnv1a32(path) >>> 8 < 0x100000) found = path;
  }
  assert.ok(found, 'a path with a small key');
  assert.equal(elementKey(found).length, 6);
  assert.ok(elementKey(found).startsWith('0'), `${found} -> ${elementKey(found)}`);
});

// Just enough of an Element for element paths: tag, id, parent and siblings.
class FakeElement {
  constructor(localName, id = '') {
    this.nodeType = 1;
    this.localName = localName;
    this.id = id;
    this.parentElement = null;
    this.firstElementChild = null;
    this.lastElementChild = null;
    this.nextElementSibling = null;
    this.children = [];
  }
  append(child) {
    child.parentElement = this;
    if (this.lastElementChild) this.lastElementChild.nextElementSibling = child;
    else this.firstElementChild = child;
    this.lastElementChild = child;
    this.children.push(child);
    return child;
  }
}

// A seeded random page: html > body > nested elements with repeated tags,
// sometimes an id (sometimes one too long to be used), up to 8 levels deep.
function randomPage(seed) {
  let state = seed;
  const random = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const tags = ['div', 'a', 'li', 'span', 'section', 'button', 'p'];
  const html = new FakeElement('html');
  const body = html.append(new FakeElement('body'));
  const all = [body];
  const grow = (parent, depth) => {
    const count = depth > 7 ? 0 : random(depth < 2 ? 8 : 4);
    for (let i = 0; i < count; i++) {
      const roll = random(10);
      const id = roll === 0 ? `id${random(5)}` : roll === 1 ? 'x'.repeat(65) : '';
      const child = parent.append(new FakeElement(tags[random(tags.length)], id));
      all.push(child);
      grow(child, depth + 1);
    }
  };
  grow(body, 0);
  return all;
}

test('the overlay names every element of a page as elementPath does', () => {
  let checked = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const elements = randomPage(seed);
    const pathOf = elementPathNamer();
    // Children before parents too: the memo must not depend on the order.
    for (const element of [...elements].reverse()) {
      assert.equal(pathOf(element), elementPath(element), `seed ${seed}`);
      checked++;
    }
  }
  assert.ok(checked > 1000, `${checked} elements`);
});
