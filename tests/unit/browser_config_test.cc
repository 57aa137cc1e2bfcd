// The browser's copy of a compiled config (core/browser_config.h): what
// GET /config/SITE.mcc serves. It must be the same config to everyone who
// reads it: same hash, same sessions, same summaries, byte for byte.
#include "core/browser_config.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/flatbuffer_view.h"
#include "core/session.h"
#include "flatbuffers/flatbuffers.h"
#include "tests/support/demo_config.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

using testing::ReadFileOrEmpty;

const char* const kJourneys[] = {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"};

Config Load(std::span<const uint8_t> bytes) {
  auto config = Config::FromCompiled(bytes);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

Config BrowserOf(const Config& full) {
  auto bytes = BrowserConfig(full);
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  return bytes.ok() ? Load(bytes.value()) : Config();
}

bool Contains(std::span<const uint8_t> bytes, std::string_view text) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()).find(text) !=
         std::string_view::npos;
}

TEST(BrowserConfigTest, DemoKeepsIdentityRulesAndSettings) {
  auto full = testing::LoadDemoConfig();
  ASSERT_TRUE(full.ok()) << full.message();
  const Config browser = BrowserOf(full.value());
  ASSERT_FALSE(browser.bytes().empty());
  EXPECT_EQ(browser.hash(), full.value().hash());
  EXPECT_LT(browser.bytes().size(), full.value().bytes().size());
  EXPECT_EQ(View(browser.def().tracker_settings()), View(full.value().def().tracker_settings()));
  EXPECT_EQ(browser.site(), full.value().site());
  EXPECT_EQ(browser.currency(), full.value().currency());
  EXPECT_EQ(browser.template_count(), full.value().template_count());
  ASSERT_EQ(browser.micro_count(), full.value().micro_count());
  ASSERT_EQ(browser.funnel_count(), full.value().funnel_count());
  // Ids and step labels stay: the inspect module names a summary by them.
  for (flatbuffers::uoffset_t i = 0; i < browser.micro_count(); ++i) {
    EXPECT_EQ(View(browser.def().micros()->Get(i)->id()),
              View(full.value().def().micros()->Get(i)->id()));
  }
  for (flatbuffers::uoffset_t f = 0; f < browser.funnel_count(); ++f) {
    const auto* steps = browser.def().funnels()->Get(f)->steps();
    const auto* full_steps = full.value().def().funnels()->Get(f)->steps();
    ASSERT_EQ(SizeOf(steps), SizeOf(full_steps));
    for (flatbuffers::uoffset_t s = 0; s < steps->size(); ++s)
      EXPECT_EQ(View(steps->Get(s)->label()), View(full_steps->Get(s)->label()));
  }
  // Selectors: their text in the settings the JS reads, their count in the
  // lists rules index.
  const wire::SiteConfig& def = browser.def();
  const wire::SiteConfig& full_def = full.value().def();
  EXPECT_EQ(SizeOf(def.click_selectors()), SizeOf(full_def.click_selectors()));
  EXPECT_EQ(SizeOf(def.visibility_selectors()), SizeOf(full_def.visibility_selectors()));
  EXPECT_EQ(SizeOf(def.media_selectors()), SizeOf(full_def.media_selectors()));
  EXPECT_EQ(View(def.click_selectors()->Get(0)), "");
  EXPECT_EQ(View(full_def.click_selectors()->Get(0)), "[data-mc=add-to-cart]");
  ASSERT_EQ(SizeOf(def.forms()), SizeOf(full_def.forms()));
  for (flatbuffers::uoffset_t i = 0; i < def.forms()->size(); ++i) {
    const wire::FormDef* form = def.forms()->Get(i);
    const wire::FormDef* full_form = full_def.forms()->Get(i);
    EXPECT_EQ(View(form->id()), View(full_form->id()));
    EXPECT_EQ(View(form->selector()), "");
    ASSERT_EQ(SizeOf(form->fields()), SizeOf(full_form->fields()));
    for (flatbuffers::uoffset_t f = 0; f < form->fields()->size(); ++f)
      EXPECT_EQ(View(form->fields()->Get(f)), View(full_form->fields()->Get(f)));
  }
  // Derived once: the browser's copy of the browser's copy is itself.
  auto again = BrowserConfig(browser);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(std::vector<uint8_t>(browser.bytes().begin(), browser.bytes().end()), again.value());
}

