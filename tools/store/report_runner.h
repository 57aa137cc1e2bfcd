// The one run of a report query against the store: GET /api/report/SITE and
// `microconv report` both call it, so they answer the same question the same
// way (the range merged from the cached day aggregates, every config version
// of the site read through `config`, the timeline of its edits, per-day
// segment tables when the request asks for them).
#ifndef MICROCONV_TOOLS_STORE_REPORT_RUNNER_H_
#define MICROCONV_TOOLS_STORE_REPORT_RUNNER_H_

#include "core/config.h"
#include "core/report.h"
#include "core/report_query.h"
#include "core/status.h"
#include "tools/store/merged_days_cache.h"
#include "tools/store/summary_store.h"

namespace microconv {

// The report of `request` for `config`'s site. Store failures are
// kUnavailable (retry later); other errors come from BuildReport. With a
// `cache` (the collector's), a report without a filter takes the range's
// days before the newest from it when they have not changed since.
Result<Report> RunReportRequest(SummaryStore& store, const Config& config,
                                const ReportRequest& request, MergedDaysCache* cache = nullptr);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_REPORT_RUNNER_H_
