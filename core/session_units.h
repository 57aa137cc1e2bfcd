// Units and saturating counters shared by the session and its trackers
// (micro-conversion rules, forms, frustration, heatmap): times are JS-clock
// milliseconds, counters stop at their wire width instead of wrapping, so no
// count a session reports can ever go down.
#ifndef MICROCONV_CORE_SESSION_UNITS_H_
#define MICROCONV_CORE_SESSION_UNITS_H_

#include <algorithm>
#include <cstdint>

namespace microconv {

inline constexpr int64_t kMaxTimeMs = int64_t{1} << 53;

// Times come from a JS clock (a double of ms): anything outside
// [0, 2^53] is garbage, and clamping keeps all time arithmetic overflow-free.
inline int64_t SaneTime(int64_t ms) noexcept { return std::clamp<int64_t>(ms, 0, kMaxTimeMs); }

inline uint16_t Saturate16(uint64_t v) noexcept {
  return static_cast<uint16_t>(std::min<uint64_t>(v, 0xffff));
}
inline uint8_t Saturate8(uint64_t v) noexcept {
  return static_cast<uint8_t>(std::min<uint64_t>(v, 0xff));
}
inline uint32_t Saturate32(uint64_t v) noexcept {
  return static_cast<uint32_t>(std::min<uint64_t>(v, 0xffffffff));
}
inline uint32_t Deciseconds(int64_t ms) noexcept {
  return static_cast<uint32_t>(std::clamp<int64_t>(ms, 0, int64_t{0xffffffff} * 100) / 100);
}

// The times a restored snapshot may hold: within its session's first and
// last event, so no later arithmetic on them can overflow.
struct SessionSpan {
  int64_t start_ms = 0;
  int64_t last_ms = 0;
  bool Contains(int64_t t) const noexcept { return t >= start_ms && t <= last_ms; }
};

}  // namespace microconv

#endif  // MICROCONV_CORE_SESSION_UNITS_H_
