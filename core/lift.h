// Turning points (SPEC section 3): which sessions a micro-conversion's lift on
// the goal is measured among. Comparing all sessions with and without a
// micro-conversion lets every mandatory funnel step "lift" the goal by ~90
// points: nobody converts without passing it. So the lift of a micro-
// conversion that is a step of a funnel is measured among the sessions that
// reached the funnel's required step before it; one outside every funnel
// (or in a funnel's first step, or only in any-order funnels) has no step
// before it, and its baseline is every session.
#ifndef MICROCONV_CORE_LIFT_H_
#define MICROCONV_CORE_LIFT_H_

#include <cstdint>

#include "core/config.h"

namespace microconv {

struct LiftBaseline {
  // The funnel and required step whose reached sessions are the baseline;
  // -1: every session.
  int funnel = -1;
  int step = -1;
  // The micro-conversion is the only micro of a required step of a funnel
  // whose last step is a goal: no session converts through that funnel
  // without it, so its lift is a tautology whatever the baseline (the
  // funnel's step conversion says the same thing better).
  bool required_step = false;
  bool operator==(const LiftBaseline&) const = default;
};

// The funnel chosen is the first, in config order, that ends in a goal and
// has the micro-conversion in a step (else the first that has it at all);
// any-order funnels have no "step before" and are skipped.
LiftBaseline LiftBaselineOf(const Config& config, uint8_t micro);

}  // namespace microconv

#endif  // MICROCONV_CORE_LIFT_H_
