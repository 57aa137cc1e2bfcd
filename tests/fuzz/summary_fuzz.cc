// Fuzz target for the summary verifier, the gate for every collector body.
// Beyond "no crash": whatever VerifySummary accepts must render, re-encode to
// bytes it accepts again, and keep passing once stamped for a real config.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/summary.h"

namespace {

using microconv::Config;

// A small config with every kind of id a summary can name.
const Config& FuzzConfig() {
  static const Config config = [] {
    microconv::wire::SiteConfigT def;
    def.site = "fuzz";
    def.page_templates = {"/", "/product/:id", "/cart"};
    def.click_selectors = {"#add", "#buy"};
    for (const char* id : {"view", "add", "buy"}) {
      auto micro = std::make_unique<microconv::wire::MicroConversionDefT>();
      micro->id = id;
      micro->kind = microconv::wire::MicroKind::CustomEvent;
      micro->event = id;
      def.micros.push_back(std::move(micro));
    }
    auto form = std::make_unique<microconv::wire::FormDefT>();
    form->id = "signup";
    form->fields = {"email", "name"};
    def.forms.push_back(std::move(form));
    auto funnel = std::make_unique<microconv::wire::FunnelDefT>();
    funnel->id = "purchase";
    for (uint8_t micro = 0; micro < 3; ++micro) {
      auto step = std::make_unique<microconv::wire::FunnelStepDefT>();
      step->label = "step";
      step->micros = {micro};
      funnel->steps.push_back(std::move(step));
    }
    def.funnels.push_back(std::move(funnel));
    auto bytes = microconv::CompileConfig(def);
    if (!bytes.ok()) std::abort();
    auto loaded = Config::FromCompiled(bytes.value());
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
  std::unique_ptr<microconv::wire::SummaryT> summary(verified.value()->UnPack());
  const std::vector<uint8_t> again = microconv::EncodeSummary(*summary);
  if (!microconv::VerifySummary(again).ok()) std::abort();

  // Stamped for the fuzz config, the id checks against a config run too.
  summary->site = std::string(config.site());
  summary->config_hash = config.hash();
  const std::vector<uint8_t> stamped = microconv::EncodeSummary(*summary);
  auto checked = microconv::VerifySummary(stamped, &config);
  if (checked.ok()) {
    (void)microconv::RenderSummaryJson(*checked.value(), &config);
  } else if (checked.error() == microconv::Error::kConfigMismatch) {
    std::abort();  // site and hash were just set to match
  }
  return 0;
}
