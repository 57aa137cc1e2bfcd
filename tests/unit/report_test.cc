#include "core/report.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/report_json.h"
#include "core/schema/summary_generated.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

constexpr uint32_t kDay = 20000;  // 2024-10-04

// Pages "/", "/product/:id", "/cart"; micros view, add, buy (macro), news;
// funnel buy = view -> add -> buy; form checkout (name, card); selector #add.
Config ShopConfig() {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/", "/product/:id", "/cart"};
  c.click_selectors = {"#add"};
  testing::AddMicro(c, "view", wire::MicroKind::PageView);
  testing::AddMicro(c, "add", wire::MicroKind::Click);
  testing::AddMicro(c, "buy", wire::MicroKind::DataLayer, true);
  testing::AddMicro(c, "news", wire::MicroKind::CustomEvent);
  testing::AddFunnel(c, "buy", "Buy", {0, 1, 2}, "S");
  testing::AddForm(c, "checkout", {"name", "card"});
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  c.privacy->k_anonymity = 3;
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

// Ten sessions, three converters:
// S0-S2: /, product, cart; path view add buy; funnel converted; desktop,
//        google.com; checkout form submitted; heat on product cell 5.
// S3-S4: /, product, cart; view add add (the repeat collapsed); furthest 2,
//        next: the cart page; mobile; S3 abandons checkout on card; rage
//        clicks on button#add.
// S5-S7: /, product; view news; furthest 1, next: news, "/"; S5 mobile,
//        S6-S7 desktop; S5 dead click on a hostile element name.
// S8-S9: / only (bounce); S8 news; tablet; S9 on the next day.
// "add" is the click micro-conversion of selector #add.
// Revenue: S0 one order of 149.00, S1 one of 299.00, S2 two worth 200.00;
// S3 one order in another currency, and a click on product cell 5 (mobile).
std::vector<std::vector<uint8_t>> TenSessions(uint32_t hash) {
  std::vector<std::vector<uint8_t>> out;
  const uint32_t step1[] = {100, 200, 50};
  const uint32_t step2[] = {300, 500, 650};
  for (int i = 0; i < 10; ++i) {
    wire::SummaryT s;
    s.version = 1;
    s.site = "shop";
    s.config_hash = hash;
    s.start_minute = (i == 9 ? kDay + 1 : kDay) * 1440 + static_cast<uint32_t>(i);
    const auto device = i < 3 || i == 6 || i == 7 ? wire::DeviceClass::Desktop
                        : i < 6                   ? wire::DeviceClass::Mobile
                                                  : wire::DeviceClass::Tablet;
    const wire::Dimensions dims(device, wire::BrowserFamily::Firefox, wire::OsFamily::Linux,
                                wire::ScreenBucket::L, 'd' << 8 | 'e', 'c' << 8 | 'h');
    s.pages.emplace_back(0, 1, 50, 50, 0);
    if (i < 8) s.pages.emplace_back(1, 1, 300, 100, 0);
    if (i < 5) s.pages.emplace_back(2, 1, 20, 10, 0);
    const auto page_count = static_cast<uint16_t>(s.pages.size());
    // Session totals (rage, dead, quick backs) are left at 0.
    s.facts = std::make_unique<wire::SessionFacts>(
        600 + static_cast<uint32_t>(i) * 100, 100 * static_cast<uint32_t>(i + 1), page_count, 0, 0,
        0, dims, FlagIf(i >= 8, wire::FactFlags::Bounce), 0, static_cast<uint8_t>(page_count - 1));
    if (i < 3) {
      s.path_steps = {0, 1, 2};
      s.funnels.emplace_back(0, wire::FunnelFlags::Converted, 3, 0, 7u, 0, 0, 0);
      AppendVarint(step1[i], s.step_times);
      AppendVarint(step2[i], s.step_times);
      s.referrer = "google.com";
      s.heat.emplace_back(1, 2, 5);
      const uint64_t revenue[] = {14900, 29900, 20000};
      s.revenue_cents = revenue[i];
      s.orders = i == 2 ? 2 : 1;
    } else if (i < 5) {
      s.path_steps = {0, 1};
      s.repeats = {{1, 1}};
      // Next action: pages[2], the cart.
      s.funnels.emplace_back(0, wire::FunnelFlags::NONE, 2, 1, 3u, kLiteralBit | 2, 0, 0);
      AppendVarint(40, s.step_times);
      s.names = {"button#add"};
      s.elements.emplace_back(0, 4, 1, 0, 1);
      if (i == 3) {
        s.other_currency_orders = 1;
        s.heat.emplace_back(1, 1, 5);
      }
    } else if (i < 8) {
      s.path_steps = {0, 3};
      s.funnels.emplace_back(0, wire::FunnelFlags::NONE, 1, 2, 1u, 3, kLiteralBit | 0, 0);
      if (i == 5) {
        s.names = {"<script>\"x\xff"};
        s.elements.emplace_back(0, 1, 0, 1, 1);
      }
    } else if (i == 8) {
      s.path_steps = {3};
    }
    for (size_t step = 0; step < s.path_steps.size(); ++step) AppendVarint(30, s.path_deltas);
    if (i < 4) {
      s.forms.emplace_back(0, wire::FormFlags::Started | FlagIf(i < 3, wire::FormFlags::Submitted),
                           1, 2);
      s.fields.emplace_back(0, 1, 0, 0, 20);
      s.fields.emplace_back(1, 1, i == 3 ? 1 : 0, 0, 30);
    }
    out.push_back(EncodeSummary(s));
  }
  return out;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    aggregate_ = Aggregate(config_);
    for (const auto& bytes : TenSessions(config_.hash())) {
      // The fixture is what a real tracker could send for this config.
      Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
      ASSERT_TRUE(verified.ok()) << verified.message();
      ASSERT_TRUE(aggregate_.Add(*verified.value()).ok());
    }
  }
  Report Build(int k, Breakdown breakdown = Breakdown::kAll) {
    ReportOptions options;
    options.k_anonymity = k;
    options.breakdown = breakdown;
    auto report = BuildReport(aggregate_, config_, options);
    EXPECT_TRUE(report.ok()) << report.message();
    return std::move(report).value();
  }
  static const SegmentRow* Row(const Report& r, std::string_view dimension,
                               std::string_view value) {
    for (const SegmentTable& t : r.segments) {
      if (t.dimension != dimension) continue;
      for (const SegmentRow& row : t.rows) {
        if (row.value == value) return &row;
      }
    }
    return nullptr;
  }

  Config config_ = ShopConfig();
  Aggregate aggregate_;
};

