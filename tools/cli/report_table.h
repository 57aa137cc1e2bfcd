// `microconv report`'s terminal table: every section of the report, in the
// dashboard's order, with its labels and units (web/dashboard/panels/*.js).
// Numbers are the JSON's, shown with the dashboard's rule
// (core/display_numbers.h): a median reads "4.6 s" in all three.
#ifndef MICROCONV_TOOLS_CLI_REPORT_TABLE_H_
#define MICROCONV_TOOLS_CLI_REPORT_TABLE_H_

#include <string>

#include "core/report.h"

namespace microconv {

// The report of the days `from`..`to` (YYYY-MM-DD) as aligned text tables.
std::string RenderReportTable(const Report& report, const std::string& from, const std::string& to);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_REPORT_TABLE_H_
