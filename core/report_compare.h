// A report against another period (issue 14 point 1): each KPI, funnel and
// step figure with its change and whether the change is beyond noise at
// 95 %. Counts are compared as Poisson rates per day of each period (normal
// approximation), so periods of different lengths compare fairly; rates
// with the pooled two-proportion z-test (core/stats.h). A figure withheld
// under k in either period is withheld here too.
#ifndef MICROCONV_CORE_REPORT_COMPARE_H_
#define MICROCONV_CORE_REPORT_COMPARE_H_

#include <cstdint>

#include "core/report.h"

namespace microconv {

// `current` covers `current_days` days, `previous` the `previous_days`
// days [previous_from, previous_to] (UTC day numbers).
ReportComparison CompareReports(const Report& current, uint32_t current_days,
                                const Report& previous, uint32_t previous_from,
                                uint32_t previous_to);

// "none", "poisson", "two_proportion_z".
const char* ChangeMethodName(ChangeMethod method) noexcept;

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_COMPARE_H_
