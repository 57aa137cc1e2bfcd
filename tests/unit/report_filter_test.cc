// Report filters: parsing (every key, escapes, errors that name the bad
// term) and matching against summaries built field by field.
#include "core/report_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

class ReportFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::CompiledShopConfig("shop");
    ASSERT_TRUE(config.ok()) << config.message();
    config_ = std::move(config).value();
  }

  Result<ReportFilter> Parse(std::string_view text) { return ParseReportFilter(text, config_); }

  bool Matches(std::string_view text, const wire::SummaryT& object) {
    auto filter = Parse(text);
    EXPECT_TRUE(filter.ok()) << text << ": " << filter.message();
    flatbuffers::FlatBufferBuilder builder;
    builder.Finish(wire::Summary::Pack(builder, &object));
    return filter.ok() && filter.value().Matches(*wire::GetSummary(builder.GetBufferPointer()));
  }

  // A mobile session from Germany via news.example, entering on a product
  // page (template 1), then the literal page /about; did product_view (0)
  // and add_to_cart (1, repeated); reached steps 1 and 2 of the funnel.
  wire::SummaryT Session() {
    wire::SummaryT s;
    s.version = 1;
    s.site = "shop";
    s.config_hash = config_.hash();
    const wire::Dimensions dims(wire::DeviceClass::Mobile, wire::BrowserFamily::Safari,
                                wire::OsFamily::IOS, wire::ScreenBucket::S, 'd' << 8 | 'e',
                                'D' << 8 | 'E');
    s.facts = std::make_unique<wire::SessionFacts>(600, 300, 2, 0, 0, 0, dims,
                                                   wire::FactFlags::NONE, 0, 1);
    s.pages.emplace_back(1, 1, 50, 50, 0);
    s.pages.emplace_back(kLiteralBit | 0, 1, 50, 50, 0);
    s.literal_pages = {"/about"};
    s.path_steps = {0, 1};
    s.repeats = {{1, 1}};
    s.funnels.emplace_back(0, wire::FunnelFlags::NONE, 2, 0, 3u, 0, 0, 0);
    s.referrer = "news.example";
    s.utm_source = "letter";
    return s;
  }

  Config config_;
};

TEST_F(ReportFilterTest, EmptyTextIsNoFilter) {
  auto filter = Parse("");
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter.value().empty());
  EXPECT_TRUE(Matches("", Session()));
}

TEST_F(ReportFilterTest, ParsesEveryKindOfTermAndPrintsItBack) {
  const std::string text =
      "country:DE,device:mobile,!browser:chrome,language:de,referrer:news.example,"
      "utm_source:letter,!utm_medium:email,entry:/product/:id,page:/about,micro:add_to_cart,"
      "!micro:purchase,step:purchase.2";
  auto filter = Parse(text);
  ASSERT_TRUE(filter.ok()) << filter.message();
  ASSERT_EQ(filter.value().terms().size(), 12u);
  EXPECT_EQ(filter.value().Text(), text);
  const FilterTerm& step = filter.value().terms().back();
  EXPECT_EQ(step.key, FilterKey::kStep);
  EXPECT_EQ(step.index, 0);
  EXPECT_EQ(step.step, 1);
  EXPECT_TRUE(filter.value().terms()[2].negated);
  EXPECT_EQ(filter.value().terms()[7].index, 1);   // template /product/:id
  EXPECT_EQ(filter.value().terms()[8].index, -1);  // a literal path
  EXPECT_TRUE(Matches(text, Session()));
}

TEST_F(ReportFilterTest, EscapedCommasAndBackslashesRoundTrip) {
  auto filter = Parse("utm_campaign:a\\,b\\\\c,device:mobile");
  ASSERT_TRUE(filter.ok()) << filter.message();
  ASSERT_EQ(filter.value().terms().size(), 2u);
  EXPECT_EQ(filter.value().terms()[0].value, "a,b\\c");
  EXPECT_EQ(filter.value().Text(), "utm_campaign:a\\,b\\\\c,device:mobile");
  wire::SummaryT s = Session();
  s.utm_campaign = "a,b\\c";
  // Not a valid UTM value (a backslash): counted, and matched, as (invalid).
  EXPECT_FALSE(Matches("utm_campaign:a\\,b\\\\c", s));
  EXPECT_TRUE(Matches("utm_campaign:(invalid)", s));
}

