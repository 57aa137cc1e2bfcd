// A funnel's conversion per value of a dimension (issue 14 point 3):
// conversion per country, device, source... The day aggregates keep no
// funnel figures per segment, so these are tallied from stored summaries
// (tools/store/filtered_report.h scans them) and turned into rows here with
// 95 % Wilson intervals and k-anonymity: a value with 1..k-1 entered
// sessions keeps its label and loses its figures, like a segment row.
#ifndef MICROCONV_CORE_FUNNEL_BREAKDOWN_H_
#define MICROCONV_CORE_FUNNEL_BREAKDOWN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/report.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// Distinct values tallied per funnel; later values count as "(other)" (the
// referrer and UTM values are attacker-chosen).
inline constexpr size_t kMaxFunnelBreakdownValues = 2000;

class FunnelBreakdownTally {
 public:
  FunnelBreakdownTally(const Config& config, Breakdown dimension);

  // Adds one session (ids of the config: translate older versions first).
  void Add(const wire::Summary& summary);

  // Fills `breakdown` of each of the report's funnels: the top `top_rows`
  // values by entered sessions, the rest as "(other)", k applied per row.
  void Fill(Report& report, const Config& config, size_t top_rows) const;

 private:
  struct Counts {
    uint64_t entered = 0;
    uint64_t conversions = 0;
  };
  struct PerFunnel {
    std::map<std::string, Counts> values;
    Counts other;
  };
  Breakdown dimension_;
  std::vector<PerFunnel> funnels_;  // by config index
};

}  // namespace microconv

#endif  // MICROCONV_CORE_FUNNEL_BREAKDOWN_H_
