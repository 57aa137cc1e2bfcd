// What `microconv report` and `export` share: a site's config found by its
// id in a sites directory, and a day range given as YYYY-MM-DD flags
// (defaults as GET /api/report: the 30 days ending today, UTC).
#ifndef MICROCONV_TOOLS_CLI_STORE_RANGE_H_
#define MICROCONV_TOOLS_CLI_STORE_RANGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/report.h"  // ParseDay (YYYY-MM-DD), shared with the collector

namespace microconv {

inline constexpr uint32_t kMaxRangeDays = 3660;
inline constexpr uint32_t kDefaultRangeDays = 30;

struct DayRange {
  uint32_t first = 0;
  uint32_t last = 0;
};

// Today's UTC day number (tools may read the clock; the core may not).
uint32_t Today();

// The range of --from/--to texts (empty = default), or nullopt with `error`
// naming the flag.
std::optional<DayRange> ResolveRange(const std::string& from, const std::string& to,
                                     std::string& error);

// The config in `dir` (*.json) whose "site" is `site`, or nullopt with
// `error` set (unknown site, or that site's file does not load).
std::optional<Config> LoadSiteConfig(const std::string& dir, std::string_view site,
                                     std::string& error);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_STORE_RANGE_H_
