#include "core/browser_config.h"

#include <string>

#include "flatbuffers/flatbuffers.h"

namespace microconv {

Result<std::vector<uint8_t>> BrowserConfig(const Config& config) {
  if (config.bytes().empty()) return {Error::kInvalidConfig, MICROCONV_MESSAGE("config: empty")};
  wire::SiteConfigT browser;
  config.def().UnPackTo(&browser);
  for (const auto& micro : browser.micros) micro->label.clear();
  for (const auto& funnel : browser.funnels) funnel->label.clear();
  browser.page_examples.clear();
  browser.time_zone.clear();
  if (browser.privacy) browser.privacy->k_anonymity = wire::PrivacyDefT().k_anonymity;
  // The tracker's JS reads selectors from tracker_settings; the core only
  // counts them (a rule's target index): the lists keep their length.
  if (!browser.tracker_settings.empty()) {
    for (auto* list :
         {&browser.click_selectors, &browser.visibility_selectors, &browser.media_selectors}) {
      for (std::string& selector : *list) selector.clear();
    }
    for (const auto& form : browser.forms) form->selector.clear();
  }
  // The full config's identity, whether it is its rules_hash or (compiled
  // before that field) the hash of its whole buffer.
  browser.rules_hash = config.hash();
  flatbuffers::FlatBufferBuilder builder(config.bytes().size());
  wire::FinishSiteConfigBuffer(builder, wire::SiteConfig::Pack(builder, &browser));
  std::vector<uint8_t> bytes(builder.GetBufferPointer(),
                             builder.GetBufferPointer() + builder.GetSize());
  // The tracker's own check; and a hash of 0 cannot be carried.
  Result<Config> loaded = Config::FromCompiled(bytes);
  if (!loaded.ok()) return {loaded.error(), loaded.message()};
  if (loaded.value().hash() != config.hash()) {
    return {Error::kInvalidConfig,
            MICROCONV_MESSAGE("config: the browser's copy would have another hash")};
  }
  return bytes;
}

}  // namespace microconv
