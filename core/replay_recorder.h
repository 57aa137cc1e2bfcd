// Records a sampled session's journey replay (core/replay_timeline.h, SPEC
// section 3) as the session sees it: pages, micro-conversions, clicks,
// scroll depth, form fields, rage and dead clicks. Element and field names
// are the session's NameTable indices here and the summary's `names`
// indices on the wire (SummaryBytes renumbers them as SentNames does).
#ifndef MICROCONV_CORE_REPLAY_RECORDER_H_
#define MICROCONV_CORE_REPLAY_RECORDER_H_

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/element_names.h"
#include "core/replay_timeline.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// Whether a session records a replay: the host's 32-bit random `draw`
// (never sent) falls under privacy.replay_sample_rate of the 2^32 draws.
bool ReplaySampled(const Config& config, uint32_t draw);

// The draw of a session no browser drew for (a simulated visit, a recorded
// stream run by `microconv replay` or a test): a fixed function of its
// nonce, the high half of an odd multiple, so a config's rate samples that
// share of such sessions and the same session is sampled alike every time.
// A browser draws apart: its nonce is sent, its draw never is.
constexpr uint32_t NonceReplayDraw(uint64_t nonce) noexcept {
  return static_cast<uint32_t>((nonce * 0xd6e8feb86659fd93ULL) >> 32);
}

// A scroll entry is written when the page's deepest scroll grew by this
// many points since the last one: depth in steps of 10 keeps a long read
// to ~10 entries.
inline constexpr uint8_t kReplayScrollStep = 10;

class ReplayRecorder {
 public:
  ReplayRecorder() = default;  // not sampled: records nothing
  static ReplayRecorder Sampled() {
    ReplayRecorder recorder;
    recorder.sampled_ = true;
    return recorder;
  }

  bool sampled() const noexcept { return sampled_; }

  // `tenths`: since the session's start. `slot`: the page's slot in the
  // summary's pages. `name`: a NameTable index, -1 for none (no stable
  // element, or the table is full).
  void OnPage(uint32_t tenths, uint8_t slot);
  void OnConversion(uint32_t tenths, uint8_t micro);
  void OnClick(uint32_t tenths, int name, uint16_t cell);
  // The page in `slot` is now scrolled `depth` percent deep at most.
  void OnScroll(uint32_t tenths, uint8_t slot, uint8_t depth);
  void OnField(uint32_t tenths, bool focus, int name);
  void OnRageClick(uint32_t tenths, int name);
  void OnDeadClick(uint32_t tenths, int name);

  // Summary `replay` with names renumbered by `names`: present (maybe
  // empty) iff sampled.
  std::vector<uint8_t> SummaryBytes(SentNames& names) const;
  // The recorder of a restored session: its summary's `replay`, whose
  // name indices are the restored NameTable's (NameTable::Restore).
  // False when the bytes do not decode (the summary's verifier rejects
  // that first).
  bool Restore(const wire::Summary& summary);

 private:
  void Add(uint32_t tenths, ReplayKind kind, uint32_t a, uint32_t b = 0);
  void AddElement(uint32_t tenths, ReplayKind kind, int name, uint32_t b = 0) {
    Add(tenths, kind, name < 0 ? 0 : static_cast<uint32_t>(name) + 1, b);
  }

  bool sampled_ = false;
  ReplayTimeline timeline_;
  // Per page slot, the depth of its last scroll entry.
  std::vector<uint8_t> scrolled_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_REPLAY_RECORDER_H_
