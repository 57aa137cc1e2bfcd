#include "tools/cli/store_range.h"

#include <charconv>
#include <chrono>
#include <filesystem>

#include "core/json/config_json.h"
#include "core/report.h"
#include "tools/cli/cli_io.h"

namespace microconv {

uint32_t Today() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::hours>(now).count() / 24);
}

std::optional<DayRange> ResolveRange(const std::string& from, const std::string& to,
                                     std::string& error) {
  DayRange range;
  range.last = Today();
  if (!to.empty() && !ParseDay(to, range.last)) {
    error = "--to: expected YYYY-MM-DD, got \"" + to + "\"";
    return std::nullopt;
  }
  range.first = range.last >= kDefaultRangeDays - 1 ? range.last - (kDefaultRangeDays - 1) : 0;
  if (!from.empty() && !ParseDay(from, range.first)) {
    error = "--from: expected YYYY-MM-DD, got \"" + from + "\"";
    return std::nullopt;
  }
  if (range.first > range.last) {
    error = "--from is after --to";
    return std::nullopt;
  }
  if (range.last - range.first >= kMaxRangeDays) {
    error = "range: at most " + std::to_string(kMaxRangeDays) + " days";
    return std::nullopt;
  }
  return range;
}

std::optional<Config> LoadSiteConfig(const std::string& dir, std::string_view site,
                                     std::string& error) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    error = "cannot read sites directory " + dir + ": " + ec.message();
    return std::nullopt;
  }
  std::string broken;  // a file that did not load: maybe the site's own
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json") continue;
    const std::string path = entry.path().string();
    std::string read_error;
    auto text = ReadInput(path, kMaxConfigJsonBytes, read_error);
    if (!text) {
      broken += "\n  " + read_error;
      continue;
    }
    auto config = LoadConfigJson(*text);
    if (!config.ok()) {
      broken += "\n  " + path + ": " + config.message();
      continue;
    }
    if (config.value().site() == site) return std::move(config).value();
  }
  error = "unknown site \"" + std::string(site) + "\" in " + dir;
  if (!broken.empty()) error += "; files that did not load:" + broken;
  return std::nullopt;
}

}  // namespace microconv