TEST_F(ReportTest, Engagement) {
  const Report r = Build(1);
  const Engagement& e = r.engagement;
  EXPECT_FALSE(e.suppressed);
  EXPECT_EQ(e.sessions, 10u);
  EXPECT_EQ(e.converters, 3u);
  EXPECT_DOUBLE_EQ(e.conversion_rate, 0.3);
  EXPECT_EQ(e.page_views, 23u);
  EXPECT_DOUBLE_EQ(e.pages_per_session, 2.3);
  EXPECT_EQ(e.bounces, 2u);
  EXPECT_DOUBLE_EQ(e.bounce_rate, 0.2);
  EXPECT_DOUBLE_EQ(e.mean_active_ds, 550);  // 100..1000
  EXPECT_NEAR(e.median_active_ds, 500, 500 / 16.0);
  // 23 page-sessions: 10 at 50 %, 8 at 100 %, 5 at 10 %: median bucket 50 %.
  EXPECT_EQ(e.median_scroll_percent, 50u);
  EXPECT_EQ(e.rage_clicks, 0u);  // session totals were not set
  EXPECT_EQ(r.k_anonymity, 1u);
  EXPECT_EQ(r.site, "shop");
}

TEST_F(ReportTest, Funnel) {
  const Report r = Build(1);
  ASSERT_EQ(r.funnels.size(), 1u);
  const FunnelReport& f = r.funnels[0];
  EXPECT_EQ(f.id, "buy");
  EXPECT_EQ(f.entered, 8u);
  EXPECT_EQ(f.conversions, 3u);
  EXPECT_DOUBLE_EQ(f.conversion_rate, 3.0 / 8);
  ASSERT_EQ(f.steps.size(), 3u);
  EXPECT_EQ(f.steps[0].reached, 8u);
  EXPECT_EQ(f.steps[1].reached, 5u);
  EXPECT_EQ(f.steps[2].reached, 3u);
  EXPECT_DOUBLE_EQ(f.steps[0].from_previous, 1);
  EXPECT_DOUBLE_EQ(f.steps[1].from_previous, 5.0 / 8);
  EXPECT_DOUBLE_EQ(f.steps[2].from_previous, 3.0 / 5);
  EXPECT_DOUBLE_EQ(f.steps[2].from_start, 3.0 / 8);
  EXPECT_EQ(f.steps[0].drop_off, 3u);
  EXPECT_EQ(f.steps[1].drop_off, 2u);
  EXPECT_EQ(f.steps[2].drop_off, 0u);
  EXPECT_DOUBLE_EQ(f.steps[0].drop_off_rate, 3.0 / 8);
  EXPECT_DOUBLE_EQ(f.steps[1].drop_off_rate, 2.0 / 5);
  // Step 1 times {100, 200, 50, 40, 40}: median 50 -> bucket [48, 52).
  EXPECT_DOUBLE_EQ(f.steps[1].median_step_ds, 49.5);
  // Step 2 times {200, 300, 600}: median 300 -> [288, 320).
  EXPECT_NEAR(f.steps[2].median_step_ds, 300, 300 / 16.0);
  EXPECT_NEAR(f.steps[2].p90_step_ds, 600, 600 / 16.0);
  // Time to convert {300, 500, 650}.
  EXPECT_NEAR(f.median_time_to_convert_ds, 500, 500 / 16.0);
  uint64_t converted = 0;
  for (const DurationBucket& b : f.time_to_convert) converted += b.sessions;
  EXPECT_EQ(converted, 3u);
  ASSERT_EQ(f.steps[0].next_actions.size(), 2u);
  EXPECT_EQ(f.steps[0].next_actions[0].sessions, 3u);
  EXPECT_EQ(f.steps[0].next_actions[1].sessions, 3u);
  EXPECT_EQ(f.steps[0].next_actions[0].action, "news");  // micro 3 sorts before page 0x8000
  EXPECT_EQ(f.steps[0].next_actions[1].action, "/");
  EXPECT_TRUE(f.steps[0].next_actions[1].is_page);
  ASSERT_EQ(f.steps[1].next_actions.size(), 1u);
  EXPECT_EQ(f.steps[1].next_actions[0].action, "/cart");
  EXPECT_EQ(f.steps[1].next_actions[0].sessions, 2u);
}

