// FunnelTracker: modes, optional steps, exclusions, windows, chains, next
// actions, step times and snapshots (web/dashboard/funnel-semantics.html
// states the rules; funnel_property_test.cc checks strict and any order
// against a brute-force reference).
#include "core/funnel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "core/wire_ids.h"
#include "flatbuffers/flatbuffers.h"
#include "tests/support/funnel_def.h"

namespace microconv {
namespace {

using wire::FunnelMode;

// Micro-conversion ids used by the tests.
constexpr uint8_t kA = 1, kB = 2, kC = 3, kD = 4, kOther = 20, kExit = 30, kOther2 = 21;

using StepSpec = FunnelStepSpec;

FunnelConfig Abc(FunnelMode mode, uint32_t window_ms = 0) {
  return FunnelConfig(mode, {{{kA}}, {{kB}}, {{kC}}}, {}, window_ms);
}

// The article's purchase journey as in demo-site/sites/demo.json: optional
// sign in, then eight required steps. Micro id of step i is 10 + i.
FunnelConfig Purchase() {
  std::vector<StepSpec> steps;
  for (uint8_t i = 0; i < 9; ++i) steps.push_back({{static_cast<uint8_t>(10 + i)}, i == 0});
  return FunnelConfig(FunnelMode::Sequential, steps, {}, 3600 * 1000);
}

void Feed(FunnelTracker& tracker, const std::vector<uint8_t>& micros, int64_t start_ms = 0,
          int64_t step_ms = 1000) {
  int64_t t = start_ms;
  for (uint8_t micro : micros) {
    tracker.OnMicro(micro, t);
    t += step_ms;
  }
}

std::vector<uint8_t> StepTimes(const FunnelTracker& tracker) {
  std::vector<uint8_t> out;
  tracker.AppendStepTimes(out);
  return out;
}

std::vector<uint16_t> NextActions(const FunnelTracker& tracker) {
  wire::FunnelProgress p = tracker.Progress();
  std::vector<uint16_t> all = {p.next0(), p.next1(), p.next2()};
  return std::vector<uint16_t>(all.begin(), all.begin() + p.next_count());
}

uint16_t Page(uint16_t id) { return static_cast<uint16_t>(id | kLiteralBit); }

// --- Sequential ------------------------------------------------------------

TEST(FunnelTest, NewTrackerHasNotStarted) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 7);
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_FALSE(tracker.started());
  EXPECT_EQ(p.funnel(), 7);
  EXPECT_EQ(p.flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(p.furthest(), 0);
  EXPECT_EQ(p.reached(), 0u);
  EXPECT_EQ(p.next_count(), 0);
  EXPECT_TRUE(StepTimes(tracker).empty());
}

TEST(FunnelTest, SequentialInOrderConverts) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 2);
  Feed(tracker, {kA, kB, kC});
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_TRUE(tracker.started());
  EXPECT_EQ(p.funnel(), 2);
  EXPECT_EQ(p.flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(p.furthest(), 3);
  EXPECT_EQ(p.reached(), 0b111u);
}

TEST(FunnelTest, SequentialAllowsOtherEventsBetweenSteps) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kOther, kA, kOther, kOther2, kB, kOther, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b111u);
}

TEST(FunnelTest, SequentialIgnoresStepFurtherAhead) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kC, kB});
  EXPECT_EQ(tracker.Progress().reached(), 0b011u);
  EXPECT_EQ(tracker.Progress().furthest(), 2);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  tracker.OnMicro(kC, 10000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, SequentialOutOfOrderReachesOnlyTheFirstStep) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kC, kB, kA});
  EXPECT_EQ(tracker.Progress().reached(), 0b001u);
  EXPECT_EQ(tracker.Progress().furthest(), 1);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
}

TEST(FunnelTest, PurchaseJourneyComplete) {
  FunnelConfig config = Purchase();
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {10, 11, 12, 13, 14, 15, 16, 17, 18}, 0, 60000);
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_EQ(p.flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(p.furthest(), 9);
  EXPECT_EQ(p.reached(), 0x1ffu);
  // From the first required step: the optional sign in starts no clock.
  EXPECT_EQ(tracker.state().step_offset_ms[8], 7u * 60000u);
}

