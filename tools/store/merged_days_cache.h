// The collector's cache of a report range's closed days, merged (issue 12).
// Merging 30 day aggregates of ~10,000 distinct paths each is most of a
// report's cost at 1M sessions; live traffic changes only the newest days
// (today, and yesterday through re-flushes for a while after midnight), so a
// report merges the cached older days with those two instead of all 30
// (kLiveDays in report_runner.cc).
//
// An entry is keyed by the site, its config, the days merged and the
// per-day segment tables asked for, and is valid only for the exact day
// versions it was read at (SummaryStore::ListDayVersions): a late re-flush
// of an older day, a deletion or a config edit makes it miss, and the next
// report merges the days again. At most `max_entries` entries, least
// recently used dropped first.
#ifndef MICROCONV_TOOLS_STORE_MERGED_DAYS_CACHE_H_
#define MICROCONV_TOOLS_STORE_MERGED_DAYS_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/report.h"
#include "core/report_history.h"
#include "tools/store/summary_store.h"

namespace microconv {

// Entries a collector keeps: each a merged aggregate of a few MB at most
// (its string maps are capped, core/aggregate.h), so the cache stays under
// ~30 MB whatever the traffic. Eight: a report and its comparison period
// for a few sites or ranges being looked at.
inline constexpr size_t kMaxMergedDayRanges = 8;

// Days [first_day, last_day] of a site's report, read through one config.
struct MergedDaysKey {
  std::string site;
  uint32_t config_hash = 0;
  uint32_t first_day = 0, last_day = 0;
  // The per-day segment tables kept (kNone: none) and the k they were
  // built with.
  Breakdown daily = Breakdown::kNone;
  int k_anonymity = -1;
  bool operator==(const MergedDaysKey&) const = default;
};

// What a report takes from its days, merged.
struct MergedDays {
  Aggregate aggregate;
  std::vector<ReportHistoryBuilder::Day> history;  // each day's history figures
  std::vector<DailySegmentTable> daily;            // in day order
  uint64_t unreadable = 0;                         // the days' stored rows that no longer verify
};

class MergedDaysCache {
 public:
  explicit MergedDaysCache(size_t max_entries = kMaxMergedDayRanges) : max_entries_(max_entries) {}

  // The days of `key` merged at exactly `versions`, or null (a stale entry
  // of the key is dropped then).
  std::shared_ptr<const MergedDays> Find(const MergedDaysKey& key, const DayVersions& versions);
  // Keeps `merged`, read at `versions` (or later: a newer read only makes
  // the next Find miss), in place of the key's entry.
  void Store(const MergedDaysKey& key, const DayVersions& versions,
             std::shared_ptr<const MergedDays> merged);
  size_t size() const;
  // Finds answered with an entry, since the start.
  uint64_t hits() const;

 private:
  struct Entry {
    MergedDaysKey key;
    DayVersions versions;
    std::shared_ptr<const MergedDays> merged;
    uint64_t used = 0;  // last use, by use_clock_
  };
  const size_t max_entries_;
  mutable std::mutex mutex_;
  uint64_t use_clock_ = 0;
  uint64_t hits_ = 0;
  std::vector<Entry> entries_;  // a few: scanned
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_MERGED_DAYS_CACHE_H_
