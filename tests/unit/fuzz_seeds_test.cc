// Writes the seed corpora of the snapshot, aggregate and config JSON fuzz
// targets (tests/fuzz/) from real output: golden journeys run through a
// session, aggregated, and the demo store's config. Every seed must be
// accepted by its parser, so the fuzzer starts from inputs that go deep; that
// part always runs. Writing runs only when MICROCONV_FUZZ_CORPUS names the
// corpus root, e.g. MICROCONV_FUZZ_CORPUS=tests/fuzz/corpus.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/json/config_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/demo_config.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

using Seeds = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kJourneys[] = {"purchase", "dropoff_product", "dropoff_shipping",
                                     "dropoff_blog"};

std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }
std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Writes `seeds` into MICROCONV_FUZZ_CORPUS/<target>/ when asked to.
void MaybeWrite(const char* target, const Seeds& seeds) {
  const char* root = std::getenv("MICROCONV_FUZZ_CORPUS");
  if (root == nullptr || *root == '\0') return;
  for (const auto& [name, bytes] : seeds) {
    const std::string path = std::string(root) + "/" + target + "/" + name;
    EXPECT_TRUE(testing::WriteFile(path, bytes)) << path;
  }
}

class FuzzSeedsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::LoadDemoConfig();
    ASSERT_TRUE(config.ok()) << config.message();
    config_ = std::move(config).value();
  }

  testing::EventStream Journey(const char* name) {
    auto stream = testing::ParseEventStream(
        testing::ReadFileOrEmpty(testing::GoldenDir() + name + ".events"), config_);
    EXPECT_TRUE(stream.ok()) << name << ": " << stream.message();
    return stream.ok() ? std::move(stream).value() : testing::EventStream();
  }

  Config config_;
};

TEST_F(FuzzSeedsTest, SnapshotSeedsRestore) {
  Seeds seeds;
  const testing::EventStream first = Journey(kJourneys[0]);
  seeds.emplace_back("fresh.snap", Text(Session(config_, first.Start()).Snapshot()));
  for (const char* name : kJourneys) {
    const Session session = testing::RunSession(Journey(name), config_);
    seeds.emplace_back(std::string(name) + ".snap", Text(session.Snapshot()));
  }
  for (const auto& [name, bytes] : seeds) {
    auto restored = Session::Restore(config_, Bytes(bytes));
    ASSERT_TRUE(restored.ok()) << name << ": " << restored.message();
    EXPECT_EQ(Text(restored.value().Snapshot()), bytes) << name;
  }
  MaybeWrite("snapshot", seeds);
}

TEST_F(FuzzSeedsTest, AggregateSeedsDeserialize) {
  Aggregate journeys(config_);
  for (const char* name : kJourneys) {
    const std::string bytes = testing::ReadFileOrEmpty(testing::GoldenDir() + name + ".mcs");
    auto summary = VerifySummary(Bytes(bytes), &config_);
    ASSERT_TRUE(summary.ok()) << name << ": " << summary.message();
    ASSERT_TRUE(journeys.Add(*summary.value()).ok()) << name;
  }
  ASSERT_EQ(journeys.sessions(), std::size(kJourneys));
  const Seeds seeds = {
      {"unconfigured.mca", Text(Aggregate().Serialize())},
      {"demo_empty.mca", Text(Aggregate(config_).Serialize())},
      {"journeys.mca", Text(journeys.Serialize())},
  };
  for (const auto& [name, bytes] : seeds) {
    auto read = Aggregate::Deserialize(Bytes(bytes));
    ASSERT_TRUE(read.ok()) << name << ": " << read.message();
    EXPECT_EQ(Text(read.value().Serialize()), bytes) << name;
  }
  MaybeWrite("aggregate", seeds);
}

TEST_F(FuzzSeedsTest, ConfigJsonSeedsParse) {
  const std::string demo =
      testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
  const Seeds seeds = {
      {"demo.json", demo},
      {"minimal.json",
       R"({"site": "s", "micro_conversions": [{"id": "a", "kind": "click", "selector": "#a"}]})"},
  };
  for (const auto& [name, json] : seeds) {
    auto loaded = LoadConfigJson(json);
    ASSERT_TRUE(loaded.ok()) << name << ": " << loaded.message();
  }
  MaybeWrite("config_json", seeds);
}

}  // namespace
}  // namespace microconv
