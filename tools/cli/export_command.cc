// microconv export: every stored session of a site and day range, as JSON
// lines (RenderSummaryJson, one compact object per line) or as the summary
// bytes each behind a 4-byte little-endian length.
#include <cstdio>
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
    "         [--format jsonl|binary]\n"
    "jsonl: one summary JSON object per line; binary: u32 little-endian length + summary bytes.\n";

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
  auto flags =
      Flags::Parse(argc, argv, {{"--store"}, {"--site"}, {"--from"}, {"--to"}, {"--format"}});
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
  uint64_t exported = 0;
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
          // Verified at ingest; verified again because a file can be edited.
          auto summary = VerifySummary(stored.bytes, nullptr);
          if (!summary.ok()) {
            bad = "session " + std::to_string(stored.nonce) + ": " + summary.message();
            return false;
          }
          std::string line = CompactLine(RenderSummaryJson(*summary.value(), nullptr));
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
  return 0;
}

}  // namespace microconv
