// The part of a report the day aggregates cannot answer (issue 14): a
// filter (core/report_filter.h) and a funnel breakdown by dimension both
// need each session, so the range's stored summaries are scanned, each read
// through the current config (older versions translated, as the day
// aggregates are), verified again, matched, and folded into per-day
// aggregates with the same core aggregation the commit path uses; the
// report is then built from them like any other, so k-anonymity applies
// unchanged.
//
// Cost: one stored row read, one FlatBuffers verification, one filter match
// and one Aggregate::Add per session of the range (and an IdTranslation for
// rows of older config versions): measured in ARCHITECTURE.md. Bounded by
// kMaxScannedSessions: a larger range is refused (kTooLarge, the collector's
// 413) rather than holding a worker for long.
#ifndef MICROCONV_TOOLS_STORE_FILTERED_REPORT_H_
#define MICROCONV_TOOLS_STORE_FILTERED_REPORT_H_

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/config_history.h"
#include "core/funnel_breakdown.h"
#include "core/report_filter.h"
#include "core/status.h"
#include "tools/store/summary_store.h"

namespace microconv {

inline constexpr uint64_t kMaxScannedSessions = 100000;

struct SessionScan {
  uint64_t scanned = 0;     // stored rows of the range read
  uint64_t matched = 0;     // of which the filter kept
  uint64_t unreadable = 0;  // rows that no longer verify: left out, counted
};

// Calls `visit` with each day of [first_day, last_day] that has matching
// sessions and their aggregate (built for `config`), in day order, and adds
// every matching session to `breakdown` when given. `versions` are the
// site's config versions (LoadConfigVersions); rows of a version not among
// them are left out, as in the day aggregates. kTooLarge past `max_sessions`
// stored rows; kUnavailable when the store fails.
Result<SessionScan> ScanSessions(SummaryStore& store, const Config& config,
                                 const std::vector<ConfigVersion>& versions, uint32_t first_day,
                                 uint32_t last_day, const ReportFilter& filter,
                                 FunnelBreakdownTally* breakdown,
                                 const SummaryStore::DayVisitor& visit,
                                 uint64_t max_sessions = kMaxScannedSessions);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_FILTERED_REPORT_H_
