#include "tools/store/summary_store.h"

#include <string>

#include "core/element_heatmap.h"
#include "core/summary.h"
#include "tools/store/clickhouse_store.h"
#include "tools/store/sqlite_store.h"

namespace microconv {

std::vector<uint8_t> WithStoredElementClicks(std::span<const uint8_t> stored,
                                             std::span<const uint8_t> next, bool next_verified,
                                             bool stored_verified) {
  const auto old = stored_verified ? Result<const wire::Summary*>(wire::GetSummary(stored.data()))
                                   : VerifySummary(stored);
  if (!old.ok() || old.value()->element_clicks() == nullptr) return {};
  if (next_verified) return MergeElementClicks(*old.value(), *wire::GetSummary(next.data()));
  const auto now = VerifySummary(next);
  if (!now.ok()) return {};
  return MergeElementClicks(*old.value(), *now.value());
}

std::string DeletedRowsText(const DeletedRows& deleted) {
  auto count = [](uint64_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  return count(deleted.days, "day") + " (" + count(deleted.sessions, "session") + ", " +
         count(deleted.day_aggregates, "day aggregate") + ", " +
         count(deleted.damage_rows, "damage row") + ", " +
         count(deleted.config_versions, "config version") + ")";
}

Result<StoredAggregate> SummaryStore::AggregateDays(const Config& config, uint32_t first_day,
                                                    uint32_t last_day) {
  using R = Result<StoredAggregate>;
  StoredAggregate total{Aggregate(config)};
  Status merge_status;
  auto unreadable =
      ForEachDayAggregate(config, first_day, last_day, [&](uint32_t, const Aggregate& day) {
        if (merge_status.ok()) merge_status = total.aggregate.Merge(day);
      });
  if (!unreadable.ok()) return R(unreadable.error(), unreadable.message());
  if (!merge_status.ok()) return R(merge_status.error, merge_status.message);
  total.unreadable_sessions = unreadable.value();
  return R(std::move(total));
}

Result<DayVersions> SummaryStore::ListDayVersions(std::string_view, uint32_t, uint32_t) {
  return {Error::kUnavailable, "this store backend keeps no day versions"};
}

Result<DeletedRows> SummaryStore::DeleteDaysBefore(uint32_t) {
  return {Error::kUnavailable, "this store backend cannot prune days"};
}

Result<ReplayPage> SummaryStore::ListReplays(std::string_view, uint32_t, uint32_t,
                                             const ReplayFilter&,
                                             std::optional<std::pair<uint32_t, uint64_t>>,
                                             uint32_t) {
  return {Error::kUnavailable,
          "this store backend keeps no journey replays (use a sqlite: store to view them)"};
}

Result<std::optional<StoredSummary>> SummaryStore::ReplaySession(std::string_view, uint64_t) {
  return {Error::kUnavailable,
          "this store backend keeps no journey replays (use a sqlite: store to view them)"};
}

Result<DeletedRows> SummaryStore::DeleteSite(std::string_view) {
  return {Error::kUnavailable, "this store backend cannot delete a site"};
}

Result<std::string> SqlitePath(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite) && url.size() > kSqlite.size()) {
    return std::string(url.substr(kSqlite.size()));
  }
  return {Error::kInvalidConfig, "--store: expected sqlite:PATH"};
}

Result<std::unique_ptr<SummaryStore>> OpenStore(std::string_view url) {
  using R = Result<std::unique_ptr<SummaryStore>>;
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite) && url.size() > kSqlite.size()) {
    auto store = SqliteStore::Open(std::string(url.substr(kSqlite.size())));
    if (!store.ok()) return R(store.error(), store.message());
    return R(std::unique_ptr<SummaryStore>(std::move(store).value()));
  }
  constexpr std::string_view kClickHouse = "clickhouse://";
  if (url.starts_with(kClickHouse)) {
    auto store = ClickHouseStore::Open(url.substr(kClickHouse.size()));
    if (!store.ok()) return R(store.error(), store.message());
    return R(std::unique_ptr<SummaryStore>(std::move(store).value()));
  }
  return R(Error::kInvalidConfig, "--store: expected sqlite:PATH or clickhouse://HOST:PORT/DB");
}

}  // namespace microconv
