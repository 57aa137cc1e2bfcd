#include "core/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/schema/summary_generated.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"
#include "tests/support/summary_facts.h"

namespace microconv {
namespace {

using testing::AddMicro;
using testing::Facts;
using testing::Pack;

// Pages "/", "/product/:id", "/cart", "/blog/:slug"; micros view, add,
// purchase (macro), news, share, share_click, add_cta; funnels buy = view ->
// add -> purchase and engage (any order: news, share); forms checkout (name,
// card) and newsletter (email); selectors #add, #share.
Config ShopConfig() {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/", "/product/:id", "/cart", "/blog/:slug"};
  c.click_selectors = {"#add", "#share"};
  AddMicro(c, "view", wire::MicroKind::PageView);
  AddMicro(c, "add", wire::MicroKind::Click);
  AddMicro(c, "purchase", wire::MicroKind::DataLayer, true);
  AddMicro(c, "news", wire::MicroKind::CustomEvent);
  AddMicro(c, "share", wire::MicroKind::CustomEvent);
  // Click rules: "add" above and "add_cta" both click #add; "share_click"
  // clicks #share.
  AddMicro(c, "share_click", wire::MicroKind::Click)->target = 1;
  AddMicro(c, "add_cta", wire::MicroKind::Click)->target = 0;
  testing::AddFunnel(c, "buy", "Buy", {0, 1, 2});
  testing::AddFunnel(c, "engage", "Engage", {3, 4}, "e")->mode = wire::FunnelMode::AnyOrder;
  testing::AddForm(c, "checkout", {"name", "card"});
  testing::AddForm(c, "newsletter", {"email"});
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

constexpr int kMicros = 7;

// A random but well-formed summary for ShopConfig (it passes VerifySummary).
std::vector<uint8_t> RandomSummary(std::mt19937& rng, uint32_t config_hash) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const char* kNames[] = {"button#add", "div.hero", "a.nav", "<b>\"x\"</b>", "\xff\xfe"};
  const char* kReferrers[] = {"", "google.com", "news.example", "t.co"};
  wire::SummaryT s;
  s.version = 1;
  s.site = "shop";
  s.config_hash = config_hash;
  s.nonce = rng();
  s.start_minute = 28'000'000 + static_cast<uint32_t>(pick(4 * 1440));
  Facts facts;
  facts.duration_ds = static_cast<uint32_t>(pick(100000));
  facts.active_ds = facts.duration_ds / 2;
  facts.dims = wire::Dimensions(
      static_cast<wire::DeviceClass>(pick(4)), static_cast<wire::BrowserFamily>(pick(8)),
      static_cast<wire::OsFamily>(pick(8)), static_cast<wire::ScreenBucket>(pick(7)),
      pick(3) == 0 ? 0 : ('d' << 8 | 'e') + pick(2), pick(2) == 0 ? 0 : ('c' << 8 | 'h'));
  const int pages = 1 + pick(5);
  int views = 0;
  for (int i = 0; i < pages; ++i) {
    uint16_t page = static_cast<uint16_t>(i < 4 ? i : kLiteralBit | s.literal_pages.size());
    if (i >= 4) s.literal_pages.push_back("/lit/" + std::to_string(pick(3)));
    const int v = 1 + pick(3);
    views += v;
    s.pages.emplace_back(page, v, pick(600), pick(101), pick(2));
  }
  facts.page_views = static_cast<uint16_t>(views);
  facts.entry_page = 0;
  facts.exit_page = static_cast<uint8_t>(pages - 1);
  facts.rage_clicks = static_cast<uint16_t>(pick(3));
  facts.dead_clicks = static_cast<uint16_t>(pick(3));
  facts.quick_backs = static_cast<uint16_t>(pick(2));
  // Micro-conversions as they happen; immediate repeats collapse into
  // `repeats`, and a truncated path leaves more there.
  std::array<int, kMicros> repeat{};
  for (int i = 0, n = pick(8); i < n; ++i) {
    const auto id = static_cast<uint8_t>(pick(kMicros));
    if (!s.path_steps.empty() && s.path_steps.back() == id) {
      ++repeat[id];
    } else {
      s.path_steps.push_back(id);
      AppendVarint(static_cast<uint32_t>(pick(3000)), s.path_deltas);
    }
  }
  const bool truncated = pick(10) == 0;
  if (truncated) repeat[pick(kMicros)] += 1 + pick(3);
  for (int id = 0; id < kMicros; ++id) {
    if (repeat[id] > 0) s.repeats.emplace_back(static_cast<uint8_t>(id), repeat[id]);
  }
  facts.flags = FlagIf(pages == 1, wire::FactFlags::Bounce) |
                FlagIf(truncated, wire::FactFlags::PathTruncated);
  for (uint8_t f = 0; f < 2; ++f) {
    if (pick(3) == 0) continue;
    const uint32_t steps = f == 0 ? 3 : 2;
    const uint32_t reached = static_cast<uint32_t>(pick(1 << steps));
    uint8_t furthest = 0;
    while (furthest < steps && (reached >> furthest & 1)) ++furthest;
    const bool converted = furthest == steps;
    const wire::FunnelFlags flags = FlagIf(converted, wire::FunnelFlags::Converted) |
                                    FlagIf(pick(8) == 0, wire::FunnelFlags::Excluded);
    const uint8_t next_count = converted ? 0 : static_cast<uint8_t>(pick(4));
    // Page actions are slots of this summary's pages.
    s.funnels.emplace_back(f, flags, furthest, next_count, reached,
                           static_cast<uint16_t>(pick(kMicros)),
                           static_cast<uint16_t>(kLiteralBit | pick(pages)),
                           static_cast<uint16_t>(kLiteralBit | pick(pages)));
    uint32_t offset = 0;
    for (uint32_t bits = reached & (reached - 1); bits != 0; bits &= bits - 1) {
      offset += static_cast<uint32_t>(pick(3000));
      AppendVarint(f == 1 ? static_cast<uint32_t>(pick(3000)) : offset, s.step_times);
    }
  }
  for (int i = 0, n = pick(4); i < n; ++i) {
    s.heat.emplace_back(static_cast<uint8_t>(pick(pages)), 1 + pick(4),
                        static_cast<uint16_t>(pick(static_cast<int>(kHeatGridCells))));
  }
  // Only frustrated elements are sent: a rage or a dead click at least.
  for (int i = 0, n = pick(3); i < n; ++i) {
    s.names.push_back(kNames[pick(5)]);
    const int rage = pick(2);
    s.elements.emplace_back(static_cast<uint16_t>(i), 1 + pick(5), rage, rage ? pick(2) : 1,
                            static_cast<uint8_t>(pick(pages)));
  }
  if (pick(3) == 0) {
    s.forms.emplace_back(
        0, wire::FormFlags::Started | FlagIf(pick(2) != 0, wire::FormFlags::Submitted),
        static_cast<uint8_t>(pick(3)), 3);
    s.fields.emplace_back(0, 1 + pick(2), pick(2), 0, pick(200));
    s.fields.emplace_back(1, 1, 0, 0, pick(200));
    s.names.push_back("coupon");
    s.fields.emplace_back(static_cast<uint8_t>(kLiteralFieldBit | (s.names.size() - 1)), 1, 0, 0,
                          pick(50));
  }
  if (pick(4) == 0) {
    s.forms.emplace_back(1, wire::FormFlags::Started, 0, 1);
    s.fields.emplace_back(0, 1, pick(2), 0, pick(100));
  }
  if (pick(3) == 0) {
    s.orders = static_cast<uint16_t>(1 + pick(3));
    s.revenue_cents = static_cast<uint64_t>(pick(50000)) * s.orders;
  }
  if (pick(6) == 0) s.other_currency_orders = static_cast<uint16_t>(1 + pick(2));
  s.facts = Pack(facts);
  s.referrer = kReferrers[pick(4)];
  if (pick(2)) s.utm_source = "newsletter";
  if (pick(3) == 0) s.utm_campaign = "spring";
  return EncodeSummary(s);
}

class AggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(20240601);
    for (int i = 0; i < 300; ++i) {
      buffers_.push_back(RandomSummary(rng, config_.hash()));
      Result<const wire::Summary*> verified = VerifySummary(buffers_.back(), &config_);
      ASSERT_TRUE(verified.ok()) << i << ": " << verified.message();
    }
  }
  const wire::Summary& At(size_t i) const { return *wire::GetSummary(buffers_[i].data()); }
  Aggregate Single(size_t i) const {
    Aggregate a(config_);
    EXPECT_TRUE(a.Add(At(i)).ok());
    return a;
  }

