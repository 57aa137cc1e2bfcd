// Funnel progress of one session. The rules, where SPEC section 4 is silent:
// - Attempts. The session may enter the funnel several times; the tracker
//   follows one current attempt and keeps the best one (converted first, then
//   larger `furthest`, then the earlier one). The first conversion freezes it.
// - Sequential: step j is reachable once every required step before it is
//   reached; the micro reaches the lowest such step that is still in time.
//   Steps behind the furthest one are never reached again (an optional step
//   done after a later step does not count; loops such as A,B,A,B,C advance).
// - Strict: as sequential, but a micro that neither reaches a next step nor
//   repeats the last reached one ends the attempt; that micro is then tried
//   on a fresh attempt (step 0, or the leading optional steps and the first
//   required step).
// - Any-order: a micro reaches the lowest unreached step it matches.
// - Conversion: every required step reached (a funnel with no required step
//   treats its last step as required). `furthest` after conversion is one
//   past the last required step; later optional steps are never reached.
// - Windows are inclusive and measured from the attempt's first reached step
//   (funnel) or its last reached step (step). An attempt that can no longer
//   progress in time ends at the next micro, which may start a new attempt.
//   Times going backwards count as no time passing.
// - Exclusions: after the funnel started and before conversion, an exclusion
//   micro marks the session excluded and freezes the progress (exclusion wins
//   over a step with the same micro). Before the funnel started it is ignored.
// - Next actions: micros that are not steps of the best attempt and pages
//   (OnPage must come before the micros the page view fires), recorded after
//   the best attempt's last progress, first three, immediate repeats skipped.
// OnMicro/OnPage allocate nothing: all state is fixed-size.
#include "core/funnel.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "core/summary.h"

namespace microconv {
namespace {

constexpr size_t kMaxSteps = 32;
constexpr size_t kMaxNextActions = 3;

size_t StepCount(const wire::FunnelDef& def) {
  const auto* steps = def.steps();
  return steps ? std::min<size_t>(steps->size(), kMaxSteps) : 0;
}

uint32_t StepMask(size_t count) { return count >= kMaxSteps ? ~0u : (1u << count) - 1u; }

// Only for step < StepCount(def).
const wire::FunnelStepDef& Step(const wire::FunnelDef& def, size_t step) {
  return *def.steps()->Get(static_cast<flatbuffers::uoffset_t>(step));
}

bool StepHasMicro(const wire::FunnelDef& def, size_t step, uint8_t micro) {
  const auto* micros = Step(def, step).micros();
  return micros && std::find(micros->begin(), micros->end(), micro) != micros->end();
}

// Steps whose reach converts; the last step when the config marks none.
uint32_t RequiredMask(const wire::FunnelDef& def, size_t count) {
  uint32_t mask = 0;
  for (size_t j = 0; j < count; ++j) {
    if (!Step(def, j).optional()) mask |= 1u << j;
  }
  return (mask == 0 && count > 0) ? 1u << (count - 1) : mask;
}

bool IsExclusion(const wire::FunnelDef& def, uint8_t micro) {
  const auto* exclusions = def.exclusions();
  return exclusions &&
         std::find(exclusions->begin(), exclusions->end(), micro) != exclusions->end();
}

// Milliseconds from `from` to `to`; 0 when time went backwards. Unsigned
// arithmetic so extreme inputs cannot overflow.
uint64_t Elapsed(int64_t from, int64_t to) {
  return to <= from ? 0 : static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
}

uint32_t SaturateMs(uint64_t ms) {
  return static_cast<uint32_t>(std::min<uint64_t>(ms, std::numeric_limits<uint32_t>::max()));
}

// The rules of one mode over the current attempt of `state`.
class Attempt {
 public:
  Attempt(const wire::FunnelDef& def, FunnelState& state)
      : def_(def), state_(state), count_(StepCount(def)), required_(RequiredMask(def, count_)) {}

  bool any_order() const { return def_.mode() == wire::FunnelMode::AnyOrder; }
  bool strict() const { return def_.mode() == wire::FunnelMode::Strict; }
  uint32_t reached() const { return state_.attempt_reached; }
  bool converted() const { return (reached() & required_) == required_ && reached() != 0; }

  uint8_t Furthest() const {
    return static_cast<uint8_t>(any_order() ? std::popcount(reached()) : std::bit_width(reached()));
  }

  // Bit j set when step j may be reached next, ignoring windows.
  uint32_t Candidates() const {
    if (any_order()) return StepMask(count_) & ~reached();
    uint32_t candidates = 0;
    for (size_t j = std::bit_width(reached()); j < count_; ++j) {
      candidates |= 1u << j;
      if (required_ & (1u << j)) break;
    }
    return candidates;
  }

  bool InTime(size_t step, int64_t t) const {
    if (reached() == 0) return true;
    uint32_t funnel_window = def_.window_ms();
    if (funnel_window != 0 && Elapsed(state_.attempt_start_ms, t) > funnel_window) return false;
    uint32_t step_window = Step(def_, step).window_ms();
    return step_window == 0 || Elapsed(state_.attempt_last_ms, t) <= step_window;
  }

  bool CanProgress(int64_t t) const {
    uint32_t candidates = Candidates();
    for (size_t j = 0; j < count_; ++j) {
      if ((candidates & (1u << j)) && InTime(j, t)) return true;
    }
    return false;
  }