TEST(FunnelTest, PurchaseJourneyDropOffAtStep4) {
  FunnelConfig config = Purchase();
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {10, 11, 12, 13});
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_EQ(p.flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(p.furthest(), 4);  // the drop-off step: add to cart
  EXPECT_EQ(p.reached(), 0x0fu);
}

TEST(FunnelTest, OptionalFirstStepSkippedCountsAsPassed) {
  FunnelConfig config = Purchase();
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {11, 12, 13, 14});
  EXPECT_EQ(tracker.Progress().furthest(), 5);
  EXPECT_EQ(tracker.Progress().reached(), 0x1eu);
  Feed(tracker, {15, 16, 17, 18}, 10000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0x1feu);
}

TEST(FunnelTest, OptionalStepReachedLateDoesNotCount) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, true}, {{kC}}, {{kD}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kC, kB});
  EXPECT_EQ(tracker.Progress().reached(), 0b0101u);
  EXPECT_EQ(tracker.Progress().furthest(), 3);
  tracker.OnMicro(kD, 5000);
  EXPECT_EQ(tracker.Progress().reached(), 0b1101u);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, OptionalStepReachedInOrderCounts) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, true}, {{kC}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kC});
  EXPECT_EQ(tracker.Progress().reached(), 0b111u);
}

TEST(FunnelTest, TrailingOptionalStepDoesNotBlockConversion) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}, true}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b011u);  // frozen at the conversion
  EXPECT_EQ(tracker.Progress().furthest(), 2);
}

TEST(FunnelTest, AllOptionalFunnelConvertsOnItsLastStep) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}, true}, {{kB}, true}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  tracker.OnMicro(kB, 10);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, StepWithSeveralMicrosIsReachedByAnyOfThem) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA, kOther}}, {{kB, kOther2}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kOther, kOther2});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, SameMicroInTwoStepsAdvancesOnRepeat) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kA}}, {{kB}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB});
  EXPECT_EQ(tracker.Progress().reached(), 0b001u);
  Feed(tracker, {kA, kB}, 5000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, SequentialLoopingStepsConvertWithTheLatestStart) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kA, kB, kC});  // t = 0, 1000, 2000, 3000, 4000
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  // Step times are the converting chain's: the one that started last.
  EXPECT_EQ(tracker.state().step_offset_ms[1], 1000u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 2000u);
}

TEST(FunnelTest, RunningChainDoesNotBlockALaterFasterOne) {
  // The first A's chain is still running when the second A starts a faster one.
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kA, 600);
  tracker.OnMicro(kB, 700);
  tracker.OnMicro(kC, 1500);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 100u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 900u);
}

TEST(FunnelTest, OptionalFirstStepDoesNotStartTheClock) {
  // Sign in (optional) long before the required steps: a guest with the
  // same timing converts, so the signed-in visitor does too.
  FunnelConfig config(FunnelMode::Sequential, {{{kOther}, true}, {{kA}}, {{kB}}}, {}, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kOther, 0);
  tracker.OnMicro(kA, 800);
  tracker.OnMicro(kB, 1700);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b111u);
  EXPECT_EQ(tracker.state().step_offset_ms[0], 0u);  // before the clock started
  EXPECT_EQ(tracker.state().step_offset_ms[2], 900u);
}

TEST(FunnelTest, OptionalMiddleStepDoesNotResetTheStepClock) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, true}, {{kC}, false, 1000}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 900);
  tracker.OnMicro(kC, 1001);  // 1001 after A: the optional B does not restart it
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(tracker.Progress().reached(), 0b011u);
  EXPECT_EQ(tracker.Progress().furthest(), 2);  // drop-off at the optional step
}

