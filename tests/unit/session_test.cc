// The session engine on the demo site's config: what the browser computes
// per session (SPEC section 5), snapshot/restore, and the edges.
#include "core/session.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

using testing::ParseEventStream;
using testing::ReadFileOrEmpty;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string bytes =
        ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/demo.mcc");
    auto config =
        Config::FromCompiled({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    ASSERT_TRUE(config.ok()) << config.message();
    config_ = std::move(config).value();
  }

  // Runs `text` (event stream lines) and returns the unpacked final summary.
  wire::SummaryT Run(const std::string& text) {
    auto stream = ParseEventStream("start nonce=0x1 start_ms=1700000000000\n" + text, config_);
    EXPECT_TRUE(stream.ok()) << stream.message();
    if (!stream.ok()) return {};
    bytes_ = testing::RunToSummary(stream.value(), config_);
    auto verified = VerifySummary(bytes_, &config_);
    EXPECT_TRUE(verified.ok()) << verified.message();
    wire::SummaryT out;
    if (verified.ok()) verified.value()->UnPackTo(&out);
    return out;
  }

  int Micro(std::string_view id) const {
    const int index = testing::MicroIndex(config_, id);
    EXPECT_GE(index, 0) << "no micro " << id;
    return index;
  }

  // Occurrences in the path plus repeats (summary.fbs).
  int Count(const wire::SummaryT& s, std::string_view id) const {
    int count = 0;
    for (uint8_t step : s.path_steps) count += step == Micro(id);
    for (const auto& c : s.repeats) {
      if (c.id() == Micro(id)) count += c.count();
    }
    return count;
  }

  const wire::FunnelProgress* Funnel(const wire::SummaryT& s, int funnel) const {
    for (const auto& f : s.funnels) {
      if (f.funnel() == funnel) return &f;
    }
    return nullptr;
  }

  Config config_;
  std::vector<uint8_t> bytes_;
};

TEST_F(SessionTest, EmptySessionStillEncodesAndVerifies) {
  Session session(config_, SessionStart{.nonce = 7, .time_ms = 1000});
  std::vector<uint8_t> bytes = session.Flush();
  auto verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok()) << verified.message();
  EXPECT_EQ(verified.value()->nonce(), 7u);
  EXPECT_EQ(verified.value()->seq(), 1u);
  EXPECT_EQ(verified.value()->facts()->page_views(), 0);
  EXPECT_TRUE(HasFlag(verified.value()->facts()->flags(), wire::FactFlags::Bounce))
      << "an empty session is a bounce";
}

TEST_F(SessionTest, SequenceIncreasesWithEveryFlushAndPreviewDoesNotCount) {
  Session session(config_, SessionStart{.nonce = 9, .time_ms = 1000});
  auto preview = session.PreviewSummary();
  EXPECT_EQ(preview, session.Flush());
  std::vector<uint8_t> next = session.PreviewSummary();
  auto second = VerifySummary(next);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value()->seq(), 2u);
}

TEST_F(SessionTest, PageTemplatesAndLiteralPathsNeverKeepQueriesOrIds) {
  auto s =
      Run("@0 page /product/42?ref=SECRET#frag\n"
          "@10 page /orders/9876543/invoice?token=SECRET\n"
          "@20 page /product/43\n");
  EXPECT_EQ(s.facts->page_views(), 3);
  ASSERT_EQ(s.pages.size(), 2u);
  EXPECT_EQ(s.pages[0].views(), 2) << "both products share /product/:id";
  ASSERT_EQ(s.literal_pages.size(), 1u);
  EXPECT_EQ(s.literal_pages[0].find("SECRET"), std::string::npos);
  EXPECT_EQ(s.literal_pages[0].find("9876543"), std::string::npos);
  std::string all(bytes_.begin(), bytes_.end());
  EXPECT_EQ(all.find("SECRET"), std::string::npos);
  EXPECT_EQ(all.find("frag"), std::string::npos);
}

