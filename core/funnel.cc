// Funnel progress of one session. The semantics (one definition for browser,
// collector, docs and dashboard) are in web/dashboard/funnel-semantics.html;
// how this tracker computes them per event in fixed-size state:
// - Sequential: chains[i] keeps, per required step i, the live chain that
//   reached it and started last (ClickHouse windowFunnel keeps the same). A
//   later start with a later last step dominates: anything an earlier chain
//   can still reach in time, it can too, so the furthest step over every
//   possible start is exact with one chain per step. With both a funnel
//   window and step windows no single chain dominates; the tracker keeps the
//   latest start then (documented as such).
// - Strict: as sequential; a micro that is neither the next required step,
//   an optional step before it, nor a repeat of the chain's last required
//   step ends that chain. Chains at one level stop on the same micros, so
//   the latest start still dominates.
// - Any order: the latest time of each step. Required steps 1..k fit in the
//   window when their latest times do, checked at every event: exact.
// - A chain that can no longer take its next required step in time is
//   dropped; exclusions drop all live chains (those they interrupt).
// - The best chain is the first to reach the furthest required step; the
//   first conversion freezes it. Its optional steps count when they happen
//   inside its window after the required steps before them; optional steps
//   before the first required step count when seen before the chain starts.
// - Next actions: micros that are not steps of the best chain and pages,
//   after the best chain's last progress, first three, repeats skipped.
// OnMicro/OnPage allocate nothing: all state is fixed-size.
#include "core/funnel.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <memory>

#include "core/flatbuffer_write.h"
#include "core/summary.h"
#include "core/wire_ids.h"

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

// Milliseconds from `from` to `to`; 0 when `to` is earlier. Unsigned
// arithmetic so extreme inputs cannot overflow.
uint64_t Elapsed(int64_t from, int64_t to) {
  return to <= from ? 0 : static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
}

uint32_t SaturateMs(uint64_t ms) {
  return static_cast<uint32_t>(std::min<uint64_t>(ms, std::numeric_limits<uint32_t>::max()));
}

bool InFunnelWindow(const wire::FunnelDef& def, int64_t start_ms, int64_t t) {
  return def.window_ms() == 0 || Elapsed(start_ms, t) <= def.window_ms();
}

// Whether `chain` may take `step` at `t`: inside the funnel window from its
// start and the step's window from its last required step (both inclusive).
bool InTime(const wire::FunnelDef& def, const FunnelChain& chain, size_t step, int64_t t) {
  uint32_t step_window = Step(def, step).window_ms();
  return InFunnelWindow(def, chain.start_ms, t) &&
         (step_window == 0 || Elapsed(chain.last_ms, t) <= step_window);
}

// One entry per set bit of `bits`, in bit order.
template <typename T, typename F>
std::vector<T> Pack(uint32_t bits, F value) {
  std::vector<T> out;
  for (size_t i = 0; i < kMaxSteps; ++i) {
    if (bits & (1u << i)) out.push_back(value(i));
  }
  return out;
}

template <typename F>
bool Unpack(uint32_t bits, const flatbuffers::Vector<uint32_t>* packed, F store) {
  size_t count = packed ? packed->size() : 0;
  if (count != static_cast<size_t>(std::popcount(bits))) return false;
  flatbuffers::uoffset_t next = 0;
  for (size_t i = 0; i < kMaxSteps; ++i) {
    if (bits & (1u << i)) store(i, packed->Get(next++));
  }
  return true;
}

}  // namespace

FunnelTracker::FunnelTracker(const wire::FunnelDef& def, uint8_t index) : def_(&def) {
  state_.funnel = index;
  uint32_t required = RequiredMask(def, StepCount(def));
  for (size_t j = 0; j < kMaxSteps; ++j) {
    if (required & (1u << j)) required_[required_count_++] = static_cast<uint8_t>(j);
  }
}

void FunnelTracker::OnMicro(uint8_t micro, int64_t time_ms) {
  int64_t t = std::max(time_ms, state_.clock_ms);
  state_.clock_ms = t;
  if (state_.converted || required_count_ == 0) return;
  uint32_t reached_before = state_.reached;
  uint8_t next_before = state_.next_count;
  if (def_->mode() == wire::FunnelMode::AnyOrder) {
    OnMicroAnyOrder(micro, t);
  } else {
    OnMicroInOrder(micro, t);
  }
  bool progressed =
      state_.reached != reached_before || (next_before != 0 && state_.next_count == 0);
  if (!progressed && !IsStepOfBest(micro)) RecordNextAction(micro);
}

