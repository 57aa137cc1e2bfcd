// microconv export: every stored session of a site and day range, as JSON
// lines (RenderSummaryJson, one compact object per line) or as the summary
// bytes each behind a 4-byte little-endian length.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/summary.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/store_range.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv export --store sqlite:PATH --site SITE [--from YYYY-MM-DD] [--to "
    "YYYY-MM-DD]\n"
    "         [--format jsonl|binary] [--config SITE.json]\n"
    "jsonl: one summary JSON object per line; binary: u32 little-endian length + summary bytes.\n"
    "--config: jsonl names micro-conversions, funnels, pages, forms and fields by their\n"
    "config ids instead of numbers (sessions of older config versions by the version\n"
    "the store kept for them).\n";

// The configs that name ids: the --config file's, and every version the
// store kept for the site, by hash (a session is read with its own).
class ConfigsByHash {
 public:
  Status Load(const std::string& path, const std::string& site, SummaryStore& store) {
    auto config = LoadConfigFile(path);
    if (!config.ok()) return {config.error(), config.message()};
    if (config.value().site() != site) {
      return {Error::kOutOfRange, path + ": is the config of site \"" +
                                      std::string(config.value().site()) + "\", not " + site};
    }
    const uint32_t hash = config.value().hash();
    configs_.emplace(hash, std::move(config).value());
    auto versions = store.ConfigVersions(site);
    if (!versions.ok()) return {versions.error(), versions.message()};
    for (const StoredConfigVersion& version : versions.value()) {
      if (configs_.contains(version.hash)) continue;
      auto old = Config::FromCompiled(version.compiled);
      if (old.ok()) configs_.emplace(version.hash, std::move(old).value());
    }
    return {};
  }
  bool empty() const { return configs_.empty(); }
  const Config* Find(uint32_t hash) const {
    auto it = configs_.find(hash);
    return it == configs_.end() ? nullptr : &it->second;
  }

 private:
  std::map<uint32_t, Config> configs_;
};

// One line per session: the pretty rendering without its line breaks. JSON
// strings cannot hold a raw newline, so dropping newlines and the indent
// after them never touches a value.
std::string CompactLine(const std::string& json) {
  std::string line;
  line.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '\n') {
      while (i + 1 < json.size() && json[i + 1] == ' ') ++i;
      continue;
    }
    line += json[i];
  }
  return line;
}

}  // namespace

int RunExport(int argc, char** argv) {
  auto flags = Flags::Parse(
      argc, argv, {{"--store"}, {"--site"}, {"--from"}, {"--to"}, {"--format"}, {"--config"}});
  if (auto stop = StopAtFlags(flags, "export", kUsage)) return *stop;
  const std::string store_url = flags.value().Get("--store"), site = flags.value().Get("--site");
  const std::string format = flags.value().Get("--format", "jsonl");
  if (store_url.empty() || site.empty() || (format != "jsonl" && format != "binary")) {
    std::fprintf(stderr, "export: --store and --site are required, --format is jsonl or binary\n%s",
                 kUsage);
    return 2;
  }
  std::vector<std::string> storage;
  auto range = ParseDayRange(ReportParamsOfFlags(flags.value(), storage), Today());
  if (!range.ok()) {
    std::fprintf(stderr, "export: %s\n", AsFlagMessage(range.message(), flags.value()).c_str());
    return 1;
  }
  auto store = OpenExistingStore(store_url);
  if (!store.ok()) {
    std::fprintf(stderr, "export: %s\n", store.message().c_str());
    return 1;
  }
  const bool binary = format == "binary";
  ConfigsByHash configs;
  if (flags.value().Has("--config")) {
    if (binary) {
      std::fprintf(stderr, "export: --config names ids in jsonl; binary is the bytes as stored\n");
      return 2;
    }
    if (Status loaded = configs.Load(flags.value().Get("--config"), site, *store.value());
        !loaded.ok()) {
      std::fprintf(stderr, "export: %s\n", loaded.message.c_str());
      return 1;
    }
  }
  uint64_t exported = 0, unnamed = 0;
  std::string bad;
  Status walked = store.value()->ForEachSession(
      site, range.value().from, range.value().to, [&](const StoredSummary& stored) {
        if (binary) {
          const uint32_t size = static_cast<uint32_t>(stored.bytes.size());
          const unsigned char prefix[4] = {
              static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
              static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
          std::fwrite(prefix, 1, 4, stdout);
          std::fwrite(stored.bytes.data(), 1, stored.bytes.size(), stdout);
        } else {
          // Verified at ingest; verified again because a file can be edited,
          // against the config that names its ids when there is one.
          const Config* config = configs.Find(stored.config_hash);
          if (config == nullptr && !configs.empty()) ++unnamed;
          auto summary = VerifySummary(stored.bytes, config);
          if (!summary.ok()) {
            bad = "session " + std::to_string(stored.nonce) + ": " + summary.message();
            return false;
          }
          std::string line = CompactLine(RenderSummaryJson(*summary.value(), config));
          line += '\n';
          std::fwrite(line.data(), 1, line.size(), stdout);
        }
        ++exported;
        return true;
      });
  if (!walked.ok() || !bad.empty()) {
    std::fprintf(stderr, "export: %s\n", bad.empty() ? walked.message.c_str() : bad.c_str());
    return 1;
  }
  std::fprintf(stderr, "export: %llu sessions\n", static_cast<unsigned long long>(exported));
  if (unnamed > 0) {
    std::fprintf(stderr,
                 "export: %llu sessions were written with a config version neither --config nor "
                 "the store knows: their ids are numbers\n",
                 static_cast<unsigned long long>(unnamed));
  }
  return 0;
}

}  // namespace microconv