TEST(FunnelTest, OptionalStepAloneDoesNotEnterTheFunnel) {
  FunnelConfig config = Purchase();
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(10, 0);
  tracker.OnPage(3, 10);
  EXPECT_FALSE(tracker.started());
  EXPECT_EQ(tracker.Progress().furthest(), 0);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
}

// --- Strict ----------------------------------------------------------------

TEST(FunnelTest, StrictInOrderConverts) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kOther, kA, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, StrictBrokenByAnotherMicro) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kOther, kB, kC});
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_EQ(p.flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(p.reached(), 0b001u);  // best attempt: A alone
  EXPECT_EQ(p.furthest(), 1);
  EXPECT_EQ(tracker.state().live, 0u);
}

TEST(FunnelTest, SequentialNotBrokenByTheSameMicros) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kOther, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, StrictRepeatOfCurrentStepIsNotABreak) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kA, kB, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 3000u);  // from the second A
}

TEST(FunnelTest, StrictLoopRestartsAtTheBreakingEntry) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kA, kB, kC});  // the second A breaks and starts again
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b111u);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 1000u);  // from the second A (t=2000)
  EXPECT_EQ(tracker.state().step_offset_ms[2], 2000u);
}

TEST(FunnelTest, StrictBreakCanStartAfterLeadingOptionalStep) {
  FunnelConfig config(FunnelMode::Strict, {{{kOther}, true}, {{kA}}, {{kB}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kC, kOther2});
  EXPECT_EQ(tracker.state().live, 0u);
  // kC breaks nothing running; kA starts a chain. The optional first step
  // counts when seen before the chain's first required step.
  Feed(tracker, {kOther, kC, kA, kB}, 10000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b111u);
  EXPECT_EQ(tracker.Progress().furthest(), 3);
}

// --- Any-order -------------------------------------------------------------

TEST(FunnelTest, AnyOrderConvertsInReverse) {
  FunnelConfig config = Abc(FunnelMode::AnyOrder);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kC, kB});
  // Step k needs steps 1..k: without A nothing is reached.
  EXPECT_FALSE(tracker.started());
  EXPECT_EQ(tracker.Progress().furthest(), 0);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  tracker.OnMicro(kA, 5000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[0], 5000u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 0u);
}

TEST(FunnelTest, AnyOrderOptionalStepNotNeeded) {
  // The demo's newsletter funnel: read a post, optional form start, sign up.
  FunnelConfig config(FunnelMode::AnyOrder, {{{kA}}, {{kB}, true}, {{kC}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kC, kA});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().reached(), 0b101u);
  EXPECT_EQ(tracker.Progress().furthest(), 3);
}

TEST(FunnelTest, AnyOrderLastStepAloneIsNotReached) {
  // The newsletter funnel said "Converted 277" while its last step was
  // reached by 433: signing up without reading a post reached the last step
  // but did not convert. Now the last step is reached only with step 1.
  FunnelConfig config(FunnelMode::AnyOrder, {{{kA}}, {{kB}, true}, {{kC}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kB, kC});
  EXPECT_FALSE(tracker.started());
  tracker.OnMicro(kA, 5000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  // The optional B at 0 is before the chain (C at 1000, A at 5000).
  EXPECT_EQ(tracker.Progress().reached(), 0b101u);
}

TEST(FunnelTest, AnyOrderReachedStepsArePrefixes) {
  FunnelConfig config(FunnelMode::AnyOrder, {{{kA}}, {{kB}}, {{kC}}, {{kD}}});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kD, kB, kA});
  EXPECT_EQ(tracker.Progress().reached(), 0b0011u);  // D waits for C
  EXPECT_EQ(tracker.Progress().furthest(), 2);
}

TEST(FunnelTest, AnyOrderLoopConverts) {
  FunnelConfig config = Abc(FunnelMode::AnyOrder);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kA, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 2000u);  // latest A, B, C
}

TEST(FunnelTest, AnyOrderFunnelWindow) {
  FunnelConfig config = Abc(FunnelMode::AnyOrder, 2000);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kC, kA, kOther, kB});  // B at 3000 is too late for C at 0
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(tracker.Progress().furthest(), 2);
}