void FunnelTracker::ExpireChains(int64_t t) {
  for (size_t i = 0; i + 1 < required_count_; ++i) {
    if ((state_.live & (1u << i)) && !InTime(*def_, state_.chains[i], required_[i + 1], t)) {
      state_.live &= ~(1u << i);
    }
  }
}

void FunnelTracker::Exclude(uint8_t micro) {
  RecordNextAction(micro);
  state_.excluded = true;
  state_.live = 0;
  state_.seen = 0;
}

void FunnelTracker::OnMicroInOrder(uint8_t micro, int64_t t) {
  ExpireChains(t);
  if (IsExclusion(*def_, micro)) {
    // Exclusion wins over a step with the same micro.
    if (state_.live != 0) Exclude(micro);
    return;
  }
  const bool strict = def_->mode() == wire::FunnelMode::Strict;
  const size_t count = StepCount(*def_);
  uint32_t live = state_.live;
  uint32_t stay = 0;  // strict: chains this micro does not interrupt
  // Optional steps join the chain waiting for the next required step.
  for (size_t i = 0; i < required_count_; ++i) {
    size_t end = i + 1 < required_count_ ? required_[i + 1] : count;
    if (!(live & (1u << i))) continue;
    FunnelChain& chain = state_.chains[i];
    if (StepHasMicro(*def_, required_[i], micro)) stay |= 1u << i;
    for (size_t o = required_[i] + 1u; o < end; ++o) {
      if (!StepHasMicro(*def_, o, micro)) continue;
      stay |= 1u << i;
      if ((chain.reached & (1u << o)) || !InTime(*def_, chain, o, t)) continue;
      chain.reached |= 1u << o;
      chain.offset_ms[o] = SaturateMs(Elapsed(chain.start_ms, t));
      if (i + 1 == BestLevel() && chain.start_ms == state_.best_start_ms &&
          (state_.reached & ~chain.reached) == 0) {
        GrowBest(chain);  // the best chain itself took an optional step
      }
    }
  }
  for (size_t o = 0; o < required_[0]; ++o) {
    if (StepHasMicro(*def_, o, micro)) state_.lead_seen |= 1u << o;
  }
  // Highest level first: one event moves each chain at most one step.
  uint32_t extended = 0;
  for (size_t i = required_count_ - 1; i >= 1; --i) {
    size_t step = required_[i];
    if (!(live & (1u << (i - 1))) || !StepHasMicro(*def_, step, micro) ||
        !InTime(*def_, state_.chains[i - 1], step, t)) {
      continue;
    }
    FunnelChain chain = state_.chains[i - 1];
    chain.reached |= 1u << step;
    chain.offset_ms[step] = SaturateMs(Elapsed(chain.start_ms, t));
    chain.last_ms = t;
    state_.chains[i] = chain;
    extended |= 1u << i;
    ConsiderBest(chain, i);
    if (state_.converted) return;
  }
  if (StepHasMicro(*def_, required_[0], micro)) {
    FunnelChain chain;
    chain.start_ms = chain.last_ms = t;
    chain.reached = state_.lead_seen | (1u << required_[0]);
    state_.chains[0] = chain;
    extended |= 1u;
    ConsiderBest(chain, 0);
    if (state_.converted) return;
  }
  uint32_t last_level = 1u << (required_count_ - 1);  // converts: never live
  state_.live = ((strict ? live & stay : live) | extended) & ~last_level;
}