TEST_F(ReportFilterTest, EachTermMatchesOnlyItsSessions) {
  const wire::SummaryT s = Session();
  EXPECT_TRUE(Matches("country:DE", s));
  EXPECT_FALSE(Matches("country:CH", s));
  EXPECT_TRUE(Matches("!country:CH", s));
  EXPECT_TRUE(Matches("os:ios,screen:s", s));
  EXPECT_FALSE(Matches("device:desktop", s));
  EXPECT_FALSE(Matches("referrer:(direct)", s));
  EXPECT_TRUE(Matches("utm_medium:(none)", s));
  EXPECT_TRUE(Matches("entry:/product/:id", s));
  EXPECT_FALSE(Matches("entry:/about", s));  // visited, not the entry
  EXPECT_TRUE(Matches("page:/about", s));
  EXPECT_FALSE(Matches("page:/cart", s));
  EXPECT_TRUE(Matches("micro:product_view", s));
  EXPECT_FALSE(Matches("micro:signup", s));
  EXPECT_TRUE(Matches("step:purchase.1,step:purchase.2", s));
  EXPECT_FALSE(Matches("step:purchase.3", s));
  // Every term must hold.
  EXPECT_FALSE(Matches("country:DE,device:desktop", s));
  // An excluded session reached no step, as in the funnel's figures.
  wire::SummaryT excluded = Session();
  excluded.funnels.clear();
  excluded.funnels.emplace_back(0, wire::FunnelFlags::Excluded, 2, 0, 3u, 0, 0, 0);
  EXPECT_FALSE(Matches("step:purchase.1", excluded));
  // A repeat alone counts as done.
  wire::SummaryT repeated = Session();
  repeated.path_steps = {};
  EXPECT_TRUE(Matches("micro:add_to_cart", repeated));
  EXPECT_FALSE(Matches("micro:product_view", repeated));
  // No referrer: (direct); no country: unknown.
  wire::SummaryT plain;
  plain.config_hash = config_.hash();
  EXPECT_TRUE(Matches("referrer:(direct),country:unknown,device:unknown", plain));
}

TEST_F(ReportFilterTest, ErrorsNameTheBadTerm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"colour:red", "filter: colour:red: unknown key"},
      {"all:x", "filter: all:x: unknown key"},
      {"device", "filter: device: expected KEY:VALUE"},
      {"device:", "filter: device:: empty value"},
      {"country:DE,,device:mobile", "filter: : empty term"},
      {"country:de", "filter: country:de: not a value of country"},
      {"language:DE", "filter: language:DE: not a value of language"},
      {"device:phone", "filter: device:phone: not a value of device"},
      {"micro:nope", "filter: micro:nope: unknown micro-conversion id"},
      {"step:purchase", "filter: step:purchase: expected FUNNEL.STEP"},
      {"step:signup.1", "filter: step:signup.1: unknown funnel id"},
      {"step:purchase.0", "filter: step:purchase.0: step numbers of this funnel are 1 to 3"},
      {"step:purchase.4", "filter: step:purchase.4: step numbers of this funnel are 1 to 3"},
      {"step:purchase.x", "filter: step:purchase.x: expected a step number"},
      {"page:cart", "filter: page:cart: expected a page template"},
      {"utm_source:a\\b", "filter: utm_source:a\\b: expected \\, or \\\\ after a backslash"},
  };
  for (const auto& [text, message] : cases) {
    auto filter = Parse(text);
    ASSERT_FALSE(filter.ok()) << text;
    EXPECT_EQ(filter.error(), Error::kOutOfRange);
    EXPECT_TRUE(filter.message().starts_with(message)) << text << " -> " << filter.message();
  }
  std::string many;
  for (size_t i = 0; i <= kMaxFilterTerms; ++i) many += (i ? "," : "") + std::string("os:ios");
  EXPECT_EQ(Parse(many).message(), "filter: at most 16 terms");
  EXPECT_EQ(Parse(std::string(kMaxFilterText + 1, 'a')).message(), "filter: at most 2048 bytes");
}

}  // namespace
}  // namespace microconv