  Config config_ = ShopConfig();
  std::vector<std::vector<uint8_t>> buffers_;
};

TEST_F(AggregateTest, AddEqualsMergeOfSingles) {
  Aggregate added(config_);
  for (size_t i = 0; i < buffers_.size(); ++i) ASSERT_TRUE(added.Add(At(i)).ok());
  Aggregate merged;  // the unconfigured identity adopts the config
  for (size_t i = 0; i < buffers_.size(); ++i) ASSERT_TRUE(merged.Merge(Single(i)).ok());
  EXPECT_EQ(added.sessions(), 300u);
  EXPECT_EQ(added.Serialize(), merged.Serialize());
}

TEST_F(AggregateTest, MergeIsAssociativeAndCommutative) {
  // Three parts, combined in different groupings and orders.
  Aggregate part[3] = {Aggregate(config_), Aggregate(config_), Aggregate(config_)};
  for (size_t i = 0; i < buffers_.size(); ++i) ASSERT_TRUE(part[i % 3].Add(At(i)).ok());
  Aggregate left = part[0];  // (a + b) + c
  ASSERT_TRUE(left.Merge(part[1]).ok());
  ASSERT_TRUE(left.Merge(part[2]).ok());
  Aggregate right = part[1];  // b + c, then a + (b + c)
  ASSERT_TRUE(right.Merge(part[2]).ok());
  Aggregate a_then = part[0];
  ASSERT_TRUE(a_then.Merge(right).ok());
  Aggregate reversed = part[2];  // c + b + a
  ASSERT_TRUE(reversed.Merge(part[1]).ok());
  ASSERT_TRUE(reversed.Merge(part[0]).ok());
  EXPECT_EQ(left.Serialize(), a_then.Serialize());
  EXPECT_EQ(left.Serialize(), reversed.Serialize());
  EXPECT_EQ(right.Serialize(), [&] {  // b + c == c + b
    Aggregate cb = part[2];
    EXPECT_TRUE(cb.Merge(part[1]).ok());
    return cb.Serialize();
  }());
  // Shuffled insertion order gives the same bytes too.
  std::vector<size_t> order(buffers_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  Aggregate shuffled(config_);
  for (size_t i : order) ASSERT_TRUE(shuffled.Add(At(i)).ok());
  EXPECT_EQ(left.Serialize(), shuffled.Serialize());
}

TEST_F(AggregateTest, MergeWithItselfDoubles) {
  Aggregate a(config_);
  for (size_t i = 0; i < 20; ++i) ASSERT_TRUE(a.Add(At(i)).ok());
  Aggregate twice(config_);
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < 20; ++i) ASSERT_TRUE(twice.Add(At(i)).ok());
  }
  ASSERT_TRUE(a.Merge(a).ok());
  EXPECT_EQ(a.Serialize(), twice.Serialize());
}

