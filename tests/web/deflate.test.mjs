// The tracker's synchronous deflate (web/tracker/deflate.js) makes raw
// deflate streams that zlib -- what the collector inflates with -- reads
// back byte for byte, with the beacon dictionary and without, and it
// shrinks summaries. Run by ctest (test beacon_deflate).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { kRoot } from '../../web/generate_wire.mjs';
import { deflate } from '../../web/tracker/deflate.js';
import { kBeaconDictionary } from '../../web/tracker/wire/beacon_dictionary.js';

const dictionary = Buffer.from(kBeaconDictionary, 'base64');
const goldenDir = join(kRoot, 'tests/golden');
const summaries = readdirSync(goldenDir)
  .filter((file) => file.endsWith('.mcs'))
  .map((file) => ({ file, bytes: readFileSync(join(goldenDir, file)) }));

function roundTrip(bytes, dict) {
  const packed = deflate(bytes, dict);
  const back = inflateRawSync(packed, dict.length ? { dictionary: dict } : {});
  assert.ok(Buffer.from(bytes).equals(back), `${bytes.length} bytes came back changed`);
  return packed;
}

test('golden summaries inflate back exactly and shrink with the dictionary', () => {
  assert.ok(summaries.length >= 4);
  for (const { file, bytes } of summaries) {
    const plain = roundTrip(bytes, new Uint8Array(0));
    const packed = roundTrip(bytes, dictionary);
    assert.ok(plain.length < bytes.length, `${file}: ${plain.length} of ${bytes.length}`);
    assert.ok(packed.length < plain.length, `${file}: ${packed.length} >= ${plain.length}`);
    // Summaries other than the dictionary's own sample save at least a third.
    assert.ok(packed.length * 3 < bytes.length * 2, `${file}: ${packed.length} of ${bytes.length}`);
  }
});

test('every length code, distance code, literal and the 16 KB cap round-trip', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const inputs = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255, 255)];
  // Long runs (length 258), far repeats (distances up to 16 KB), all byte values.
  inputs.push(new Uint8Array(16 * 1024).fill(0x90));
  inputs.push(Uint8Array.from({ length: 256 }, (_, i) => i));
  for (let n = 0; n < 60; n++) {
    const bytes = new Uint8Array(Math.floor(random() * 16 * 1024));
    const alphabet = 1 + Math.floor(random() * 255);
    for (let i = 0; i < bytes.length; i++) {
      const back = Math.floor(random() * i);
      bytes[i] = random() < 0.3 && i ? bytes[back] : Math.floor(random() * alphabet);
    }
    inputs.push(bytes);
  }
  for (const bytes of inputs) {
    roundTrip(bytes, dictionary);
    roundTrip(bytes, new Uint8Array(0));
  }
});
