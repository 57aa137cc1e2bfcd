#include "core/funnel_breakdown.h"

#include <algorithm>
#include <utility>

#include "core/wire_ids.h"

namespace microconv {
namespace {

FunnelBreakdownRow MakeRow(std::string value, uint64_t entered, uint64_t conversions, uint64_t k) {
  FunnelBreakdownRow row;
  row.value = std::move(value);
  if (entered < k) {
    row.suppressed = true;
    return row;
  }
  row.entered = entered;
  row.conversions = conversions;
  row.conversion_rate = Ratio(conversions, entered);
  row.interval = WilsonInterval(conversions, entered);
  return row;
}

}  // namespace

FunnelBreakdownTally::FunnelBreakdownTally(const Config& config, Breakdown dimension)
    : dimension_(dimension), funnels_(config.funnel_count()) {}

void FunnelBreakdownTally::Add(const wire::Summary& summary) {
  const auto* funnels = summary.funnels();
  if (funnels == nullptr) return;
  std::string value;
  for (const wire::FunnelProgress* progress : *funnels) {
    // Entered as the aggregate counts it: a step reached, not excluded.
    if (progress->funnel() >= funnels_.size() || progress->reached() == 0 ||
        HasFlag(progress->flags(), wire::FunnelFlags::Excluded)) {
      continue;
    }
    if (value.empty()) value = SessionSegmentValue(dimension_, summary);
    PerFunnel& funnel = funnels_[progress->funnel()];
    auto found = funnel.values.find(value);
    Counts* counts = &funnel.other;
    if (found != funnel.values.end()) {
      counts = &found->second;
    } else if (funnel.values.size() < kMaxFunnelBreakdownValues) {
      counts = &funnel.values[value];
    }
    ++counts->entered;
    if (HasFlag(progress->flags(), wire::FunnelFlags::Converted)) ++counts->conversions;
  }
}

void FunnelBreakdownTally::Fill(Report& report, const Config& config, size_t top_rows) const {
  const uint64_t k = report.k_anonymity;
  for (FunnelReport& funnel : report.funnels) {
    const int index = config.FindFunnel(funnel.id);
    if (index < 0 || static_cast<size_t>(index) >= funnels_.size()) continue;
    const PerFunnel& tally = funnels_[index];
    std::vector<std::pair<std::string, Counts>> values(tally.values.begin(), tally.values.end());
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return a.second.entered > b.second.entered;
    });
    FunnelBreakdown& out = funnel.breakdown;
    out.dimension = BreakdownName(dimension_);
    Counts other = tally.other;
    for (auto& [value, counts] : values) {
      if (out.rows.size() >= top_rows) {
        other.entered += counts.entered;
        other.conversions += counts.conversions;
        continue;
      }
      out.rows.push_back(MakeRow(std::move(value), counts.entered, counts.conversions, k));
    }
    out.other = MakeRow("(other)", other.entered, other.conversions, k);
  }
}

}  // namespace microconv
