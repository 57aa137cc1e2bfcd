#include <cstdio>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/summary.h"
#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/store_range.h"

namespace microconv {

namespace {

constexpr const char* kUsage =
    "usage: microconv decode FILE [--config SITE.json]\n"
    "Verifies a summary (FILE, or - for stdin) and prints its JSON rendering.\n";

}  // namespace

int RunDecode(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {{"--config"}}, 1);
  if (auto stop = StopAtFlags(flags, "decode", kUsage)) return *stop;
  if (flags.value().positional().empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string file = flags.value().positional()[0];
  const std::string config_path = flags.value().Get("--config");
  std::optional<Config> config;
  if (!config_path.empty()) {
    auto loaded = LoadConfigFile(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "decode: %s\n", loaded.message().c_str());
      return 1;
    }
    config = std::move(loaded).value();
  }
  // Read one byte past the cap so an oversized file is reported as such.
  auto read = ReadInput(file, kMaxSummaryBytes + 1);
  if (!read.ok()) {
    std::fprintf(stderr, "decode: %s\n", read.message().c_str());
    return 1;
  }
  const std::string& bytes = read.value();
  auto summary = VerifySummary({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                               config ? &*config : nullptr);
  if (!summary.ok()) {
    std::fprintf(stderr, "decode: %s: %s: %s\n", file.c_str(), ErrorName(summary.error()),
                 summary.message().c_str());
    return 1;
  }
  std::fputs(RenderSummaryJson(*summary.value(), config ? &*config : nullptr).c_str(), stdout);
  return 0;
}

}  // namespace microconv