// Issue 12 point 1: a re-flushed session's previous version is taken back
// exactly. The serialised bytes carry every field (counts, histograms and
// their sums, heat cells with sessions, revenue, every map), so equal bytes
// mean every figure is back.
TEST_F(AggregateTest, RemoveTakesBackAnAddExactly) {
  Aggregate base(config_);
  for (size_t i = 0; i < 200; ++i) ASSERT_TRUE(base.Add(At(i)).ok());
  const std::vector<uint8_t> before = base.Serialize();
  for (size_t i = 200; i < buffers_.size(); ++i) {
    Aggregate a = base;
    ASSERT_TRUE(a.Add(At(i)).ok());
    ASSERT_NE(a.Serialize(), before) << i;
    ASSERT_TRUE(a.Remove(At(i)).ok());
    ASSERT_EQ(a.Serialize(), before) << "summary " << i;
  }
  // From the empty aggregate too (every map entry goes again).
  Aggregate empty(config_);
  const std::vector<uint8_t> nothing = empty.Serialize();
  ASSERT_TRUE(empty.Add(At(7)).ok());
  ASSERT_TRUE(empty.Remove(At(7)).ok());
  EXPECT_EQ(empty.Serialize(), nothing);
}

TEST_F(AggregateTest, RemovingSomeLeavesTheAggregateOfTheRest) {
  std::vector<size_t> order(buffers_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(11));
  Aggregate all(config_), rest(config_), removed(config_);
  for (size_t i = 0; i < buffers_.size(); ++i) ASSERT_TRUE(all.Add(At(i)).ok());
  Aggregate by_remove = all;
  for (size_t n = 0; n < order.size(); ++n) {
    if (n < 120) {
      ASSERT_TRUE(by_remove.Remove(At(order[n])).ok());
      ASSERT_TRUE(removed.Add(At(order[n])).ok());
    } else {
      ASSERT_TRUE(rest.Add(At(order[n])).ok());
    }
  }
  EXPECT_EQ(by_remove.Serialize(), rest.Serialize());
  // Unmerge of the removed ones' aggregate: the same.
  ASSERT_TRUE(all.Unmerge(removed).ok());
  EXPECT_EQ(all.Serialize(), rest.Serialize());
  EXPECT_EQ(all.sessions(), 180u);
}

TEST_F(AggregateTest, SerializeRoundTrip) {
  Aggregate a(config_);
  for (size_t i = 0; i < buffers_.size(); ++i) ASSERT_TRUE(a.Add(At(i)).ok());
  const std::vector<uint8_t> bytes = a.Serialize();
  auto back = Aggregate::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back.value().Serialize(), bytes);
  EXPECT_EQ(back.value().sessions(), 300u);
  EXPECT_EQ(back.value().config_hash(), config_.hash());
  EXPECT_EQ(back.value().funnels(), a.funnels());
  EXPECT_EQ(back.value().pages(), a.pages());
  EXPECT_EQ(back.value().duration(), a.duration());
  // A deserialised aggregate keeps merging and adding like the original.
  Aggregate more = back.value();
  ASSERT_TRUE(more.Add(At(0)).ok());
  Aggregate expected = a;
  ASSERT_TRUE(expected.Add(At(0)).ok());
  EXPECT_EQ(more.Serialize(), expected.Serialize());
  // The empty aggregate round-trips as well.
  auto empty = Aggregate::Deserialize(Aggregate().Serialize());
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty.value().configured());
}

