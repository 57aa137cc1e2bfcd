// A report's timeline across config edits (issue 9 point 6): per day of the
// range, each current micro-conversion's sessions and each funnel's entries
// and conversions, null on days before it was tracked ("not tracked", never
// 0), and the edits that changed what is counted, by day, for the marks on
// the dashboard's daily charts and funnels.
#ifndef MICROCONV_CORE_REPORT_HISTORY_H_
#define MICROCONV_CORE_REPORT_HISTORY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/config_history.h"
#include "core/json_writer.h"

namespace microconv {

// One current micro-conversion or funnel over the report's days. Per day:
// nullopt before `since` (not tracked); a day backed by 1..k-1 sessions is
// `suppressed` and its numbers zeroed, like every report cell.
struct ItemHistory {
  std::string id;
  std::optional<uint32_t> since;  // first day counted; nullopt: as far back as known
  std::vector<std::optional<uint64_t>> sessions;     // micro: did it; funnel: entered
  std::vector<std::optional<uint64_t>> conversions;  // funnels only
  std::vector<bool> suppressed;
};

struct ReportHistory {
  uint32_t first_day = 1;
  uint32_t last_day = 0;              // first_day > last_day: no history (not built)
  std::vector<ConfigChange> changes;  // within the range, oldest first
  std::vector<ItemHistory> micros;    // config order
  std::vector<ItemHistory> funnels;   // config order
};

// Collects the days of a range (in any order) and builds the history.
class ReportHistoryBuilder {
 public:
  ReportHistoryBuilder(const Config& config, ConfigTimeline timeline, uint32_t first_day,
                       uint32_t last_day);
  // One day's aggregate, read through `config` (days without sessions need
  // no call: tracked items count 0 there).
  void AddDay(uint32_t day, const Aggregate& aggregate);
  ReportHistory Build(uint64_t k_anonymity) const;

  // What AddDay keeps of a day: a cache of merged days keeps these instead
  // of the days' aggregates (tools/store/merged_days_cache.h).
  struct Day {
    uint32_t day;
    std::vector<uint64_t> micro_sessions;
    std::vector<std::pair<uint64_t, uint64_t>> funnel_counts;  // entered, conversions
  };
  // nullopt for a day AddDay leaves out (outside the range, another config).
  std::optional<Day> FiguresOf(uint32_t day, const Aggregate& aggregate) const;
  // A day's figures from FiguresOf, of this builder or of one with the same
  // config over a range holding the day.
  void AddFigures(Day figures);

 private:
  const Config& config_;
  ConfigTimeline timeline_;
  uint32_t first_day_, last_day_;
  std::vector<Day> days_;
};

// The "history" member of the report JSON.
void RenderReportHistory(JsonWriter& json, const ReportHistory& history);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_HISTORY_H_
