// Fuzz target for the compiled config reader: the tracker loads these bytes
// from the network, so FromCompiled must reject anything unsafe, and what it
// accepts must be usable by every lookup without crashing.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/browser_config.h"
#include "core/config.h"
#include "core/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto loaded = microconv::Config::FromCompiled(std::span<const uint8_t>(data, size));
  if (!loaded.ok()) return 0;
  const microconv::Config& config = loaded.value();
  (void)config.site();
  (void)config.MatchTemplate("/product/123");
  (void)config.MatchTemplate("");
  for (uint16_t target = 0; target < 4; ++target) {
    (void)config.ClickMicros(target);
    (void)config.FormStartMicros(target);
    (void)config.FormSubmitMicros(target);
    (void)config.VisibleMicros(target);
    (void)config.MediaMicros(target);
  }
  for (size_t micro = 0; micro < config.micro_count(); ++micro) {
    (void)config.PageFilterMatches(static_cast<uint8_t>(micro), "/blog/post");
  }
  // A minimal summary written for this config must pass against it.
  microconv::wire::SummaryT summary;
  summary.version = microconv::kSummaryVersion;
  summary.site = std::string(config.site());
  summary.config_hash = config.hash();
  const std::vector<uint8_t> bytes = microconv::EncodeSummary(summary);
  auto verified = microconv::VerifySummary(bytes, &config);
  if (!verified.ok()) std::abort();
  (void)microconv::RenderSummaryJson(*verified.value(), &config);
  // The browser's copy, when it can be made (BrowserConfig checks that it
  // loads with the same hash), verifies that summary too.
  auto browser_bytes = microconv::BrowserConfig(config);
  if (browser_bytes.ok()) {
    auto browser = microconv::Config::FromCompiled(browser_bytes.value());
    if (!browser.ok() || !microconv::VerifySummary(bytes, &browser.value()).ok()) std::abort();
  }
  return 0;
}
