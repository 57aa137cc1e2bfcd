// LEB128 varints, the one reader and writer: summary vectors (path_deltas,
// step_times, 32-bit values) and stored aggregates (64-bit values) use them.
#ifndef MICROCONV_CORE_VARINT_H_
#define MICROCONV_CORE_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace microconv {

// Appends `value` as a minimal LEB128 varint (7 bits a byte, low first).
inline void AppendVarint(uint64_t value, std::vector<uint8_t>& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

enum class VarintStatus : uint8_t {
  kOk,
  kTruncated,  // the bytes end inside the varint
  kOverflow,   // more than max_bits bits
};

struct VarintRead {
  VarintStatus status = VarintStatus::kOk;
  uint64_t value = 0;
  // False for a padded encoding (a last byte of 0 after others): readers
  // that keep bytes canonical reject it, the summary wire tolerates it.
  bool minimal = true;
};

// Reads the varint at `at` of `bytes` (advancing `at` past what it read) of
// at most `max_bits` bits (1 to 64).
inline VarintRead ReadVarint(std::span<const uint8_t> bytes, size_t& at,
                             unsigned max_bits) noexcept {
  VarintRead read;
  for (unsigned shift = 0;; shift += 7) {
    if (at >= bytes.size()) {
      read.status = VarintStatus::kTruncated;
      return read;
    }
    const uint8_t byte = bytes[at++];
    // The byte at the top may only carry the bits left (and no continuation).
    if (shift + 7 > max_bits && byte >= (1u << (max_bits - shift))) {
      read.status = VarintStatus::kOverflow;
      return read;
    }
    read.value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      read.minimal = byte != 0 || shift == 0;
      return read;
    }
  }
}

// Decodes a whole vector of 32-bit varints; false if one is malformed or cut
// off (then `out` holds those before it).
inline bool DecodeVarints(std::span<const uint8_t> bytes, std::vector<uint32_t>& out) {
  out.clear();
  for (size_t at = 0; at < bytes.size();) {
    const VarintRead read = ReadVarint(bytes, at, 32);
    if (read.status != VarintStatus::kOk) return false;
    out.push_back(static_cast<uint32_t>(read.value));
  }
  return true;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_VARINT_H_
