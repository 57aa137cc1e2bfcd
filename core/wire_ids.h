// The summary's id bits, each defined once for every reader and writer
// (session, trackers, codec, JSON, aggregation, report, tools, tests).
// The flag bytes are FlatBuffers bit_flags enums in core/schema/summary.fbs;
// this header adds the id bits the schema can only document.
#ifndef MICROCONV_CORE_WIRE_IDS_H_
#define MICROCONV_CORE_WIRE_IDS_H_

#include <cstdint>

#include "core/schema/summary_generated.h"

namespace microconv {

// Top bit of a 16-bit page id: the id is in its second id space and the low
// 15 bits index a list instead of the config.
// - PageStat.page (and the session's page ids): set = a literal page,
//   (id & ~kLiteralBit) indexes Summary.literal_pages; clear = a template.
// - FunnelProgress.next0..2: set = a page, (id & ~kLiteralBit) indexes
//   Summary.pages; clear = a micro-conversion id.
// - Stored aggregates' next actions: set = kLiteralBit | template.
inline constexpr uint16_t kLiteralBit = 0x8000;

// Top bit of FieldStat.field: set = a field the config does not name,
// (field & ~kLiteralFieldBit) indexes Summary.names; clear = an index into
// the form's configured fields.
inline constexpr uint8_t kLiteralFieldBit = 0x80;

// Whether `flags` (a bit_flags enum of summary.fbs) has `bit` set.
template <typename Flags>
constexpr bool HasFlag(Flags flags, Flags bit) noexcept {
  return (flags & bit) != Flags::NONE;
}

// `bit` when `on`, else no flag: writes a flag byte from booleans.
template <typename Flags>
constexpr Flags FlagIf(bool on, Flags bit) noexcept {
  return on ? bit : Flags::NONE;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_WIRE_IDS_H_
