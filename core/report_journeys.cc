#include "core/report_journeys.h"

#include "core/flatbuffer_view.h"

namespace microconv {
namespace {

JourneyCount Count(uint32_t value, uint64_t journeys, uint64_t k) {
  JourneyCount count{value, {}, journeys > 0 && journeys < k, journeys};
  if (count.suppressed) count.journeys = 0;
  return count;
}

}  // namespace

JourneyReport BuildJourneyReport(const Aggregate& aggregate, const Config& config, uint64_t k) {
  JourneyReport report;
  const auto* defs = config.def().funnels();
  const size_t funnel_count = defs == nullptr ? 0 : defs->size();
  for (size_t f = 0; f < funnel_count; ++f) {
    const wire::FunnelDef* def = defs->Get(static_cast<flatbuffers::uoffset_t>(f));
    JourneyFunnel funnel;
    funnel.id = std::string(View(def->id()));
    funnel.label = std::string(View(def->label()));
    const size_t steps = def->steps() == nullptr ? 0 : def->steps()->size();
    for (size_t s = 0; s < steps; ++s) {
      funnel.steps.push_back(Count(static_cast<uint32_t>(s), 0, k));
      funnel.steps.back().label = std::string(View(def->steps()->Get(s)->label()));
    }
    report.funnels.push_back(std::move(funnel));
  }
  uint64_t started = 0;
  std::vector<uint64_t> converted(funnel_count, 0);
  for (const auto& [key, journeys] : aggregate.journeys().entries) {
    const auto figure = static_cast<JourneyFigure>(key >> 24);
    const size_t f = (key >> 16) & 0xff;
    const uint32_t value = key & 0xffff;
    if (figure == JourneyFigure::kVisits) {
      report.visits += journeys;
      if (value == 1) started = journeys;
      report.visits_by_index.push_back(Count(value, journeys, k));
      continue;
    }
    if (f >= funnel_count) continue;  // a funnel the config no longer has
    JourneyFunnel& funnel = report.funnels[f];
    if (figure == JourneyFigure::kReached) {
      if (value < funnel.steps.size()) {
        std::string label = std::move(funnel.steps[value].label);
        funnel.steps[value] = Count(value, journeys, k);
        funnel.steps[value].label = std::move(label);
      }
    } else if (figure == JourneyFigure::kVisitsToConvert) {
      converted[f] += journeys;
      funnel.visits_to_convert.push_back(Count(value, journeys, k));
    } else if (figure == JourneyFigure::kDaysToConvert) {
      funnel.days_to_convert.push_back(Count(value, journeys, k));
    }
  }
  report.visits_suppressed = report.visits > 0 && report.visits < k;
  report.started = Count(1, started, k);
  for (size_t f = 0; f < funnel_count; ++f) report.funnels[f].converted = Count(0, converted[f], k);
  return report;
}

}  // namespace microconv