void FunnelTracker::OnMicroAnyOrder(uint8_t micro, int64_t t) {
  const size_t count = StepCount(*def_);
  const uint32_t window = def_->window_ms();
  if (IsExclusion(*def_, micro)) {
    // Running: some required step seen that a chain could still use.
    bool running = false;
    for (size_t i = 0; i < required_count_; ++i) {
      size_t step = required_[i];
      running = running ||
                ((state_.seen & (1u << step)) && InFunnelWindow(*def_, state_.seen_ms[step], t));
    }
    if (running) Exclude(micro);
    return;
  }
  for (size_t j = 0; j < count; ++j) {
    if (!StepHasMicro(*def_, j, micro)) continue;
    state_.seen |= 1u << j;
    state_.seen_ms[j] = t;
  }
  // Required steps 1..level whose latest times fit in the window.
  size_t level = 0;
  int64_t low = std::numeric_limits<int64_t>::max(), high = std::numeric_limits<int64_t>::min();
  for (; level < required_count_; ++level) {
    size_t step = required_[level];
    if (!(state_.seen & (1u << step))) break;
    int64_t at = state_.seen_ms[step];
    int64_t new_low = std::min(low, at), new_high = std::max(high, at);
    if (window != 0 && Elapsed(new_low, new_high) > window) break;
    low = new_low;
    high = new_high;
  }
  if (level == 0) return;
  // Optional steps count up to the next required step, inside the window.
  size_t end = level < required_count_ ? required_[level] : count;
  FunnelChain chain;
  chain.start_ms = low;
  chain.last_ms = high;
  for (size_t j = 0; j < end; ++j) {
    if (!(state_.seen & (1u << j))) continue;
    bool required = std::find(required_.begin(), required_.begin() + required_count_, j) !=
                    required_.begin() + required_count_;
    bool lead = j < required_[0];
    if (!required && !lead &&
        (state_.seen_ms[j] < low || !InFunnelWindow(*def_, low, state_.seen_ms[j]))) {
      continue;
    }
    chain.reached |= 1u << j;
    chain.offset_ms[j] = SaturateMs(Elapsed(low, state_.seen_ms[j]));
  }
  if (level > BestLevel()) {
    ConsiderBest(chain, level - 1);
  } else if (level == BestLevel() && chain.start_ms == state_.best_start_ms &&
             (state_.reached & ~chain.reached) == 0 && chain.reached != state_.reached) {
    GrowBest(chain);  // the best chain itself took an optional step
  }
}

size_t FunnelTracker::BestLevel() const {
  size_t level = 0;
  for (size_t i = 0; i < required_count_; ++i) level += (state_.reached >> required_[i]) & 1u;
  return level;
}

void FunnelTracker::GrowBest(const FunnelChain& chain) {
  state_.reached = chain.reached;
  state_.step_offset_ms = chain.offset_ms;
  state_.furthest = static_cast<uint8_t>(std::bit_width(state_.reached));
  state_.next_count = 0;
}

void FunnelTracker::ConsiderBest(const FunnelChain& chain, size_t level) {
  if (state_.reached != 0 && level + 1 <= BestLevel()) return;  // ties: the earlier chain
  GrowBest(chain);
  state_.best_start_ms = chain.start_ms;
  if (level + 1 == required_count_) {
    state_.converted = true;
    state_.excluded = false;
    state_.live = 0;
  }
}

void FunnelTracker::OnPage(uint16_t page, int64_t /*time_ms*/) {
  if (state_.converted) return;
  RecordNextAction(static_cast<uint16_t>(page | kLiteralBit));
}

bool FunnelTracker::IsStepOfBest(uint8_t micro) const {
  size_t count = StepCount(*def_);
  for (size_t j = 0; j < count; ++j) {
    if ((state_.reached & (1u << j)) && StepHasMicro(*def_, j, micro)) return true;
  }
  return false;
}

void FunnelTracker::RecordNextAction(uint16_t action) {
  if (!started() || state_.converted || state_.next_count >= kMaxNextActions) return;
  if (state_.next_count > 0 && state_.next[state_.next_count - 1] == action) return;
  state_.next[state_.next_count++] = action;
}

