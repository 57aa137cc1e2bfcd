#include "tools/base/zoneinfo.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/quoted.h"
#include "tools/base/wall_clock.h"

namespace microconv {
namespace {

// A TZif file is a few KiB; anything much larger is not one.
constexpr size_t kMaxTzifBytes = 1 << 20;

std::string ZoneinfoDir() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && dir[0] != '\0' ? dir : "/usr/share/zoneinfo";
}

Result<std::shared_ptr<const TimeZone>> ReadZone(std::string_view name) {
  using R = Result<std::shared_ptr<const TimeZone>>;
  const std::string unknown = "time_zone: " + Quoted(name) +
                              " is not a time zone of the time-zone database (an IANA name such "
                              "as \"Europe/Berlin\"; see /usr/share/zoneinfo)";
  if (!IsTimeZoneName(name)) return R(Error::kInvalidConfig, unknown);
  const std::string path = ZoneinfoDir() + "/" + std::string(name);
  // A directory ("Europe") is not a zone; stdio, not streams: libstdc++'s
  // streams throw on reading one.
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return R(Error::kInvalidConfig, unknown);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return R(Error::kInvalidConfig, unknown);
  std::vector<uint8_t> bytes(kMaxTzifBytes + 1);
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file));
  std::fclose(file);
  if (bytes.empty()) return R(Error::kInvalidConfig, unknown);
  auto zone = TimeZone::FromTzif(name, bytes);
  if (!zone.ok()) return R(zone.error(), "time_zone: " + zone.message() + " (" + path + ")");
  return R(std::make_shared<const TimeZone>(std::move(zone).value()));
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name) {
  using R = Result<std::shared_ptr<const TimeZone>>;
  static std::mutex mutex;
  static auto* const loaded =
      new std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>>;
  if (name == kUtcZoneName) {
    static const auto* const utc =
        new std::shared_ptr<const TimeZone>(std::make_shared<TimeZone>());
    return R(*utc);
  }
  std::lock_guard lock(mutex);
  if (auto found = loaded->find(name); found != loaded->end()) return R(found->second);
  auto zone = ReadZone(name);
  if (zone.ok()) loaded->emplace(std::string(name), zone.value());
  return zone;
}

Status AttachTimeZone(Config& config) {
  auto zone = LoadTimeZone(config.time_zone_name());
  if (!zone.ok()) return {zone.error(), zone.message()};
  config.AttachTimeZone(std::move(zone).value());
  return {};
}

uint32_t TodayIn(const TimeZone& zone) { return zone.DayOfMs(NowMs()); }

}  // namespace microconv