TEST_F(SessionTest, UtmComesFromTheLandingPageOnly) {
  auto s =
      Run("@0 page /?utm_source=Google&utm_medium=cpc&gclid=SECRET\n"
          "@10 page /cart?utm_source=other\n");
  EXPECT_EQ(s.utm_source, "google");
  EXPECT_EQ(s.utm_medium, "cpc");
  EXPECT_EQ(s.utm_campaign, "");
}

TEST_F(SessionTest, PathCollapsesImmediateRepeatsButCountsThem) {
  auto s =
      Run("@0 page /product/1\n"
          "@1000 page /product/2\n"
          "@2000 page /cart\n"
          "@3000 page /product/3\n");
  EXPECT_EQ(Count(s, "product_view"), 3);
  // The cart page fires no micro-conversion, so the third product view
  // still directly follows the second in the path: one step.
  ASSERT_EQ(s.path_steps.size(), 1u);
  std::vector<uint32_t> deltas;
  ASSERT_TRUE(DecodeVarints(s.path_deltas, deltas));
  EXPECT_EQ(deltas, (std::vector<uint32_t>{0}));
  ASSERT_EQ(s.repeats.size(), 1u);
  EXPECT_EQ(s.repeats[0].count(), 2) << "two product views the path does not show";
}

TEST_F(SessionTest, LoopingStepsAreKeptInOrder) {
  auto s =
      Run("@0 page /product/1\n"
          "@1000 click 10 10 100 100 b\n@1000 match [data-mc=add-to-cart]\n"
          "@2000 page /product/2\n"
          "@3000 click 10 10 100 100 b\n@3000 match [data-mc=add-to-cart]\n");
  std::vector<uint8_t> expected = {uint8_t(Micro("product_view")), uint8_t(Micro("add_to_cart")),
                                   uint8_t(Micro("product_view")), uint8_t(Micro("add_to_cart"))};
  EXPECT_EQ(s.path_steps, expected);
  std::vector<uint32_t> deltas;
  ASSERT_TRUE(DecodeVarints(s.path_deltas, deltas));
  EXPECT_EQ(deltas, (std::vector<uint32_t>{0, 10, 10, 10}));
  EXPECT_TRUE(s.repeats.empty());
}

TEST_F(SessionTest, RageClickNeedsThreeClicksWithinOneSecondAndThirtyPixels) {
  auto s =
      Run("@0 page /cart\n"
          "@100 click 100 100 1000 1000 button#pay\n"
          "@500 click 129 100 1000 1000 button#pay\n"
          "@1100 click 100 130 1000 1000 button#pay\n"  // 1000 ms after the first: inclusive
          "@1200 click 100 100 1000 1000 button#pay\n"  // same burst: not counted again
          "@5000 click 100 100 1000 1000 button#pay\n"
          "@5300 click 200 100 1000 1000 button#pay\n"  // too far
          "@5600 click 100 100 1000 1000 button#pay\n");
  EXPECT_EQ(s.facts->rage_clicks(), 1);
  ASSERT_EQ(s.elements.size(), 1u);
  EXPECT_EQ(s.elements[0].rage_clicks(), 1);
  EXPECT_EQ(s.elements[0].clicks(), 7);
  EXPECT_EQ(s.names[0], "button#pay");
}

// Clicking through pages at one spot (the journey e2e's category tile,
// product card and "Add to cart" fell within 30 px and one second on a fast
// machine) is navigation: a burst never spans a page view.
TEST_F(SessionTest, ClicksOnThreePagesAtOneSpotAreNotRage) {
  auto s =
      Run("@0 page /department/electronics\n"
          "@100 click 100 100 1000 1000 a#cat\n"
          "@300 page /category/headphones\n"
          "@400 click 110 105 1000 1000 a#product\n"
          "@600 page /product/1\n"
          "@700 click 105 110 1000 1000 button#add\n");
  EXPECT_EQ(s.facts->rage_clicks(), 0);
  EXPECT_TRUE(s.elements.empty());
}

