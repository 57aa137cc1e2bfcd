// The JSON rendering of a Report served by GET /api/report/SITE and printed
// by `microconv report`: deterministic (fixed key order, fixed number
// formatting), names from the config, every string escaped. Durations are
// seconds with one decimal, rates are fractions with four decimals.
// A suppressed cell carries its label and "suppressed": true, no numbers.
#ifndef MICROCONV_CORE_REPORT_JSON_H_
#define MICROCONV_CORE_REPORT_JSON_H_

#include <string>

#include "core/report.h"

namespace microconv {

std::string RenderReportJson(const Report& report);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_JSON_H_
