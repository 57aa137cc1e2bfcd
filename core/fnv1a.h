// FNV-1a 32, the one definition: a compiled config's identity (core/config.cc)
// and the time-zone table's keys (core/time_zones.cc, whose generator
// tools/gen_time_zones.mjs computes the same).
#ifndef MICROCONV_CORE_FNV1A_H_
#define MICROCONV_CORE_FNV1A_H_

#include <cstdint>
#include <string_view>

namespace microconv {

inline uint32_t Fnv1a32(std::string_view bytes) noexcept {
  uint32_t hash = 2166136261u;
  for (char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_FNV1A_H_