// --- Exclusions ------------------------------------------------------------

TEST(FunnelTest, ExclusionBeforeTheFunnelStartedIsIgnored) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kExit, kA, kB});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, ExclusionBeforeConversionExcludes) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}}}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kExit, kC});
  wire::FunnelProgress p = tracker.Progress();
  EXPECT_EQ(p.flags(), wire::FunnelFlags::Excluded);
  EXPECT_EQ(p.reached(), 0b011u);
  EXPECT_EQ(p.furthest(), 2);
  // C could not continue the cancelled chain: it is what the visitor did next.
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{kExit, kC}));
  EXPECT_EQ(tracker.state().live, 0u);
}

TEST(FunnelTest, ExclusionCancelsOnlyTheChainsItInterrupts) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}}}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kExit, kA, kB, kC});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);  // a later chain converts
  EXPECT_EQ(tracker.state().best_start_ms, 3000);
}

TEST(FunnelTest, AnyOrderExclusionSplitsTheSteps) {
  FunnelConfig config(FunnelMode::AnyOrder, {{{kA}}, {{kB}}}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kExit, kB});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Excluded);
  tracker.OnMicro(kA, 9000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, ExclusionAfterConversionChangesNothing) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kExit});
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

// --- Windows ---------------------------------------------------------------

TEST(FunnelTest, FunnelWindowExactlyAtTheLimitConverts) {
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 5000);
  tracker.OnMicro(kB, 5500);
  tracker.OnMicro(kC, 6000);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, FunnelWindowOneMsOverDoesNotConvert) {
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 5000);
  tracker.OnMicro(kB, 5500);
  tracker.OnMicro(kC, 6001);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(tracker.Progress().reached(), 0b011u);
  EXPECT_EQ(tracker.state().live, 0u);  // no chain can go on
}

TEST(FunnelTest, StepWindowExactlyAtTheLimitConverts) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}, false, 100}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 500);
  tracker.OnMicro(kC, 600);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, StepWindowOneMsOverDoesNotConvert) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}, false, 100}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 500);
  tracker.OnMicro(kC, 601);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(tracker.Progress().furthest(), 2);
}

TEST(FunnelTest, StepWindowIsFromTheLastReachedStep) {
  // Step windows measure from the previous reached step, not the first one.
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, false, 100}, {{kC}, false, 100}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 100);
  tracker.OnMicro(kC, 200);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
}

TEST(FunnelTest, ExpiredAttemptRestartsWithTheEntryStep) {
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 100);
  tracker.OnMicro(kA, 2000);  // the first attempt can no longer progress
  tracker.OnMicro(kB, 2100);
  tracker.OnMicro(kC, 2300);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 100u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 300u);
}

// --- Attempts --------------------------------------------------------------

TEST(FunnelTest, SecondAttemptThatGoesFurtherIsTheBest) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}}, {{kD}}}, {}, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnMicro(kB, 100);
  tracker.OnMicro(kA, 5000);
  EXPECT_EQ(tracker.Progress().furthest(), 2);  // still the first attempt
  EXPECT_EQ(tracker.state().step_offset_ms[1], 100u);
  tracker.OnMicro(kB, 5200);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 100u);  // a tie keeps the earlier
  tracker.OnMicro(kC, 5300);
  EXPECT_EQ(tracker.Progress().furthest(), 3);
  EXPECT_EQ(tracker.Progress().reached(), 0b0111u);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 200u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 300u);
}

TEST(FunnelTest, ShorterLaterAttemptKeepsTheFirst) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kOther, kA});
  EXPECT_EQ(tracker.Progress().reached(), 0b011u);
  EXPECT_EQ(tracker.Progress().furthest(), 2);
  EXPECT_EQ(tracker.state().live, 0b001u);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 1000u);
}

