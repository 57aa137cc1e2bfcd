// The report query both front ends parse: defaults, limits and errors that
// name the parameter.
#include "core/report_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/shop_config.h"

namespace microconv {
namespace {

constexpr uint32_t kNov14 = 19675;  // 2023-11-14

class ReportQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::CompiledShopConfig("shop");
    ASSERT_TRUE(config.ok()) << config.message();
    config_ = std::move(config).value();
  }
  Result<ReportRequest> Parse(std::vector<ReportParam> params, uint32_t today = kNov14) {
    return ParseReportQuery(params, config_, today);
  }
  Config config_;
};

TEST_F(ReportQueryTest, DefaultsToTheDaysEndingToday) {
  auto request = Parse({});
  ASSERT_TRUE(request.ok()) << request.message();
  EXPECT_EQ(request.value().to, kNov14);
  EXPECT_EQ(request.value().from, kNov14 - (kDefaultReportDays - 1));
  EXPECT_EQ(request.value().site, "shop");
  EXPECT_EQ(request.value().options.funnel, -1);
  EXPECT_EQ(request.value().options.breakdown, Breakdown::kAll);
  EXPECT_EQ(request.value().options.k_anonymity, -1);
  EXPECT_EQ(request.value().daily, Breakdown::kNone);
  // Near day 0 the default range starts at day 0.
  auto early = Parse({}, 3);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early.value().from, 0u);
}

TEST_F(ReportQueryTest, ReadsEveryParameter) {
  auto request = Parse({{"from", "2023-11-01"},
                        {"to", "2023-11-10"},
                        {"funnel", "purchase"},
                        {"breakdown", "utm_source"},
                        {"daily", "referrer"},
                        {"k", "0"}});  // not a query parameter: a query cannot lower k
  ASSERT_TRUE(request.ok()) << request.message();
  uint32_t from = 0, to = 0;
  ASSERT_TRUE(ParseDay("2023-11-01", from));
  ASSERT_TRUE(ParseDay("2023-11-10", to));
  EXPECT_EQ(request.value().from, from);
  EXPECT_EQ(request.value().to, to);
  EXPECT_EQ(request.value().funnel_id, "purchase");
  EXPECT_EQ(request.value().options.funnel, config_.FindFunnel("purchase"));
  EXPECT_GE(request.value().options.funnel, 0);
  EXPECT_EQ(request.value().options.breakdown, Breakdown::kUtmSource);
  EXPECT_EQ(request.value().daily, Breakdown::kReferrer);
  EXPECT_EQ(request.value().options.k_anonymity, -1);
}

TEST_F(ReportQueryTest, FirstOfARepeatedParameterWins) {
  auto request = Parse({{"breakdown", "device"}, {"breakdown", "nonsense"}});
  ASSERT_TRUE(request.ok()) << request.message();
  EXPECT_EQ(request.value().options.breakdown, Breakdown::kDevice);
}

TEST_F(ReportQueryTest, ErrorsNameTheParameter) {
  struct Case {
    std::vector<ReportParam> params;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{{"to", "2023-11-31"}}, "to: expected YYYY-MM-DD"},
      {{{"from", "yesterday"}}, "from: expected YYYY-MM-DD"},
      {{{"from", "2023-11-15"}, {"to", "2023-11-14"}}, "from: after to"},
      {{{"from", "1990-01-01"}, {"to", "2023-11-14"}}, "range: at most 3660 days"},
      {{{"funnel", "nope"}}, "funnel: unknown id"},
      {{{"funnel", ""}}, "funnel: unknown id"},
      {{{"breakdown", "shoe_size"}}, "breakdown: unknown"},
      {{{"daily", "all"}}, "daily: expected one dimension, e.g. referrer"},
      {{{"daily", "none"}}, "daily: expected one dimension, e.g. referrer"},
      {{{"from", "2023-08-01"}, {"to", "2023-11-15"}, {"daily", "referrer"}},
       "daily: at most 92 days"},
  };
  for (const Case& c : cases) {
    auto request = Parse(c.params);
    ASSERT_FALSE(request.ok()) << c.message;
    EXPECT_EQ(request.error(), Error::kOutOfRange);
    EXPECT_EQ(request.message(), c.message);
  }
}