TEST_F(ReportTest, PathsAndLift) {
  const Report r = Build(1);
  ASSERT_EQ(r.paths.size(), 5u);
  EXPECT_EQ(r.paths[0].sessions, 3u);
  EXPECT_EQ(r.paths[1].sessions, 3u);
  // Equal counts keep the canonical key order: {0,1,2} before {0,3}.
  EXPECT_EQ(r.paths[0].steps, (std::vector<std::string>{"view", "add", "buy"}));
  EXPECT_DOUBLE_EQ(r.paths[0].conversion_rate, 1);
  EXPECT_EQ(r.paths[1].steps, (std::vector<std::string>{"view", "news"}));
  EXPECT_EQ(r.paths[2].steps, (std::vector<std::string>{"view", "add"}));
  EXPECT_EQ(r.other_paths.sessions, 0u);

  // Every configured micro-conversion, goals marked, whatever the data.
  ASSERT_EQ(r.micros.size(), 4u);
  EXPECT_EQ(r.micros[2].id, "buy");
  EXPECT_TRUE(r.micros[2].macro);
  EXPECT_FALSE(r.micros[0].macro);
  EXPECT_EQ(r.micros[0].label, r.lift[0].label);

  ASSERT_EQ(r.lift.size(), 3u);  // buy is the macro: no lift on itself
  const LiftRow& view = r.lift[0];
  EXPECT_EQ(view.micro, "view");
  EXPECT_EQ(view.sessions_with, 8u);
  EXPECT_EQ(view.converters_with, 3u);
  EXPECT_EQ(view.sessions_without, 2u);
  EXPECT_DOUBLE_EQ(view.rate_with, 0.375);
  EXPECT_NEAR(view.ci_low, -0.324415, 1e-6);  // hand-computed Newcombe interval
  EXPECT_NEAR(view.ci_high, 0.694258, 1e-6);
  EXPECT_FALSE(view.significant);
  EXPECT_EQ(view.baseline_funnel, "");  // the funnel's first step: every session
  EXPECT_TRUE(view.required_step);
  // add is measured among the 8 sessions that reached "view", the funnel's
  // step before it (5 with add, 3 converters; 3 without): the 2 bounces
  // that never started the funnel no longer count as "without add".
  const LiftRow& add = r.lift[1];
  EXPECT_EQ(add.baseline_funnel, "buy");
  EXPECT_EQ(add.baseline_step, "S0");
  EXPECT_TRUE(add.required_step);
  EXPECT_EQ(add.sessions_with, 5u);
  EXPECT_EQ(add.sessions_without, 3u);
  EXPECT_DOUBLE_EQ(add.difference, 0.6);
  EXPECT_NEAR(add.ci_low, -0.072044, 1e-6);  // hand-computed Newcombe interval (3/5 vs 0/3)
  EXPECT_NEAR(add.ci_high, 0.882379, 1e-6);
  EXPECT_FALSE(add.significant);
  const LiftRow& news = r.lift[2];
  EXPECT_EQ(news.baseline_funnel, "");  // in no funnel: every session
  EXPECT_FALSE(news.required_step);
  EXPECT_DOUBLE_EQ(news.rate_without, 0.5);
  EXPECT_NEAR(news.ci_low, -0.812384, 1e-6);
  EXPECT_NEAR(news.ci_high, 0.081013, 1e-6);
  EXPECT_FALSE(news.significant);
}

TEST_F(ReportTest, SegmentTablesAloneMatchTheReportsTables) {
  for (int k : {1, 3}) {
    ReportOptions options;
    options.k_anonymity = k;
    options.breakdown = Breakdown::kReferrer;
    auto tables = BuildSegmentTables(aggregate_, config_, options);
    ASSERT_TRUE(tables.ok()) << tables.message();
    const Report r = Build(k, Breakdown::kReferrer);
    ASSERT_EQ(tables.value().size(), 1u);
    ASSERT_EQ(r.segments.size(), 1u);
    const SegmentTable& alone = tables.value()[0];
    EXPECT_EQ(alone.dimension, "referrer");
    ASSERT_EQ(alone.rows.size(), r.segments[0].rows.size());
    for (size_t i = 0; i < alone.rows.size(); ++i) {
      EXPECT_EQ(alone.rows[i].value, r.segments[0].rows[i].value);
      EXPECT_EQ(alone.rows[i].sessions, r.segments[0].rows[i].sessions);
      EXPECT_EQ(alone.rows[i].suppressed, r.segments[0].rows[i].suppressed);
    }
  }
}