TEST_F(AggregateTest, DeserializeRejectsCorruptBytes) {
  Aggregate a(config_);
  for (size_t i = 0; i < 40; ++i) ASSERT_TRUE(a.Add(At(i)).ok());
  const std::vector<uint8_t> bytes = a.Serialize();
  // Every strict prefix is refused.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = Aggregate::Deserialize(std::span<const uint8_t>(bytes.data(), n));
    EXPECT_FALSE(r.ok()) << "prefix " << n;
  }
  std::vector<uint8_t> wrong_magic = bytes;
  wrong_magic[0] = 'X';
  EXPECT_EQ(Aggregate::Deserialize(wrong_magic).error(), Error::kWrongIdentifier);
  // Another layout, newer or older, is refused: the store rebuilds the day.
  for (uint8_t version : {6, 8}) {
    std::vector<uint8_t> other = bytes;
    other[4] = version;
    EXPECT_EQ(Aggregate::Deserialize(other).error(), Error::kUnsupportedVersion);
  }
  std::vector<uint8_t> trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(Aggregate::Deserialize(trailing).error(), Error::kVerifyFailed);
  std::vector<uint8_t> overlong = {'M', 'C', 'A', '1', 0x81, 0x00};
  EXPECT_FALSE(Aggregate::Deserialize(overlong).ok());
  std::vector<uint8_t> huge_count = {'M', 'C', 'A', '1', 1,    1,    0,    0,    0,
                                     0,   0,   0,   0,   0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_FALSE(Aggregate::Deserialize(huge_count).ok());
  // Random byte flips never crash; whatever is accepted re-serialises to
  // the same bytes (the reader only accepts canonical input).
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto r = Aggregate::Deserialize(flipped);
    if (r.ok()) {
      EXPECT_EQ(r.value().Serialize(), flipped);
    }
  }
}

// Sessions stored before the traffic-source rules (core/traffic_source.h)
// stay readable; their odd referrer and UTM values count under one label.
TEST_F(AggregateTest, OddStoredTrafficSourcesCountAsInvalid) {
  Aggregate a(config_);
  wire::SummaryT s;
  s.version = 1;
  s.site = "shop";
  s.config_hash = config_.hash();
  s.referrer = "buy cheap pills.example/now";
  s.utm_source = "\x1b[31mred";
  s.utm_medium = "email";
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  auto verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok()) << verified.message();
  ASSERT_TRUE(a.Add(*verified.value()).ok());
  auto keys = [](const CappedStringMap<SegmentTally>& map) {
    std::vector<std::string> out;
    for (const auto& [key, value] : map.Sorted()) out.emplace_back(key);
    return out;
  };
  EXPECT_EQ(keys(a.referrers()), std::vector<std::string>{"(invalid)"});
  EXPECT_EQ(keys(a.utm_sources()), std::vector<std::string>{"(invalid)"});
  EXPECT_EQ(keys(a.utm_mediums()), std::vector<std::string>{"email"});
}

TEST_F(AggregateTest, RejectsOtherConfigs) {
  Aggregate a(config_);
  wire::SummaryT s;
  s.config_hash = config_.hash() + 1;
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  EXPECT_EQ(a.Add(*wire::GetSummary(bytes.data())).error, Error::kConfigMismatch);
  EXPECT_EQ(a.sessions(), 0u);
  Aggregate unconfigured;
  EXPECT_EQ(unconfigured.Add(At(0)).error, Error::kConfigMismatch);
  // An aggregate of another config: flip a bit of the stored config hash.
  std::vector<uint8_t> raw = Single(1).Serialize();
  // Layout: magic(4) version(1) configured(1) 4 macro words, then the hash.
  size_t at = 6;
  for (int word = 0; word < 4; ++word) {
    while (raw[at] & 0x80) ++at;
    ++at;
  }
  raw[at] ^= 0x01;
  auto foreign = Aggregate::Deserialize(raw);
  ASSERT_TRUE(foreign.ok()) << foreign.message();
  EXPECT_EQ(a.Merge(foreign.value()).error, Error::kConfigMismatch);
}

