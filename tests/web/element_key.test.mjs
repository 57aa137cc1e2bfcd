// elementKey (web/tracker/element_path.js), the key element heatmaps are
// reported by, is the top 24 bits of FNV-1a 32 over the UTF-8 bytes of an
// element path, as 6 lowercase hex digits: the FNV-1a reference vectors, and
// paths with non-ASCII ids against an independent BigInt FNV-1a here. The
// C++ twin is Fnv1a32 in core/fnv1a.h. Run by ctest (test element_key_js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elementKey } from '../../web/tracker/element_path.js';

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
