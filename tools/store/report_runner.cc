#include "tools/store/report_runner.h"

#include <optional>
#include <utility>
#include <vector>

#include "core/config_history.h"
#include "core/funnel_breakdown.h"
#include "core/report_compare.h"
#include "core/report_history.h"
#include "tools/store/config_versions.h"
#include "tools/store/filtered_report.h"

namespace microconv {
namespace {

// The report of one day range: merged from the cached day aggregates, or,
// when the request filters or breaks a funnel down, from a scan of the
// range's stored sessions (tools/store/filtered_report.h).
Result<Report> RunRange(SummaryStore& store, const Config& config,
                        const std::vector<ConfigVersion>& versions, const ReportRequest& request,
                        uint32_t from, uint32_t to) {
  ReportHistoryBuilder history(config, BuildConfigTimeline(versions), from, to);
  // The range merged day by day, keeping on the way what the merged
  // aggregate no longer tells apart: each day's history figures and, when
  // asked for, segment table.
  ReportOptions daily_options;
  daily_options.k_anonymity = request.options.k_anonymity;
  daily_options.breakdown = request.daily;
  std::vector<DailySegmentTable> daily;
  Aggregate total(config);
  Status day_status;
  auto add_day = [&](uint32_t day, const Aggregate& aggregate) {
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
  };
  uint64_t unreadable = 0;
  SessionScan scan;
  std::optional<FunnelBreakdownTally> breakdown;
  if (request.funnel_breakdown != Breakdown::kNone) {
    breakdown.emplace(config, request.funnel_breakdown);
  }
  if (request.NeedsScan()) {
    auto scanned = ScanSessions(store, config, versions, from, to, request.filter,
                                breakdown ? &*breakdown : nullptr, add_day);
    if (!scanned.ok()) return {scanned.error(), scanned.message()};
    scan = scanned.value();
    unreadable = scan.unreadable;
  } else {
    auto counted = store.ForEachDayAggregate(config, from, to, add_day);
    if (!counted.ok()) return {Error::kUnavailable, counted.message()};
    unreadable = counted.value();
  }
  if (!day_status.ok()) return {day_status.error, day_status.message};
  ReportOptions options = request.options;
  const uint64_t k = KAnonymity(config.def(), options);
  // A filter that isolates 1..k-1 sessions shows none of their figures:
  // the report is built as if nothing matched, and says why.
  const bool withheld = !request.filter.empty() && total.sessions() > 0 && total.sessions() < k;
  if (withheld) {
    total = Aggregate(config);
    daily.clear();
  }
  auto report = BuildReport(total, config, options);
  if (!report.ok()) return report;
  Report& r = report.value();
  r.daily = std::move(daily);
  r.history = withheld ? ReportHistory{} : history.Build(r.k_anonymity);
  r.unreadable_sessions = unreadable;
  if (!request.filter.empty()) {
    r.filtered = true;
    r.filter.text = request.filter.Text();
    r.filter.scanned = scan.scanned;
    r.filter.suppressed = withheld;
    r.filter.matched = withheld ? 0 : scan.matched;
  }
  if (breakdown && !withheld) breakdown->Fill(r, config, options.top_rows);
  return report;
}

}  // namespace

Result<Report> RunReportRequest(SummaryStore& store, const Config& config,
                                const ReportRequest& request) {
  // Any failed read is the store's: the caller may retry, the query was fine.
  auto versions = LoadConfigVersions(store, config);
  if (!versions.ok()) return {Error::kUnavailable, versions.message()};
  auto report = RunRange(store, config, versions.value(), request, request.from, request.to);
  if (!report.ok() || !request.compare) return report;
  // The other period answers the same question (same filter, funnel and
  // options), without the parts only the main period shows.
  ReportRequest other = request;
  other.daily = Breakdown::kNone;
  other.funnel_breakdown = Breakdown::kNone;
  auto previous = RunRange(store, config, versions.value(), other, request.compare_range.from,
                           request.compare_range.to);
  if (!previous.ok()) return {previous.error(), previous.message()};
  report.value().compared = true;
  report.value().comparison =
      CompareReports(report.value(), request.to - request.from + 1, previous.value(),
                     request.compare_range.from, request.compare_range.to);
  return report;
}

}  // namespace microconv
