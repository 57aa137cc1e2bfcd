// Report filters (issue 14): which sessions a report counts. One text form
// shared by `GET /api/report/SITE?filter=...` and `microconv report
// --filter ...`: comma-separated terms, all of which a session must match,
// each `KEY:VALUE` or `!KEY:VALUE` (not matching):
// - a segment dimension (the names of `Breakdown`: referrer, utm_source,
//   utm_medium, utm_campaign, device, browser, os, screen, language,
//   country) and a value as its segment row names it: `country:DE`,
//   `device:mobile`, `referrer:(direct)`, `utm_source:(none)`;
// - `entry:PAGE` (the session's entry page) and `page:PAGE` (a page the
//   session viewed): a configured template pattern or a literal path, as the
//   pages table names them;
// - `micro:ID`: the session did the micro-conversion at least once;
// - `step:FUNNEL.N`: the session reached step N (1-based) of the funnel and
//   was not excluded from it.
// In a value, `\,` is a comma and `\\` a backslash. Errors are kOutOfRange
// and name the bad term ("filter: colour:red: unknown key ...").
//
// A filter selects stored sessions, so it is answered by a scan of the
// range's summaries (tools/store/filtered_report.h), never from the
// unfiltered day aggregates; k-anonymity then applies to the filtered
// report like any other, and a filter matching 1..k-1 sessions shows none of
// their figures (Report::filter).
#ifndef MICROCONV_CORE_REPORT_FILTER_H_
#define MICROCONV_CORE_REPORT_FILTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/report.h"
#include "core/schema/summary_generated.h"
#include "core/status.h"

namespace microconv {

inline constexpr size_t kMaxFilterTerms = 16;
inline constexpr size_t kMaxFilterText = 2048;

enum class FilterKey : uint8_t { kSegment, kEntry, kPage, kMicro, kStep };

struct FilterTerm {
  FilterKey key = FilterKey::kSegment;
  bool negated = false;
  Breakdown dimension = Breakdown::kNone;  // kSegment
  std::string value;                       // after the colon, unescaped
  int index = -1;                          // micro, funnel; page template (-1: literal)
  int step = -1;                           // kStep: 0-based step index
};

class ReportFilter {
 public:
  bool empty() const noexcept { return terms_.empty(); }
  const std::vector<FilterTerm>& terms() const noexcept { return terms_; }

  // Whether a summary (with the ids of the config the filter was parsed
  // for: translate older versions first) matches every term.
  bool Matches(const wire::Summary& summary) const;

  // The canonical text (terms in the given order, values escaped): parsing
  // it gives the same filter.
  std::string Text() const;

  friend Result<ReportFilter> ParseReportFilter(std::string_view text, const Config& config);

 private:
  std::vector<FilterTerm> terms_;
};

// Parses the filter text for `config`'s site; "" is no filter.
Result<ReportFilter> ParseReportFilter(std::string_view text, const Config& config);

// "country:DE", "!micro:newsletter" (the value escaped).
std::string FilterTermText(const FilterTerm& term);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_FILTER_H_