TEST(FunnelTest, ConversionThenMoreEventsChangesNothing) {
  FunnelConfig config = Abc(FunnelMode::Strict, 10000);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kC});
  FunnelState before = tracker.state();
  Feed(tracker, {kOther, kA, kB, kC, kD}, 50000);
  tracker.OnPage(3, 60000);
  const FunnelState& after = tracker.state();
  EXPECT_TRUE(after.converted);
  EXPECT_EQ(after.reached, before.reached);
  EXPECT_EQ(after.step_offset_ms, before.step_offset_ms);
  EXPECT_EQ(after.best_start_ms, before.best_start_ms);
  EXPECT_EQ(after.next_count, 0);
}

// --- Time ------------------------------------------------------------------

TEST(FunnelTest, ClockGoingBackwardsCountsAsNoTime) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, false, 10}, {{kC}}}, {}, 10);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 1000);
  tracker.OnMicro(kB, 500);
  tracker.OnMicro(kC, 400);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[1], 0u);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 0u);
  EXPECT_EQ(StepTimes(tracker), (std::vector<uint8_t>{0, 0}));
}

TEST(FunnelTest, StepReachedBackInTimeCountsAsReachedAtTheLatestTime) {
  // B's clock went back 500 ms; its step window is measured as if B happened at 1000.
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}, {{kC}, false, 100}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 1000);
  tracker.OnMicro(kB, 500);
  tracker.OnMicro(kC, 1100);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 100u);
}

TEST(FunnelTest, ExtremeTimesSaturateWithoutOverflow) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, std::numeric_limits<int64_t>::min());
  tracker.OnMicro(kB, std::numeric_limits<int64_t>::max());
  tracker.OnMicro(kC, 0);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[1], std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(tracker.state().step_offset_ms[2], std::numeric_limits<uint32_t>::max());
}

TEST(FunnelTest, WindowsWithExtremeTimesStayInRange) {
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, std::numeric_limits<int64_t>::min());
  tracker.OnMicro(kB, std::numeric_limits<int64_t>::max());  // far out of the window
  EXPECT_EQ(tracker.Progress().reached(), 0b001u);
  EXPECT_EQ(tracker.state().live, 0u);
}

// --- Size ------------------------------------------------------------------

TEST(FunnelTest, ThirtyTwoStepsAllReached) {
  std::vector<StepSpec> steps;
  for (uint8_t i = 0; i < 32; ++i) steps.push_back({{static_cast<uint8_t>(100 + i)}});
  FunnelConfig config(FunnelMode::Sequential, steps);
  FunnelTracker tracker(config.def(), 0);
  for (uint8_t i = 0; i < 31; ++i) tracker.OnMicro(static_cast<uint8_t>(100 + i), i * 100);
  EXPECT_EQ(tracker.Progress().furthest(), 31);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  tracker.OnMicro(131, 3100);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().furthest(), 32);
  EXPECT_EQ(tracker.Progress().reached(), 0xffffffffu);
  std::vector<uint8_t> times = StepTimes(tracker);
  ASSERT_EQ(times.size(), 31u);  // all but the lowest, each below 128 ds
  EXPECT_EQ(times.front(), 1);
  EXPECT_EQ(times.back(), 31);
}

TEST(FunnelTest, StepsBeyondThirtyTwoAreIgnored) {
  std::vector<StepSpec> steps;
  for (uint8_t i = 0; i < 33; ++i) steps.push_back({{static_cast<uint8_t>(100 + i)}});
  FunnelConfig config(FunnelMode::AnyOrder, steps);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(132, 0);
  EXPECT_FALSE(tracker.started());
  for (uint8_t i = 0; i < 32; ++i) tracker.OnMicro(static_cast<uint8_t>(100 + i), i);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.Progress().furthest(), 32);
}

TEST(FunnelTest, FunnelWithoutStepsNeverStarts) {
  FunnelConfig config(FunnelMode::Sequential, {}, {kExit});
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kExit});
  tracker.OnPage(1, 0);
  EXPECT_FALSE(tracker.started());
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::NONE);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
}

// --- Next actions ----------------------------------------------------------