TEST_F(SessionTest, TwoClicksAreNotRageAndCalmElementsAreNotSent) {
  auto s = Run("@0 page /\n@100 click 1 1 10 10 a#calm\n@200 click 1 1 10 10 a#calm\n");
  EXPECT_EQ(s.facts->rage_clicks(), 0);
  EXPECT_TRUE(s.elements.empty());
  EXPECT_TRUE(s.names.empty());
  EXPECT_EQ(std::string(bytes_.begin(), bytes_.end()).find("calm"), std::string::npos);
}

TEST_F(SessionTest, DeadClicksAndQuickBacksAreCounted) {
  auto s =
      Run("@0 page /category/headphones\n"
          "@1000 page /product/1\n"
          "@5999 page_back /category/headphones\n"  // 4999 ms: quick
          "@7000 page /product/2\n"
          "@12000 page_back /category/headphones\n"  // 5000 ms: not quick
          "@13000 click 5 5 10 10 img.hero\n@13500 dead img.hero\n");
  EXPECT_EQ(s.facts->quick_backs(), 1);
  EXPECT_EQ(s.facts->dead_clicks(), 1);
  ASSERT_EQ(s.pages.size(), 2u);
  EXPECT_EQ(s.pages[1].quick_backs(), 1);
}

TEST_F(SessionTest, HeatmapCellsAreDocumentRelative) {
  auto s =
      Run("@0 page /\n"
          "@10 click 0 0 1600 3200 a\n"
          "@20 click 1599 3199 1600 3200 a\n"
          "@30 click 5000 -40 1600 3200 a\n"  // outside the document: clamped
          "@40 click 50 50 0 0 a\n");         // unknown size: first cell
  ASSERT_EQ(s.heat.size(), 3u);
  EXPECT_EQ(s.heat[0].cell(), 0);
  EXPECT_EQ(s.heat[0].count(), 2);
  EXPECT_EQ(s.heat[1].cell(), 31 * 16 + 15);
  EXPECT_EQ(s.heat[2].cell(), 15);
}

TEST_F(SessionTest, ScrollDepthRuleFiresOncePerPageViewAndKeepsMax) {
  auto s =
      Run("@0 page /blog/post\n@10 scroll 80\n@20 scroll 90\n@30 scroll 10\n"
          "@40 page /blog/other\n@50 scroll 74\n"
          "@60 page /product/1\n@70 scroll 100\n");
  EXPECT_EQ(Count(s, "blog_read"), 1);
  ASSERT_GE(s.pages.size(), 1u);
  EXPECT_EQ(s.pages[0].max_scroll(), 90);
}

TEST_F(SessionTest, ElementMustStayVisibleForOneSecond) {
  auto s =
      Run("@0 page /product/1\n"
          "@100 visible #reviews 1\n@1099 visible #reviews 0\n"  // 999 ms
          "@2000 visible #reviews 1\n@3000 advance\n");          // exactly 1 s
  EXPECT_EQ(Count(s, "reviews_seen"), 1);
  auto t = Run("@0 page /product/1\n@100 visible #reviews 1\n@1099 visible #reviews 0\n");
  EXPECT_EQ(Count(t, "reviews_seen"), 0);
}

TEST_F(SessionTest, TimeOnPageFiresFromAdvanceWithoutEvents) {
  auto s = Run("@0 page /product/1\n@29999 advance\n");
  EXPECT_EQ(Count(s, "engaged"), 0);
  auto t = Run("@0 page /product/1\n@30000 advance\n@60000 advance\n");
  EXPECT_EQ(Count(t, "engaged"), 1);
}

