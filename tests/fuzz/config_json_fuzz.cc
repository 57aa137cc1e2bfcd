// Fuzz target for the config JSON reader: site owners upload config JSON to
// the collector, so ParseConfigJson meets untrusted text. Beyond "no crash":
// a rejection names what is wrong, and a config it accepts compiles (or
// fails as a config error, a value), loads back, and checks summaries
// written for it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/json/config_json.h"
#include "core/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto parsed = microconv::ParseConfigJson(json);
  if (!parsed.ok()) {
    if (parsed.message().empty()) std::abort();
    return 0;
  }
  auto compiled = microconv::CompileConfig(parsed.value());
  if (!compiled.ok()) {
    if (compiled.error() != microconv::Error::kInvalidConfig &&
        compiled.error() != microconv::Error::kTooLarge) {
      std::abort();
    }
    return 0;
  }
  auto loaded = microconv::Config::FromCompiled(compiled.value());
  if (!loaded.ok()) std::abort();  // CompileConfig checks what FromCompiled checks
  const microconv::Config& config = loaded.value();
  microconv::wire::SummaryT summary;
  summary.version = microconv::kSummaryVersion;
  summary.site = std::string(config.site());
  summary.config_hash = config.hash();
  if (!microconv::VerifySummary(microconv::EncodeSummary(summary), &config).ok()) std::abort();
  return 0;
}
