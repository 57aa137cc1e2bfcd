// The demo site's compiled config is a golden file too: the Wasm tests and
// the browser load it without a JSON parser.
#include <gtest/gtest.h>

#include <string>

#include "core/json/config_json.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

TEST(GoldenConfig, DemoJsonCompilesToCheckedInBytes) {
  std::string source_dir = MICROCONV_SOURCE_DIR;
  auto config = LoadConfigJson(testing::ReadFileOrEmpty(source_dir + "/demo-site/sites/demo.json"));
  ASSERT_TRUE(config.ok()) << config.message();
  std::string compiled(config.value().bytes().begin(), config.value().bytes().end());
  std::string golden = source_dir + "/tests/golden/demo.mcc";
  if (std::getenv("MICROCONV_UPDATE_GOLDENS")) {
    ASSERT_TRUE(testing::WriteFile(golden, compiled));
    GTEST_SKIP() << "demo.mcc rewritten";
  }
  EXPECT_EQ(compiled, testing::ReadFileOrEmpty(golden));
}

}  // namespace
}  // namespace microconv