TEST_F(ReportQueryTest, LimitsAreInclusiveOfTheLastAllowedDay) {
  // kMaxReportDays days exactly is allowed, one more is not.
  const std::string to = DateOfDay(kNov14);
  const std::string widest = DateOfDay(kNov14 - (kMaxReportDays - 1));
  const std::string too_wide = DateOfDay(kNov14 - kMaxReportDays);
  EXPECT_TRUE(Parse({{"from", widest}, {"to", to}}).ok());
  EXPECT_FALSE(Parse({{"from", too_wide}, {"to", to}}).ok());
  const std::string daily_widest = DateOfDay(kNov14 - (kMaxDailyDays - 1));
  const std::string daily_too_wide = DateOfDay(kNov14 - kMaxDailyDays);
  EXPECT_TRUE(Parse({{"from", daily_widest}, {"to", to}, {"daily", "os"}}).ok());
  EXPECT_FALSE(Parse({{"from", daily_too_wide}, {"to", to}, {"daily", "os"}}).ok());
}

TEST_F(ReportQueryTest, DayRangeAloneIgnoresTheOtherParameters) {
  auto range = ParseDayRange(std::vector<ReportParam>{{"to", "2023-11-14"}, {"funnel", "nope"}}, 0);
  ASSERT_TRUE(range.ok()) << range.message();
  EXPECT_EQ(range.value().to, kNov14);
  EXPECT_EQ(range.value().from, kNov14 - (kDefaultReportDays - 1));
}

TEST_F(ReportQueryTest, CompareNamesThePreviousPeriodOrAChosenRange) {
  // 2023-11-08..14 (7 days) against 2023-11-01..07.
  auto previous = Parse({{"from", "2023-11-08"}, {"to", "2023-11-14"}, {"compare", "previous"}});
  ASSERT_TRUE(previous.ok()) << previous.message();
  EXPECT_TRUE(previous.value().compare);
  EXPECT_EQ(previous.value().compare_range.from, kNov14 - 13);
  EXPECT_EQ(previous.value().compare_range.to, kNov14 - 7);
  auto chosen = Parse({{"compare", "2022-11-01..2022-11-30"}});
  ASSERT_TRUE(chosen.ok()) << chosen.message();
  EXPECT_EQ(DateOfDay(chosen.value().compare_range.from), "2022-11-01");
  EXPECT_EQ(DateOfDay(chosen.value().compare_range.to), "2022-11-30");
  EXPECT_FALSE(Parse({}).value().compare);
  for (const char* bad : {"last", "2022-11-30..2022-11-01", "2022-11-01", "2022-11-01..x"}) {
    auto request = Parse({{"compare", bad}});
    ASSERT_FALSE(request.ok()) << bad;
    EXPECT_TRUE(request.message().starts_with("compare: ")) << request.message();
  }
  // The previous period of a range starting at day 0 would start before it.
  EXPECT_EQ(
      Parse({{"from", "1970-01-01"}, {"to", "1970-01-02"}, {"compare", "previous"}}).message(),
      "compare: the previous period starts before 1970");
}

TEST_F(ReportQueryTest, FilterAndFunnelBreakdownAreParsed) {
  auto request =
      Parse({{"filter", "device:mobile,!micro:purchase"}, {"funnel_breakdown", "country"}});
  ASSERT_TRUE(request.ok()) << request.message();
  EXPECT_EQ(request.value().filter.terms().size(), 2u);
  EXPECT_EQ(request.value().funnel_breakdown, Breakdown::kCountry);
  EXPECT_TRUE(request.value().NeedsScan());
  EXPECT_FALSE(Parse({}).value().NeedsScan());
  EXPECT_EQ(Parse({{"filter", "micro:nope"}}).message(),
            "filter: micro:nope: unknown micro-conversion id");
  EXPECT_EQ(Parse({{"funnel_breakdown", "all"}}).message(),
            "funnel_breakdown: expected one dimension, e.g. country");
}

TEST(ConfigFunnelLookupTest, FindsFunnelsById) {
  auto config = testing::CompiledShopConfig("shop");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config.value().FindFunnel("purchase"), 0);
  EXPECT_EQ(config.value().FindFunnel("Purchase"), -1);
  EXPECT_EQ(config.value().FindFunnel(""), -1);
  EXPECT_EQ(Config().FindFunnel("purchase"), -1);  // an empty config has none
}

}  // namespace
}  // namespace microconv
