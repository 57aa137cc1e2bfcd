// Journey replay (SPEC section 3, issue 13 point 3): a sampled session's
// content-free timeline. It holds what happened and when, never what was on
// the page: page slots, micro-conversion ids, clicks as (element, heat grid
// cell), scroll depth, form fields by name, rage and dead clicks.
//
// Wire (`Summary.replay`): entries back to back, each a varint header
// `(tenths of a second since the previous entry) << 4 | kind`, then the kind's
// payload varints (`a`, then `b` for a click). The first entry counts from
// the session's start. Times are relative, so nothing in the timeline dates
// the visit more precisely than the summary's start minute already does.
#ifndef MICROCONV_CORE_REPLAY_TIMELINE_H_
#define MICROCONV_CORE_REPLAY_TIMELINE_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <vector>

namespace microconv {

enum class ReplayKind : uint8_t {
  kPage = 0,        // a: the page's slot in Summary.pages
  kConversion = 1,  // a: the micro-conversion id
  kClick = 2,       // a: element (index in Summary.names + 1, 0: none), b: heat grid cell
  kScroll = 3,      // a: the page's deepest scroll so far, percent 0..100
  kFieldFocus = 4,  // a: the field's name (index in Summary.names)
  kFieldLeave = 5,  // a: the field's name (index in Summary.names)
  kRageClick = 6,   // a: element (index in Summary.names + 1, 0: none)
  kDeadClick = 7,   // a: element (index in Summary.names + 1, 0: none)
  kTruncated = 8,   // the cap was reached; always last, no payload
};
inline constexpr uint8_t kMaxReplayKind = 8;

// A kind's name where a timeline is shown (the summary JSON, the replay API).
inline constexpr const char* kReplayKindNames[] = {"page",       "conversion",  "click",
                                                   "scroll",     "field_focus", "field_leave",
                                                   "rage_click", "dead_click",  "truncated"};
static_assert(std::size(kReplayKindNames) == kMaxReplayKind + 1, "one name per ReplayKind");

// A timeline's bytes are capped so that a sampled session's summary stays
// far below the collector's 16 KB summary cap: ~400 entries of 3-4 bytes.
inline constexpr size_t kMaxReplayBytes = 1536;
// The header is a 32-bit varint with the kind in its low 4 bits: a gap is
// at most 2^28 - 1 tenths (~310 days; a clock jump larger than that is
// clamped, a session ends after 30 minutes without activity anyway).
inline constexpr uint32_t kMaxReplayGapTenths = (uint32_t{1} << 28) - 1;

struct ReplayEntry {
  uint32_t time_tenths = 0;  // since the session's start, tenths of a second
  ReplayKind kind = ReplayKind::kPage;
  uint32_t a = 0;
  uint32_t b = 0;
};

// Appends entries in time order. Once the next entry would not fit under
// kMaxReplayBytes (with room for the marker), it writes kTruncated and ignores
// everything after it.
class ReplayTimeline {
 public:
  void Append(const ReplayEntry& entry);

  // Continues a timeline restored from a summary's bytes; false (and empty)
  // if they do not decode.
  bool Restore(std::span<const uint8_t> bytes);

  const std::vector<uint8_t>& bytes() const noexcept { return bytes_; }
  bool truncated() const noexcept { return truncated_; }

 private:
  std::vector<uint8_t> bytes_;
  uint32_t last_tenths_ = 0;
  bool truncated_ = false;
};

// Decodes a timeline (times made absolute again). False, with `out` holding
// the entries before the fault, when a varint is malformed or cut off, a
// kind is unknown, kTruncated is not last, or the bytes exceed
// kMaxReplayBytes. Indices are not checked against the summary here: the
// summary's verifier does that, it holds the tables.
bool DecodeReplay(std::span<const uint8_t> bytes, std::vector<ReplayEntry>& out);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPLAY_TIMELINE_H_
