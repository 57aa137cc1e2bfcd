// Config fixtures: the builders tests use to write a site config by hand
// (AddMicro, AddFunnel, AddForm, LoadConfig), and the small shop config that
// summary tests and the summary fuzz target build summaries against: three
// page templates, four micro-conversions (page view, click, form submit,
// dataLayer), two click selectors, two forms (two fields, one field) and a
// three-step funnel. Header-only so the libFuzzer build, which compiles its
// own instrumented core, can use it too.
#ifndef MICROCONV_TESTS_SUPPORT_SHOP_CONFIG_H_
#define MICROCONV_TESTS_SUPPORT_SHOP_CONFIG_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/schema/config_generated.h"
#include "core/status.h"

namespace microconv::testing {

// Appends a micro-conversion labelled with its id to `def` and returns it for
// kind-specific fields. Page views watch "/product/:id"; dataLayer and custom
// events are named after the id (change them on the result).
inline wire::MicroConversionDefT* AddMicro(wire::SiteConfigT& def, const std::string& id,
                                           wire::MicroKind kind, bool macro = false) {
  auto micro = std::make_unique<wire::MicroConversionDefT>();
  micro->id = id;
  micro->label = id;
  micro->kind = kind;
  micro->macro = macro;
  if (kind == wire::MicroKind::PageView) micro->page = "/product/:id";
  if (kind == wire::MicroKind::DataLayer || kind == wire::MicroKind::CustomEvent) micro->event = id;
  def.micros.push_back(std::move(micro));
  return def.micros.back().get();
}

// Appends a funnel of one micro-conversion per step, the steps labelled
// step_label + micro id ("step0"), and returns it for mode and windows.
inline wire::FunnelDefT* AddFunnel(wire::SiteConfigT& def, const std::string& id,
                                   const std::string& label, std::initializer_list<uint8_t> micros,
                                   const std::string& step_label = "step") {
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = id;
  funnel->label = label;
  for (uint8_t micro_id : micros) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = step_label + std::to_string(micro_id);
    step->micros = {micro_id};
    funnel->steps.push_back(std::move(step));
  }
  def.funnels.push_back(std::move(funnel));
  return def.funnels.back().get();
}

// Appends a form with selector "#<id>".
inline void AddForm(wire::SiteConfigT& def, const std::string& id,
                    std::vector<std::string> fields) {
  auto form = std::make_unique<wire::FormDefT>();
  form->id = id;
  form->selector = "#" + id;
  form->fields = std::move(fields);
  def.forms.push_back(std::move(form));
}

// `def` compiled and loaded, exactly as the tracker would load it.
inline Result<Config> LoadConfig(const wire::SiteConfigT& def) {
  Result<std::vector<uint8_t>> bytes = CompileConfig(def);
  if (!bytes.ok()) return {bytes.error(), bytes.message()};
  return Config::FromCompiled(bytes.value());
}

inline wire::SiteConfigT ShopConfigDef(const std::string& site) {
  wire::SiteConfigT def;
  def.site = site;
  def.page_templates = {"/", "/product/:id", "/cart"};
  def.click_selectors = {"#add", "#buy"};
  AddMicro(def, "product_view", wire::MicroKind::PageView);
  AddMicro(def, "add_to_cart", wire::MicroKind::Click)->target = 0;
  AddMicro(def, "signup", wire::MicroKind::FormSubmit)->target = 0;
  AddMicro(def, "purchase", wire::MicroKind::DataLayer);
  AddForm(def, "signup", {"email", "name"});
  AddForm(def, "newsletter", {"email"});
  AddFunnel(def, "purchase", "Purchase", {0, 1, 3});
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
