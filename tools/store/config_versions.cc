#include "tools/store/config_versions.h"

#include <algorithm>
#include <utility>

namespace microconv {
Result<std::vector<ConfigVersion>> LoadConfigVersions(SummaryStore& store, const Config& current) {
  using R = Result<std::vector<ConfigVersion>>;
  auto stored = store.ConfigVersions(current.site());
  if (!stored.ok()) return R(stored.error(), stored.message());
  std::vector<ConfigVersion> versions;
  // A version's day is the site's local day it became current, as its
  // sessions' days are (core/time_zone.h).
  auto day_of_ms = [&current](int64_t ms) { return current.time_zone().DayOfMs(ms); };
  int64_t previous_end_ms = 0;
  int64_t current_start_ms = -1;
  for (const StoredConfigVersion& row : stored.value()) {
    const int64_t start_ms = std::max(row.first_current_ms, previous_end_ms);
    if (row.last_current_ms != 0) previous_end_ms = std::max(previous_end_ms, row.last_current_ms);
    if (row.hash == current.hash()) {
      current_start_ms = start_ms;
      continue;
    }
    auto config = Config::FromCompiled(row.compiled);
    if (!config.ok()) continue;
    versions.push_back({std::move(config).value(), day_of_ms(start_ms)});
  }
  const int64_t start_ms = current_start_ms >= 0 ? current_start_ms : previous_end_ms;
  versions.push_back({current, day_of_ms(std::max(start_ms, previous_end_ms))});
  return R(std::move(versions));
}

}  // namespace microconv
