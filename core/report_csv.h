// The one CSV dialect of a report: `microconv report --format csv` writes
// it and the collector serves it (GET /api/report/SITE?format=csv), which
// the dashboard's CSV button downloads. A first line names the report
// ("microconv report,SITE,FROM,TO"); each section is a blank line, a title
// line, a header line and its rows. Lines end in CRLF and cells are quoted
// per RFC 4180. Numbers are the JSON's (rates 0..1 with four decimals,
// seconds with one, money in major units); a suppressed row keeps its
// labels and says "suppressed" in its numeric cells. A filtered, compared,
// funnel-breakdown or LDP report adds its sections (filter first, the
// comparison last), as the JSON's `filter`, `comparison`,
// `funnels[].breakdown` and `ldp`.
#ifndef MICROCONV_CORE_REPORT_CSV_H_
#define MICROCONV_CORE_REPORT_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/report.h"

namespace microconv {

// One CSV text cell: a cell starting with '=', '+', '-', '@', tab or CR
// gets a leading apostrophe (spreadsheets would run it as a formula; labels,
// paths and referrers come from visitors), then RFC 4180 quoting when it
// holds a quote, comma, CR or LF, or starts or ends with white space.
// Numbers are not text cells: "-0.05" stays a number.
std::string CsvCell(std::string_view text);

// A path of micro-conversion ids as the CSV and the CLI table write it:
// "sign_in > add_to_cart", "(no micro-conversion)" when empty.
std::string PathText(const std::vector<std::string>& steps);

// The report of the days `from`..`to` (YYYY-MM-DD) as CSV.
std::string RenderReportCsv(const Report& report, std::string_view from, std::string_view to);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_CSV_H_
