#include "core/lift.h"

#include <gtest/gtest.h>

#include <bit>
#include <memory>
#include <vector>

#include "core/aggregate.h"
#include "core/report.h"
#include "core/summary.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

// Micros view, add, coupon, buy (macro), news; funnel buy = view -> add ->
// coupon (optional) -> buy.
Config CouponConfig() {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/", "/product/:id"};
  testing::AddMicro(c, "view", wire::MicroKind::PageView);
  testing::AddMicro(c, "add", wire::MicroKind::CustomEvent);
  testing::AddMicro(c, "coupon", wire::MicroKind::CustomEvent);
  testing::AddMicro(c, "buy", wire::MicroKind::DataLayer, true);
  testing::AddMicro(c, "news", wire::MicroKind::CustomEvent);
  testing::AddFunnel(c, "buy", "Buy", {0, 1, 2, 3}, "S")->steps[2]->optional = true;
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  c.privacy->k_anonymity = 5;
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

TEST(LiftBaselineTest, TheStepBeforeOrEverySession) {
  const Config config = CouponConfig();
  const LiftBaseline view = LiftBaselineOf(config, 0);
  EXPECT_EQ(view.funnel, -1);  // the first step has no step before it
  EXPECT_TRUE(view.required_step);
  const LiftBaseline add = LiftBaselineOf(config, 1);
  EXPECT_EQ(add.funnel, 0);
  EXPECT_EQ(add.step, 0);
  EXPECT_TRUE(add.required_step);
  const LiftBaseline coupon = LiftBaselineOf(config, 2);
  EXPECT_EQ(coupon.step, 1);
  EXPECT_FALSE(coupon.required_step);  // optional: a real choice
  const LiftBaseline buy = LiftBaselineOf(config, 3);
  EXPECT_EQ(buy.step, 1);  // the optional coupon step is skipped
  const LiftBaseline news = LiftBaselineOf(config, 4);
  EXPECT_EQ(news.funnel, -1);  // in no funnel
  EXPECT_FALSE(news.required_step);
}

// 1,000 sessions view; 400 add; 100 of those use a coupon and 60 of them
// buy; 135 of the other 300 buy. Measured over every session, the coupon
// "lifts" buying by 45 points (60 % vs 15 %), most of it the mandatory add
// step (nobody buys without it): the old report ranked it with add's own
// tautological +49. Among the sessions that reached add it is +15 points.
TEST(LiftTest, AMandatoryStepNoLongerDominates) {
  const Config config = CouponConfig();
  Aggregate aggregate(config);
  for (int i = 0; i < 1000; ++i) {
    wire::SummaryT s;
    s.version = kSummaryVersion;
    s.site = "shop";
    s.config_hash = config.hash();
    s.nonce = static_cast<uint64_t>(i) + 1;
    s.seq = 1;
    s.start_minute = 20000 * 1440;
    s.path_steps.push_back(0);
    uint32_t reached = 1;
    const bool add = i < 400, coupon = i < 100, buy = i < 60 || (i >= 100 && i < 235);
    if (add) s.path_steps.push_back(1), reached |= 2;
    if (coupon) s.path_steps.push_back(2), reached |= 4;
    if (buy) s.path_steps.push_back(3), reached |= 8;
    if (i % 3 == 0) s.path_steps.push_back(4);
    for (size_t n = 0; n < s.path_steps.size(); ++n) s.path_deltas.push_back(1);
    s.funnels.emplace_back(0, buy ? wire::FunnelFlags::Converted : wire::FunnelFlags::NONE,
                           static_cast<uint8_t>(buy   ? 4
                                                : add ? 2
                                                      : 1),
                           0, reached, 0, 0, 0);
    const int times = std::popcount(reached) - 1;
    for (int t = 0; t < times; ++t) s.step_times.push_back(1);
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    auto v = VerifySummary(bytes, &config);
    ASSERT_TRUE(v.ok()) << v.message();
    ASSERT_TRUE(aggregate.Add(*v.value()).ok());
  }
  // What the report said before: with vs without over every session.
  const MicroTally& c = aggregate.micros()[2];
  const double naive = static_cast<double>(c.converters) / static_cast<double>(c.sessions) -
                       static_cast<double>(aggregate.converters() - c.converters) /
                           static_cast<double>(aggregate.sessions() - c.sessions);
  EXPECT_NEAR(naive, 0.45, 1e-9);

  auto report = BuildReport(aggregate, config);
  ASSERT_TRUE(report.ok()) << report.message();
  const std::vector<LiftRow>& lift = report.value().lift;
  ASSERT_EQ(lift.size(), 4u);  // buy is the goal
  const LiftRow& add = lift[1];
  EXPECT_TRUE(add.required_step);  // the dashboard leaves it out of the ranking
  EXPECT_EQ(add.sessions_with + add.sessions_without, 1000u);
  const LiftRow& coupon = lift[2];
  EXPECT_EQ(coupon.micro, "coupon");
  EXPECT_FALSE(coupon.required_step);
  EXPECT_EQ(coupon.baseline_funnel, "buy");
  EXPECT_EQ(coupon.baseline_step, "S1");
  EXPECT_EQ(coupon.sessions_with, 100u);
  EXPECT_EQ(coupon.sessions_without, 300u);
  EXPECT_NEAR(coupon.rate_with, 0.60, 1e-9);
  EXPECT_NEAR(coupon.rate_without, 0.45, 1e-9);
  EXPECT_NEAR(coupon.difference, 0.15, 1e-9);
  const LiftRow& news = lift[3];
  EXPECT_EQ(news.baseline_funnel, "");
  EXPECT_EQ(news.sessions_with + news.sessions_without, 1000u);
  EXPECT_FALSE(news.significant);

  // The baseline tallies survive the stored form.
  auto copy = Aggregate::Deserialize(aggregate.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.message();
  EXPECT_EQ(copy.value().micros()[2].base_with, 100u);
  EXPECT_EQ(copy.value().micros()[2].base_sessions, 400u);
}

}  // namespace
}  // namespace microconv