TEST_F(AggregateTest, HandCheckedFigures) {
  wire::SummaryT s;
  s.config_hash = config_.hash();
  s.start_minute = 1440 * 19000 + 30;
  Facts facts;
  facts.duration_ds = 1200;
  facts.active_ds = 900;
  facts.page_views = 3;
  facts.rage_clicks = 2;
  facts.dead_clicks = 1;
  facts.quick_backs = 1;
  facts.entry_page = 0;
  facts.exit_page = 1;
  facts.dims = wire::Dimensions(wire::DeviceClass::Mobile, wire::BrowserFamily::Chrome,
                                wire::OsFamily::Android, wire::ScreenBucket::XS, 0, 0);
  s.facts = Pack(facts);
  s.orders = 2;
  s.revenue_cents = 30980;
  s.other_currency_orders = 1;
  s.pages.emplace_back(0, 1, 100, 40, 0);
  s.pages.emplace_back(kLiteralBit, 2, 50, 100, 1);
  s.literal_pages = {"/promo"};
  s.path_steps = {0, 1, 0, 2};  // purchase (2) is the macro
  // Funnel 0: all three steps, offsets 40 and 100 ds from the first.
  s.funnels.emplace_back(0, wire::FunnelFlags::Converted, 3, 0, 7u, 0, 0, 0);
  AppendVarint(40, s.step_times);
  AppendVarint(100, s.step_times);
  // Funnel 1 (any order): steps 0 and 1, step 1 first (offset clamps to 0).
  s.funnels.emplace_back(1, wire::FunnelFlags::NONE, 2, 0, 3u, 0, 0, 0);
  AppendVarint(0, s.step_times);
  s.heat.emplace_back(0, 3, 17);
  s.heat.emplace_back(1, 9, 17);    // literal page: no grid
  s.heat.emplace_back(0, 9, 9999);  // outside the grid: ignored
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  EXPECT_EQ(a.sessions(), 1u);
  EXPECT_EQ(a.converters(), 1u);
  EXPECT_EQ(a.page_views(), 3u);
  EXPECT_EQ(a.rage_clicks(), 2u);
  EXPECT_EQ(a.dead_clicks(), 1u);
  EXPECT_EQ(a.quick_backs(), 1u);
  EXPECT_EQ(a.bounces(), 0u);
  EXPECT_EQ(a.duration().Quantile(0.5), a.duration().Quantile(1.0));  // one value
  EXPECT_NEAR(a.duration().Quantile(0.5), 1200, 1200 / 16.0);
  EXPECT_NEAR(a.active().Quantile(0.5), 900, 900 / 16.0);
  EXPECT_EQ(a.pages()[0].entries, 1u);
  EXPECT_EQ(a.pages()[0].scroll[4], 1u);
  EXPECT_EQ(a.literal_pages().size(), 1u);
  EXPECT_EQ(a.literal_pages().Sorted()[0].second->exits, 1u);
  EXPECT_EQ(a.literal_pages().Sorted()[0].second->scroll[10], 1u);
  EXPECT_EQ(a.micros()[0].occurrences, 2u);  // twice in the path
  EXPECT_EQ(a.micros()[0].sessions, 1u);
  EXPECT_EQ(a.micros()[2].converters, 1u);
  EXPECT_EQ(a.micros()[1].occurrences, 1u);
  EXPECT_EQ(a.micros()[3].sessions, 0u);
  const FunnelTally& buy = a.funnels()[0];
  EXPECT_EQ(buy.entered, 1u);
  EXPECT_EQ(buy.conversions, 1u);
  EXPECT_EQ(buy.time_to_convert.Quantile(0.5), 99.5);     // bucket [96, 104)
  EXPECT_EQ(buy.steps[1].step_time.Quantile(0.5), 41.5);  // 40 in [40, 44)
  EXPECT_EQ(buy.steps[2].step_time.Quantile(0.5), 61.5);  // 60 in [60, 64)
  EXPECT_EQ(a.funnels()[1].steps[1].drop_off, 1u);
  EXPECT_EQ(a.funnels()[1].steps[1].step_time.Quantile(0.5), 0);
  // Template 0 on a phone: the grid of (template 0, mobile) only.
  const size_t mobile = static_cast<size_t>(wire::DeviceClass::Mobile);
  EXPECT_EQ(a.heat()[0 * kHeatDeviceClasses + mobile][17].clicks, 3u);
  EXPECT_EQ(a.heat()[0 * kHeatDeviceClasses + mobile][17].sessions, 1u);
  for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
    if (d != mobile) EXPECT_TRUE(a.heat()[d].empty()) << d;
  }
  // Revenue: the total, the day, the device segment and the converted
  // funnel (buy) carry it; the unconverted one (engage) does not.
  const RevenueTally revenue{1, 2, 30980, 1, 1};
  EXPECT_EQ(a.revenue(), revenue);
  EXPECT_EQ(a.funnels()[0].revenue, revenue);
  EXPECT_EQ(a.funnels()[1].revenue, RevenueTally{});
  EXPECT_EQ(a.devices()[mobile].revenue, revenue);
  EXPECT_EQ(a.devices()[0].revenue, RevenueTally{});
  EXPECT_EQ(a.days().entries.size(), 1u);
  EXPECT_EQ(a.days().entries[0].first, 19000u);
  EXPECT_EQ(a.days().entries[0].second.revenue, revenue);
  const Result<Aggregate> back = Aggregate::Deserialize(a.Serialize());
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back.value().revenue(), revenue);
  EXPECT_EQ(a.paths().Sorted()[0].first, std::string("\x00\x01\x00\x02", 4));
}

