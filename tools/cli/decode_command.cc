#include <cstdio>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/json/config_json.h"
#include "core/summary.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"

namespace microconv {

int RunDecode(int argc, char** argv) {
  std::string file, config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::puts("usage: microconv decode FILE [--config SITE.json]\n"
                "Verifies a summary (FILE, or - for stdin) and prints its JSON rendering.");
      return 0;
    } else if (file.empty()) {
      file = arg;
    } else {
      std::fprintf(stderr, "decode: unexpected argument %s\n", arg.c_str());
      return 2;
    }
  }
  if (file.empty()) {
    std::fputs("usage: microconv decode FILE [--config SITE.json]\n", stderr);
    return 2;
  }
  std::string error;
  std::optional<Config> config;
  if (!config_path.empty()) {
    auto text = ReadInput(config_path, kMaxConfigJsonBytes, error);
    if (!text) {
      std::fprintf(stderr, "decode: %s\n", error.c_str());
      return 1;
    }
    auto loaded = LoadConfigJson(*text);
    if (!loaded.ok()) {
      std::fprintf(stderr, "decode: %s: %s\n", config_path.c_str(), loaded.message().c_str());
      return 1;
    }
    config = std::move(loaded).value();
  }
  // Read one byte past the cap so an oversized file is reported as such.
  auto bytes = ReadInput(file, kMaxSummaryBytes + 1, error);
  if (!bytes) {
    std::fprintf(stderr, "decode: %s\n", error.c_str());
    return 1;
  }
  auto summary = VerifySummary({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()},
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