TEST_F(ReportTest, SegmentsPagesFormsHeatDays) {
  const Report r = Build(1);
  const SegmentRow* desktop = Row(r, "device", "desktop");
  ASSERT_NE(desktop, nullptr);
  EXPECT_EQ(desktop->sessions, 5u);
  EXPECT_EQ(desktop->converters, 3u);
  EXPECT_EQ(desktop->non_converters, 2u);
  EXPECT_DOUBLE_EQ(desktop->converter_share, 1);
  EXPECT_DOUBLE_EQ(desktop->non_converter_share, 2.0 / 7);
  EXPECT_EQ(Row(r, "device", "mobile")->sessions, 3u);
  EXPECT_EQ(Row(r, "device", "tablet")->sessions, 2u);
  EXPECT_EQ(Row(r, "referrer", "(direct)")->sessions, 7u);
  EXPECT_EQ(Row(r, "referrer", "google.com")->converters, 3u);
  EXPECT_EQ(Row(r, "language", "de")->sessions, 10u);
  EXPECT_EQ(Row(r, "country", "CH")->sessions, 10u);
  EXPECT_EQ(Row(r, "utm_source", "(none)")->sessions, 10u);
  EXPECT_EQ(r.segments.size(), 10u);
  EXPECT_EQ(Build(1, Breakdown::kCountry).segments.size(), 1u);
  EXPECT_TRUE(Build(1, Breakdown::kNone).segments.empty());

  ASSERT_EQ(r.pages.size(), 3u);
  EXPECT_EQ(r.pages[0].page, "/");
  EXPECT_EQ(r.pages[0].entries, 10u);
  EXPECT_EQ(r.pages[0].exits, 2u);
  EXPECT_DOUBLE_EQ(r.pages[0].bounce_rate, 0.2);
  EXPECT_EQ(r.pages[1].page, "/product/:id");
  EXPECT_EQ(r.pages[1].exits, 3u);
  EXPECT_EQ(r.pages[2].page, "/cart");
  EXPECT_EQ(r.pages[2].exits, 5u);
  EXPECT_DOUBLE_EQ(r.pages[1].scroll_reach[10], 1);
  EXPECT_DOUBLE_EQ(r.pages[0].scroll_reach[5], 1);
  EXPECT_DOUBLE_EQ(r.pages[0].scroll_reach[6], 0);

  ASSERT_EQ(r.forms.size(), 1u);
  const FormReport& form = r.forms[0];
  EXPECT_EQ(form.started, 4u);
  EXPECT_EQ(form.submitted, 3u);
  EXPECT_EQ(form.abandoned, 1u);
  EXPECT_DOUBLE_EQ(form.abandonment_rate, 0.25);
  ASSERT_EQ(form.fields.size(), 2u);
  EXPECT_EQ(form.fields[1].field, "card");
  EXPECT_EQ(form.fields[1].refills, 1u);
  EXPECT_EQ(form.fields[1].last_before_abandon, 1u);
  EXPECT_EQ(form.fields[0].last_before_abandon, 0u);
  EXPECT_DOUBLE_EQ(form.fields[0].mean_time_ds, 20);

  // Every device class, then each class with clicks, in class order.
  ASSERT_EQ(r.heatmaps.size(), 3u);
  EXPECT_EQ(r.heatmaps[0].page, "/product/:id");
  EXPECT_EQ(r.heatmaps[0].device, "all");
  EXPECT_EQ(r.heatmaps[0].cells[5], 7u);
  EXPECT_EQ(r.heatmaps[0].clicks, 7u);
  EXPECT_EQ(r.heatmaps[1].device, "desktop");
  EXPECT_EQ(r.heatmaps[1].cells[5], 6u);
  EXPECT_EQ(r.heatmaps[2].device, "mobile");
  EXPECT_EQ(r.heatmaps[2].cells[5], 1u);
  EXPECT_EQ(r.heatmaps[0].example, "");  // the config names no real page
  // From the click micro "add": once in S0-S2, twice in S3-S4.
  ASSERT_EQ(r.selectors.size(), 1u);
  EXPECT_EQ(r.selectors[0].selector, "#add");
  EXPECT_EQ(r.selectors[0].sessions, 5u);
  EXPECT_EQ(r.selectors[0].clicks, 7u);

  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].element, "button#add");
  EXPECT_EQ(r.elements[0].rage_clicks, 2u);
  EXPECT_EQ(r.elements[0].clicks, 8u);

  ASSERT_EQ(r.days.size(), 2u);
  EXPECT_EQ(r.days[0].date, "2024-10-04");
  EXPECT_EQ(r.days[0].sessions, 9u);
  EXPECT_EQ(r.days[0].conversions, 3u);
  EXPECT_EQ(r.days[0].page_views, 22u);
  EXPECT_EQ(r.days[1].page_views, 1u);
}

