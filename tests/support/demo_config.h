// The demo store's compiled config (tests/golden/demo.mcc, compiled from
// demo-site/sites/demo.json): what the golden journeys, the snapshot and
// aggregate fuzz targets and their seeds run against. Header-only so the
// libFuzzer build, which compiles its own instrumented core, can use it too;
// targets that include it define MICROCONV_SOURCE_DIR.
#ifndef MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_
#define MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
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

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_DEMO_CONFIG_H_
