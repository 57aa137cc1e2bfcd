// The demo store's compiled config (tests/golden/demo.mcc, compiled from
// demo-site/sites/demo.json): what the golden journeys, the snapshot and
// aggregate fuzz targets and their seeds run against. Header-only so the
// libFuzzer build, which compiles its own instrumented core, can use it too;
// targets that include it define MICROCONV_SOURCE_DIR.
#ifndef MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_
#define MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace microconv::testing {

inline std::string GoldenDir() { return std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/"; }

inline Result<Config> LoadDemoConfig() {
  std::ifstream in(GoldenDir() + "demo.mcc", std::ios::binary);
  const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                   std::istreambuf_iterator<char>()};
  // FromCompiled keeps its own copy of the bytes.
  return Config::FromCompiled(bytes);
}

// The demo config, loaded once; aborts when it cannot be (fuzz targets have
// no test framework to report through).
inline const Config& DemoConfigOrAbort() {
  static const Config config = [] {
    Result<Config> loaded = LoadDemoConfig();
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value();
  }();
  return config;
}

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_
