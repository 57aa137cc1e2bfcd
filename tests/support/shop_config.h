// The small shop config that summary tests and the summary fuzz target build
// summaries against: three page templates, four micro-conversions (page
// view, click, form submit, dataLayer), two click selectors, two forms (two
// fields, one field) and a three-step funnel. Header-only so the libFuzzer
// build, which compiles its own instrumented core, can use it too.
#ifndef MICROCONV_TESTS_SUPPORT_SHOP_CONFIG_H_
#define MICROCONV_TESTS_SUPPORT_SHOP_CONFIG_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/schema/config_generated.h"

namespace microconv::testing {

// Appends a micro-conversion to `def` and returns it for kind-specific fields.
inline wire::MicroConversionDefT* AddMicro(wire::SiteConfigT& def, const char* id, wire::MicroKind kind) {
  auto micro = std::make_unique<wire::MicroConversionDefT>();
  micro->id = id;
  micro->label = id;
  micro->kind = kind;
  def.micros.push_back(std::move(micro));
  return def.micros.back().get();
}

inline wire::SiteConfigT ShopConfigDef(const std::string& site) {
  wire::SiteConfigT def;
  def.site = site;
  def.page_templates = {"/", "/product/:id", "/cart"};
  def.click_selectors = {"#add", "#buy"};
  AddMicro(def, "product_view", wire::MicroKind::PageView)->page = "/product/:id";
  AddMicro(def, "add_to_cart", wire::MicroKind::Click)->target = 0;
  AddMicro(def, "signup", wire::MicroKind::FormSubmit)->target = 0;
  AddMicro(def, "purchase", wire::MicroKind::DataLayer)->event = "purchase";
  for (const auto& [id, fields] :
       {std::pair<const char*, std::vector<std::string>>{"signup", {"email", "name"}},
        std::pair<const char*, std::vector<std::string>>{"newsletter", {"email"}}}) {
    auto form = std::make_unique<wire::FormDefT>();
    form->id = id;
    form->selector = std::string("#") + id;
    form->fields = fields;
    def.forms.push_back(std::move(form));
  }
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = "purchase";
  funnel->label = "Purchase";
  for (uint8_t micro_id : {0, 1, 3}) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = "step" + std::to_string(micro_id);
    step->micros = {micro_id};
    funnel->steps.push_back(std::move(step));
  }
  def.funnels.push_back(std::move(funnel));
  return def;
}

// ShopConfigDef compiled and loaded, as the tracker and the collector see it.
inline Result<Config> CompiledShopConfig(const std::string& site) {
  auto bytes = CompileConfig(ShopConfigDef(site));
  if (!bytes.ok()) return {bytes.error(), bytes.message()};
  return Config::FromCompiled(bytes.value());
}

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_SHOP_CONFIG_H_
