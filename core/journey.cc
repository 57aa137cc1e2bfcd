#include "core/journey.h"

#include <algorithm>

#include "core/flatbuffer_write.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

uint32_t StepMask(const wire::FunnelDef& def) {
  const size_t steps = def.steps() == nullptr ? 0 : def.steps()->size();
  return steps >= 32 ? 0xffffffffu : (uint32_t{1} << steps) - 1;
}

}  // namespace

uint16_t JourneyDays(const Config& config) noexcept {
  const auto* privacy = config.def().privacy();
  if (privacy == nullptr || privacy->scope() != wire::PrivacyScope::Journey) return 0;
  return privacy->journey_days();
}

JourneyTracker::JourneyTracker(const Config& config, int64_t visit_start_ms)
    : config_(&config), start_ms_(visit_start_ms), visit_(1) {
  const auto* funnels = config.def().funnels();
  for (size_t i = 0; funnels != nullptr && i < funnels->size(); ++i) {
    funnels_.emplace_back(*funnels->Get(static_cast<flatbuffers::uoffset_t>(i)),
                          static_cast<uint8_t>(i));
  }
  reached_.assign(funnels_.size(), 0);
  reached_before_.assign(funnels_.size(), 0);
  converted_.assign(funnels_.size(), 0);
}

void JourneyTracker::Continue(const JourneyTracker& previous, int64_t visit_start_ms) {
  const bool converted = std::any_of(previous.converted_.begin(), previous.converted_.end(),
                                     [](uint8_t c) { return c != 0; });
  if (!previous.active() || previous.config_ != config_ || converted ||
      visit_start_ms < previous.start_ms_ || visit_start_ms >= previous.end_ms()) {
    return;  // this visit starts a new journey (as constructed)
  }
  start_ms_ = previous.start_ms_;
  visit_ = static_cast<uint8_t>(std::min<int>(previous.visit_ + 1, kMaxJourneyVisit));
  funnels_ = previous.funnels_;
  reached_ = previous.reached_;
  reached_before_ = previous.reached_;
  // converted_ stays all 0: a journey that converted does not continue.
}

int64_t JourneyTracker::end_ms() const noexcept {
  return active() ? start_ms_ + int64_t{JourneyDays(*config_)} * kJourneyDayMs : 0;
}

void JourneyTracker::OnMicro(uint8_t micro, int64_t time_ms) {
  for (size_t i = 0; i < funnels_.size(); ++i) {
    funnels_[i].OnMicro(micro, time_ms);
    reached_[i] |= funnels_[i].state().reached;
    if (funnels_[i].state().converted) converted_[i] = 1;
  }
}

JourneyTracker::Fields JourneyTracker::SummaryFields(int64_t visit_start_ms) const {
  Fields s;
  if (!active()) return s;
  s.visit = visit_;
  bool converted_here = false;
  for (size_t i = 0; i < funnels_.size(); ++i) {
    const uint32_t first = reached_[i] & ~reached_before_[i];
    // Converted in this visit: a journey that converted earlier has ended.
    const bool converted = converted_[i] != 0;
    if (first == 0 && !converted) continue;
    converted_here |= converted;
    s.steps.emplace_back(static_cast<uint8_t>(i), FlagIf(converted, wire::FunnelFlags::Converted),
                         0, first);
  }
  if (converted_here) {
    const int64_t days = std::max<int64_t>(visit_start_ms - start_ms_, 0) / kJourneyDayMs;
    s.day = static_cast<uint16_t>(std::min<int64_t>(days, JourneyDays(*config_)));
  }
  return s;
}

flatbuffers::Offset<wire::JourneySnapshot> JourneyTracker::Save(
    flatbuffers::FlatBufferBuilder& fbb) const {
  std::vector<flatbuffers::Offset<wire::FunnelSnapshot>> funnels;
  for (const FunnelTracker& funnel : funnels_) funnels.push_back(funnel.Snapshot(fbb, start_ms_));
  return wire::CreateJourneySnapshot(
      fbb, start_ms_, visit_, VectorOrNull(fbb, funnels), VectorOrNull(fbb, reached_),
      VectorOrNull(fbb, reached_before_), VectorOrNull(fbb, converted_));
}

Result<JourneyTracker> JourneyTracker::Restore(const Config& config,
                                               const wire::JourneySnapshot& snap, int64_t max_ms) {
  const Result<JourneyTracker> corrupt{Error::kCorruptSnapshot, MICROCONV_MESSAGE("journey state")};
  const auto* defs = config.def().funnels();
  const size_t count = defs == nullptr ? 0 : defs->size();
  auto sized = [count](const auto* v) { return (v == nullptr ? 0 : v->size()) == count; };
  if (JourneyDays(config) == 0 || snap.visit() < 1 || snap.visit() > kMaxJourneyVisit ||
      snap.start_ms() < 0 || snap.start_ms() > max_ms || !sized(snap.funnels()) ||
      !sized(snap.reached()) || !sized(snap.reached_before()) || !sized(snap.converted())) {
    return corrupt;
  }
  JourneyTracker journey;
  journey.config_ = &config;
  journey.start_ms_ = snap.start_ms();
  journey.visit_ = snap.visit();
  for (size_t i = 0; i < count; ++i) {
    const auto at = static_cast<flatbuffers::uoffset_t>(i);
    const wire::FunnelDef& def = *defs->Get(at);
    auto funnel = FunnelTracker::Restore(def, static_cast<uint8_t>(i), *snap.funnels()->Get(at),
                                         snap.start_ms(), max_ms);
    const uint32_t reached = snap.reached()->Get(at);
    const uint32_t before = snap.reached_before()->Get(at);
    const uint8_t converted = snap.converted()->Get(at);
    // What was reached before this visit is part of what is reached so far.
    if (!funnel.ok() || (reached & ~StepMask(def)) != 0 || (before & ~reached) != 0 ||
        converted > 1) {
      return corrupt;
    }
    journey.funnels_.push_back(std::move(funnel).value());
    journey.reached_.push_back(reached);
    journey.reached_before_.push_back(before);
    journey.converted_.push_back(converted);
  }
  return journey;
}

}  // namespace microconv
