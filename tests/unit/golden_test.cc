// Golden wire files: recorded event streams in, the exact summary bytes and
// their JSON rendering out. A change to either is a wire-format change: run
// with MICROCONV_UPDATE_GOLDENS=1, review the diff of the .json files and
// explain it in the commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/config.h"
#include "core/summary.h"
#include "tests/support/demo_config.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

using testing::ReadFileOrEmpty;
using testing::WriteFile;

const std::string kGoldenDir = testing::GoldenDir();

bool Updating() { return std::getenv("MICROCONV_UPDATE_GOLDENS") != nullptr; }

Config DemoConfig() {
  auto config = testing::LoadDemoConfig();
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

class GoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenTest, SummaryBytesAndJsonMatch) {
  Config config = DemoConfig();
  ASSERT_GT(config.bytes().size(), 0u);
  std::string name = GetParam();
  auto stream = testing::ParseEventStream(ReadFileOrEmpty(kGoldenDir + name + ".events"), config);
  ASSERT_TRUE(stream.ok()) << stream.message();

  std::vector<uint8_t> bytes = testing::RunToSummary(stream.value(), config);
  auto verified = VerifySummary(bytes, &config);
  ASSERT_TRUE(verified.ok()) << verified.message();
  std::string json = RenderSummaryJson(*verified.value(), &config);
  std::string binary(bytes.begin(), bytes.end());

  if (Updating()) {
    ASSERT_TRUE(WriteFile(kGoldenDir + name + ".mcs", binary));
    ASSERT_TRUE(WriteFile(kGoldenDir + name + ".json", json));
    GTEST_SKIP() << "golden files rewritten";
  }
  EXPECT_EQ(json, ReadFileOrEmpty(kGoldenDir + name + ".json"));
  EXPECT_EQ(binary, ReadFileOrEmpty(kGoldenDir + name + ".mcs")) << "summary bytes changed";
}

INSTANTIATE_TEST_SUITE_P(Journeys, GoldenTest,
                         ::testing::Values("purchase", "dropoff_product", "dropoff_shipping",
                                           "dropoff_blog"));

}  // namespace
}  // namespace microconv