TEST_F(ReportTest, RevenueTotalFunnelSegmentDay) {
  const Report r = Build(1);
  EXPECT_EQ(r.currency, "EUR");  // the config names none: the default
  EXPECT_FALSE(r.revenue.suppressed);
  EXPECT_EQ(r.revenue.buyers, 3u);
  EXPECT_EQ(r.revenue.orders, 4u);
  EXPECT_EQ(r.revenue.revenue_cents, 64800u);
  EXPECT_DOUBLE_EQ(r.revenue.average_order_cents, 16200);
  EXPECT_EQ(r.revenue.other_currency_orders, 1u);         // counted, not summed
  EXPECT_EQ(r.funnels[0].revenue.revenue_cents, 64800u);  // the three converted
  EXPECT_EQ(Row(r, "device", "desktop")->revenue.revenue_cents, 64800u);
  EXPECT_EQ(Row(r, "device", "mobile")->revenue.revenue_cents, 0u);
  EXPECT_EQ(Row(r, "device", "mobile")->revenue.other_currency_orders, 1u);
  EXPECT_EQ(r.days[0].revenue.orders, 4u);
  EXPECT_EQ(r.days[1].revenue.orders, 0u);
  const std::string json = RenderReportJson(r);
  EXPECT_NE(json.find("\"currency\": \"EUR\""), std::string::npos);
  EXPECT_NE(json.find("\"revenue\": {\"buyers\": 3, \"orders\": 4, \"revenue_cents\": 64800, "
                      "\"average_order_cents\": 16200, \"other_currency_orders\": 1}"),
            std::string::npos)
      << json.substr(0, 600);
}

TEST_F(ReportTest, RevenueOfFewerThanKBuyersIsHidden) {
  // k = 3: three buyers show; the one other-currency order does not.
  const Report k3 = Build(3);
  EXPECT_FALSE(k3.revenue.suppressed);
  EXPECT_EQ(k3.revenue.revenue_cents, 64800u);
  EXPECT_TRUE(k3.revenue.other_currency_suppressed);
  EXPECT_EQ(k3.revenue.other_currency_orders, 0u);
  // The mobile heat cell has one session: blank at k = 3, like any cell.
  ASSERT_EQ(k3.heatmaps.size(), 3u);
  EXPECT_EQ(k3.heatmaps[2].device, "mobile");
  EXPECT_EQ(k3.heatmaps[2].cells[5], 0u);
  EXPECT_EQ(k3.heatmaps[2].hidden_cells, 1u);
  EXPECT_EQ(k3.heatmaps[1].cells[5], 6u);
  // k = 4: fewer buyers than k anywhere.
  const Report k4 = Build(4);
  EXPECT_TRUE(k4.revenue.suppressed);
  EXPECT_EQ(k4.revenue.revenue_cents, 0u);
  EXPECT_EQ(k4.revenue.orders, 0u);
  EXPECT_DOUBLE_EQ(k4.revenue.average_order_cents, 0);
  EXPECT_TRUE(k4.funnels[0].revenue.suppressed);
  EXPECT_TRUE(k4.days[0].revenue.suppressed);
  EXPECT_NE(RenderReportJson(k4).find("\"revenue\": {\"suppressed\": true, "
                                      "\"other_currency_orders\": null}"),
            std::string::npos);
}

