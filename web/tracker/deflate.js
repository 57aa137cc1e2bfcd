// Raw deflate (RFC 1951) of one summary, synchronously: the page-hide beacon
// cannot wait for CompressionStream. Summaries are a few hundred bytes, for
// which fixed Huffman codes beat a dynamic table's header, and half of their
// bytes repeat the FlatBuffers skeleton every summary shares: the preset
// dictionary (core/beacon_dictionary.h) is the window the first match can
// reach back into. The collector inflates with zlib and the same dictionary.

const kMinMatch = 3;
const kMaxMatch = 258;
const kWindow = 32768;
// Candidates tried per position: bounds the time on a 16 KB summary.
const kMaxChain = 64;

// Length codes 257..285 and distance codes 0..29: base values and extra bits.
const lengthBase = [];
const lengthExtra = [];
const distanceBase = [];
const distanceExtra = [];
for (let code = 0, base = 3; code < 28; code++) {
  const extra = code < 8 ? 0 : (code - 4) >> 2;
  lengthBase.push(base);
  lengthExtra.push(extra);
  base += 1 << extra;
}
lengthBase.push(kMaxMatch);
lengthExtra.push(0);
for (let code = 0, base = 1; code < 30; code++) {
  const extra = code < 4 ? 0 : (code - 2) >> 1;
  distanceBase.push(base);
  distanceExtra.push(extra);
  base += 1 << extra;
}

function codeOf(bases, value) {
  let code = bases.length - 1;
  while (bases[code] > value) code--;
  return code;
}

class BitWriter {
  constructor(capacity) {
    this.out = new Uint8Array(capacity);
    this.length = 0;
    this.bits = 0;
    this.count = 0;
  }

  // `count` bits of `value`, least significant first.
  put(value, count) {
    this.bits |= value << this.count;
    this.count += count;
    while (this.count >= 8) {
      this.out[this.length++] = this.bits & 255;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  // A Huffman code goes most significant bit first.
  code(value, count) {
    let reversed = 0;
    for (let i = 0; i < count; i++) reversed |= ((value >> i) & 1) << (count - 1 - i);
    this.put(reversed, count);
  }

  // The fixed literal/length code of `symbol` (RFC 1951 section 3.2.6).
  symbol(symbol) {
    if (symbol < 144) this.code(0x30 + symbol, 8);
    else if (symbol < 256) this.code(0x190 + symbol - 144, 9);
    else if (symbol < 280) this.code(symbol - 256, 7);
    else this.code(0xc0 + symbol - 280, 8);
  }

  finish() {
    if (this.count) this.out[this.length++] = this.bits & 255;
    return this.out.subarray(0, this.length);
  }
}

// `bytes` as one final fixed-Huffman block whose matches may reach into
// `dictionary` (bytes) before it.
export function deflate(bytes, dictionary) {
  const data = new Uint8Array(dictionary.length + bytes.length);
  data.set(dictionary);
  data.set(bytes, dictionary.length);
  const head = new Int32Array(1 << 12).fill(-1);
  const previous = new Int32Array(data.length);
  const hash = (i) => ((data[i] << 8) ^ (data[i + 1] << 4) ^ data[i + 2]) & 4095;
  const insert = (i) => {
    if (i + kMinMatch > data.length) return;
    const h = hash(i);
    previous[i] = head[h];
    head[h] = i;
  };
  // At most 9 bits per literal, plus the block header and end code.
  const writer = new BitWriter(Math.ceil((bytes.length * 9 + 16) / 8) + 1);
  writer.put(1, 1); // BFINAL
  writer.put(1, 2); // BTYPE 01: fixed Huffman codes
  for (let i = 0; i < dictionary.length; i++) insert(i);
  for (let i = dictionary.length; i < data.length; ) {
    let bestLength = 0;
    let bestDistance = 0;
    const limit = Math.min(kMaxMatch, data.length - i);
    if (limit >= kMinMatch) {
      for (
        let candidate = head[hash(i)], chain = 0;
        candidate >= 0 && i - candidate <= kWindow && chain < kMaxChain;
        candidate = previous[candidate], chain++
      ) {
        let length = 0;
        while (length < limit && data[candidate + length] === data[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = i - candidate;
          if (length === limit) break;
        }
      }
    }
    if (bestLength < kMinMatch) {
      writer.symbol(data[i]);
      insert(i++);
      continue;
    }
    const lengthCode = codeOf(lengthBase, bestLength);
    writer.symbol(257 + lengthCode);
    writer.put(bestLength - lengthBase[lengthCode], lengthExtra[lengthCode]);
    const distanceCode = codeOf(distanceBase, bestDistance);
    writer.code(distanceCode, 5);
    writer.put(bestDistance - distanceBase[distanceCode], distanceExtra[distanceCode]);
    for (const end = i + bestLength; i < end; ) insert(i++);
  }
  writer.symbol(256);
  return writer.finish();
}
