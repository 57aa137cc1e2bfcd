// Property test (issue 9 part 8): over random event streams with snapshot and
// restore at random points, no summary field a site owner adds up ever goes
// down between two flushes of one session, and active time never exceeds
// duration. The checks themselves are in tests/support/random_session.h,
// shared with tests/fuzz/session_fuzz.cc.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/config.h"
#include "tests/support/event_stream.h"
#include "tests/support/random_session.h"

namespace microconv {
namespace {

// Deterministic choices: a failure names its seed and replays exactly.
class SeededChoices {
 public:
  explicit SeededChoices(uint64_t seed) : random_(seed) {}
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(random_() % n); }
  bool Done() const noexcept { return false; }

 private:
  std::mt19937_64 random_;
};

Config DemoConfig() {
  std::string bytes =
      testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/demo.mcc");
  auto config =
      Config::FromCompiled({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

void ExpectMonotone(const Config& config, uint64_t first_seed, int sessions, int steps) {
  int flushes = 0;
  for (uint64_t seed = first_seed; seed < first_seed + static_cast<uint64_t>(sessions); ++seed) {
    SeededChoices choices(seed);
    testing::RandomSessionPlayer player(config, choices);
    std::string broken = player.Play(steps);
    ASSERT_EQ(broken, "") << "seed " << seed;
    flushes += player.flushes();
  }
  // Most sessions flush several times: the checks compared real pairs.
  EXPECT_GT(flushes, sessions * 3);
}

TEST(SessionMonotoneTest, DemoConfigSummariesNeverGoDownAcrossRestores) {
  ExpectMonotone(DemoConfig(), 1, 1500, 200);
}

TEST(SessionMonotoneTest, RandomSessionConfigSummariesNeverGoDownAcrossRestores) {
  auto bytes = CompileConfig(testing::RandomSessionConfigDef());
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  auto config = Config::FromCompiled(bytes.value());
  ASSERT_TRUE(config.ok()) << config.message();
  ExpectMonotone(config.value(), 100000, 1500, 200);
}

}  // namespace
}  // namespace microconv
