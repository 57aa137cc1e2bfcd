// The session's trackers on their own: micro-conversion rules, forms,
// frustration and heatmap, each with its state, its part of the summary and
// its part of the snapshot. Session-level behaviour is in session_test.cc.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/element_names.h"
#include "core/form_tracker.h"
#include "core/frustration.h"
#include "core/heatmap.h"
#include "core/micro_conversions.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/random_session.h"

namespace microconv {
namespace {

// The shop config (micros 0..3: product_view, add_to_cart, signup,
// purchase) plus read (4, scroll 50 %), reviews_seen (5), engaged (6, 10 s on
// page), watched (7, media 50 %) and wishlist (8, custom event).
Config RulesConfig() {
  auto bytes = CompileConfig(testing::RandomSessionConfigDef());
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  auto config = Config::FromCompiled(bytes.value());
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

// A snapshot engine table and summary holding only what `save` and `fill`
// wrote, read back as a verified flatbuffer view.
struct Saved {
  std::vector<uint8_t> summary_bytes;
  std::vector<uint8_t> engine_bytes;
  const wire::Summary& summary() const { return *wire::GetSummary(summary_bytes.data()); }
  const wire::EngineState& engine() const {
    return *flatbuffers::GetRoot<wire::EngineState>(engine_bytes.data());
  }
};

// `save(fbb)` returns a tracker's part of the engine table (its Saved).
template <typename Save>
Saved SaveParts(wire::SummaryT summary, Save save) {
  if (!summary.facts) summary.facts = std::make_unique<wire::SessionFacts>();
  Saved saved{EncodeSummary(summary), {}};
  flatbuffers::FlatBufferBuilder fbb;
  const auto part = save(fbb);
  wire::EngineStateBuilder engine(fbb);
  part.AddTo(engine);
  fbb.Finish(engine.Finish());
  saved.engine_bytes.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return saved;
}

class MicroConversionRulesTest : public ::testing::Test {
 protected:
  Config config_ = RulesConfig();
  MicroConversionRules rules_{config_};
  FiredMicros fired_;
};

TEST_F(MicroConversionRulesTest, PageViewRuleFiresOnlyOnItsPage) {
  rules_.OnPageView("/", fired_);
  EXPECT_TRUE(fired_.empty());
  rules_.OnPageView("/product/7", fired_);
  EXPECT_EQ(fired_, (FiredMicros{0}));
  EXPECT_EQ(rules_.state().counts[0], 1);
}

TEST_F(MicroConversionRulesTest, ScrollFiresOncePerPageViewAndAgainOnTheNext) {
  rules_.OnPageView("/", fired_);
  rules_.OnScroll(49, "/", fired_);
  EXPECT_TRUE(fired_.empty());
  rules_.OnScroll(50, "/", fired_);
  rules_.OnScroll(90, "/", fired_);
  EXPECT_EQ(fired_, (FiredMicros{4}));
  rules_.OnPageView("/cart", fired_);
  rules_.OnScroll(60, "/cart", fired_);
  EXPECT_EQ(fired_, (FiredMicros{4, 4}));
  EXPECT_EQ(rules_.state().counts[4], 2);
}

TEST_F(MicroConversionRulesTest, VisibleElementNeedsItsDwellAndALeaveCancels) {
  rules_.OnPageView("/", fired_);
  rules_.OnElementVisible(0, true, 1000);
  rules_.Tick(1000 + kVisibleDwellMs - 1, true, 0, "/", fired_);
  rules_.OnElementVisible(0, false, 1000 + kVisibleDwellMs - 1);
  rules_.Tick(5000, true, 0, "/", fired_);
  EXPECT_TRUE(fired_.empty());
  rules_.OnElementVisible(0, true, 6000);
  rules_.OnElementVisible(3, true, 6000);  // no such selector: ignored
  rules_.Tick(6000 + kVisibleDwellMs, true, 0, "/", fired_);
  EXPECT_EQ(fired_, (FiredMicros{5}));
  EXPECT_TRUE(rules_.state().visible.empty());
}

TEST_F(MicroConversionRulesTest, TimeOnPageCountsFromThePageStartAndNeedsAPage) {
  rules_.OnPageView("/", fired_);
  rules_.Tick(60000, /*on_page=*/false, 0, "/", fired_);
  rules_.Tick(19999, true, 10000, "/", fired_);
  EXPECT_TRUE(fired_.empty());
  rules_.Tick(20000, true, 10000, "/", fired_);
  rules_.Tick(90000, true, 10000, "/", fired_);
  EXPECT_EQ(fired_, (FiredMicros{6}));
}

TEST_F(MicroConversionRulesTest, MediaMilestoneImpliesEarlierOnesAndNamedEventsMatchByName) {
  rules_.OnMedia(0, static_cast<uint8_t>(wire::MediaEvent::Quartile25), fired_);
  EXPECT_TRUE(fired_.empty());
  rules_.OnMedia(0, static_cast<uint8_t>(wire::MediaEvent::Ended), fired_);
  rules_.OnMedia(0, static_cast<uint8_t>(wire::MediaEvent::Ended), fired_);
  rules_.OnMedia(1, static_cast<uint8_t>(wire::MediaEvent::Ended), fired_);  // no such selector
  rules_.OnNamedEvent(EventType::kCustom, "wishlist", "/", fired_);
  rules_.OnNamedEvent(EventType::kCustom, "purchase", "/", fired_);  // a dataLayer name
  rules_.OnNamedEvent(EventType::kDataLayer, "purchase", "/", fired_);
  rules_.OnNamedEvent(EventType::kDataLayer, "wishlist", "/", fired_);  // a custom name
  EXPECT_EQ(fired_, (FiredMicros{7, 8, 3}));
}

TEST_F(MicroConversionRulesTest, CountsSaturateAndRepeatsAreCountsBeyondThePath) {
  for (int i = 0; i < 300; ++i) rules_.OnSelectorMatch(0, "/", fired_);
  EXPECT_EQ(rules_.state().counts[1], 255);
  std::array<uint8_t, kMaxMicroConversions> in_path{};
  in_path[1] = 2;
  wire::SummaryT summary;
  summary.repeats = rules_.Repeats(in_path);
  summary.cta_seen = rules_.CtaSeen();
  ASSERT_EQ(summary.repeats.size(), 1u);
  EXPECT_EQ(summary.repeats[0].id(), 1);
  EXPECT_EQ(summary.repeats[0].count(), 253);
}

TEST_F(MicroConversionRulesTest, SnapshotKeepsOncePerPageBookkeepingTimersAndCounts) {
  rules_.OnPageView("/product/1", fired_);
  rules_.OnScroll(80, "/product/1", fired_);
  rules_.OnSelectorMatch(0, "/product/1", fired_);
  rules_.OnSelectorMatch(0, "/product/1", fired_);
  rules_.OnElementVisible(0, true, 1500);
  std::array<uint8_t, kMaxMicroConversions> in_path{};
  in_path[0] = in_path[4] = in_path[1] = 1;  // what the session's path would hold
  wire::SummaryT summary;
  summary.path_steps = {0, 4, 1};
  summary.path_deltas = {0, 0, 0};
  summary.repeats = rules_.Repeats(in_path);
  summary.cta_seen = rules_.CtaSeen();
  Saved saved = SaveParts(std::move(summary), [&](auto& fbb) { return rules_.Save(1000, fbb); });

  MicroConversionRules restored(config_);
  ASSERT_TRUE(restored.Restore(saved.summary(), saved.engine(), SessionSpan{1000, 2000}).ok());
  EXPECT_EQ(restored.state().counts, rules_.state().counts);
  EXPECT_EQ(restored.state().fired_on_page, rules_.state().fired_on_page);
  ASSERT_EQ(restored.state().visible.size(), 1u);
  EXPECT_EQ(restored.state().visible[0].since_ms, 1500);
  FiredMicros after;
  restored.OnScroll(100, "/product/1", after);  // already fired on this page view
  restored.Tick(2500, true, 1000, "/product/1", after);
  EXPECT_EQ(after, (FiredMicros{5}));

  MicroConversionRules outside(config_);
  EXPECT_EQ(outside.Restore(saved.summary(), saved.engine(), SessionSpan{1600, 2000}).error,
            Error::kCorruptSnapshot)
      << "a timer that started before its session";
}

// The summary rows a session would send, in object form.
void FillForms(const FormTracker& forms, SentNames& sent, wire::SummaryT& summary) {
  FormTracker::Rows rows = forms.SummaryRows(sent);
  summary.forms = std::move(rows.forms);
  summary.fields = std::move(rows.fields);
}

void FillFrustration(const FrustrationTracker& frustration, SentNames& sent,
                     wire::SummaryT& summary) {
  const FrustrationState& state = frustration.state();
  summary.facts = std::make_unique<wire::SessionFacts>(
      0, 0, 0, state.rage_clicks, state.dead_clicks, state.quick_backs, wire::Dimensions(),
      wire::FactFlags::NONE, 0, 0);
  summary.elements = frustration.SummaryElements(sent);
}

class FormTrackerTest : public ::testing::Test {
 protected:
  Config config_ = RulesConfig();
  NameTable names_;
  FormTracker forms_{config_, 0};
};

TEST_F(FormTrackerTest, FocusTimeRefillsAndUnconfiguredFieldNames) {
  EXPECT_FALSE(forms_.OnStartOrSubmit(9, false, 0)) << "no such form";
  forms_.OnField(EventType::kFieldFocus, 0, "email", 1000, names_);
  forms_.OnField(EventType::kFieldChange, 0, "email", 1500, names_);
  forms_.OnField(EventType::kFieldChange, 0, "email", 1600, names_);
  forms_.OnField(EventType::kFieldChange, 0, "email", 1700, names_);
  forms_.OnField(EventType::kFieldFocus, 0, "coupon", 3000, names_);  // closes email: 2 s
  forms_.OnField(EventType::kFieldBlur, 0, "email", 3500, names_);    // not the focused one
  forms_.OnField(EventType::kFieldBlur, 0, "coupon", 4000, names_);
  EXPECT_TRUE(forms_.OnStartOrSubmit(0, true, 5000));

  wire::SummaryT summary;
  SentNames sent(names_, summary.names);
  FillForms(forms_, sent, summary);
  ASSERT_EQ(summary.forms.size(), 1u);
  EXPECT_EQ(summary.forms[0].flags(), wire::FormFlags::Started | wire::FormFlags::Submitted)
      << "started and submitted";
  EXPECT_EQ(summary.forms[0].last_field(), 1);
  ASSERT_EQ(summary.fields.size(), 2u);
  EXPECT_EQ(summary.fields[0].field(), 0);
  EXPECT_EQ(summary.fields[0].refills(), 2);
  EXPECT_EQ(summary.fields[0].time_ds(), 20);
  EXPECT_EQ(summary.fields[1].field(), kLiteralFieldBit | 0);
  EXPECT_EQ(summary.fields[1].time_ds(), 10);
  EXPECT_EQ(summary.names, (std::vector<std::string>{"coupon"}));
}

TEST_F(FormTrackerTest, SnapshotKeepsFocusAndWhetherAFieldEverChanged) {
  forms_.OnField(EventType::kFieldChange, 1, "email", 100, names_);
  forms_.OnField(EventType::kFieldFocus, 0, "name", 200, names_);
  wire::SummaryT summary;
  SentNames sent(names_, summary.names);
  FillForms(forms_, sent, summary);
  Saved saved = SaveParts(std::move(summary), [&](auto& fbb) { return forms_.Save(fbb); });

  FormTracker restored(config_, 0);
  ASSERT_TRUE(restored.Restore(saved.summary(), saved.engine(), SessionSpan{0, 300}).ok());
  restored.OnField(EventType::kFieldChange, 1, "email", 400, names_);  // now a refill
  restored.CloseFocus(1200);                                           // name focused 1 s
  wire::SummaryT again;
  SentNames sent_again(names_, again.names);
  FillForms(restored, sent_again, again);
  ASSERT_EQ(again.fields.size(), 2u);
  EXPECT_EQ(again.forms[0].form(), 1);
  EXPECT_EQ(again.fields[0].refills(), 1);
  EXPECT_EQ(again.fields[1].time_ds(), 10);

  FormTracker late(config_, 0);
  EXPECT_FALSE(late.Restore(saved.summary(), saved.engine(), SessionSpan{250, 300}).ok())
      << "focus began before the session";
}

TEST(FrustrationTrackerTest, OneBurstIsOneRageClickAndOnlyFrustratedElementsAreSent) {
  NameTable names;
  FrustrationTracker frustration;
  for (int64_t t : {0, 300, 600, 900}) frustration.OnClick(10, 10, "button#pay", 0, t, names);
  frustration.OnClick(10, 10, "a#calm", 0, 5000, names);
  frustration.OnDeadClick("img.hero", 1, names);
  frustration.OnDeadClick("img.hero", -1, names);  // a page over the caps: counted, no element
  frustration.OnQuickBack();

  wire::SummaryT summary;
  SentNames sent(names, summary.names);
  FillFrustration(frustration, sent, summary);
  EXPECT_EQ(summary.facts->rage_clicks(), 1);
  EXPECT_EQ(summary.facts->dead_clicks(), 2);
  EXPECT_EQ(summary.facts->quick_backs(), 1);
  ASSERT_EQ(summary.elements.size(), 2u);
  EXPECT_EQ(summary.elements[0].clicks(), 4);
  EXPECT_EQ(summary.elements[0].rage_clicks(), 1);
  EXPECT_EQ(summary.elements[1].dead_clicks(), 1);
  EXPECT_EQ(summary.names, (std::vector<std::string>{"button#pay", "img.hero"}));
}

// Pages build ids and field names from data; whatever path or name a
// tracker hands the core, what may name a person leaves as ":id".
TEST(NameTableTest, PersonalIdsAndFieldNamesAreNeverKept) {
  EXPECT_EQ(SentName("div#user-4111111111111111>button"), ":id");
  EXPECT_EQ(SentName("button#remove-jane.doe@example.com"), ":id");
  EXPECT_EQ(SentName("subscriber[jane.doe@example.com]"), ":id");
  EXPECT_EQ(SentName("phone-+14155550123"), ":id");
  EXPECT_EQ(SentName("main>ul>li:nth-of-type(2)>a"), "main>ul>li:nth-of-type(2)>a");
  EXPECT_EQ(SentName("section#reviews>button"), "section#reviews>button");
  EXPECT_EQ(SentName("email"), "email");
  EXPECT_EQ(SentName(std::string(200, 'z')).size(), kMaxElementNameLength);
  NameTable names;
  const int first = names.Index("button#remove-jane@example.com");
  EXPECT_EQ(names.Index("button#remove-bob@example.com"), first);
  EXPECT_EQ(names[static_cast<size_t>(first)], ":id");
}

TEST(FrustrationTrackerTest, SnapshotContinuesABurstAcrossAPageLoad) {
  NameTable names;
  FrustrationTracker frustration;
  frustration.OnClick(10, 10, "", 0, 1000, names);
  frustration.OnClick(12, 10, "", 0, 1200, names);
  wire::SummaryT summary;
  SentNames sent(names, summary.names);
  FillFrustration(frustration, sent, summary);
  Saved saved =
      SaveParts(std::move(summary), [&](auto& fbb) { return frustration.Save(1000, fbb); });

  FrustrationTracker restored;
  ASSERT_TRUE(restored.Restore(saved.summary(), saved.engine(), SessionSpan{1000, 1200}).ok());
  restored.OnClick(11, 11, "", 0, 1400, names);
  EXPECT_EQ(restored.state().rage_clicks, 1);
  FrustrationTracker late;
  EXPECT_FALSE(late.Restore(saved.summary(), saved.engine(), SessionSpan{1000, 1100}).ok());
}

TEST(HeatmapTest, CountsPerPageAndCellSaturateAndStopAtTheCap) {
  Heatmap heatmap;
  for (int i = 0; i < 300; ++i) heatmap.OnClick(0, 0, 100, 100, 0);
  heatmap.OnClick(0, 0, 100, 100, 1);
  ASSERT_EQ(heatmap.cells().size(), 2u);
  EXPECT_EQ(heatmap.cells()[0].count(), 255);
  EXPECT_EQ(heatmap.cells()[1].page(), 1);
  for (int32_t x = 0; x < kGridColumns; ++x) {
    for (int32_t y = 0; y < kGridRows; ++y) heatmap.OnClick(x, y, kGridColumns, kGridRows, 2);
  }
  EXPECT_EQ(heatmap.cells().size(), kMaxHeatCells);

  wire::SummaryT summary;
  summary.heat = heatmap.cells();
  summary.facts = std::make_unique<wire::SessionFacts>();
  std::vector<uint8_t> bytes = EncodeSummary(summary);
  EXPECT_EQ(Heatmap::Restore(*wire::GetSummary(bytes.data())).cells().size(),
            heatmap.cells().size());
}

}  // namespace
}  // namespace microconv
