// Progress of one session through one configured funnel: sequential, strict
// and any-order modes, optional steps, exclusion steps, whole-funnel and
// per-step windows. The semantics of every mode are stated for site owners in
// web/dashboard/funnel-semantics.html (SPEC section 5 "Funnel semantics");
// core/funnel.cc says how this tracker computes them in bounded state.
#ifndef MICROCONV_CORE_FUNNEL_H_
#define MICROCONV_CORE_FUNNEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/schema/config_generated.h"
#include "core/schema/snapshot_generated.h"
#include "core/schema/summary_generated.h"
#include "core/status.h"

namespace microconv {

// One chain of required steps 1..level+1 in order (sequential, strict).
struct FunnelChain {
  int64_t start_ms = 0;  // its first required step: the funnel window's start
  int64_t last_ms = 0;   // its last required step: the next step window's start
  uint32_t reached = 0;  // bit i: step i belongs to the chain (optional ones too)
  // ms from start_ms to each reached step (0 for optional steps before it).
  std::array<uint32_t, 32> offset_ms{};
};

// Everything a FunnelTracker needs to continue after a snapshot restore.
struct FunnelState {
  uint8_t funnel = 0;
  // The best chain: the first to reach the furthest required step. It is
  // what the summary reports (reached, furthest, step times, next actions).
  uint32_t reached = 0;  // bit i = step i reached
  uint8_t furthest = 0;  // one past the highest reached step
  bool converted = false;
  bool excluded = false;  // an exclusion cut a running chain; not converted since
  std::array<uint32_t, 32> step_offset_ms{};  // best chain: ms from its start
  int64_t best_start_ms = 0;
  // Sequential and strict: chains[i] is the live chain that reached the i-th
  // required step and started last (bit i of `live`). Later starts dominate:
  // whatever an earlier-started chain can still reach, this one can too.
  uint32_t live = 0;
  std::array<FunnelChain, 32> chains{};
  // Any order: the latest time of each step (bit i of `seen`).
  uint32_t seen = 0;
  std::array<int64_t, 32> seen_ms{};
  // Optional steps before the first required one, seen so far.
  uint32_t lead_seen = 0;
  int64_t clock_ms = 0;  // latest event time: earlier times count as this one
  // Up to three actions after the best chain's last progress.
  std::array<uint16_t, 3> next{};
  uint8_t next_count = 0;
};

class FunnelTracker {
 public:
  FunnelTracker(const wire::FunnelDef& def, uint8_t index);

  // A snapshot's funnel state, checked against `def` and the session's time
  // span [min_ms, max_ms] (storage is writable by any script of the page).
  static Result<FunnelTracker> Restore(const wire::FunnelDef& def, uint8_t index,
                                       const wire::FunnelSnapshot& snapshot, int64_t min_ms,
                                       int64_t max_ms);
  // Times in the snapshot's vectors are ms after `base_ms` (session start).
  flatbuffers::Offset<wire::FunnelSnapshot> Snapshot(flatbuffers::FlatBufferBuilder& fbb,
                                                     int64_t base_ms) const;

  // A micro-conversion happened at `time_ms`; a time before an earlier
  // event's counts as that event's time (no time passes).
  void OnMicro(uint8_t micro, int64_t time_ms);
  // A page (id as in PageStat.page) was viewed; recorded as a next action
  // after the last progress when the funnel is not converted.
  void OnPage(uint16_t page, int64_t time_ms);

  const FunnelState& state() const noexcept { return state_; }
  bool started() const noexcept { return state_.reached != 0; }
  wire::FunnelProgress Progress() const noexcept;
  // Appends this funnel's step_times varints (deciseconds, see summary.fbs).
  void AppendStepTimes(std::vector<uint8_t>& out) const;

 private:
  void OnMicroInOrder(uint8_t micro, int64_t t);
  void OnMicroAnyOrder(uint8_t micro, int64_t t);
  void Exclude(uint8_t micro);
  void ExpireChains(int64_t t);
  void ConsiderBest(const FunnelChain& chain, size_t level);
  void GrowBest(const FunnelChain& chain);
  size_t BestLevel() const;
  bool IsStepOfBest(uint8_t micro) const;
  void RecordNextAction(uint16_t action);

  const wire::FunnelDef* def_;
  FunnelState state_;
  std::array<uint8_t, 32> required_{};  // step indices of the required steps
  uint8_t required_count_ = 0;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_FUNNEL_H_
