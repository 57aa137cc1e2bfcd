#include "core/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/schema/summary_generated.h"

namespace microconv {
namespace {

std::unique_ptr<wire::MicroConversionDefT> Micro(const std::string& id, wire::MicroKind kind,
                                                 bool macro = false) {
  auto m = std::make_unique<wire::MicroConversionDefT>();
  m->id = id;
  m->label = id;
  m->kind = kind;
  m->macro = macro;
  if (kind == wire::MicroKind::PageView) m->page = "/product/:id";
  if (kind == wire::MicroKind::DataLayer || kind == wire::MicroKind::CustomEvent) m->event = id;
  return m;
}

Config ShopConfig() {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/", "/product/:id", "/cart", "/blog/:slug"};
  c.click_selectors = {"#add", "#share"};
  c.micros.push_back(Micro("view", wire::MicroKind::PageView));
  c.micros.push_back(Micro("add", wire::MicroKind::Click));
  c.micros.push_back(Micro("purchase", wire::MicroKind::DataLayer, true));
  c.micros.push_back(Micro("news", wire::MicroKind::CustomEvent));
  c.micros.push_back(Micro("share", wire::MicroKind::CustomEvent));
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = "buy";
  funnel->label = "Buy";
  for (uint8_t micro : {0, 1, 2}) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = "step" + std::to_string(micro);
    step->micros = {micro};
    funnel->steps.push_back(std::move(step));
  }
  c.funnels.push_back(std::move(funnel));
  auto any = std::make_unique<wire::FunnelDefT>();
  any->id = "engage";
  any->label = "Engage";
  any->mode = wire::FunnelMode::AnyOrder;
  for (uint8_t micro : {3, 4}) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = "e" + std::to_string(micro);
    step->micros = {micro};
    any->steps.push_back(std::move(step));
  }
  c.funnels.push_back(std::move(any));
  auto form = std::make_unique<wire::FormDefT>();
  form->id = "checkout";
  form->selector = "#checkout";
  form->fields = {"name", "card"};
  c.forms.push_back(std::move(form));
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  auto bytes = CompileConfig(c);
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  auto config = Config::FromCompiled(bytes.value());
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

void Varint(uint32_t v, std::vector<uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

std::vector<uint8_t> Encode(const wire::SummaryT& s) {
  flatbuffers::FlatBufferBuilder fbb;
  wire::FinishSummaryBuffer(fbb, wire::Summary::Pack(fbb, &s));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// A random but well-formed summary for ShopConfig.
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
  s.duration_ds = static_cast<uint32_t>(pick(100000));
  s.active_ds = s.duration_ds / 2;
  s.dims = std::make_unique<wire::Dimensions>(
      static_cast<wire::DeviceClass>(pick(4)), static_cast<wire::BrowserFamily>(pick(8)),
      static_cast<wire::OsFamily>(pick(8)), static_cast<wire::ScreenBucket>(pick(7)),
      pick(3) == 0 ? 0 : ('d' << 8 | 'e') + pick(2), pick(2) == 0 ? 0 : ('c' << 8 | 'h'));
  const int pages = 1 + pick(5);
  int views = 0;
  for (int i = 0; i < pages; ++i) {
    uint16_t page = static_cast<uint16_t>(i < 4 ? i : 0x8000 | s.literal_pages.size());
    if (i >= 4) s.literal_pages.push_back("/lit/" + std::to_string(pick(3)));
    const int v = 1 + pick(3);
    views += v;
    s.pages.emplace_back(page, v, pick(600), pick(101), pick(2));
  }
  s.page_views = static_cast<uint16_t>(views);
  s.entry_page = 0;
  s.exit_page = static_cast<uint8_t>(pages - 1);
  s.flags = static_cast<uint8_t>((pages == 1 ? 1 : 0) | (pick(10) == 0 ? 2 : 0));
  for (uint8_t micro = 0; micro < 5; ++micro) {
    if (pick(2)) s.micro_counts.emplace_back(micro, 1 + pick(3));
  }
  for (int i = 0, n = pick(6); i < n; ++i) s.path_steps.push_back(static_cast<uint8_t>(pick(5)));
  for (uint8_t f = 0; f < 2; ++f) {
    if (pick(3) == 0) continue;
    const uint32_t steps = f == 0 ? 3 : 2;
    const uint32_t reached = static_cast<uint32_t>(pick(1 << steps));
    uint8_t furthest = 0;
    while (furthest < steps && (reached >> furthest & 1)) ++furthest;
    const bool converted = furthest == steps;
    uint8_t flags = static_cast<uint8_t>((converted ? 1 : 0) | (pick(8) == 0 ? 2 : 0));
    const uint8_t next_count = converted ? 0 : static_cast<uint8_t>(pick(4));
    s.funnels.emplace_back(f, flags, furthest, next_count, reached, static_cast<uint16_t>(pick(5)),
                           static_cast<uint16_t>(0x8000 | pick(4)),
                           static_cast<uint16_t>(0x8000 | pick(9)), 0);
    uint32_t offset = 0;
    for (uint32_t bits = reached & (reached - 1); bits != 0; bits &= bits - 1) {
      offset += static_cast<uint32_t>(pick(3000));
      Varint(f == 1 ? static_cast<uint32_t>(pick(3000)) : offset, s.step_times);
    }
  }
  for (int i = 0, n = pick(4); i < n; ++i) {
    s.heat.emplace_back(static_cast<uint8_t>(pick(pages)), 1 + pick(4),
                        static_cast<uint16_t>(pick(600)));
  }
  for (int i = 0, n = pick(3); i < n; ++i) {
    s.element_names.push_back(kNames[pick(5)]);
    s.elements.emplace_back(static_cast<uint16_t>(i), 1 + pick(5), pick(2), pick(2),
                            static_cast<uint8_t>(pick(pages)));
  }
  if (pick(2)) s.selector_clicks.emplace_back(static_cast<uint8_t>(pick(2)), 1 + pick(3));
  if (pick(3) == 0) {
    auto form = std::make_unique<wire::FormStatT>();
    form->form = 0;
    form->flags = static_cast<uint8_t>(1 | (pick(2) ? 2 : 0));
    form->fields.emplace_back(0, 1 + pick(2), pick(2), pick(200));
    form->fields.emplace_back(1, 1, 0, pick(200));
    s.element_names.push_back("coupon");
    form->fields.emplace_back(static_cast<uint16_t>(0x8000 | (s.element_names.size() - 1)), 1, 0,
                              pick(50));
    form->last_field = static_cast<uint8_t>(pick(3));
    s.forms.push_back(std::move(form));
  }
  s.referrer = kReferrers[pick(4)];
  if (pick(2)) s.utm_source = "newsletter";
  if (pick(3) == 0) s.utm_campaign = "spring";
  return Encode(s);
}

class AggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(20240601);
    for (int i = 0; i < 300; ++i) buffers_.push_back(RandomSummary(rng, config_.hash()));
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
  std::vector<uint8_t> newer = bytes;
  newer[4] = 2;  // version
  EXPECT_EQ(Aggregate::Deserialize(newer).error(), Error::kUnsupportedVersion);
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

TEST_F(AggregateTest, RejectsOtherConfigs) {
  Aggregate a(config_);
  wire::SummaryT s;
  s.config_hash = config_.hash() + 1;
  const std::vector<uint8_t> bytes = Encode(s);
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
  s.duration_ds = 1200;
  s.active_ds = 900;
  s.page_views = 3;
  s.pages.emplace_back(0, 1, 100, 40, 0);
  s.pages.emplace_back(0x8000, 2, 50, 100, 1);
  s.literal_pages = {"/promo"};
  s.entry_page = 0;
  s.exit_page = 1;
  s.micro_counts.emplace_back(0, 2);
  s.micro_counts.emplace_back(2, 1);  // purchase: macro
  s.path_steps = {0, 1, 2};
  // Funnel 0: all three steps, offsets 40 and 100 ds from the first.
  s.funnels.emplace_back(0, 1, 3, 0, 7u, 0, 0, 0, 0);
  Varint(40, s.step_times);
  Varint(100, s.step_times);
  // Funnel 1 (any order): steps 0 and 1, step 1 first (offset clamps to 0).
  s.funnels.emplace_back(1, 0, 2, 0, 3u, 0, 0, 0, 0);
  Varint(0, s.step_times);
  s.heat.emplace_back(0, 3, 17);
  s.heat.emplace_back(1, 9, 17);    // literal page: no grid
  s.heat.emplace_back(0, 9, 9999);  // outside the grid: ignored
  const std::vector<uint8_t> bytes = Encode(s);
  Aggregate a(config_);
  ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
  EXPECT_EQ(a.sessions(), 1u);
  EXPECT_EQ(a.converters(), 1u);
  EXPECT_EQ(a.page_views(), 3u);
  EXPECT_EQ(a.pages()[0].entries, 1u);
  EXPECT_EQ(a.pages()[0].scroll[4], 1u);
  EXPECT_EQ(a.literal_pages().size(), 1u);
  EXPECT_EQ(a.literal_pages().Sorted()[0].second->exits, 1u);
  EXPECT_EQ(a.literal_pages().Sorted()[0].second->scroll[10], 1u);
  EXPECT_EQ(a.micros()[0].occurrences, 2u);
  EXPECT_EQ(a.micros()[2].converters, 1u);
  EXPECT_EQ(a.micros()[1].sessions, 0u);
  const FunnelTally& buy = a.funnels()[0];
  EXPECT_EQ(buy.entered, 1u);
  EXPECT_EQ(buy.conversions, 1u);
  EXPECT_EQ(buy.time_to_convert.Quantile(0.5), 99.5);     // bucket [96, 104)
  EXPECT_EQ(buy.steps[1].step_time.Quantile(0.5), 41.5);  // 40 in [40, 44)
  EXPECT_EQ(buy.steps[2].step_time.Quantile(0.5), 61.5);  // 60 in [60, 64)
  EXPECT_EQ(a.funnels()[1].steps[1].drop_off, 1u);
  EXPECT_EQ(a.funnels()[1].steps[1].step_time.Quantile(0.5), 0);
  EXPECT_EQ(a.heat()[0][17], 3u);
  EXPECT_EQ(a.days().entries.size(), 1u);
  EXPECT_EQ(a.days().entries[0].first, 19000u);
  EXPECT_EQ(a.paths().Sorted()[0].first, std::string("\x00\x01\x02", 3));
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

TEST(CappedStringMapTest, ExactBelowTheCap) {
  CappedStringMap<uint64_t> map(100);
  for (int i = 0; i < 50; ++i) *map.Find("k" + std::to_string(i % 10)) += 1;
  EXPECT_EQ(map.size(), 10u);
  EXPECT_EQ(map.overflow(), 0u);
  for (const auto& [k, v] : map.Sorted()) EXPECT_EQ(*v, 5u) << k;
}

}  // namespace
}  // namespace microconv
