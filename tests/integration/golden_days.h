// The golden journeys as stored sessions of chosen days, through the demo
// config or an edited copy of it: what the store tests across days and
// config versions store (config_history_test, incremental_aggregates_test).
// Test-only: failures are gtest expectations.
#ifndef MICROCONV_TESTS_INTEGRATION_GOLDEN_DAYS_H_
#define MICROCONV_TESTS_INTEGRATION_GOLDEN_DAYS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/json/config_json.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"

namespace microconv::testing {

inline constexpr int64_t kMsPerDay = 24LL * 60 * 60 * 1000;
inline constexpr uint32_t kDay0 = 20400;  // 2025-11-08: the first day of the store tests
inline constexpr const char* kJourneys[] = {"purchase", "dropoff_product", "dropoff_shipping",
                                            "dropoff_blog"};

// demo-site/sites/demo.json, to edit.
inline nlohmann::json DemoJson() {
  return nlohmann::json::parse(
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json"));
}

inline Config Load(const nlohmann::json& def) {
  auto config = LoadConfigJson(def.dump());
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

// The golden journey `name` run through `config` as session `nonce` started
// on `day` (the same events, whatever the config's ids are).
inline std::vector<uint8_t> Journey(const Config& config, const std::string& name, uint64_t nonce,
                                    uint32_t day) {
  auto stream = ParseEventStream(
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/" + name + ".events"),
      config);
  EXPECT_TRUE(stream.ok()) << stream.message();
  stream.value().nonce = nonce;
  wire::SummaryT summary;
  const std::vector<uint8_t> bytes = RunToSummary(stream.value(), config);
  flatbuffers::GetRoot<wire::Summary>(bytes.data())->UnPackTo(&summary);
  summary.start_minute = day * 1440 + 600 + static_cast<uint32_t>(nonce % 600);
  return EncodeSummary(summary);
}

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_GOLDEN_DAYS_H_