TEST(FunnelTest, NextActionsRecordPagesAndMicrosAfterDropOff) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB});
  tracker.OnPage(5, 3000);
  tracker.OnMicro(kOther, 3100);
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{Page(5), kOther}));
}

TEST(FunnelTest, NextActionsCapAtThreeAndSkipImmediateRepeats) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnPage(5, 10);
  tracker.OnPage(5, 20);
  tracker.OnMicro(kOther, 30);
  tracker.OnMicro(kOther, 40);
  tracker.OnPage(5, 50);
  tracker.OnMicro(kOther2, 60);
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{Page(5), kOther, Page(5)}));
}

TEST(FunnelTest, NextActionsResetOnProgress) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnPage(5, 10);
  tracker.OnMicro(kOther, 20);
  tracker.OnMicro(kB, 30);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
  tracker.OnPage(6, 40);
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{Page(6)}));
}

TEST(FunnelTest, NextActionsSkipMicrosOfReachedSteps) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kA, kB, kOther});
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{kOther}));
}

TEST(FunnelTest, NextActionsKeepStepsNotReached) {
  // A micro of a step ahead that cannot be reached yet is what the visitor did.
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kC});
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{kC}));
}

TEST(FunnelTest, NextActionsOnlyAfterTheFunnelStarted) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnPage(5, 0);
  tracker.OnMicro(kOther, 10);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
  tracker.OnMicro(kA, 20);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
}

TEST(FunnelTest, NextActionsClearedByConversion) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 0);
  tracker.OnPage(5, 10);
  tracker.OnMicro(kB, 20);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
  tracker.OnPage(6, 30);
  EXPECT_EQ(tracker.Progress().next_count(), 0);
}

TEST(FunnelTest, NextActionsSurviveAShorterRestart) {
  FunnelConfig config = Abc(FunnelMode::Strict);
  FunnelTracker tracker(config.def(), 0);
  Feed(tracker, {kA, kB, kOther});
  tracker.OnPage(9, 5000);
  tracker.OnMicro(kA, 6000);  // a new attempt, not beyond the best one
  EXPECT_EQ(NextActions(tracker), (std::vector<uint16_t>{kOther, Page(9)}));
}

// --- Step times ------------------------------------------------------------

TEST(FunnelTest, StepTimesAreDecisecondVarintsExceptTheLowestStep) {
  FunnelConfig config(FunnelMode::Sequential, {{{kA}}, {{kB}, true}, {{kC}}, {{kD}}});
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 1000);
  tracker.OnMicro(kC, 2299);          // 1299 ms -> 12 ds (rounded down)
  tracker.OnMicro(kD, 71000);         // 70000 ms -> 700 ds -> 0xbc 0x05
  std::vector<uint8_t> out = {0xaa};  // appends, keeps what is there
  tracker.AppendStepTimes(out);
  EXPECT_EQ(out, (std::vector<uint8_t>{0xaa, 12, 0xbc, 0x05}));
}

TEST(FunnelTest, StepTimesOfASingleStepAreEmpty) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker tracker(config.def(), 0);
  tracker.OnMicro(kA, 1000);
  EXPECT_TRUE(tracker.started());
  EXPECT_TRUE(StepTimes(tracker).empty());
}

// --- Snapshot restore ------------------------------------------------------

// `tracker`'s snapshot as an object, to tamper with before RoundTrip.
wire::FunnelSnapshotT Unpacked(const FunnelTracker& tracker, int64_t base_ms) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(tracker.Snapshot(builder, base_ms));
  wire::FunnelSnapshotT snap;
  flatbuffers::GetRoot<wire::FunnelSnapshot>(builder.GetBufferPointer())->UnPackTo(&snap);
  return snap;
}