TEST_F(ReportTest, KAnonymityAtKMinusOneAndK) {
  // The cart next action is backed by 2 sessions: shown at k = 2, withheld at 3.
  const Report k2 = Build(2);
  const Report k3 = Build(3);
  EXPECT_FALSE(k2.funnels[0].steps[1].next_actions[0].suppressed);
  EXPECT_EQ(k2.funnels[0].steps[1].next_actions[0].sessions, 2u);
  EXPECT_TRUE(k3.funnels[0].steps[1].next_actions[0].suppressed);
  EXPECT_EQ(k3.funnels[0].steps[1].next_actions[0].sessions, 0u);
  EXPECT_EQ(k3.funnels[0].steps[1].next_actions[0].action, "/cart");  // label kept
  // Step 2 reached by 3: shown at k = 3, withheld at k = 4.
  EXPECT_FALSE(k3.funnels[0].steps[2].suppressed);
  const Report k4 = Build(4);
  EXPECT_TRUE(k4.funnels[0].steps[2].suppressed);
  EXPECT_EQ(k4.funnels[0].steps[2].reached, 0u);
  EXPECT_EQ(k4.funnels[0].steps[2].label, "S2");
  // Time to convert is backed by 3 converters.
  EXPECT_FALSE(k4.funnels[0].suppressed);
  EXPECT_TRUE(k4.funnels[0].time_to_convert.empty());
  EXPECT_EQ(k4.funnels[0].median_time_to_convert_ds, 0);
  // Segment value "tablet" (2 sessions), the second day (1 session).
  EXPECT_FALSE(Row(k2, "device", "tablet")->suppressed);
  EXPECT_TRUE(Row(k3, "device", "tablet")->suppressed);
  EXPECT_EQ(Row(k3, "device", "tablet")->sessions, 0u);
  EXPECT_TRUE(k2.days[1].suppressed);
  EXPECT_FALSE(Build(1).days[1].suppressed);
  // Lift of view: 2 sessions without it.
  EXPECT_FALSE(k2.lift[0].suppressed);
  EXPECT_TRUE(k3.lift[0].suppressed);
  // The element with one session; the form field with 4 sessions.
  EXPECT_TRUE(k2.elements[1].suppressed);
  EXPECT_FALSE(k2.elements[1].element.empty());
  EXPECT_FALSE(k4.forms[0].fields[0].suppressed);
  EXPECT_TRUE(Build(5).forms[0].fields[0].suppressed);
  // Whole report at k above the traffic.
  const Report k11 = Build(11);
  EXPECT_TRUE(k11.engagement.suppressed);
  EXPECT_EQ(k11.engagement.sessions, 0u);
  EXPECT_FALSE(Build(10).engagement.suppressed);
  // Default k from the config's privacy section (3).
  auto by_config = BuildReport(aggregate_, config_, ReportOptions{});
  ASSERT_TRUE(by_config.ok());
  EXPECT_EQ(by_config.value().k_anonymity, 3u);
}

// Scroll maps per device class (issue 13 point 4): the classes split the
// page's page-sessions, each class withheld under k on its own.
TEST_F(ReportTest, ScrollMapsPerDeviceClass) {
  const Report r = Build(1);
  auto map = [](const Report& report, std::string_view page,
                std::string_view device) -> const ScrollMapRow* {
    for (const ScrollMapRow& m : report.scroll_maps) {
      if (m.page == page && m.device == device) return &m;
    }
    return nullptr;
  };
  // "/": desktop S0-S2, S6-S7; mobile S3-S5; tablet S8-S9; all at 50 %.
  ASSERT_NE(map(r, "/", "desktop"), nullptr);
  EXPECT_EQ(map(r, "/", "desktop")->sessions, 5u);
  EXPECT_EQ(map(r, "/", "mobile")->sessions, 3u);
  EXPECT_EQ(map(r, "/", "tablet")->sessions, 2u);
  EXPECT_EQ(map(r, "/", "unknown"), nullptr);  // no page-sessions: no map
  EXPECT_DOUBLE_EQ(map(r, "/", "tablet")->scroll_reach[5], 1);
  EXPECT_DOUBLE_EQ(map(r, "/", "tablet")->scroll_reach[6], 0);
  EXPECT_EQ(map(r, "/product/:id", "tablet"), nullptr);  // S8-S9 never came
  EXPECT_EQ(map(r, "/cart", "mobile")->sessions, 2u);
  // Template order, then class order.
  ASSERT_EQ(r.scroll_maps.size(), 7u);
  EXPECT_EQ(r.scroll_maps[0].device, "desktop");
  EXPECT_EQ(r.scroll_maps[2].device, "tablet");
  EXPECT_EQ(r.scroll_maps[3].page, "/product/:id");
  // k = 3: the two tablet and the two mobile cart page-sessions are withheld.
  const Report k3 = Build(3);
  EXPECT_TRUE(map(k3, "/", "tablet")->suppressed);
  EXPECT_EQ(map(k3, "/", "tablet")->sessions, 0u);
  EXPECT_TRUE(map(k3, "/", "tablet")->scroll_reach.empty());
  EXPECT_TRUE(map(k3, "/cart", "mobile")->suppressed);
  EXPECT_FALSE(map(k3, "/", "mobile")->suppressed);
  const std::string json = RenderReportJson(k3);
  // The JSON's withheld map: its page and class, "suppressed", no numbers.
  const size_t maps = json.find("\"scroll_maps\"");
  const size_t tablet = json.find("\"device\": \"tablet\"", maps);
  ASSERT_NE(tablet, std::string::npos) << json;
  const std::string entry = json.substr(tablet, json.find('}', tablet) - tablet);
  EXPECT_NE(entry.find("\"suppressed\": true"), std::string::npos) << entry;
  EXPECT_EQ(entry.find("scroll_reach"), std::string::npos) << entry;
}