TEST(BrowserConfigTest, LeavesOutWhatOnlyTheOwnerReads) {
  auto demo = testing::LoadDemoConfig();
  ASSERT_TRUE(demo.ok()) << demo.message();
  wire::SiteConfigT object;
  demo.value().def().UnPackTo(&object);
  object.time_zone = "Europe/Berlin";
  object.privacy->k_anonymity = 12;
  auto compiled = CompileConfig(object);
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  const Config full = Load(compiled.value());
  const Config browser = BrowserOf(full);
  ASSERT_FALSE(browser.bytes().empty());
  EXPECT_EQ(browser.hash(), full.hash());

  // Micro-conversion and funnel labels, page examples, the zone: in the
  // owner's config, not in the visitor's.
  for (std::string_view owners_only :
       {"Placed order", "Opened Electronics", "Newsletter sign-up", "Stayed 30 s on a product",
        "/product/aurora-x2", "/blog/choosing-headphones", "Europe/Berlin"}) {
    EXPECT_TRUE(Contains(full.bytes(), owners_only)) << owners_only;
    EXPECT_FALSE(Contains(browser.bytes(), owners_only)) << owners_only;
  }
  EXPECT_EQ(View(browser.def().funnels()->Get(0)->label()), "");
  EXPECT_EQ(View(full.def().funnels()->Get(0)->label()), "Purchase");
  EXPECT_EQ(browser.PageExample(4), "");
  EXPECT_EQ(full.PageExample(4), "/product/aurora-x2");
  EXPECT_EQ(browser.time_zone_name(), "UTC");
  EXPECT_EQ(full.time_zone_name(), "Europe/Berlin");
  EXPECT_EQ(browser.def().privacy()->k_anonymity(), 5);
  // What the browser reads stays: ids, step labels, events, and the
  // selectors in the tracker settings.
  for (std::string_view kept :
       {"add_to_cart", "Place order", "[data-mc=add-to-cart]", "#shipping-form", "wishlist"}) {
    EXPECT_TRUE(Contains(browser.bytes(), kept)) << kept;
  }
}

TEST(BrowserConfigTest, KeepsTheWholeBufferHashOfAConfigWithoutRulesHash) {
  // A config compiled before `rules_hash` existed: its identity is the hash
  // of all its bytes, which the browser's copy must carry explicitly.
  auto demo = testing::LoadDemoConfig();
  ASSERT_TRUE(demo.ok()) << demo.message();
  wire::SiteConfigT object;
  demo.value().def().UnPackTo(&object);
  object.rules_hash = 0;
  flatbuffers::FlatBufferBuilder builder;
  wire::FinishSiteConfigBuffer(builder, wire::SiteConfig::Pack(builder, &object));
  const Config old = Load({builder.GetBufferPointer(), builder.GetSize()});
  ASSERT_EQ(old.def().rules_hash(), 0u);
  ASSERT_NE(old.hash(), demo.value().hash());
  const Config browser = BrowserOf(old);
  EXPECT_EQ(browser.hash(), old.hash());
}

// The visitor's session runs on the browser's copy; the collector verifies
// and aggregates against the full config: the summaries must be the same
// bytes, and a snapshot taken under one restores under the other (a tab of
// an earlier release, then a page load of this one).
TEST(BrowserConfigTest, SessionsWriteTheSameSummariesAndSnapshots) {
  auto full = testing::LoadDemoConfig();
  ASSERT_TRUE(full.ok()) << full.message();
  const Config browser = BrowserOf(full.value());
  ASSERT_FALSE(browser.bytes().empty());
  for (const char* journey : kJourneys) {
    SCOPED_TRACE(journey);
    auto stream = testing::ParseEventStream(
        ReadFileOrEmpty(testing::GoldenDir() + journey + ".events"), full.value());
    ASSERT_TRUE(stream.ok()) << stream.message();
    const std::vector<uint8_t> summary = testing::RunToSummary(stream.value(), full.value());
    ASSERT_FALSE(summary.empty());
    EXPECT_EQ(testing::RunToSummary(stream.value(), browser), summary);
    const std::string golden = ReadFileOrEmpty(testing::GoldenDir() + journey + ".mcs");
    EXPECT_EQ(std::string(summary.begin(), summary.end()), golden);

    const Session under_full = testing::RunSession(stream.value(), full.value());
    const Session under_browser = testing::RunSession(stream.value(), browser);
    EXPECT_EQ(under_browser.Snapshot(), under_full.Snapshot());
    EXPECT_EQ(under_browser.BuildSummary(), under_full.BuildSummary());
    auto restored = Session::Restore(browser, under_full.Snapshot());
    ASSERT_TRUE(restored.ok()) << restored.message();
    EXPECT_EQ(restored.value().BuildSummary(), under_full.BuildSummary());
  }
}

}  // namespace
}  // namespace microconv
