#include "core/lift.h"

#include <algorithm>

namespace microconv {
namespace {

bool Contains(const flatbuffers::Vector<uint8_t>* ids, uint8_t id) {
  return ids != nullptr && std::find(ids->begin(), ids->end(), id) != ids->end();
}

bool EndsInGoal(const wire::SiteConfig& def, const wire::FunnelDef& funnel) {
  const auto* steps = funnel.steps();
  if (steps == nullptr || steps->size() == 0 || def.micros() == nullptr) return false;
  const auto* last = steps->Get(steps->size() - 1)->micros();
  if (last == nullptr) return false;
  return std::any_of(last->begin(), last->end(), [&def](uint8_t id) {
    return id < def.micros()->size() && def.micros()->Get(id)->macro();
  });
}

}  // namespace

LiftBaseline LiftBaselineOf(const Config& config, uint8_t micro) {
  const wire::SiteConfig& def = config.def();
  const auto* funnels = def.funnels();
  if (funnels == nullptr) return {};
  // Two passes: funnels that end in a goal first.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t f = 0; f < funnels->size(); ++f) {
      const wire::FunnelDef& funnel = *funnels->Get(static_cast<flatbuffers::uoffset_t>(f));
      const bool goal = EndsInGoal(def, funnel);
      if ((pass == 0) != goal || funnel.mode() == wire::FunnelMode::AnyOrder) continue;
      const auto* steps = funnel.steps();
      if (steps == nullptr) continue;
      int previous_required = -1;
      for (size_t s = 0; s < steps->size(); ++s) {
        const wire::FunnelStepDef& step = *steps->Get(static_cast<flatbuffers::uoffset_t>(s));
        if (Contains(step.micros(), micro)) {
          LiftBaseline baseline;
          if (previous_required >= 0) {
            baseline.funnel = static_cast<int>(f);
            baseline.step = previous_required;
          }
          baseline.required_step = goal && !step.optional() && step.micros()->size() == 1;
          return baseline;
        }
        if (!step.optional()) previous_required = static_cast<int>(s);
      }
    }
  }
  return {};
}

}  // namespace microconv
