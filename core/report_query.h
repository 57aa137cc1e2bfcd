// A report query: what GET /api/report/SITE and `microconv report` both
// accept, parsed once from query parameters into a ReportRequest that one
// run function (tools/store/report_runner.h) answers for both front ends.
// The day limits below are defined here only; the collector serves them to
// the dashboard (GET /api/sites, "report").
#ifndef MICROCONV_CORE_REPORT_QUERY_H_
#define MICROCONV_CORE_REPORT_QUERY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/report.h"
#include "core/report_filter.h"
#include "core/status.h"

namespace microconv {

inline constexpr uint32_t kDefaultReportDays = 30;  // no from/to: the 30 days ending `to`
inline constexpr uint32_t kMaxDailyDays = 92;       // a day's aggregate each: bounded work
inline constexpr uint32_t kMaxReportDays = 3660;

// One query parameter ("from", "2023-11-14"). Repeated names: the first wins.
struct ReportParam {
  std::string_view name;
  std::string_view value;
};

// The query parameter names, in the order the front ends document them (the
// CLI takes each as a --flag).
inline constexpr std::string_view kReportParamNames[] = {
    "from", "to", "funnel", "breakdown", "daily", "filter", "compare", "funnel_breakdown"};

struct DayRange {
  uint32_t from = 0;  // UTC day numbers, inclusive
  uint32_t to = 0;
};

struct ReportRequest {
  std::string site;
  uint32_t from = 0;  // UTC day numbers, inclusive
  uint32_t to = 0;
  std::string funnel_id;               // empty: every funnel
  Breakdown daily = Breakdown::kNone;  // else per-day segment tables of it
  // "filter": only the matching sessions (a scan of the stored summaries).
  ReportFilter filter;
  // "compare": "previous" (the period of the same length just before) or
  // "FROM..TO"; the other period's figures ride along (Report::comparison).
  bool compare = false;
  DayRange compare_range;
  // "funnel_breakdown": each funnel's conversion per value of one dimension
  // (a scan of the stored summaries, like a filter).
  Breakdown funnel_breakdown = Breakdown::kNone;
  // Whether answering needs the stored summaries, not only day aggregates.
  bool NeedsScan() const noexcept {
    return !filter.empty() || funnel_breakdown != Breakdown::kNone;
  }
  // funnel (index of funnel_id), breakdown; k_anonymity stays -1 (the
  // config's) unless the front end overrides it from its own flags: a query
  // must never lower a site's k.
  ReportOptions options;
};

// The day range of `params` ("from", "to") alone: `to` defaults to `today`
// (the core reads no clock), `from` to kDefaultReportDays before it; at most
// kMaxReportDays. Errors as ParseReportQuery. `microconv export` reads its
// range with it too.
Result<DayRange> ParseDayRange(std::span<const ReportParam> params, uint32_t today);

// The request of `params` (kReportParamNames; other names are ignored) for the site of `config`.
// Errors are kOutOfRange with a message that starts with the parameter's name
// ("from: expected YYYY-MM-DD").
Result<ReportRequest> ParseReportQuery(std::span<const ReportParam> params, const Config& config,
                                       uint32_t today);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_QUERY_H_
