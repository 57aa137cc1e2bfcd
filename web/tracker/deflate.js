// Raw deflate (RFC 1951) of one summary, synchronously: the page-hide beacon
// cannot wait for CompressionStream. Summaries are a few hundred bytes, for
// which fixed Huffman codes beat a dynamic table's header, and half of their
// bytes repeat the FlatBuffers skeleton every summary shares: the preset
// dictionary (core/beacon_dictionary.h) is the window the first match can
// reach back into. The collector inflates with zlib and the same dictionary.

const kMinMatch = 3;
const kMaxMatch = 258;
const kWindow = 32768;
// Candidates tried per position, and a match long enough to stop looking:
// bound the time on a 16 KB summary (neither changes the demo journey's bytes).
const kMaxChain = 64;
const kNiceMatch = 64;

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
  // At most 9 bits per byte (a match is never dearer than its literals would
  // be by more), plus the block header and end code.
  const out = new Uint8Array(Math.ceil((bytes.length * 9 + 16) / 8) + 1);
  let length = 0;
  let bits = 0;
  let count = 0;
  // `n` bits of `value`, least significant first.
  const put = (value, n) => {
    bits |= value << count;
    for (count += n; count >= 8; count -= 8) {
      out[length++] = bits & 255;
      bits >>>= 8;
    }
  };
  // A Huffman code goes most significant bit first.
  const code = (value, n) => {
    while (n--) put((value >> n) & 1, 1);
  };
  // The fixed literal/length code of `symbol` (RFC 1951 section 3.2.6).
  const symbol = (s) =>
    s < 144
      ? code(0x30 + s, 8)
      : s < 256
        ? code(0x190 + s - 144, 9)
        : s < 280
          ? code(s - 256, 7)
          : code(0xc0 + s - 280, 8);
  put(3, 3); // BFINAL, then BTYPE 01: fixed Huffman codes
  for (let i = 0; i < dictionary.length; i++) insert(i);
  for (let i = dictionary.length; i < data.length; ) {
    let bestLength = 0;
    let bestDistance = 0;
    const limit = Math.min(kMaxMatch, data.length - i);
    for (
      let candidate = limit >= kMinMatch ? head[hash(i)] : -1, chain = 0;
      candidate >= 0 &&
      i - candidate <= kWindow &&
      chain < kMaxChain &&
      bestLength < Math.min(limit, kNiceMatch);
      candidate = previous[candidate], chain++
    ) {
      let n = 0;
      while (n < limit && data[candidate + n] === data[i + n]) n++;
      if (n > bestLength) {
        bestLength = n;
        bestDistance = i - candidate;
      }
    }
    if (bestLength < kMinMatch) {
      symbol(data[i]);
      insert(i++);
      continue;
    }
    const lengthCode = codeOf(lengthBase, bestLength);
    symbol(257 + lengthCode);
    put(bestLength - lengthBase[lengthCode], lengthExtra[lengthCode]);
    const distanceCode = codeOf(distanceBase, bestDistance);
    code(distanceCode, 5);
    put(bestDistance - distanceBase[distanceCode], distanceExtra[distanceCode]);
    for (const end = i + bestLength; i < end; ) insert(i++);
  }
  symbol(256);
  if (count) out[length++] = bits & 255;
  return out.subarray(0, length);
}