  // The step `micro` reaches at `t`, or -1.
  int Target(uint8_t micro, int64_t t) const {
    uint32_t candidates = Candidates();
    for (size_t j = 0; j < count_; ++j) {
      if ((candidates & (1u << j)) && StepHasMicro(def_, j, micro) && InTime(j, t)) {
        return static_cast<int>(j);
      }
    }
    return -1;
  }

  bool RepeatsLastStep(uint8_t micro) const {
    return reached() != 0 && StepHasMicro(def_, std::bit_width(reached()) - 1, micro);
  }

  void Reset() {
    state_.attempt_reached = 0;
    state_.attempt_start_ms = 0;
    state_.attempt_last_ms = 0;
    state_.attempt_offset_ms.fill(0);
  }

  void Reach(size_t step, int64_t t) {
    if (reached() == 0) {
      state_.attempt_start_ms = t;
      state_.attempt_last_ms = t;
    }
    state_.attempt_reached |= 1u << step;
    state_.attempt_offset_ms[step] = SaturateMs(Elapsed(state_.attempt_start_ms, t));
    state_.attempt_last_ms = std::max(state_.attempt_last_ms, t);
  }

 private:
  const wire::FunnelDef& def_;
  FunnelState& state_;
  size_t count_;
  uint32_t required_;
};

}  // namespace

FunnelTracker::FunnelTracker(const wire::FunnelDef& def, uint8_t index) : def_(&def) {
  state_.funnel = index;
}

FunnelTracker::FunnelTracker(const wire::FunnelDef& def, const FunnelState& restored)
    : def_(&def), state_(restored) {
  // A snapshot comes from storage the page can tamper with: keep it inside
  // this funnel's shape so later reads stay in range.
  size_t count = StepCount(def);
  uint32_t mask = StepMask(count);
  state_.reached &= mask;
  state_.attempt_reached &= mask;
  state_.furthest = static_cast<uint8_t>(std::min<size_t>(state_.furthest, count));
  state_.next_count = static_cast<uint8_t>(std::min<size_t>(state_.next_count, kMaxNextActions));
}

void FunnelTracker::OnMicro(uint8_t micro, int64_t time_ms) {
  if (state_.converted || state_.excluded || StepCount(*def_) == 0) return;
  if (IsExclusion(*def_, micro)) {
    if (!started()) return;
    RecordNextAction(micro);
    state_.excluded = true;
    return;
  }
  Attempt attempt(*def_, state_);
  if (attempt.reached() != 0 && !attempt.CanProgress(time_ms)) attempt.Reset();
  int step = attempt.Target(micro, time_ms);
  if (step < 0 && attempt.strict() && attempt.reached() != 0 && !attempt.RepeatsLastStep(micro)) {
    attempt.Reset();
    step = attempt.Target(micro, time_ms);
  }
  if (step >= 0) {
    attempt.Reach(static_cast<size_t>(step), time_ms);
    bool converted = attempt.converted();
    // Ties go to the earlier attempt; a best attempt that progresses always
    // grows its furthest, so this also follows the best attempt itself.
    if (converted || attempt.Furthest() > state_.furthest) {
      state_.reached = state_.attempt_reached;
      state_.furthest = attempt.Furthest();
      state_.step_offset_ms = state_.attempt_offset_ms;
      state_.converted = converted;
      state_.next_count = 0;
      return;
    }
  }
  if (!IsStepOfBest(micro)) RecordNextAction(micro);
}

void FunnelTracker::OnPage(uint16_t page, int64_t /*time_ms*/) {
  if (state_.converted || state_.excluded) return;
  RecordNextAction(static_cast<uint16_t>(page | kNextActionPageBit));
}

bool FunnelTracker::IsStepOfBest(uint8_t micro) const {
  size_t count = StepCount(*def_);
  for (size_t j = 0; j < count; ++j) {
    if ((state_.reached & (1u << j)) && StepHasMicro(*def_, j, micro)) return true;
  }
  return false;
}

void FunnelTracker::RecordNextAction(uint16_t action) {
  if (!started() || state_.next_count >= kMaxNextActions) return;
  if (state_.next_count > 0 && state_.next[state_.next_count - 1] == action) return;
  state_.next[state_.next_count++] = action;
}

wire::FunnelProgress FunnelTracker::Progress() const noexcept {
  auto flags = static_cast<uint8_t>((state_.converted ? 1u : 0u) | (state_.excluded ? 2u : 0u));
  // Slots past next_count may hold stale actions from before a reset: send
  // zeros so equal progress always encodes to equal bytes.
  auto next = [&](uint8_t i) -> uint16_t { return i < state_.next_count ? state_.next[i] : 0; };
  return wire::FunnelProgress(state_.funnel, flags, state_.furthest, state_.next_count,
                              state_.reached, next(0), next(1), next(2));
}

void FunnelTracker::AppendStepTimes(std::vector<uint8_t>& out) const {
  uint32_t rest = state_.reached & (state_.reached - 1);  // all but the lowest bit
  while (rest != 0) {
    int step = std::countr_zero(rest);
    AppendVarint(state_.step_offset_ms[static_cast<size_t>(step)] / 100, out);
    rest &= rest - 1;
  }
}

}  // namespace microconv
