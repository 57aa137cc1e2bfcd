#include "tools/store/report_runner.h"

#include <memory>
#include <optional>
#include <string>
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

// One day's part of a range: its history figures and, when asked for, its
// segment table (what the merged aggregate no longer tells apart), then its
// figures merged into `into`.
Status AddDay(uint32_t day, const Aggregate& aggregate, const Config& config,
              const ReportHistoryBuilder& history, const ReportOptions& daily_options,
              MergedDays& into) {
  if (auto figures = history.FiguresOf(day, aggregate)) into.history.push_back(std::move(*figures));
  if (daily_options.breakdown != Breakdown::kNone) {
    auto tables = BuildSegmentTables(aggregate, config, daily_options);
    if (!tables.ok()) return {tables.error(), tables.message()};
    if (!tables.value().empty()) {
      into.daily.push_back({DateOfDay(day), std::move(tables.value().front())});
    }
  }
  return into.aggregate.Merge(aggregate);
}

// The newest stored days of a range a report reads afresh every time: live
// traffic changes the newest, and for up to a session timeout after
// midnight (in the site's time zone) sessions that started the day before
// re-flush into it. Caching only the days before both keeps the cache
// valid through that hour, for one more day merged per report.
constexpr size_t kLiveDays = 2;

// The days [from, to] of a report without a filter, merged into `into`:
// the days before the kLiveDays newest stored ones from `cache` when it
// holds them at their present versions (else merged and kept there), the
// rest read.
Status MergeDays(SummaryStore& store, const Config& config, const ReportHistoryBuilder& history,
                 const ReportOptions& daily_options, MergedDaysCache* cache, uint32_t from,
                 uint32_t to, MergedDays& into) {
  Status day_status;
  auto read = [&](uint32_t first, uint32_t last, MergedDays& merged) -> Status {
    auto counted = store.ForEachDayAggregate(
        config, first, last, [&](uint32_t day, const Aggregate& aggregate) {
          if (day_status.ok()) {
            day_status = AddDay(day, aggregate, config, history, daily_options, merged);
          }
        });
    if (!counted.ok()) return {Error::kUnavailable, counted.message()};
    if (!day_status.ok()) return day_status;
    merged.unreadable += counted.value();
    return {};
  };
  // Read before the days (SummaryStore::ListDayVersions): what is cached is
  // never older than the versions it is kept under.
  auto listed = cache != nullptr ? store.ListDayVersions(config.site(), from, to)
                                 : Result<DayVersions>(Error::kUnavailable, "no cache");
  if (!listed.ok() || listed.value().days.size() <= kLiveDays) return read(from, to, into);
  DayVersions closed = std::move(listed).value();
  const uint32_t live = closed.days[closed.days.size() - kLiveDays].first;  // the first live day
  closed.days.resize(closed.days.size() - kLiveDays);
  const MergedDaysKey key{
      std::string(config.site()), config.hash(), from, live - 1, daily_options.breakdown,
      daily_options.k_anonymity};
  std::shared_ptr<const MergedDays> merged = cache->Find(key, closed);
  if (merged == nullptr) {
    auto built = std::make_shared<MergedDays>();
    built->aggregate = Aggregate(config);
    if (Status done = read(from, live - 1, *built); !done.ok()) return done;
    cache->Store(key, closed, built);
    merged = std::move(built);
  }
  into = *merged;
  return read(live, to, into);
}

// The report of one day range: merged from the cached day aggregates, or,
// when the request filters or breaks a funnel down, from a scan of the
// range's stored sessions (tools/store/filtered_report.h).
Result<Report> RunRange(SummaryStore& store, const Config& config,
                        const std::vector<ConfigVersion>& versions, const ReportRequest& request,
                        uint32_t from, uint32_t to, MergedDaysCache* cache) {
  ReportHistoryBuilder history(config, BuildConfigTimeline(versions), from, to);
  // The range merged day by day, keeping on the way what the merged
  // aggregate no longer tells apart: each day's history figures and, when
  // asked for, segment table.
  ReportOptions daily_options;
  daily_options.k_anonymity = request.options.k_anonymity;
  daily_options.breakdown = request.daily;
  MergedDays merged;
  merged.aggregate = Aggregate(config);
  Status day_status;
  auto add_day = [&](uint32_t day, const Aggregate& aggregate) {
    if (day_status.ok()) {
      day_status = AddDay(day, aggregate, config, history, daily_options, merged);
    }
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
    day_status = MergeDays(store, config, history, daily_options, cache, from, to, merged);
    unreadable = merged.unreadable;
  }
  Aggregate& total = merged.aggregate;
  std::vector<DailySegmentTable>& daily = merged.daily;
  for (ReportHistoryBuilder::Day& figures : merged.history) history.AddFigures(std::move(figures));
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
                                const ReportRequest& request, MergedDaysCache* cache) {
  // Any failed read is the store's: the caller may retry, the query was fine.
  auto versions = LoadConfigVersions(store, config);
  if (!versions.ok()) return {Error::kUnavailable, versions.message()};
  auto report = RunRange(store, config, versions.value(), request, request.from, request.to, cache);
  if (!report.ok() || !request.compare) return report;
  // The other period answers the same question (same filter, funnel and
  // options), without the parts only the main period shows.
  ReportRequest other = request;
  other.daily = Breakdown::kNone;
  other.funnel_breakdown = Breakdown::kNone;
  auto previous = RunRange(store, config, versions.value(), other, request.compare_range.from,
                           request.compare_range.to, cache);
  if (!previous.ok()) return {previous.error(), previous.message()};
  report.value().compared = true;
  report.value().comparison =
      CompareReports(report.value(), request.to - request.from + 1, previous.value(),
                     request.compare_range.from, request.compare_range.to);
  return report;
}

}  // namespace microconv