TEST_F(AggregateTest, CountsMicrosFromPathPlusRepeats) {
  // A micro's count is its path occurrences plus its repeats entry.
  wire::SummaryT s;
  s.config_hash = config_.hash();
  s.path_steps = {0, 1, 0, 3};
  AppendVarint(0, s.path_deltas);
  for (int i = 0; i < 3; ++i) AppendVarint(10, s.path_deltas);
  s.repeats = {wire::IdCount(0, 2), wire::IdCount(3, 0), wire::IdCount(4, 5)};
  const std::vector<uint8_t> first = EncodeSummary(s);
  // Past the path cap: the macro shows only in repeats, and still converts.
  wire::SummaryT t;
  t.config_hash = config_.hash();
  t.repeats = {wire::IdCount(2, 1)};
  const std::vector<uint8_t> second = EncodeSummary(t);
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(first.data())).ok());
  ASSERT_TRUE(a.Add(*wire::GetSummary(second.data())).ok());
  EXPECT_EQ(a.converters(), 1u);
  EXPECT_EQ(a.micros()[0].occurrences, 4u);
  EXPECT_EQ(a.micros()[0].sessions, 1u);
  EXPECT_EQ(a.micros()[0].converters, 0u);
  EXPECT_EQ(a.micros()[1].occurrences, 1u);
  EXPECT_EQ(a.micros()[3].occurrences, 1u);  // a zero repeat adds nothing
  EXPECT_EQ(a.micros()[3].sessions, 1u);
  EXPECT_EQ(a.micros()[4].occurrences, 5u);  // only in repeats
  EXPECT_EQ(a.micros()[4].sessions, 1u);
  EXPECT_EQ(a.micros()[2].occurrences, 1u);
  EXPECT_EQ(a.micros()[2].sessions, 1u);
  EXPECT_EQ(a.micros()[2].converters, 1u);
  EXPECT_EQ(a.micros()[5].sessions, 0u);
  // Paths are the path steps only.
  ASSERT_EQ(a.paths().size(), 2u);
  const auto paths = a.paths().Sorted();
  EXPECT_TRUE(std::any_of(paths.begin(), paths.end(), [](const auto& entry) {
    return entry.first == std::string_view("\x00\x01\x00\x03", 4) && entry.second->sessions == 1;
  }));
}

TEST_F(AggregateTest, IgnoresMicroIdsOutsideTheConfig) {
  // A summary verified without a config may name any micro id up to 255.
  wire::SummaryT s;
  s.version = 1;
  s.config_hash = config_.hash();
  s.path_steps = {255, 0, 254, 253, 0, 250};
  for (size_t i = 0; i < s.path_steps.size(); ++i) AppendVarint(1, s.path_deltas);
  for (int id = 255; id > 255 - static_cast<int>(kMaxMicroConversions); --id) {
    s.repeats.emplace_back(static_cast<uint8_t>(id), 255);  // ids 255 down to 6
  }
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  ASSERT_TRUE(VerifySummary(bytes).ok());
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  ASSERT_EQ(a.micros().size(), static_cast<size_t>(kMicros));
  EXPECT_EQ(a.micros()[0].occurrences, 2u);
  EXPECT_EQ(a.micros()[0].sessions, 1u);
  EXPECT_EQ(a.micros()[6].occurrences, 255u);
  EXPECT_EQ(a.selectors()[0].clicks, 255u);  // add_cta clicks #add
  for (int id = 1; id < 6; ++id) EXPECT_EQ(a.micros()[id].sessions, 0u) << id;
  EXPECT_EQ(a.converters(), 0u);
}

TEST_F(AggregateTest, SelectorClicksComeFromClickMicros) {
  auto add = [this](Aggregate& a, std::vector<uint8_t> path, std::vector<wire::IdCount> repeats) {
    wire::SummaryT s;
    s.config_hash = config_.hash();
    s.path_steps = std::move(path);
    for (size_t i = 0; i < s.path_steps.size(); ++i) AppendVarint(1, s.path_deltas);
    s.repeats = std::move(repeats);
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  };
  Aggregate a(config_);
  // add (#add) 4 times, add_cta (#add) twice, share_click (#share) once:
  // #add counts this session once, with all six clicks.
  add(a, {1, 6, 5, 1}, {wire::IdCount(1, 2), wire::IdCount(6, 1)});
  ASSERT_EQ(a.selectors().size(), 2u);
  EXPECT_EQ(a.selectors()[0].sessions, 1u);
  EXPECT_EQ(a.selectors()[0].clicks, 6u);
  EXPECT_EQ(a.selectors()[1].sessions, 1u);
  EXPECT_EQ(a.selectors()[1].clicks, 1u);
  // Non-click micros (view, custom event "share") are no selector clicks.
  add(a, {0, 4, 3}, {});
  EXPECT_EQ(a.selectors()[0].sessions, 1u);
  EXPECT_EQ(a.selectors()[1].sessions, 1u);
  // A second session on #add, only through the second rule.
  add(a, {6}, {});
  EXPECT_EQ(a.selectors()[0].sessions, 2u);
  EXPECT_EQ(a.selectors()[0].clicks, 7u);
  EXPECT_EQ(a.selectors()[1].clicks, 1u);
  // The click map survives serialisation: the copy keeps adding the same way.
  auto back = Aggregate::Deserialize(a.Serialize());
  ASSERT_TRUE(back.ok()) << back.message();
  Aggregate copy = back.value();
  add(copy, {5}, {wire::IdCount(5, 3)});
  add(a, {5}, {wire::IdCount(5, 3)});
  EXPECT_EQ(copy.selectors()[1].clicks, 5u);
  EXPECT_EQ(copy.Serialize(), a.Serialize());
}