// One page, desktops reading to the end and phones leaving at a third: the
// class maps differ where the page's every-device map averages them.
TEST_F(ReportTest, ScrollMapsTellDevicesApart) {
  Aggregate a(config_);
  for (int i = 0; i < 6; ++i) {
    wire::SummaryT s;
    s.version = 1;
    s.site = "shop";
    s.config_hash = config_.hash();
    s.start_minute = kDay * 1440 + static_cast<uint32_t>(i);
    const bool desktop = i < 4;
    const wire::Dimensions dims(desktop ? wire::DeviceClass::Desktop : wire::DeviceClass::Mobile,
                                wire::BrowserFamily::Firefox, wire::OsFamily::Linux,
                                wire::ScreenBucket::L, 0, 0);
    s.pages.emplace_back(1, 1, 50, desktop ? 100 : 30, 0);
    s.facts = std::make_unique<wire::SessionFacts>(600, 100, 1, 0, 0, 0, dims,
                                                   wire::FactFlags::Bounce, 0, 0);
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
    ASSERT_TRUE(verified.ok()) << verified.message();
    ASSERT_TRUE(a.Add(*verified.value()).ok());
  }
  // The scroll maps survive the stored bytes.
  Result<Aggregate> stored = Aggregate::Deserialize(a.Serialize());
  ASSERT_TRUE(stored.ok()) << stored.message();
  ASSERT_EQ(stored.value().scroll(), a.scroll());
  ReportOptions options;
  options.k_anonymity = 2;
  auto built = BuildReport(stored.value(), config_, options);
  ASSERT_TRUE(built.ok()) << built.message();
  const Report& r = built.value();
  ASSERT_EQ(r.scroll_maps.size(), 2u);
  EXPECT_EQ(r.scroll_maps[0].device, "desktop");
  EXPECT_EQ(r.scroll_maps[0].sessions, 4u);
  EXPECT_DOUBLE_EQ(r.scroll_maps[0].scroll_reach[10], 1);
  EXPECT_EQ(r.scroll_maps[1].device, "mobile");
  EXPECT_DOUBLE_EQ(r.scroll_maps[1].scroll_reach[3], 1);
  EXPECT_DOUBLE_EQ(r.scroll_maps[1].scroll_reach[4], 0);
  const PageRow& page = r.pages[0].page == "/product/:id" ? r.pages[0] : r.pages[1];
  ASSERT_EQ(page.page, "/product/:id");
  EXPECT_NEAR(page.scroll_reach[4], 4.0 / 6, 1e-9);
}

// "Seen but not clicked" (issue 13 point 4): a call to action's sessions
// that saw it, clicked it, and saw it without clicking; k per count.
TEST(CallToActionReportTest, SeenClickedAndSeenNotClicked) {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/"};
  c.click_selectors = {"#add"};
  c.visibility_selectors = {"#add"};
  testing::AddMicro(c, "view", wire::MicroKind::PageView);
  testing::AddMicro(c, "add", wire::MicroKind::Click)->cta_visible = 1;
  Result<Config> loaded = testing::LoadConfig(c);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& config = loaded.value();
  // A, B: saw it and clicked; C: saw it, never clicked; D: clicked unseen.
  struct Visitor {
    bool seen;
    bool clicked;
  };
  const Visitor visitors[] = {{true, true}, {true, true}, {true, false}, {false, true}};
  Aggregate a(config);
  std::vector<std::vector<uint8_t>> stored;
  for (size_t i = 0; i < std::size(visitors); ++i) {
    wire::SummaryT s;
    s.version = 1;
    s.site = "shop";
    s.config_hash = config.hash();
    s.start_minute = kDay * 1440 + static_cast<uint32_t>(i);
    s.pages.emplace_back(0, 1, 50, 50, 0);
    s.facts = std::make_unique<wire::SessionFacts>(600, 100, 1, 0, 0, 0, wire::Dimensions(),
                                                   wire::FactFlags::Bounce, 0, 0);
    s.path_steps = {0};
    if (visitors[i].clicked) s.path_steps.push_back(1);
    for (size_t step = 0; step < s.path_steps.size(); ++step) AppendVarint(10, s.path_deltas);
    if (visitors[i].seen) s.cta_seen = {1};
    stored.push_back(EncodeSummary(s));
    Result<const wire::Summary*> verified = VerifySummary(stored.back(), &config);
    ASSERT_TRUE(verified.ok()) << verified.message();
    ASSERT_TRUE(a.Add(*verified.value()).ok());
  }
  auto report = [&](const Aggregate& from, int k) {
    ReportOptions options;
    options.k_anonymity = k;
    auto built = BuildReport(from, config, options);
    EXPECT_TRUE(built.ok()) << built.message();
    return std::move(built).value();
  };
  const Report r = report(a, 1);
  ASSERT_EQ(r.calls_to_action.size(), 1u);  // "view" is no call to action
  const CallToActionRow& row = r.calls_to_action[0];
  EXPECT_EQ(row.id, "add");
  EXPECT_EQ(row.seen, 3u);
  EXPECT_EQ(row.clicked, 3u);
  EXPECT_EQ(row.seen_not_clicked, 1u);
  EXPECT_DOUBLE_EQ(row.seen_not_clicked_rate, 1.0 / 3);
  EXPECT_NE(RenderReportJson(r).find("{\"id\": \"add\", \"label\": \"add\", \"seen\": 3, "
                                     "\"clicked\": 3, \"seen_not_clicked\": 1, "
                                     "\"seen_not_clicked_rate\": 0.3333}"),
            std::string::npos)
      << RenderReportJson(r);
  // k = 2: one session saw it without a click: that count is withheld.
  const Report k2 = report(a, 2);
  EXPECT_FALSE(k2.calls_to_action[0].suppressed);
  EXPECT_TRUE(k2.calls_to_action[0].seen_not_clicked_suppressed);
  EXPECT_EQ(k2.calls_to_action[0].seen_not_clicked, 0u);
  EXPECT_NE(
      RenderReportJson(k2).find("\"seen_not_clicked\": null, \"seen_not_clicked_rate\": null"),
      std::string::npos);
  // k = 4: three sessions saw it: the row is withheld.
  EXPECT_TRUE(report(a, 4).calls_to_action[0].suppressed);
  // The figures survive the stored bytes, and taking C back is exact.
  Result<Aggregate> read = Aggregate::Deserialize(a.Serialize());
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(read.value().micros()[1].cta_seen, 3u);
  ASSERT_TRUE(a.Remove(*VerifySummary(stored[2], &config).value()).ok());
  EXPECT_EQ(report(a, 1).calls_to_action[0].seen_not_clicked, 0u);
  EXPECT_EQ(report(a, 1).calls_to_action[0].seen, 2u);
}