wire::FunnelProgress FunnelTracker::Progress() const noexcept {
  const wire::FunnelFlags flags = FlagIf(state_.converted, wire::FunnelFlags::Converted) |
                                  FlagIf(state_.excluded, wire::FunnelFlags::Excluded);
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

flatbuffers::Offset<wire::FunnelSnapshot> FunnelTracker::Snapshot(
    flatbuffers::FlatBufferBuilder& fbb, int64_t base_ms) const {
  const FunnelState& st = state_;
  std::vector<flatbuffers::Offset<wire::FunnelChainSnapshot>> chains;
  for (size_t i = 0; i < required_count_; ++i) {
    if (!(st.live & (1u << i))) continue;
    const FunnelChain& c = st.chains[i];
    chains.push_back(wire::CreateFunnelChainSnapshot(
        fbb, static_cast<uint8_t>(i), c.start_ms, c.last_ms, c.reached,
        VectorOrNull(fbb, Pack<uint32_t>(c.reached, [&](size_t j) { return c.offset_ms[j]; }))));
  }
  const auto step_offset_ms =
      VectorOrNull(fbb, Pack<uint32_t>(st.reached, [&](size_t i) { return st.step_offset_ms[i]; }));
  const auto next =
      VectorOrNull(fbb, std::vector<uint16_t>(st.next.begin(), st.next.begin() + st.next_count));
  const auto seen_offset_ms = VectorOrNull(fbb, Pack<uint32_t>(st.seen, [&](size_t j) {
                                             return SaturateMs(Elapsed(base_ms, st.seen_ms[j]));
                                           }));
  wire::FunnelSnapshotBuilder out(fbb);
  out.add_funnel(st.funnel);
  out.add_reached(st.reached);
  out.add_furthest(st.furthest);
  out.add_converted(st.converted);
  out.add_excluded(st.excluded);
  out.add_step_offset_ms(step_offset_ms);
  out.add_next(next);
  out.add_chains(VectorOrNull(fbb, chains));
  out.add_best_start_ms(st.best_start_ms);
  out.add_seen(st.seen);
  out.add_seen_offset_ms(seen_offset_ms);
  out.add_lead_seen(st.lead_seen);
  out.add_clock_ms(st.clock_ms);
  return out.Finish();
}

Result<FunnelTracker> FunnelTracker::Restore(const wire::FunnelDef& def, uint8_t index,
                                             const wire::FunnelSnapshot& f, int64_t min_ms,
                                             int64_t max_ms) {
  const Result<FunnelTracker> corrupt{Error::kCorruptSnapshot, MICROCONV_MESSAGE("funnel state")};
  FunnelTracker tracker(def, index);
  FunnelState& st = tracker.state_;
  const size_t count = StepCount(def);
  const uint32_t mask = StepMask(count);
  auto in_session = [&](int64_t t) { return t >= min_ms && t <= max_ms; };
  auto fits = [&](uint32_t bits) { return (bits & ~mask) == 0; };
  st.reached = f.reached();
  st.furthest = f.furthest();
  st.converted = f.converted();
  st.excluded = f.excluded();
  st.best_start_ms = f.best_start_ms();
  st.seen = f.seen();
  st.lead_seen = f.lead_seen();
  st.clock_ms = f.clock_ms();
  size_t next_count = f.next() ? f.next()->size() : 0;
  if (f.funnel() != index || !fits(st.reached) || !fits(st.seen) || !fits(st.lead_seen) ||
      st.furthest > count || next_count > kMaxNextActions ||
      (st.reached != 0 && st.best_start_ms != 0 && !in_session(st.best_start_ms)) ||
      (st.clock_ms != 0 && !in_session(st.clock_ms)) ||
      !Unpack(st.reached, f.step_offset_ms(),
              [&](size_t i, uint32_t v) { st.step_offset_ms[i] = v; }) ||
      !Unpack(st.seen, f.seen_offset_ms(),
              [&](size_t i, uint32_t v) { st.seen_ms[i] = min_ms + v; })) {
    return corrupt;
  }
  for (size_t n = 0; n < next_count; ++n) {
    st.next[n] = f.next()->Get(static_cast<flatbuffers::uoffset_t>(n));
  }
  st.next_count = static_cast<uint8_t>(next_count);
  auto add_chain = [&](size_t level, int64_t start, int64_t last, uint32_t reached,
                       const flatbuffers::Vector<uint32_t>* offsets) {
    if (level + 1 >= tracker.required_count_ || (st.live & (1u << level)) || !in_session(start) ||
        !in_session(last) || start > last || !fits(reached)) {
      return false;
    }
    FunnelChain& chain = st.chains[level];
    chain = FunnelChain{start, last, reached, {}};
    st.live |= 1u << level;
    return Unpack(reached, offsets, [&](size_t i, uint32_t v) { chain.offset_ms[i] = v; });
  };
  if (f.chains()) {
    for (const wire::FunnelChainSnapshot* c : *f.chains()) {
      if (!add_chain(c->level(), c->start_ms(), c->last_ms(), c->reached(), c->offset_ms())) {
        return corrupt;
      }
    }
  } else if (f.attempt_reached() != 0 && !st.converted) {
    // A snapshot of the earlier single-attempt tracker: its attempt is a chain.
    uint32_t attempt = f.attempt_reached();
    if (def.mode() == wire::FunnelMode::AnyOrder) {
      if (!fits(attempt) || !in_session(f.attempt_start_ms()) ||
          !Unpack(attempt, f.attempt_offset_ms(),
                  [&](size_t i, uint32_t v) { st.seen_ms[i] = f.attempt_start_ms() + v; })) {
        return corrupt;
      }
      st.seen = attempt;
    } else {
      size_t level = 0;
      while (level < tracker.required_count_ && (attempt & (1u << tracker.required_[level])))
        ++level;
      if (level > 0 && level < tracker.required_count_ &&
          !add_chain(level - 1, f.attempt_start_ms(), f.attempt_last_ms(), attempt,
                     f.attempt_offset_ms())) {
        return corrupt;
      }
    }
  }
  return tracker;
}

}  // namespace microconv
