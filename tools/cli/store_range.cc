#include "tools/cli/store_range.h"

#include <cstdio>
#include <filesystem>
#include <iterator>

#include "core/json/config_json.h"
#include "tools/base/zoneinfo.h"
#include "tools/cli/cli_io.h"

namespace microconv {

Result<Config> LoadConfigFile(const std::string& path) {
  // One byte past the cap, so LoadConfigJson reports an oversized file.
  auto text = ReadInput(path, kMaxConfigJsonBytes + 1);
  if (!text.ok()) return {text.error(), text.message()};
  auto config = LoadConfigJson(text.value());
  if (!config.ok()) return {config.error(), path + ": " + config.message()};
  if (Status zone = AttachTimeZone(config.value()); !zone.ok()) {
    return {zone.error, path + ": " + zone.message};
  }
  return config;
}

Result<Config> LoadSiteConfig(const std::string& dir, std::string_view site) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return {Error::kUnavailable, "cannot read sites directory " + dir + ": " + ec.message()};
  std::string broken;  // a file that did not load: maybe the site's own
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json") continue;
    auto config = LoadConfigFile(entry.path().string());
    if (!config.ok()) {
      broken += "\n  " + config.message();
      continue;
    }
    if (config.value().site() == site) return std::move(config).value();
  }
  std::string error = "unknown site \"" + std::string(site) + "\" in " + dir;
  if (!broken.empty()) error += "; files that did not load:" + broken;
  return {Error::kOutOfRange, std::move(error)};
}

Result<std::unique_ptr<SummaryStore>> OpenExistingStore(const std::string& url) {
  if (url.starts_with("sqlite:")) {
    if (FILE* file = std::fopen(url.c_str() + 7, "rb")) {
      std::fclose(file);
    } else {
      return {Error::kUnavailable, "store " + url + " does not exist"};
    }
  }
  return OpenStore(url);
}

std::vector<ReportParam> ReportParamsOfFlags(const Flags& flags,
                                             std::vector<std::string>& storage) {
  storage.clear();
  storage.reserve(std::size(kReportParamNames));
  std::vector<ReportParam> params;
  for (std::string_view name : kReportParamNames) {
    const std::string flag = "--" + std::string(name);
    if (!flags.Has(flag)) continue;
    storage.push_back(flags.Get(flag));
    params.push_back({name, storage.back()});
  }
  return params;
}

std::string AsFlagMessage(const std::string& message, const Flags& flags) {
  for (std::string_view name : kReportParamNames) {
    if (message.starts_with(name) && message.size() > name.size() && message[name.size()] == ':') {
      const std::string flag = "--" + std::string(name);
      return "--" + message + " (got \"" + flags.Get(flag) + "\")";
    }
  }
  return message;
}

}  // namespace microconv