// A snapshot as Session::Restore reads it: packed, then read in place.
Result<FunnelTracker> RoundTrip(const FunnelConfig& config, const wire::FunnelSnapshotT& snap,
                                uint8_t index, int64_t max_ms, int64_t min_ms = 0) {
  static flatbuffers::FlatBufferBuilder builder;
  builder.Clear();
  builder.Finish(wire::FunnelSnapshot::Pack(builder, &snap));
  const auto* packed = flatbuffers::GetRoot<wire::FunnelSnapshot>(builder.GetBufferPointer());
  return FunnelTracker::Restore(config.def(), index, *packed, min_ms, max_ms);
}

TEST(FunnelTest, RestoredTrackerContinues) {
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  FunnelTracker first(config.def(), 4);
  first.OnMicro(kA, 0);
  first.OnMicro(kA, 300);
  first.OnMicro(kB, 400);
  auto restored = RoundTrip(config, Unpacked(first, 0), 4, 400);
  ASSERT_TRUE(restored.ok()) << restored.message();
  FunnelTracker tracker = std::move(restored).value();
  EXPECT_EQ(tracker.state().live, 0b011u);
  tracker.OnMicro(kC, 1200);  // in time only for the chain that started at 300
  EXPECT_EQ(tracker.Progress().funnel(), 4);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 900u);
}

TEST(FunnelTest, RestoredAnyOrderKeepsStepTimes) {
  FunnelConfig config = Abc(FunnelMode::AnyOrder, 1000);
  FunnelTracker first(config.def(), 0);
  first.OnMicro(kC, 5000);
  first.OnMicro(kB, 5100);
  auto restored = RoundTrip(config, Unpacked(first, 4000), 0, 5100, 4000);
  ASSERT_TRUE(restored.ok());
  FunnelTracker tracker = std::move(restored).value();
  tracker.OnMicro(kA, 6000);  // C at 5000 is exactly at the window's edge
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[0], 1000u);
}

TEST(FunnelTest, RestoreRejectsTamperedState) {
  FunnelConfig config = Abc(FunnelMode::Sequential);
  FunnelTracker first(config.def(), 0);
  Feed(first, {kA, kB});
  ASSERT_TRUE(RoundTrip(config, Unpacked(first, 0), 0, 1000).ok());
  auto expect_corrupt = [&](auto tamper) {
    wire::FunnelSnapshotT snap = Unpacked(first, 0);
    tamper(snap);
    auto restored = RoundTrip(config, snap, 0, 1000);
    EXPECT_FALSE(restored.ok());
    if (!restored.ok()) EXPECT_EQ(restored.error(), Error::kCorruptSnapshot);
  };
  expect_corrupt([](wire::FunnelSnapshotT& s) {
    s.reached = 0b1000;
    s.step_offset_ms = {0};
  });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.furthest = 4; });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.next = {1, 2, 3, 4}; });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.funnel = 1; });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.step_offset_ms.clear(); });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.chains[0]->level = 2; });  // converted level
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.chains[0]->start_ms = 5000; });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.chains[0]->offset_ms.push_back(1); });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.chains[0]->reached = 1u << 9; });
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.seen = 1; });  // no time for it
  expect_corrupt([](wire::FunnelSnapshotT& s) { s.clock_ms = -1; });
}

TEST(FunnelTest, RestoresTheEarlierTrackersAttempt) {
  // A snapshot written before chains existed: the attempt becomes a chain.
  FunnelConfig config = Abc(FunnelMode::Sequential, 1000);
  wire::FunnelSnapshotT old;
  old.reached = 0b011;
  old.furthest = 2;
  old.step_offset_ms = {0, 400};
  old.attempt_reached = 0b011;
  old.attempt_start_ms = 100;
  old.attempt_last_ms = 500;
  old.attempt_offset_ms = {0, 400};
  auto restored = RoundTrip(config, old, 0, 500);
  ASSERT_TRUE(restored.ok());
  FunnelTracker tracker = std::move(restored).value();
  tracker.OnMicro(kC, 1100);
  EXPECT_EQ(tracker.Progress().flags(), wire::FunnelFlags::Converted);
  EXPECT_EQ(tracker.state().step_offset_ms[2], 1000u);
}

}  // namespace
}  // namespace microconv
