#include "tools/cli/store_range.h"

#include <charconv>
#include <chrono>
#include <filesystem>

#include "core/json/config_json.h"
#include "core/report.h"
#include "tools/cli/cli_io.h"

namespace microconv {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

bool ParseDay(std::string_view text, uint32_t& day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](size_t at, size_t len, unsigned& out) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
    return ec == std::errc() && end == text.data() + at + len;
  };
  unsigned y = 0, m = 0, d = 0;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return false;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  const int64_t days = DaysFromCivil(y, m, d);
  // The round trip rejects 31 April and 29 February of common years.
  if (DateOfDay(static_cast<uint32_t>(days)) != text) return false;
  day = static_cast<uint32_t>(days);
  return true;
}

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
