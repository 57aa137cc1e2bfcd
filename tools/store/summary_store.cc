#include "tools/store/summary_store.h"

#include "tools/store/clickhouse_store.h"
#include "tools/store/sqlite_store.h"

namespace microconv {

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
