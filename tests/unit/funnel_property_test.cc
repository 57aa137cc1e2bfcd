// Property tests of FunnelTracker over random funnels and event streams:
// the furthest required step and conversion equal a brute-force reference
// that tries every chain (sequential, strict) or every stretch of events
// (any order), written from the stated semantics
// (web/dashboard/funnel-semantics.html), not from core/funnel.cc; and a
// snapshot restore at any point changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/funnel.h"
#include "core/wire_ids.h"
#include "flatbuffers/flatbuffers.h"
#include "tests/support/funnel_def.h"

namespace microconv {
namespace {

using wire::FunnelMode;

constexpr uint8_t kExclusion = 9;
constexpr uint8_t kNoise[] = {7, 8};

struct Step {
  uint8_t micro;
  bool optional;
  uint32_t window_ms;
};

struct Funnel {
  FunnelMode mode;
  std::vector<Step> steps;
  bool has_exclusion;
  uint32_t window_ms;
  std::vector<size_t> Required() const {
    std::vector<size_t> required;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (!steps[i].optional) required.push_back(i);
    }
    return required;
  }
};

struct Event {
  uint8_t micro;
  int64_t time_ms;
};

FunnelConfig MakeConfig(const Funnel& f) {
  std::vector<FunnelStepSpec> steps;
  for (const Step& s : f.steps) steps.push_back({{s.micro}, s.optional, s.window_ms});
  return FunnelConfig(f.mode, steps,
                      f.has_exclusion ? std::vector<uint8_t>{kExclusion} : std::vector<uint8_t>{},
                      f.window_ms);
}

// Either a funnel window or step windows (or neither): with both, no single
// chain per step is exact and the tracker documents its choice.
Funnel RandomFunnel(std::mt19937& rng, FunnelMode mode) {
  Funnel f{mode, {}, rng() % 3 == 0, 0};
  size_t count = 2 + rng() % 4;
  bool step_windows = mode != FunnelMode::AnyOrder && rng() % 3 == 0;
  if (!step_windows && rng() % 4 != 0) f.window_ms = 1000 + static_cast<uint32_t>(rng() % 4000);
  for (size_t i = 0; i < count; ++i) {
    uint32_t window = step_windows && rng() % 2 ? 500 + static_cast<uint32_t>(rng() % 2500) : 0;
    f.steps.push_back({static_cast<uint8_t>(1 + i), rng() % 5 == 0, window});
  }
  if (f.Required().empty()) f.steps.back().optional = false;
  return f;
}

// Times mostly move forward (sometimes not at all, sometimes backwards).
std::vector<Event> RandomEvents(std::mt19937& rng, const Funnel& f) {
  std::vector<Event> events;
  size_t count = 1 + rng() % 12;
  int64_t t = 10000;
  for (size_t i = 0; i < count; ++i) {
    uint32_t roll = rng() % 20;
    uint8_t micro = roll < 15   ? f.steps[rng() % f.steps.size()].micro
                    : roll < 18 ? kNoise[rng() % 2]
                                : kExclusion;
    uint32_t move = rng() % 10;
    if (move == 0) {
      t -= rng() % 3000;
    } else if (move > 1) {
      t += rng() % 2500;
    }
    events.push_back({micro, t});
  }
  return events;
}

// Event times as the semantics read them: an earlier time than one already
// seen counts as that one.
std::vector<int64_t> Clock(const std::vector<Event>& events) {
  std::vector<int64_t> times;
  int64_t latest = INT64_MIN;
  for (const Event& e : events) {
    latest = std::max(latest, e.time_ms);
    times.push_back(latest);
  }
  return times;
}

class InOrderReference {
 public:
  InOrderReference(const Funnel& f, const std::vector<Event>& events)
      : f_(f), events_(events), times_(Clock(events)), required_(f.Required()) {}

  size_t Best() {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (events_[i].micro == f_.steps[required_[0]].micro) Extend(0, i, times_[i], times_[i]);
    }
    return best_;
  }

 private:
  // The chain has reached required step `level` with event `at`.
  void Extend(size_t level, size_t at, int64_t start, int64_t last) {
    best_ = std::max(best_, level + 1);
    if (level + 1 == required_.size()) return;
    const Step& next = f_.steps[required_[level + 1]];
    for (size_t j = at + 1; j < events_.size(); ++j) {
      uint8_t micro = events_[j].micro;
      if (f_.has_exclusion && micro == kExclusion) return;  // interrupted
      int64_t t = times_[j];
      bool in_time = (f_.window_ms == 0 || t - start <= f_.window_ms) &&
                     (next.window_ms == 0 || t - last <= next.window_ms);
      if (micro == next.micro && in_time) Extend(level + 1, j, start, t);
      if (f_.mode == FunnelMode::Strict && !MayStay(level, micro)) return;
    }
  }

  // Strict: repeats of the last required step and the optional steps before
  // the next one do not break the chain.
  bool MayStay(size_t level, uint8_t micro) const {
    for (size_t s = required_[level]; s < required_[level + 1]; ++s) {
      if (f_.steps[s].micro == micro) return true;
    }
    return false;
  }

  const Funnel& f_;
  const std::vector<Event>& events_;
  std::vector<int64_t> times_;
  std::vector<size_t> required_;
  size_t best_ = 0;
};

