#include <cstdio>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/summary.h"
#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/store_range.h"
#include "tools/cli/summary_bytes.h"

namespace microconv {

namespace {

constexpr const char* kUsage =
    "usage: microconv decode FILE|- [--config SITE.json]\n"
    "       microconv decode --hex HEX [--config SITE.json]\n"
    "Verifies a summary and prints its JSON rendering. FILE (or - for stdin)\n"
    "holds the summary's bytes or their hex: the playground's dump as shown,\n"
    "the tracker's inspect({bytes: true}).hex, or hex with spaces, line breaks\n"
    "and 0x prefixes (detected: a summary's bytes are never plain text).\n";

}  // namespace

int RunDecode(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {{"--config"}, {"--hex"}}, 1);
  if (auto stop = StopAtFlags(flags, "decode", kUsage)) return *stop;
  if (flags.value().positional().empty() == !flags.value().Has("--hex")) {
    std::fputs("decode: give FILE, - or --hex HEX (one of them)\n", stderr);
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string file = flags.value().Has("--hex") ? "--hex" : flags.value().positional()[0];
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
  // Read one byte past the cap so an oversized file is reported as such
  // (hex text: two digits and a space per byte, plus the dump's columns).
  constexpr size_t kMaxHexText = (kMaxSummaryBytes + 1) * 5;
  auto read = flags.value().Has("--hex") ? Result<std::string>(flags.value().Get("--hex"))
                                         : ReadInput(file, kMaxHexText);
  if (read.ok()) read = SummaryBytesOf(std::move(read).value());
  if (!read.ok()) {
    std::fprintf(stderr, "decode: %s: %s\n", file.c_str(), read.message().c_str());
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