TEST_F(ReportTest, RejectsMismatchAndBadOptions) {
  ReportOptions options;
  options.funnel = 1;
  EXPECT_EQ(BuildReport(aggregate_, config_, options).error(), Error::kOutOfRange);
  options.funnel = 0;
  auto one = BuildReport(aggregate_, config_, options);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().funnels.size(), 1u);
  // An aggregate for another config.
  std::vector<uint8_t> raw = aggregate_.Serialize();
  size_t at = 6;
  for (int word = 0; word < 4; ++word) {
    while (raw[at] & 0x80) ++at;
    ++at;
  }
  raw[at] ^= 0x01;
  auto foreign = Aggregate::Deserialize(raw);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(BuildReport(foreign.value(), config_).error(), Error::kConfigMismatch);
  EXPECT_EQ(BuildSegmentTables(foreign.value(), config_).error(), Error::kConfigMismatch);
  // An empty range: zeros, nothing invented.
  auto empty = BuildReport(Aggregate(), config_, {.k_anonymity = 0});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().engagement.sessions, 0u);
  EXPECT_EQ(empty.value().funnels[0].steps[0].reached, 0u);
  EXPECT_TRUE(empty.value().days.empty());
}

TEST(BreakdownTest, NamesRoundTrip) {
  for (int i = 0; i < kBreakdownCount; ++i) {
    const auto b = static_cast<Breakdown>(i);
    auto back = BreakdownFromName(BreakdownName(b));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), b);
  }
  EXPECT_FALSE(BreakdownFromName("Country").ok());
  EXPECT_FALSE(BreakdownFromName("").ok());
}

TEST(JsonWriterTest, EscapesHostileStrings) {
  std::string out;
  AppendJsonString("a\"b\\c\n\x01<\xe2\x80\xa8>\xff\xc3", out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001<\\u2028>\\ufffd\\ufffd\"");
  JsonWriter json;
  json.BeginArray(true);
  json.Fixed(0.125, 2);
  json.Fixed(-0.5, 4);
  json.Fixed(2.0, 4);
  json.Fixed(1.0 / 0.0, 2);
  json.Fixed(-0.00001, 2);
  json.EndArray();
  EXPECT_EQ(std::move(json).Take(), "[0.13, -0.5, 2, null, 0]\n");
}

TEST_F(ReportTest, JsonIsDeterministicAndEscaped) {
  const Report r = Build(2);
  const std::string json = RenderReportJson(r);
  EXPECT_EQ(json, RenderReportJson(Build(2)));
  EXPECT_NE(json.find("\"site\": \"shop\""), std::string::npos);
  EXPECT_NE(json.find("{\"id\": \"buy\", \"label\": "), std::string::npos) << json.substr(0, 400);
  EXPECT_NE(json.find("\"element\": \"<script>\\\"x\\ufffd\""), std::string::npos);
  EXPECT_EQ(json.find("\xff"), std::string::npos);
  EXPECT_NE(json.find("\"conversion_rate\": 0.3,"), std::string::npos);
  EXPECT_NE(json.find("\"date\": \"2024-10-05\",\n      \"suppressed\": true"), std::string::npos);
  // Step 2's times 4, 4, 5, 10, 20 s: with k = 2 the lone 5, 10 and 20 s
  // buckets merge into one run [4.8, 20.8) s, so the median (rank 3) is that
  // run's midpoint 12.75 s, never a lone session's time.
  EXPECT_NE(json.find("\"median_step_s\": 12.8,"), std::string::npos);
  // Balanced brackets outside strings: a cheap structural check.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
  EXPECT_FALSE(in_string);
}

}  // namespace
}  // namespace microconv