// Any order: every stretch of events without an exclusion inside that fits
// in the window; the longest prefix of required steps it holds.
size_t AnyOrderReference(const Funnel& f, const std::vector<Event>& events) {
  std::vector<int64_t> times = Clock(events);
  std::vector<size_t> required = f.Required();
  size_t best = 0;
  for (size_t lo = 0; lo < events.size(); ++lo) {
    for (size_t hi = lo; hi < events.size(); ++hi) {
      if (f.has_exclusion && events[hi].micro == kExclusion) break;
      if (f.window_ms != 0 && times[hi] - times[lo] > f.window_ms) break;
      size_t level = 0;
      while (level < required.size() &&
             std::any_of(events.begin() + lo, events.begin() + hi + 1, [&](const Event& e) {
               return e.micro == f.steps[required[level]].micro;
             })) {
        ++level;
      }
      best = std::max(best, level);
    }
  }
  return best;
}

// Required steps the tracker's best chain reached, checking they are 1..k.
size_t TrackerLevel(const Funnel& f, const FunnelTracker& tracker) {
  uint32_t reached = tracker.Progress().reached();
  size_t level = 0;
  for (size_t step : f.Required()) {
    if (!(reached & (1u << step))) break;
    ++level;
  }
  uint32_t required_reached = 0, prefix = 0;
  std::vector<size_t> required = f.Required();
  for (size_t i = 0; i < required.size(); ++i) {
    if (reached & (1u << required[i])) required_reached |= 1u << i;
    if (i < level) prefix |= 1u << i;
  }
  EXPECT_EQ(required_reached, prefix) << "reached required steps are not a prefix";
  return level;
}

void CheckAgainstReference(FunnelMode mode, unsigned seed) {
  std::mt19937 rng(seed);
  int converted = 0, cases = 20000;
  for (int c = 0; c < cases; ++c) {
    Funnel f = RandomFunnel(rng, mode);
    std::vector<Event> events = RandomEvents(rng, f);
    FunnelConfig def = MakeConfig(f);
    FunnelTracker tracker(def.def(), 0);
    for (const Event& e : events) tracker.OnMicro(e.micro, e.time_ms);
    size_t expected = mode == FunnelMode::AnyOrder ? AnyOrderReference(f, events)
                                                   : InOrderReference(f, events).Best();
    size_t level = TrackerLevel(f, tracker);
    bool is_converted = HasFlag(tracker.Progress().flags(), wire::FunnelFlags::Converted);
    ASSERT_EQ(level, expected) << "case " << c;
    ASSERT_EQ(is_converted, expected == f.Required().size()) << "case " << c;
    converted += is_converted;
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(converted, cases / 20);
  EXPECT_LT(converted, cases - cases / 20);
}

TEST(FunnelPropertyTest, StrictMatchesBruteForce) { CheckAgainstReference(FunnelMode::Strict, 1); }

TEST(FunnelPropertyTest, AnyOrderMatchesBruteForce) {
  CheckAgainstReference(FunnelMode::AnyOrder, 2);
}

TEST(FunnelPropertyTest, SequentialMatchesBruteForce) {
  CheckAgainstReference(FunnelMode::Sequential, 3);
}

TEST(FunnelPropertyTest, SnapshotAtAnyPointChangesNothing) {
  std::mt19937 rng(4);
  for (int c = 0; c < 5000; ++c) {
    FunnelMode mode = static_cast<FunnelMode>(rng() % 3);
    Funnel f = RandomFunnel(rng, mode);
    std::vector<Event> events = RandomEvents(rng, f);
    std::vector<int64_t> times = Clock(events);
    FunnelConfig def = MakeConfig(f);
    FunnelTracker whole(def.def(), 1), first(def.def(), 1);
    size_t split = rng() % (events.size() + 1);
    for (size_t i = 0; i < events.size(); ++i) whole.OnMicro(events[i].micro, times[i]);
    for (size_t i = 0; i < split; ++i) first.OnMicro(events[i].micro, times[i]);
    int64_t last = split == 0 ? 0 : times[split - 1];
    int64_t base = std::min<int64_t>(times.front(), 0);
    flatbuffers::FlatBufferBuilder builder;
    builder.Finish(first.Snapshot(builder, base));
    auto restored = FunnelTracker::Restore(
        def.def(), 1, *flatbuffers::GetRoot<wire::FunnelSnapshot>(builder.GetBufferPointer()), base,
        std::max<int64_t>(last, base));
    ASSERT_TRUE(restored.ok()) << "case " << c << ": " << restored.message();
    FunnelTracker second = std::move(restored).value();
    for (size_t i = split; i < events.size(); ++i) second.OnMicro(events[i].micro, times[i]);
    wire::FunnelProgress a = whole.Progress(), b = second.Progress();
    ASSERT_EQ(0, std::memcmp(&a, &b, sizeof a)) << "case " << c;
    std::vector<uint8_t> times_a, times_b;
    whole.AppendStepTimes(times_a);
    second.AppendStepTimes(times_b);
    ASSERT_EQ(times_a, times_b) << "case " << c;
  }
}

}  // namespace
}  // namespace microconv