TEST_F(AggregateTest, FunnelNextPagesAreSlotsOfTheSummary) {
  wire::SummaryT s;
  s.config_hash = config_.hash();
  // Slots: 0 = /cart (template 2), 1 = /promo, 2 = / (template 0), 3 = /sale.
  s.pages = {wire::PageStat(2, 1, 0, 0, 0), wire::PageStat(kLiteralBit, 1, 0, 0, 0),
             wire::PageStat(0, 1, 0, 0, 0), wire::PageStat(0x8001, 1, 0, 0, 0)};
  s.literal_pages = {"/promo", "/sale"};
  // Dropped after step 0: slot 0 and two different literal pages, which are
  // one action here and count the session once.
  s.funnels.emplace_back(0, wire::FunnelFlags::NONE, 1, 3, 1u, kLiteralBit | 0, kLiteralBit | 1,
                         kLiteralBit | 3);
  // Funnel 1 (any order) reached its step 1 but not step 0: dropped before
  // the first. Next: slot 2, micro 4, and a slot past the pages (unverified
  // input: ignored).
  s.funnels.emplace_back(1, wire::FunnelFlags::NONE, 0, 3, 2u, kLiteralBit | 2, 4, kLiteralBit | 7);
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  using Entries = std::vector<std::pair<uint32_t, uint64_t>>;
  EXPECT_EQ(a.funnels()[0].steps[0].next_actions.entries,
            (Entries{{0x8002, 1}, {kLiteralPageAction, 1}}));
  EXPECT_EQ(a.funnels()[1].dropped_before_first, 1u);
  EXPECT_EQ(a.funnels()[1].next_before_first.entries, (Entries{{4, 1}, {kLiteralBit, 1}}));
}

TEST_F(AggregateTest, FormsOwnConsecutiveFields) {
  wire::SummaryT s;
  s.version = 1;
  s.config_hash = config_.hash();
  s.names = {"main>button", "coupon"};
  // newsletter (abandoned on its email field) owns fields[0]; checkout
  // (submitted) owns fields[1..3].
  s.forms = {wire::FormStat(1, wire::FormFlags::Started, 0, 1),
             wire::FormStat(0, wire::FormFlags::Started | wire::FormFlags::Submitted, 1, 3)};
  s.fields = {wire::FieldStat(0, 2, 1, 0, 40), wire::FieldStat(1, 1, 0, 0, 10),
              wire::FieldStat(0, 3, 2, 0, 20), wire::FieldStat(0x81, 1, 0, 0, 5)};
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  ASSERT_TRUE(VerifySummary(bytes).ok());
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  ASSERT_EQ(a.forms().size(), 2u);
  const FormTally& checkout = a.forms()[0];
  const FormTally& newsletter = a.forms()[1];
  EXPECT_EQ(newsletter.started, 1u);
  EXPECT_EQ(newsletter.abandoned, 1u);
  EXPECT_EQ(newsletter.submitted, 0u);
  ASSERT_EQ(newsletter.fields.size(), 1u);
  EXPECT_EQ(newsletter.fields[0], (FieldTally{1, 2, 40, 1, 1}));
  EXPECT_EQ(checkout.submitted, 1u);
  EXPECT_EQ(checkout.abandoned, 0u);
  ASSERT_EQ(checkout.fields.size(), 2u);
  EXPECT_EQ(checkout.fields[0], (FieldTally{1, 3, 20, 2, 0}));
  EXPECT_EQ(checkout.fields[1], (FieldTally{1, 1, 10, 0, 0}));
  // The unconfigured field is keyed by its form's index and its name.
  ASSERT_EQ(a.literal_fields().size(), 1u);
  const auto sorted = a.literal_fields().Sorted();
  EXPECT_EQ(sorted[0].first, std::string("\x00"
                                         "coupon",
                                         7));
  EXPECT_EQ(*sorted[0].second, (FieldTally{1, 1, 5, 0, 0}));
}