TEST_F(SessionTest, DurationCoversActiveTimeButNotTimeAwayOrIdle) {
  // Events, then the tracker's Advance(now) with no event in between (the
  // playground's inspect, a flush): the facts of the summary at that moment.
  auto facts_after = [&](const std::string& events, int64_t now_offset_ms) {
    auto stream = ParseEventStream("start nonce=0x1 start_ms=1700000000000\n" + events, config_);
    EXPECT_TRUE(stream.ok()) << stream.message();
    Session session(config_, stream.value().Start());
    EXPECT_EQ(session.Ingest(stream.value().Batch()).consumed, stream.value().events.size());
    session.Advance(1700000000000 + now_offset_ms);
    wire::SummaryT out;
    VerifySummary(bytes_ = session.PreviewSummary(), &config_).value()->UnPackTo(&out);
    return *out.facts;
  };
  // Reading a visible page after the last event: the visit grows with the
  // active time, never shorter than it.
  auto reading = facts_after("@0 page /product/1\n@1000 input\n", 6000);
  EXPECT_EQ(reading.active_ds(), 60u);
  EXPECT_EQ(reading.duration_ds(), 60u);
  // Idle past the active window: the visit ends where activity did.
  auto idle = facts_after("@0 page /product/1\n@1000 input\n", 600000);
  EXPECT_EQ(idle.duration_ds(), (1000 + kActiveAfterInputMs) / 100);
  EXPECT_LE(idle.active_ds(), idle.duration_ds());
  // Hidden: time away is not visit time.
  auto away = facts_after("@0 page /product/1\n@1000 input\n@2000 page_hidden\n", 600000);
  EXPECT_EQ(away.duration_ds(), 20u);
  EXPECT_LE(away.active_ds(), away.duration_ds());
}

// The fuzz find of issue 9: the tracker's Advance ran the visit 25 s past its
// last event, a flush said so, and after a page unload (snapshot, restore)
// the final summary said 1 s, below its own 25 s of active time.
TEST_F(SessionTest, DurationAndActiveTimeSurviveARestoreAfterAdvance) {
  const int64_t t0 = 1700000000000;
  const std::string_view strings[] = {"/product/1"};
  auto ingest = [&](Session& session, EventType type, int64_t at, uint8_t b = 0) {
    const Event event{.time_ms = t0 + at, .type = type, .b = b, .str = 0};
    ASSERT_EQ(session.Ingest({std::span(&event, 1), strings}).consumed, 1u);
  };
  auto facts = [&](const std::vector<uint8_t>& bytes) {
    return *VerifySummary(bytes, &config_).value()->facts();
  };

  Session session(config_, SessionStart{.nonce = 3, .time_ms = t0});
  ingest(session, EventType::kPageView, 0);
  ingest(session, EventType::kInput, 1000);
  session.Advance(t0 + 25000);
  const wire::SessionFacts flushed = facts(session.Flush());
  EXPECT_EQ(flushed.duration_ds(), 250u);
  EXPECT_EQ(flushed.active_ds(), 250u);

  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  Session after = std::move(restored).value();
  after.End();
  const wire::SessionFacts ended = facts(after.PreviewSummary());
  EXPECT_EQ(ended.duration_ds(), 250u) << "was 10 (1 s) before the fix";
  EXPECT_EQ(ended.active_ds(), 250u);

  // The next event continues the clock: 25..26 s counts once, not again
  // from the last event at 1 s (was 50 s of active time in a 26 s visit).
  ingest(after, EventType::kInput, 26000);
  const wire::SessionFacts next = facts(after.PreviewSummary());
  EXPECT_EQ(next.duration_ds(), 260u);
  EXPECT_EQ(next.active_ds(), 260u);

  // Hidden by an event stamped before Advance's clock (queued, or a clock
  // that went back): the visit still lasted the 25 s it was active (was 2 s).
  Session hidden(config_, SessionStart{.nonce = 4, .time_ms = t0});
  ingest(hidden, EventType::kPageView, 0);
  ingest(hidden, EventType::kInput, 1000);
  hidden.Advance(t0 + 25000);
  ingest(hidden, EventType::kVisibility, 2000, /*b=*/0);
  const wire::SessionFacts away = facts(hidden.PreviewSummary());
  EXPECT_EQ(away.duration_ds(), 250u);
  EXPECT_EQ(away.active_ds(), 250u);
}

