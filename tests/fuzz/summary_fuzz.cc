// Fuzz target for the summary verifier, the gate for every collector body.
// Beyond "no crash": whatever VerifySummary accepts must render, re-encode to
// bytes it accepts again, keep passing once stamped for a real config, and
// aggregate without tripping anything (the collector aggregates what it
// verified, possibly without the config).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/summary.h"
#include "tests/support/shop_config.h"

namespace {

using microconv::Config;
namespace wire = microconv::wire;

// Every kind of id a summary can name, in the shape of ShopConfig in
// tests/unit/summary_test.cc, which writes the seeds in corpus/summary: the
// seeds then pass the id checks too.
const Config& FuzzConfig() {
  static const Config config = [] {
    // Same shape as the unit tests' shop config, so the seeds they write verify.
    auto loaded = microconv::testing::LoadConfig(microconv::testing::ShopConfigDef("fuzz"));
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value();
  }();
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Config& config = FuzzConfig();
  auto verified = microconv::VerifySummary(std::span<const uint8_t>(data, size));
  if (!verified.ok()) return 0;
  const std::string json = microconv::RenderSummaryJson(*verified.value(), &config);
  if (json.empty() || json.front() != '{' || json.back() != '\n') std::abort();

  // Decoding and encoding again must give bytes the verifier accepts again.
  std::unique_ptr<wire::SummaryT> summary(verified.value()->UnPack());
  const std::vector<uint8_t> again = microconv::EncodeSummary(*summary);
  if (!microconv::VerifySummary(again).ok()) std::abort();

  // Stamped for the fuzz config, the id checks against a config run too.
  summary->site = std::string(config.site());
  summary->config_hash = config.hash();
  const std::vector<uint8_t> stamped = microconv::EncodeSummary(*summary);
  auto plain = microconv::VerifySummary(stamped);
  if (!plain.ok()) {
    // A longer site can push a summary at the cap over it; nothing else in
    // the site or hash is structural.
    if (plain.error() == microconv::Error::kTooLarge) return 0;
    std::abort();
  }
  // Ids the config lacks are ignored by the aggregate, never trusted.
  microconv::Aggregate aggregate(config);
  if (!aggregate.Add(*plain.value()).ok() || aggregate.sessions() != 1) std::abort();
  auto checked = microconv::VerifySummary(stamped, &config);
  if (checked.ok()) {
    (void)microconv::RenderSummaryJson(*checked.value(), &config);
  } else if (checked.error() == microconv::Error::kConfigMismatch) {
    std::abort();  // site and hash were just set to match
  }
  return 0;
}