TEST(CappedStringMapTest, KeepsTheSameKeysWhateverTheOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) keys.push_back("key" + std::to_string(i));
  auto build = [&](const std::vector<std::string>& order, size_t split) {
    CappedStringMap<uint64_t> left(8), right(8);
    for (size_t i = 0; i < order.size(); ++i) {
      auto& map = i < split ? left : right;
      if (uint64_t* v = map.Find(order[i])) {
        *v += 1;
      } else {
        map.overflow() += 1;
      }
    }
    left.Merge(right);
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& [k, v] : left.Sorted()) out.emplace_back(std::string(k), *v);
    out.emplace_back("(overflow)", left.overflow());
    return out;
  };
  std::vector<std::string> repeated = keys;
  repeated.insert(repeated.end(), keys.begin(), keys.begin() + 30);
  const auto expected = build(repeated, repeated.size());
  EXPECT_EQ(expected.size(), 9u);
  uint64_t total = 0;
  for (const auto& [k, v] : expected) total += v;
  EXPECT_EQ(total, repeated.size());  // nothing lost: kept + overflow
  std::mt19937 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(repeated.begin(), repeated.end(), rng);
    EXPECT_EQ(build(repeated, rng() % repeated.size()), expected);
  }
}

// At the cap, a key is kept with all of its value or dropped with all of
// it, so taking a value back (from the key or from the overflow) is exact:
// every kept key shows the true count of what remains.
TEST(CappedStringMapTest, SubtractIsExactAtTheCap) {
  std::mt19937 rng(9);
  std::vector<std::pair<std::string, uint64_t>> adds;
  for (int i = 0; i < 400; ++i)
    adds.emplace_back("key" + std::to_string(rng() % 60), 1 + rng() % 5);
  CappedStringMap<uint64_t> map(8);
  for (const auto& [key, value] : adds) map.ValueOrOverflow(key) += value;
  std::map<std::string, uint64_t> remaining;
  uint64_t total = 0;
  for (size_t i = 0; i < adds.size(); ++i) {
    if (i % 3 == 0) {
      map.Subtract(adds[i].first, adds[i].second);
    } else {
      remaining[adds[i].first] += adds[i].second;
      total += adds[i].second;
    }
  }
  EXPECT_EQ(map.size(), 8u);
  uint64_t shown = 0;
  for (const auto& [key, value] : map.Sorted()) {
    EXPECT_EQ(*value, remaining[std::string(key)]) << key;
    shown += *value;
  }
  EXPECT_EQ(shown + map.overflow(), total);
}

// Merging full maps evicts through a heap: two maps of 20,000 distinct keys
// with a cap of 10,000 merge in one pass (a scan per eviction took seconds).
TEST(CappedStringMapTest, MergingFullMapsKeepsTheFirstKeysInCapOrder) {
  CappedStringMap<uint64_t> a(10000), b(10000), all(10000);
  for (int i = 0; i < 40000; ++i) {
    const std::string key = "/path/" + std::to_string(i);
    (i % 2 == 0 ? a : b).ValueOrOverflow(key) += 1;
    all.ValueOrOverflow(key) += 1;
  }
  a.Merge(b);
  EXPECT_EQ(a.size(), 10000u);
  EXPECT_EQ(a.overflow(), 30000u);
  std::vector<std::string> kept_a, kept_all;
  for (const auto& [key, value] : a.Sorted()) kept_a.emplace_back(key);
  for (const auto& [key, value] : all.Sorted()) kept_all.emplace_back(key);
  EXPECT_EQ(kept_a, kept_all);
}

TEST(CappedStringMapTest, ExactBelowTheCap) {
  CappedStringMap<uint64_t> map(100);
  for (int i = 0; i < 50; ++i) *map.Find("k" + std::to_string(i % 10)) += 1;
  EXPECT_EQ(map.size(), 10u);
  EXPECT_EQ(map.overflow(), 0u);
  for (const auto& [k, v] : map.Sorted()) EXPECT_EQ(*v, 5u) << k;
}

// Sorted() compares 8-byte prefixes as numbers first: its order must still
// be the bytes' (the encoded aggregate and its reader's check depend on it),
// for keys shorter than 8 bytes, with zero bytes, high bytes and long shared
// prefixes.
TEST(CappedStringMapTest, SortedIsByteOrder) {
  using namespace std::string_literals;
  std::vector<std::string> keys = {""s,
                                   "a"s,
                                   "a\0"s,
                                   "a\0\0"s,
                                   "ab"s,
                                   "\x7f"s,
                                   "\x80"s,
                                   "\xff\xff"s,
                                   "01234567"s,
                                   "012345670"s,
                                   "01234567\0"s,
                                   "0123456\xff"s,
                                   "01234567\x01\x02\x03\x04\x05\x06\x07\x08\x09"s,
                                   "01234567\x01\x02\x03\x04\x05\x06\x07\x08"s,
                                   "\x01\x02\x03\x04\x05\x06\x07\x08"s};
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) {
    std::string key(rng() % 12, '\0');
    for (char& c : key) c = static_cast<char>("\0\x01\x7f\x80\xff"[rng() % 5]);
    keys.push_back(key);
  }
  CappedStringMap<uint64_t> map(10000);
  for (const std::string& key : keys) *map.Find(key) += 1;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::string> sorted;
  for (const auto& [key, value] : map.Sorted()) sorted.emplace_back(key);
  EXPECT_EQ(sorted, keys);
}

}  // namespace
}  // namespace microconv
