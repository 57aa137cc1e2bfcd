#include "tools/store/filtered_report.h"

#include <map>
#include <optional>
#include <string>

#include "core/aggregate.h"
#include "core/summary.h"

namespace microconv {
namespace {

// How a stored row of one config version is read as the current config's.
struct VersionReader {
  const Config* config = nullptr;
  std::optional<IdTranslation> translation;  // none for the current version
};

}  // namespace

Result<SessionScan> ScanSessions(SummaryStore& store, const Config& config,
                                 const std::vector<ConfigVersion>& versions, uint32_t first_day,
                                 uint32_t last_day, const ReportFilter& filter,
                                 FunnelBreakdownTally* breakdown,
                                 const SummaryStore::DayVisitor& visit, uint64_t max_sessions) {
  std::map<uint32_t, VersionReader> readers;
  readers[config.hash()].config = &config;
  for (const ConfigVersion& version : versions) {
    if (version.config.hash() == config.hash()) continue;
    VersionReader& reader = readers[version.config.hash()];
    reader.config = &version.config;
    reader.translation.emplace(version.config, config);
  }
  SessionScan scan;
  Status failed;
  bool too_many = false;
  std::optional<uint32_t> open_day;
  Aggregate day_aggregate(config);
  auto close_day = [&] {
    if (open_day && HoldsSessions(day_aggregate)) visit(*open_day, day_aggregate);
    day_aggregate = Aggregate(config);
  };
  std::vector<uint8_t> translated;
  Status stored =
      store.ForEachSession(config.site(), first_day, last_day, [&](const StoredSummary& row) {
        if (++scan.scanned > max_sessions) {
          too_many = true;
          return false;
        }
        auto reader = readers.find(row.config_hash);
        if (reader == readers.end()) return true;  // unknown version: left out
        // Verified at ingest; verified again so a damaged file cannot feed
        // unchecked bytes to the aggregation.
        auto verified = VerifySummary(row.bytes, reader->second.config);
        if (!verified.ok()) {
          ++scan.unreadable;
          return true;
        }
        const wire::Summary* summary = verified.value();
        if (reader->second.translation) {
          translated = reader->second.translation->Translate(*summary);
          summary = wire::GetSummary(translated.data());
        }
        if (!filter.Matches(*summary)) return true;
        if (open_day != row.day) {
          close_day();
          open_day = row.day;
        }
        if (Status added = day_aggregate.Add(*summary); !added.ok()) {
          ++scan.unreadable;
          return true;
        }
        ++scan.matched;
        if (breakdown != nullptr) breakdown->Add(*summary);
        return true;
      });
  if (!stored.ok()) return {Error::kUnavailable, stored.message};
  if (too_many) {
    return {Error::kTooLarge, "range: more than " + std::to_string(max_sessions) +
                                  " stored sessions to read for filter or funnel_breakdown;"
                                  " choose a shorter range"};
  }
  close_day();
  return scan;
}

}  // namespace microconv
