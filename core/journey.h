// Journey scope (opt-in `privacy.scope: "journey"`, `journey_days` N): funnel
// progress that continues across the visits of one device for up to N days.
// The journey's state lives only on the device (in the session snapshot,
// and between visits in the tracker's journey record); what a visit sends
// is what that visit added, with nothing that names the journey:
//  - per funnel, the steps first reached in the journey during this visit
//    (each step is first reached in exactly one visit of a journey),
//  - the visit's index in the journey, 1..kMaxJourneyVisit (capped),
//  - where a funnel's journey converted in this visit: whole days since
//    the journey's first visit, capped at N.
// Summed over visits: journeys started = visits with index 1, journeys
// reaching step k = visits that first reached k, converted journeys =
// visits whose journey converted in them. Nothing counts twice (a step is
// first reached once per journey) and nothing joins two visits (every field
// is per visit and coarse; each visit has its own nonce and sequence).
//
// A journey ends N days after its first visit started, or after the visit
// in which one of its funnels converted: the next visit starts a new one.
// Funnel windows still apply on event time across the gap between visits: a
// chain whose window ran out in the gap is over, and a later visit starts a
// new chain (README "Privacy", journey scope).
#ifndef MICROCONV_CORE_JOURNEY_H_
#define MICROCONV_CORE_JOURNEY_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "core/config.h"
#include "core/funnel.h"
#include "core/schema/snapshot_generated.h"
#include "core/schema/summary_generated.h"
#include "core/status.h"

namespace microconv {

// Visits past this index are sent as this index ("8 or more").
inline constexpr uint8_t kMaxJourneyVisit = 8;
inline constexpr int64_t kJourneyDayMs = 86400000;

// N (privacy.journey_days) when the config asks for journey scope, else 0.
uint16_t JourneyDays(const Config& config) noexcept;

class JourneyTracker {
 public:
  // Inactive: session scope.
  JourneyTracker() = default;
  // The first visit of a new journey, starting at `visit_start_ms`.
  JourneyTracker(const Config& config, int64_t visit_start_ms);

  // The journey `previous` (the state the previous visit left) continued in
  // the visit starting at `visit_start_ms`, or a new journey when it has
  // ended (N days, a conversion) or does not fit (clock gone backwards).
  void Continue(const JourneyTracker& previous, int64_t visit_start_ms);

  // Checked like the rest of a snapshot: times within [0, max_ms].
  static Result<JourneyTracker> Restore(const Config& config, const wire::JourneySnapshot& snap,
                                        int64_t max_ms);
  flatbuffers::Offset<wire::JourneySnapshot> Save(flatbuffers::FlatBufferBuilder& fbb) const;

  bool active() const noexcept { return visit_ != 0; }
  // When the journey ends by age: its state is deleted then.
  int64_t end_ms() const noexcept;

  void OnMicro(uint8_t micro, int64_t time_ms);
  // This visit's journey fields (all 0 / empty when inactive).
  struct Fields {
    uint8_t visit = 0;
    uint16_t day = 0;
    std::vector<wire::JourneyStep> steps;
  };
  Fields SummaryFields(int64_t visit_start_ms) const;

 private:
  const Config* config_ = nullptr;
  int64_t start_ms_ = 0;
  uint8_t visit_ = 0;  // 0: inactive
  std::vector<FunnelTracker> funnels_;
  std::vector<uint32_t> reached_, reached_before_;
  // Per funnel: 1 once its journey converted (in this visit: a journey
  // that converted in an earlier one has ended).
  std::vector<uint8_t> converted_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_JOURNEY_H_
