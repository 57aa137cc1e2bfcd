// Config edits and history (core/config_history.h): what each edit is
// called, how a summary of one version reads in another, and from which day
// each current item counts.
#include "core/config_history.h"

#include <gtest/gtest.h>

#include "core/aggregate.h"
#include "core/flatbuffer_view.h"
#include "core/summary.h"
#include "core/varint.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv::testing {
namespace {

Config Compile(const wire::SiteConfigT& def) {
  auto config = LoadConfig(def);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

// The shop config with its micro-conversions in reverse order (funnel steps
// follow their micro-conversions), page templates reordered and the
// /cart template removed, and the signup form's fields swapped with one gone.
wire::SiteConfigT EditedShop() {
  wire::SiteConfigT def = ShopConfigDef("shop");
  std::reverse(def.micros.begin(), def.micros.end());
  for (auto& step : def.funnels[0]->steps)
    step->micros[0] = static_cast<uint8_t>(3 - step->micros[0]);
  def.page_templates = {"/product/:id", "/"};
  def.forms[0]->fields = {"name"};
  return def;
}

std::string Find(const std::vector<ConfigChange>& changes, ChangeKind kind, const std::string& id) {
  for (const ConfigChange& change : changes) {
    if (change.kind == kind && change.id == id) return change.what;
  }
  return "(none)";
}

TEST(ConfigHistoryTest, DiffNamesEachKindOfEdit) {
  const wire::SiteConfigT base = ShopConfigDef("shop");
  wire::SiteConfigT edited = ShopConfigDef("shop");
  edited.micros[0]->label = "Saw a product";
  edited.micros[1]->target = 1;  // #add -> #buy
  edited.micros[2]->kind = wire::MicroKind::CustomEvent;
  edited.micros[2]->event = "signup";
  edited.micros.pop_back();  // purchase, and the funnel step naming it
  edited.funnels[0]->steps.pop_back();
  AddMicro(edited, "wishlist", wire::MicroKind::CustomEvent);
  AddFunnel(edited, "browse", "Browse", {0, 1});
  edited.funnels[0]->steps.insert(edited.funnels[0]->steps.begin() + 1,
                                  std::make_unique<wire::FunnelStepDefT>());
  edited.funnels[0]->steps[1]->label = "Wish";
  edited.funnels[0]->steps[1]->micros = {3};
  const auto changes = DiffConfigs(Compile(base), Compile(edited), 100);
  EXPECT_EQ(Find(changes, ChangeKind::kRelabeled, "product_view"),
            "label 'product_view' -> 'Saw a product'");
  EXPECT_EQ(Find(changes, ChangeKind::kRuleChanged, "add_to_cart"), "target '#add' -> '#buy'");
  EXPECT_EQ(Find(changes, ChangeKind::kAdded, "wishlist"), "added 'wishlist'");
  EXPECT_EQ(Find(changes, ChangeKind::kRemoved, "purchase"), "removed 'purchase'");
  EXPECT_EQ(Find(changes, ChangeKind::kAdded, "browse"), "added 'Browse'");
  EXPECT_EQ(Find(changes, ChangeKind::kStepsChanged, "purchase"), "added 'Wish', removed 'step3'");
  bool reused = false;
  for (const ConfigChange& change : changes) {
    EXPECT_EQ(change.day, 100u);
    reused |= change.reused && change.id == "signup";
  }
  EXPECT_TRUE(reused) << "a form submit turned custom event is another rule under the same id";
  EXPECT_TRUE(DiffConfigs(Compile(base), Compile(base), 1).empty());

  const auto reordered = DiffConfigs(Compile(base), Compile(EditedShop()), 1);
  EXPECT_EQ(Find(reordered, ChangeKind::kReordered, ""), "micro-conversions reordered");
  for (const ConfigChange& change : reordered) {
    EXPECT_FALSE(ChangesHistory(change.kind)) << change.id << ": " << change.what;
  }
}

// "Seen but not clicked" exists only for calls to action: a flip of `cta`
// alone starts or ends that row, so it is listed (counts continue).
TEST(ConfigHistoryTest, DiffListsACallToActionFlip) {
  const wire::SiteConfigT base = ShopConfigDef("shop");
  wire::SiteConfigT edited = ShopConfigDef("shop");
  // add_to_cart, a click, watched for visibility by the selector it clicks.
  edited.visibility_selectors.push_back(edited.click_selectors[edited.micros[1]->target]);
  edited.micros[1]->cta_visible = static_cast<uint16_t>(edited.visibility_selectors.size());
  const auto on = DiffConfigs(Compile(base), Compile(edited), 7);
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(Find(on, ChangeKind::kRuleChanged, "add_to_cart"), "now a call to action");
  EXPECT_FALSE(on[0].reused);
  EXPECT_EQ(
      Find(DiffConfigs(Compile(edited), Compile(base), 8), ChangeKind::kRuleChanged, "add_to_cart"),
      "no longer a call to action");
}

// A summary of the shop config read through the reordered config counts
// under the same string ids; a removed template's views stay as a literal
// page of its pattern; a removed field stays as an unconfigured one.
TEST(ConfigHistoryTest, TranslatedSummaryCountsUnderTheSameIds) {
  const Config v1 = Compile(ShopConfigDef("shop"));
  const Config v2 = Compile(EditedShop());
  wire::SummaryT s;
  s.version = 1;
  s.site = "shop";
  s.config_hash = v1.hash();
  s.start_minute = 1440 * 10;
  s.pages.emplace_back(0, 1, 10, 0, 0);  // "/"
  s.pages.emplace_back(1, 2, 10, 0, 0);  // "/product/:id"
  s.pages.emplace_back(2, 1, 10, 0, 0);  // "/cart", removed in v2
  s.facts = std::make_unique<wire::SessionFacts>(100, 100, 4, 0, 0, 0, wire::Dimensions(),
                                                 wire::FactFlags::NONE, 0, 2);
  s.path_steps = {0, 2, 1};  // product_view, signup, add_to_cart
  for (uint32_t delta : {5u, 7u, 9u}) AppendVarint(delta, s.path_deltas);
  s.repeats = {{1, 2}};
  // Funnel steps product_view, add_to_cart reached; next action: signup.
  s.funnels.emplace_back(0, wire::FunnelFlags::NONE, 2, 1, 3u, 2, 0, 0);
  AppendVarint(40, s.step_times);
  s.forms.emplace_back(0, wire::FormFlags::Started, 1, 2);
  s.fields.emplace_back(0, 1, 0, 0, 20);  // email: not a field of v2's signup
  s.fields.emplace_back(1, 2, 0, 0, 30);  // name: v2's field 0
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  auto verified = VerifySummary(bytes, &v1);
  ASSERT_TRUE(verified.ok()) << verified.message();

  const std::vector<uint8_t> translated = IdTranslation(v1, v2).Translate(*verified.value());
  auto read = VerifySummary(translated, &v2);
  ASSERT_TRUE(read.ok()) << read.message();
  Aggregate aggregate(v2);
  ASSERT_TRUE(aggregate.Add(*read.value()).ok());
  // v2 order: purchase, signup, add_to_cart, product_view.
  EXPECT_EQ(aggregate.micros()[3].sessions, 1u);     // product_view
  EXPECT_EQ(aggregate.micros()[2].occurrences, 3u);  // add_to_cart, once plus 2 repeats
  EXPECT_EQ(aggregate.micros()[1].sessions, 1u);     // signup
  EXPECT_EQ(aggregate.micros()[0].sessions, 0u);     // purchase
  EXPECT_EQ(aggregate.pages()[0].views, 2u);         // "/product/:id"
  EXPECT_EQ(aggregate.pages()[1].views, 1u);         // "/"
  ASSERT_EQ(aggregate.literal_pages().size(), 1u);
  EXPECT_EQ(aggregate.literal_pages().Sorted()[0].first, "/cart");
  const FunnelTally& funnel = aggregate.funnels()[0];
  EXPECT_EQ(funnel.entered, 1u);
  EXPECT_EQ(funnel.steps[1].reached, 1u);
  EXPECT_EQ(funnel.steps[1].drop_off, 1u);
  ASSERT_EQ(funnel.steps[1].next_actions.entries.size(), 1u);
  EXPECT_EQ(funnel.steps[1].next_actions.entries[0].first, 1u);  // signup in v2
  EXPECT_EQ(aggregate.forms()[0].fields[0].focus_count, 2u);     // name
  EXPECT_EQ(aggregate.literal_fields().size(), 1u);              // email
  const auto& path = read.value()->path_deltas();
  std::vector<uint32_t> deltas;
  ASSERT_TRUE(DecodeVarints({path->data(), path->size()}, deltas));
  EXPECT_EQ(deltas, (std::vector<uint32_t>{5, 7, 9}));

  // A funnel whose steps changed is left out, not counted under new steps.
  wire::SiteConfigT changed = EditedShop();
  changed.funnels[0]->steps.pop_back();
  const Config v3 = Compile(changed);
  const std::vector<uint8_t> dropped = IdTranslation(v1, v3).Translate(*verified.value());
  auto read3 = VerifySummary(dropped, &v3);
  ASSERT_TRUE(read3.ok()) << read3.message();
  EXPECT_EQ(SizeOf(read3.value()->funnels()), 0u);
  EXPECT_EQ(SizeOf(read3.value()->step_times()), 0u);
}

TEST(ConfigHistoryTest, TimelineSaysFromWhichDayEachItemCounts) {
  wire::SiteConfigT first = ShopConfigDef("shop");
  first.micros.pop_back();
  first.funnels[0]->steps.pop_back();
  wire::SiteConfigT second = ShopConfigDef("shop");  // adds purchase and its step
  wire::SiteConfigT third = ShopConfigDef("shop");
  third.micros[0]->label = "relabeled";
  std::vector<ConfigVersion> versions = {
      {Compile(first), 10}, {Compile(second), 20}, {Compile(third), 30}};
  const ConfigTimeline timeline = BuildConfigTimeline(versions);
  ASSERT_EQ(timeline.micro_since.size(), 4u);
  EXPECT_FALSE(timeline.micro_since[0].has_value());
  EXPECT_EQ(timeline.micro_since[3], std::optional<uint32_t>(20));
  EXPECT_EQ(timeline.funnel_since[0], std::optional<uint32_t>(20));
  ASSERT_EQ(timeline.changes.size(), 2u);  // purchase added, funnel steps changed
  EXPECT_EQ(timeline.changes[0].day, 20u);
  EXPECT_EQ(timeline.changes[1].what, "added 'step3'");
  EXPECT_TRUE(BuildConfigTimeline({}).changes.empty());
}

}  // namespace
}  // namespace microconv::testing
