#include "tools/store/report_runner.h"

#include <utility>
#include <vector>

namespace microconv {
namespace {

// The range's aggregate merged day by day from the cached day aggregates,
// keeping each day's segment table of `request.daily` on the way: the merged
// aggregate no longer knows the days apart. One read per day, as the range
// read would do.
Result<StoredAggregate> AggregateByDay(SummaryStore& store, const Config& config,
                                       const ReportRequest& request,
                                       std::vector<DailySegmentTable>& daily) {
  ReportOptions options;
  options.k_anonymity = request.options.k_anonymity;
  options.breakdown = request.daily;
  StoredAggregate total{Aggregate(config)};
  for (uint32_t day = request.from; day <= request.to; ++day) {
    auto stored = store.AggregateDays(config, day, day);
    if (!stored.ok()) return stored;
    total.unreadable_sessions += stored.value().unreadable_sessions;
    const Aggregate& aggregate = stored.value().aggregate;
    if (aggregate.sessions() == 0) continue;
    auto tables = BuildSegmentTables(aggregate, config, options);
    if (!tables.ok()) return {tables.error(), tables.message()};
    if (!tables.value().empty())
      daily.push_back({DateOfDay(day), std::move(tables.value().front())});
    Status merged = total.aggregate.Merge(aggregate);
    if (!merged.ok()) return {merged.error, merged.message};
  }
  return total;
}

}  // namespace

Result<Report> RunReportRequest(SummaryStore& store, const Config& config,
                                const ReportRequest& request) {
  std::vector<DailySegmentTable> daily;
  auto aggregate = request.daily == Breakdown::kNone
                       ? store.AggregateDays(config, request.from, request.to)
                       : AggregateByDay(store, config, request, daily);
  // Any failed read is the store's: the caller may retry, the query was fine.
  if (!aggregate.ok()) return {Error::kUnavailable, aggregate.message()};
  auto report = BuildReport(aggregate.value().aggregate, config, request.options);
  if (!report.ok()) return report;
  report.value().daily = std::move(daily);
  report.value().unreadable_sessions = aggregate.value().unreadable_sessions;
  return report;
}

}  // namespace microconv