TEST_F(SessionTest, MediaMilestonesImplyEarlierOnes) {
  auto s = Run("@0 page /blog/x\n@10 media video ended\n@20 media video q75\n");
  EXPECT_EQ(Count(s, "video"), 1);
}

TEST_F(SessionTest, CustomAndDataLayerEventsMatchByName) {
  auto s =
      Run("@0 page /\n@10 custom wishlist\n@20 custom purchase\n@30 datalayer purchase\n@40 "
          "datalayer wishlist\n");
  EXPECT_EQ(Count(s, "wishlist"), 1);
  EXPECT_EQ(Count(s, "purchase"), 1);
}

// Revenue (core/revenue.h): the demo site counts USD; its purchase rule is a
// macro-conversion with a configured value of 149.
TEST_F(SessionTest, PurchaseEventValueIsTheRevenueInTheSiteCurrency) {
  auto s = Run("@0 page /\n@10 datalayer purchase 31490 USD\n");
  EXPECT_EQ(Count(s, "purchase"), 1);
  EXPECT_EQ(s.orders, 1);
  EXPECT_EQ(s.revenue_cents, 31490u);  // the event's value, not also the configured 149
  EXPECT_EQ(s.other_currency_orders, 0);
}

TEST_F(SessionTest, PurchaseWithoutValueCountsTheConfiguredValue) {
  auto s = Run("@0 page /\n@10 datalayer purchase\n@20 datalayer purchase 5000\n");
  EXPECT_EQ(s.orders, 2);
  // 149 configured, then 50.00 with no currency: the site's.
  EXPECT_EQ(s.revenue_cents, 14900u + 5000u);
}

TEST_F(SessionTest, PurchaseInAnotherCurrencyIsCountedApartNeverSummed) {
  auto s = Run("@0 page /\n@10 datalayer purchase 9900 EUR\n");
  EXPECT_EQ(Count(s, "purchase"), 1);  // still the macro-conversion
  EXPECT_EQ(s.orders, 0);
  EXPECT_EQ(s.revenue_cents, 0u);
  EXPECT_EQ(s.other_currency_orders, 1);
}

TEST_F(SessionTest, OutOfBoundsPurchaseValuesAreIgnored) {
  // The tracker refuses these; the core does not rely on it: the value is
  // dropped and the configured value counts.
  auto s = Run("@0 page /\n@10 datalayer purchase " + std::to_string(kMaxOrderCents + 1) +
               " USD\n@20 datalayer purchase -5 USD\n");
  EXPECT_EQ(s.orders, 2);
  EXPECT_EQ(s.revenue_cents, 2u * 14900u);
  // Other events are never revenue, whatever they carry.
  auto other = Run("@0 page /\n@10 datalayer wishlist 5000 USD\n@20 custom purchase\n");
  EXPECT_EQ(other.orders, 0);
  EXPECT_EQ(other.revenue_cents, 0u);
}

