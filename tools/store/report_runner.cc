#include "tools/store/report_runner.h"

#include <utility>
#include <vector>

#include "core/config_history.h"
#include "core/report_history.h"
#include "tools/store/config_versions.h"

namespace microconv {

Result<Report> RunReportRequest(SummaryStore& store, const Config& config,
                                const ReportRequest& request) {
  // Any failed read is the store's: the caller may retry, the query was fine.
  auto versions = LoadConfigVersions(store, config);
  if (!versions.ok()) return {Error::kUnavailable, versions.message()};
  ReportHistoryBuilder history(config, BuildConfigTimeline(versions.value()), request.from,
                               request.to);
  // The range merged day by day from the cached day aggregates, keeping on
  // the way what the merged aggregate no longer tells apart: each day's
  // history figures and, when asked for, segment table.
  ReportOptions daily_options;
  daily_options.k_anonymity = request.options.k_anonymity;
  daily_options.breakdown = request.daily;
  std::vector<DailySegmentTable> daily;
  Aggregate total(config);
  Status day_status;
  auto unreadable = store.ForEachDayAggregate(
      config, request.from, request.to, [&](uint32_t day, const Aggregate& aggregate) {
        if (!day_status.ok()) return;
        history.AddDay(day, aggregate);
        if (request.daily != Breakdown::kNone) {
          auto tables = BuildSegmentTables(aggregate, config, daily_options);
          if (!tables.ok()) {
            day_status = {tables.error(), tables.message()};
            return;
          }
          if (!tables.value().empty()) {
            daily.push_back({DateOfDay(day), std::move(tables.value().front())});
          }
        }
        day_status = total.Merge(aggregate);
      });
  if (!unreadable.ok()) return {Error::kUnavailable, unreadable.message()};
  if (!day_status.ok()) return {day_status.error, day_status.message};
  auto report = BuildReport(total, config, request.options);
  if (!report.ok()) return report;
  report.value().daily = std::move(daily);
  report.value().history = history.Build(report.value().k_anonymity);
  report.value().unreadable_sessions = unreadable.value();
  return report;
}

}  // namespace microconv