TEST_F(SessionTest, RevenueSurvivesASnapshotRestore) {
  auto stream = ParseEventStream(
      "start nonce=0x1 start_ms=1700000000000\n@0 page /\n@10 datalayer purchase 2000 USD\n"
      "@20 datalayer purchase 9900 EUR\n",
      config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  Session session = testing::RunSession(stream.value(), config_);
  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  wire::SummaryT s = testing::UnpackSummary(restored.value().BuildSummary());
  EXPECT_EQ(s.orders, 1);
  EXPECT_EQ(s.revenue_cents, 2000u);
  EXPECT_EQ(s.other_currency_orders, 1);
}

// "Seen but not clicked" (issue 13 point 4): the demo's add_to_cart is a
// call to action; its button counts as seen after the same one-second dwell
// as element-visible rules, clicked or not, and only its id is sent.
TEST_F(SessionTest, CallToActionSeenAfterOneSecondClickedOrNot) {
  const int add = Micro("add_to_cart");
  ASSERT_TRUE(config_.IsCallToAction(static_cast<uint8_t>(add)));
  EXPECT_FALSE(config_.IsCallToAction(static_cast<uint8_t>(Micro("begin_checkout"))));
  // In view for 999 ms, then again for a second: seen, never clicked.
  auto seen =
      Run("@0 page /product/1\n"
          "@100 visible [data-mc=add-to-cart] 1\n@1099 visible [data-mc=add-to-cart] 0\n"
          "@2000 visible [data-mc=add-to-cart] 1\n@3000 advance\n");
  EXPECT_EQ(seen.cta_seen, std::vector<uint8_t>{static_cast<uint8_t>(add)});
  EXPECT_EQ(Count(seen, "add_to_cart"), 0);
  // Less than a second, then clicked: clicked, not seen.
  auto clicked =
      Run("@0 page /product/1\n@100 visible [data-mc=add-to-cart] 1\n"
          "@900 click 10 10 100 100 button#add-to-cart\n@900 match [data-mc=add-to-cart]\n");
  EXPECT_TRUE(clicked.cta_seen.empty());
  EXPECT_EQ(Count(clicked, "add_to_cart"), 1);
  // A page view cancels the dwell, as for element-visible rules.
  auto left =
      Run("@0 page /product/1\n@100 visible [data-mc=add-to-cart] 1\n@600 page /cart\n"
          "@3000 advance\n");
  EXPECT_TRUE(left.cta_seen.empty());
}

TEST_F(SessionTest, CallToActionSeenSurvivesASnapshotRestore) {
  auto stream = ParseEventStream(
      "start nonce=0x1 start_ms=1700000000000\n@0 page /product/1\n"
      "@100 visible [data-mc=add-to-cart] 1\n@1200 advance\n",
      config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  Session session = testing::RunSession(stream.value(), config_);
  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  wire::SummaryT s = testing::UnpackSummary(restored.value().BuildSummary());
  EXPECT_EQ(s.cta_seen, std::vector<uint8_t>{static_cast<uint8_t>(Micro("add_to_cart"))});
}

// Scroll reach: the first viewport is reached without any scroll.
TEST_F(SessionTest, FirstViewportCountsAsScrollDepthWithoutFiringScrollRules) {
  auto s = Run("@0 page /blog/post 100\n@10 page /cart 35\n@20 scroll 20\n@30 scroll 60\n");
  ASSERT_EQ(s.pages.size(), 2u);
  EXPECT_EQ(s.pages[0].max_scroll(), 100);  // never scrolled: the whole post was visible
  EXPECT_EQ(s.pages[1].max_scroll(), 60);
  EXPECT_EQ(Count(s, "blog_read"), 0);  // scroll-depth rules need a scroll
}

TEST_F(SessionTest, FormFieldsRecordFocusTimeAndRefillsNeverValues) {
  auto s =
      Run("@0 page /checkout/shipping\n"
          "@100 focus shipping name\n@1100 change shipping name\n@1200 blur shipping name\n"
          "@1300 focus shipping name\n@2300 change shipping name\n@2400 change shipping name\n"
          "@3000 focus shipping nickname\n");  // unconfigured field: by name
  ASSERT_EQ(s.forms.size(), 1u);
  const auto& form = s.forms[0];
  EXPECT_EQ(form.flags(), wire::FormFlags::Started) << "started, not submitted: abandoned";
  ASSERT_EQ(form.field_count(), 2);
  ASSERT_EQ(s.fields.size(), 2u);
  EXPECT_EQ(s.fields[0].field(), 0);
  EXPECT_EQ(s.fields[0].focus_count(), 2);
  EXPECT_EQ(s.fields[0].refills(), 2);
  EXPECT_EQ(s.fields[0].time_ds(), 28);  // 1100 ms + 1700 ms
  EXPECT_EQ(s.fields[1].field(), kLiteralFieldBit | 0);
  EXPECT_EQ(form.last_field(), 1);
  EXPECT_EQ(s.names[0], "nickname");
}

TEST_F(SessionTest, PurchaseFunnelConvertsAcrossTheArticlesJourney) {
  auto stream = ParseEventStream(
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.events"),
      config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  auto bytes = testing::RunToSummary(stream.value(), config_);
  auto verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok());
  wire::SummaryT s;
  verified.value()->UnPackTo(&s);
  const auto* purchase = Funnel(s, 0);
  ASSERT_NE(purchase, nullptr);
  EXPECT_TRUE(HasFlag(purchase->flags(), wire::FunnelFlags::Converted));
  EXPECT_EQ(purchase->reached(), 0x1ffu);
  EXPECT_EQ(purchase->furthest(), 9);
  EXPECT_EQ(s.facts->page_views(), 10);
  EXPECT_EQ(s.referrer, "google.com");
  EXPECT_EQ(s.facts->dims().browser(), wire::BrowserFamily::Chrome);
  EXPECT_EQ(s.facts->dims().os(), wire::OsFamily::Linux);
  EXPECT_EQ(s.facts->dims().device(), wire::DeviceClass::Desktop);
}

TEST_F(SessionTest, ClockGoingBackwardsNeverMovesSessionTimeBack) {
  auto s = Run("@0 page /product/1\n@5000 page /cart\n@1000 page /product/2\n");
  EXPECT_EQ(s.facts->duration_ds(), 50u);
  std::vector<uint32_t> deltas;
  ASSERT_TRUE(DecodeVarints(s.path_deltas, deltas));
  EXPECT_EQ(deltas, (std::vector<uint32_t>{0}));  // product, product collapsed; none earlier than 0
}

TEST_F(SessionTest, InactivityEndsTheSessionAndLeavesTheRestUnconsumed) {
  auto stream = ParseEventStream(
      "start start_ms=1000\n@0 page /\n@1800000 page /cart\n@3600001 page /product/1\n", config_);
  ASSERT_TRUE(stream.ok());
  Session session(config_, stream.value().Start());
  IngestResult result = session.Ingest(stream.value().Batch());
  EXPECT_TRUE(result.expired);
  EXPECT_EQ(result.consumed, 2u) << "30 min exactly is still the same session; 1 ms more is not";
  EXPECT_TRUE(session.ExpiredAt(1000 + 3600001));
}

TEST_F(SessionTest, TenThousandEventsStayWithinTheCaps) {
  std::string text = "@0 page /\n";
  for (int i = 0; i < 10000; ++i) {
    int t = 10 + i * 10;
    switch (i % 5) {
      case 0:
        text += "@" + std::to_string(t) + " page /p/" + std::to_string(i) + "x\n";
        break;
      case 1:
        text += "@" + std::to_string(t) + " click " + std::to_string(i % 1600) + " " +
                std::to_string(i) + " 1600 100000 el" + std::to_string(i) + "\n";
        break;
      case 2:
        text += "@" + std::to_string(t) + " custom wishlist\n";
        break;
      case 3:
        text += "@" + std::to_string(t) + " page /product/" + std::to_string(i) + "\n";
        break;
      default:
        text += "@" + std::to_string(t) + " scroll " + std::to_string(i % 101) + "\n";
        break;
    }
  }
  auto s = Run(text);
  EXPECT_LE(s.pages.size(), kMaxPages);
  EXPECT_LE(s.heat.size(), kMaxHeatCells);
  EXPECT_LE(s.elements.size(), kMaxElements);
  EXPECT_EQ(s.path_steps.size(), kMaxPathSteps);
  EXPECT_TRUE(HasFlag(s.facts->flags(), wire::FactFlags::PathTruncated)) << "truncated";
  EXPECT_EQ(s.facts->page_views(), 4001);
  EXPECT_LE(bytes_.size(), kMaxSummaryBytes);
}

TEST_F(SessionTest, HostileAndUnicodePathsAreCappedAndStillVerify) {
  std::string long_path = "/" + std::string(5000, 'a');
  auto s = Run("@0 page /caf\xc3\xa9/\xe2\x9c\x93\n@10 page " + long_path +
               "\n@20 page /\"><script>alert(1)</script>\n@30 page /\xff\xfe\n@40 page \n");
  EXPECT_EQ(s.facts->page_views(), 5);
  for (const std::string& literal : s.literal_pages) EXPECT_LE(literal.size(), 128u);
}

TEST_F(SessionTest, SnapshotRestoreContinuesExactlyLikeAnUninterruptedSession) {
  auto stream = ParseEventStream(
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.events"),
      config_);
  ASSERT_TRUE(stream.ok());
  const auto& events = stream.value().events;
  EventBatch all = stream.value().Batch();
  std::vector<uint8_t> expected;
  {
    Session session(config_, stream.value().Start());
    ASSERT_EQ(session.Ingest(all).consumed, events.size());
    session.Flush();
    expected = session.PreviewSummary();
  }
  // Split at every page view (the tracker snapshots on each unload).
  Session session(config_, stream.value().Start());
  size_t from = 0;
  int restores = 0;
  for (size_t i = 1; i <= events.size(); ++i) {
    if (i < events.size() && events[i].type != EventType::kPageView) continue;
    ASSERT_EQ(session.Ingest({all.events.subspan(from, i - from), all.strings}).consumed, i - from);
    from = i;
    auto restored = Session::Restore(config_, session.Snapshot());
    ASSERT_TRUE(restored.ok()) << restored.message();
    session = std::move(restored).value();
    ++restores;
  }
  EXPECT_GE(restores, 9);
  session.Flush();
  auto got = session.PreviewSummary();
  if (got != expected) {
    EXPECT_EQ(RenderSummaryJson(*VerifySummary(got).value()),
              RenderSummaryJson(*VerifySummary(expected).value()));
    for (size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
      if (got[i] != expected[i]) {
        ADD_FAILURE() << "byte " << i << " of " << got.size() << "/" << expected.size();
        break;
      }
    }
  }
  EXPECT_EQ(got, expected);
}

TEST_F(SessionTest, CorruptSnapshotsStartFreshNeverCrash) {
  auto stream = ParseEventStream(
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.events"),
      config_);
  ASSERT_TRUE(stream.ok());
  Session session(config_, stream.value().Start());
  (void)session.Ingest(stream.value().Batch());
  std::vector<uint8_t> snapshot = session.Snapshot();
  EXPECT_FALSE(Session::Restore(config_, {}).ok());
  EXPECT_FALSE(Session::Restore(config_, std::span(snapshot).first(snapshot.size() / 2)).ok());
  std::vector<uint8_t> summary = session.PreviewSummary();
  EXPECT_EQ(Session::Restore(config_, summary).error(), Error::kCorruptSnapshot)
      << "a summary is not a snapshot";
  std::mt19937 rng(42);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bad = snapshot;
    bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto restored = Session::Restore(config_, bad);
    if (!restored.ok()) continue;
    ++accepted;
    // Whatever was accepted must keep working and produce valid summaries.
    Session& s = restored.value();
    (void)s.Ingest(stream.value().Batch());
    s.Advance(stream.value().start_ms + 200000);
    std::vector<uint8_t> summary_bytes = s.PreviewSummary();
    auto verified = VerifySummary(summary_bytes, &config_);
    ASSERT_TRUE(verified.ok()) << verified.message();
  }
  EXPECT_LT(accepted, 3000);
}

}  // namespace
}  // namespace microconv
