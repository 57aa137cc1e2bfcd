// Element heatmaps (issue 13 point 4): clicks keyed by element and cell of
// its box, in the session, the Verifier, the aggregate and the report.
#include "core/element_heatmap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>

#include "core/aggregate.h"
#include "core/fnv1a.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

class ElementHeatmapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string bytes =
        testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/demo.mcc");
    auto config =
        Config::FromCompiled({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    ASSERT_TRUE(config.ok()) << config.message();
    config_ = std::move(config).value();
  }

  // The final summary of `events` after a `start` line with `start`.
  // `ua`: the user agent line's text (the device class comes from it).
  std::vector<uint8_t> Summary(const std::string& events, const std::string& ua = "") {
    auto stream = testing::ParseEventStream(
        "start nonce=0x1 start_ms=1700000000000\n" + (ua.empty() ? "" : "ua " + ua + "\n") + events,
        config_);
    EXPECT_TRUE(stream.ok()) << stream.message();
    if (!stream.ok()) return {};
    std::vector<uint8_t> bytes = testing::RunToSummary(stream.value(), config_);
    auto verified = VerifySummary(bytes, &config_);
    EXPECT_TRUE(verified.ok()) << verified.message();
    return bytes;
  }

  Config config_;
};

TEST_F(ElementHeatmapTest, KeyIsTheTopTwentyFourBitsOfFnv1a) {
  // FNV-1a 32 of "a" is 0xe40c292c (the reference vectors).
  EXPECT_EQ(ElementKey("a"), 0xe40c29u);
  EXPECT_EQ(ElementKey("a#buy"), Fnv1a32("a#buy") >> 8);
  EXPECT_EQ(ElementKeyHex(0x03fa9c), "03fa9c");
  EXPECT_EQ(ElementKeyHex(0), "000000");
  EXPECT_EQ(ElementKeyHex(0xffffff), "ffffff");
}

TEST_F(ElementHeatmapTest, ClicksWithABoxAreKeyedByElementTheRestStayOnTheGrid) {
  const wire::SummaryT s = testing::UnpackSummary(
      Summary("@0 page /product/1\n"
              "@100 click cell=5 100 200 1280 2400 a#buy\n"
              "@2000 click cell=5 101 201 1280 2400 a#buy\n"
              "@4000 click cell=15 130 230 1280 2400 a#buy\n"
              "@6000 click cell=0 700 900 1280 2400 main>p\n"
              "@8000 click 10 10 1280 2400 header>a\n"));  // no box: the grid
  ASSERT_EQ(s.element_clicks.size(), 3u);
  EXPECT_EQ(KeyOf(s.element_clicks[0]), ElementKey("a#buy"));
  EXPECT_EQ(CellOf(s.element_clicks[0]), 5);
  EXPECT_EQ(CountOf(s.element_clicks[0]), 2);
  EXPECT_EQ(s.element_clicks[0].page(), 0);
  EXPECT_EQ(CellOf(s.element_clicks[1]), 15);
  EXPECT_EQ(CountOf(s.element_clicks[1]), 1);
  EXPECT_EQ(KeyOf(s.element_clicks[2]), ElementKey("main>p"));
  // Only the boxless click is on the document grid.
  ASSERT_EQ(s.heat.size(), 1u);
  EXPECT_EQ(s.heat[0].count(), 1);
  EXPECT_EQ(s.heat[0].cell(), 0);
}

TEST_F(ElementHeatmapTest, SeventeenClicksInOneCellTakeTwoEntriesAndNothingIsLost) {
  std::string events = "@0 page /\n";
  for (int i = 0; i < 17; ++i) {
    events += "@" + std::to_string(10 + i * 2000) + " click cell=3 " + std::to_string(i * 40) +
              " 5 1280 2400 a#logo\n";
  }
  const wire::SummaryT s = testing::UnpackSummary(Summary(events));
  ASSERT_EQ(s.element_clicks.size(), 2u);
  EXPECT_EQ(CountOf(s.element_clicks[0]), 16);
  EXPECT_EQ(CountOf(s.element_clicks[1]), 1);
  EXPECT_EQ(CellOf(s.element_clicks[1]), 3);
  EXPECT_TRUE(s.heat.empty());
}

TEST_F(ElementHeatmapTest, PastTheEntryCapClicksFallBackToTheGrid) {
  std::string events = "@0 page /\n";
  const size_t clicks = kMaxElementClicks + 3;
  for (size_t i = 0; i < clicks; ++i) {
    events += "@" + std::to_string(10 + i * 2000) + " click cell=1 " + std::to_string(i * 40) +
              " 5 4000 2400 li:nth-of-type(" + std::to_string(i + 1) + ")\n";
  }
  const wire::SummaryT s = testing::UnpackSummary(Summary(events));
  EXPECT_EQ(s.element_clicks.size(), kMaxElementClicks);
  uint32_t on_grid = 0;
  for (const auto& cell : s.heat) on_grid += cell.count();
  EXPECT_EQ(on_grid, 3u);
}

TEST_F(ElementHeatmapTest, ARestoredSessionContinuesItsElementClicks) {
  auto stream = testing::ParseEventStream(
      "start nonce=0x1 start_ms=1700000000000\n@0 page /\n@10 click cell=2 5 5 100 100 a#x\n",
      config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  Session session = testing::RunSession(stream.value(), config_);
  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  auto more = testing::ParseEventStream(
      "start nonce=0x1 start_ms=1700000000000\n@3000 click cell=2 5 5 100 100 a#x\n", config_);
  ASSERT_TRUE(more.ok()) << more.message();
  restored.value().Ingest(more.value().Batch());
  const wire::SummaryT s = testing::UnpackSummary(restored.value().BuildSummary());
  ASSERT_EQ(s.element_clicks.size(), 1u);
  EXPECT_EQ(CountOf(s.element_clicks[0]), 2);
}

TEST_F(ElementHeatmapTest, TheVerifierRefusesAPageOutsideAndTooManyEntries) {
  std::vector<uint8_t> bytes = Summary("@0 page /\n@10 click cell=2 5 5 100 100 a#x\n");
  wire::SummaryT s = testing::UnpackSummary(bytes);
  s.element_clicks.emplace_back(1, 2, 3, 7, 0x10);  // page slot 7 of 1
  auto outside = VerifySummary(EncodeSummary(s), &config_);
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.message().find("element_clicks[1].page"), std::string::npos)
      << outside.message();
  s.element_clicks.assign(kMaxElementClicks + 1, wire::ElementClick(1, 2, 3, 0, 0x10));
  auto many = VerifySummary(EncodeSummary(s), &config_);
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.message().find("element_clicks"), std::string::npos) << many.message();
}

// Clicks on four pages, then a return to the first: what each flush carries.
constexpr const char* kFourPages =
    "@0 page /\n@10 click cell=1 5 5 100 100 a#home\n"
    "@2000 page /product/1\n@2010 click cell=2 5 5 100 100 a#buy\n"
    "@4000 page /cart\n@4010 click cell=3 5 5 100 100 a#checkout\n"
    "@6000 page /checkout\n@6010 click cell=4 5 5 100 100 button#pay\n";

std::vector<uint32_t> Keys(const wire::SummaryT& s) {
  std::vector<uint32_t> keys;
  for (const wire::ElementClick& click : s.element_clicks) keys.push_back(KeyOf(click));
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<uint32_t> KeysOf(std::initializer_list<const char*> paths) {
  std::vector<uint32_t> keys;
  for (const char* path : paths) keys.push_back(ElementKey(path));
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST_F(ElementHeatmapTest, AFlushCarriesTheLastTwoPagesTheSnapshotKeepsThemAll) {
  auto stream = testing::ParseEventStream(
      std::string("start nonce=0x1 start_ms=1700000000000\n") + kFourPages, config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  Session session = testing::RunSession(stream.value(), config_);
  EXPECT_EQ(Keys(testing::UnpackSummary(session.BuildSummary())),
            KeysOf({"a#checkout", "button#pay"}));
  EXPECT_EQ(Keys(testing::UnpackSummary(session.BuildSummary(Session::Purpose::kSnapshot))),
            KeysOf({"a#home", "a#buy", "a#checkout", "button#pay"}));

  // A restored session (the next page of the site) keeps all of them and
  // which two pages were last; back on the home page, the flush carries
  // its cumulative entries (both clicks) and the checkout's.
  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  EXPECT_EQ(restored.value().BuildSummary(), session.BuildSummary());
  auto more = testing::ParseEventStream(
      "start nonce=0x1 start_ms=1700000000000\n@8000 page /\n"
      "@8010 click cell=1 5 5 100 100 a#home\n",
      config_);
  ASSERT_TRUE(more.ok()) << more.message();
  restored.value().Ingest(more.value().Batch());
  const wire::SummaryT s = testing::UnpackSummary(restored.value().BuildSummary());
  EXPECT_EQ(Keys(s), KeysOf({"a#home", "button#pay"}));
  for (const wire::ElementClick& click : s.element_clicks) {
    if (KeyOf(click) == ElementKey("a#home")) EXPECT_EQ(CountOf(click), 2);
  }
  // Reloading the same page keeps the page before it in the window.
  auto reload =
      testing::ParseEventStream("start nonce=0x1 start_ms=1700000000000\n@9000 page /\n", config_);
  ASSERT_TRUE(reload.ok()) << reload.message();
  restored.value().Ingest(reload.value().Batch());
  EXPECT_EQ(Keys(testing::UnpackSummary(restored.value().BuildSummary())),
            KeysOf({"a#home", "button#pay"}));
  // The final flush carries every page's: a host may send it alone.
  restored.value().End();
  EXPECT_EQ(Keys(testing::UnpackSummary(restored.value().BuildSummary())),
            KeysOf({"a#home", "a#buy", "a#checkout", "button#pay"}));
}

TEST_F(ElementHeatmapTest, MergingKeepsTheStoredPagesTheFlushNoLongerCarries) {
  auto stream = testing::ParseEventStream(
      std::string("start nonce=0x1 start_ms=1700000000000\n") + kFourPages, config_);
  ASSERT_TRUE(stream.ok()) << stream.message();
  // The flush on the cart page (home, product and cart sent: the cart and
  // the product page in the window... and home from the flush before).
  std::string first_two = kFourPages;
  first_two = first_two.substr(0, first_two.find("@4000"));
  const std::vector<uint8_t> stored = Summary(first_two);
  Session session = testing::RunSession(stream.value(), config_);
  wire::SummaryT next_t = testing::UnpackSummary(session.BuildSummary());
  // Every other field set, so a field the merge forgot to copy shows.
  next_t.path_steps = {0, 1};
  next_t.path_deltas = {3, 4};
  next_t.step_times = {9};
  next_t.ldp_bits = {1};
  next_t.cta_seen = {2};
  next_t.replay = {7, 8, 9};
  next_t.names = {"x", "y"};
  next_t.literal_pages = {"/p"};
  next_t.referrer = "example.org";
  next_t.utm_source = "s";
  next_t.utm_medium = "m";
  next_t.utm_campaign = "c";
  next_t.revenue_cents = 12345;
  next_t.orders = 2;
  next_t.other_currency_orders = 1;
  next_t.journey_visit = 2;
  next_t.journey_day = 3;
  next_t.journey_steps.emplace_back(0, wire::FunnelFlags::Converted, 0, 3);
  next_t.repeats.emplace_back(1, 2);
  const std::vector<uint8_t> next = EncodeSummary(next_t);

  const std::vector<uint8_t> merged =
      MergeElementClicks(*wire::GetSummary(stored.data()), *wire::GetSummary(next.data()));
  ASSERT_FALSE(merged.empty());
  wire::SummaryT merged_t = testing::UnpackSummary(merged);
  EXPECT_EQ(Keys(merged_t), KeysOf({"a#home", "a#buy", "a#checkout", "button#pay"}));
  merged_t.element_clicks = next_t.element_clicks;
  EXPECT_EQ(EncodeSummary(merged_t), next);

  // Nothing to keep: the flush is stored as sent.
  EXPECT_TRUE(
      MergeElementClicks(*wire::GetSummary(next.data()), *wire::GetSummary(next.data())).empty());
}

TEST_F(ElementHeatmapTest, AForgedFlushGainsNothingFromTheMerge) {
  // The stored version has the entries' cap on page 0, the next one the cap
  // on page 1 and one page fewer than a stored entry points at.
  wire::SummaryT stored_t =
      testing::UnpackSummary(Summary("@0 page /\n@1000 page /cart\n"
                                     "@2000 page /checkout\n"));
  wire::SummaryT next_t = stored_t;
  stored_t.element_clicks.assign(kMaxElementClicks - 1, wire::ElementClick(1, 2, 3, 0, 0x10));
  stored_t.element_clicks.emplace_back(4, 5, 6, 2, 0x10);
  next_t.element_clicks.assign(kMaxElementClicks, wire::ElementClick(7, 8, 9, 1, 0x10));
  const std::vector<uint8_t> stored = EncodeSummary(stored_t);
  EXPECT_TRUE(MergeElementClicks(*wire::GetSummary(stored.data()),
                                 *wire::GetSummary(EncodeSummary(next_t).data()))
                  .empty());
  next_t.element_clicks.resize(3);
  next_t.pages.resize(2);
  next_t.facts->mutate_exit_page(1);
  const std::vector<uint8_t> next = EncodeSummary(next_t);
  const std::vector<uint8_t> merged =
      MergeElementClicks(*wire::GetSummary(stored.data()), *wire::GetSummary(next.data()));
  const wire::SummaryT merged_t = testing::UnpackSummary(merged);
  ASSERT_EQ(merged_t.element_clicks.size(), kMaxElementClicks);
  for (const wire::ElementClick& click : merged_t.element_clicks) EXPECT_LT(click.page(), 2);
  const auto verified = VerifySummary(merged, &config_);
  EXPECT_TRUE(verified.ok()) << verified.message();
}

// Two desktop sessions and a phone session click "a#buy" on the product
// page; the report groups per template with every class and each class.
class ElementHeatmapReportTest : public ElementHeatmapTest {
 protected:
  void AddAll(Aggregate& a) {
    for (const auto& bytes : sessions_) {
      ASSERT_TRUE(a.Add(*wire::GetSummary(bytes.data())).ok());
    }
  }
  void SetUp() override {
    ElementHeatmapTest::SetUp();
    const std::string desktop = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36";
    sessions_.push_back(
        Summary("@0 page /product/1\n@10 click cell=5 1 1 1280 2400 a#buy\n"
                "@3000 click cell=5 1 1 1280 2400 a#buy\n@6000 click cell=6 1 1 1280 2400 a#buy\n",
                desktop));
    sessions_.push_back(
        Summary("@0 page /product/2\n@10 click cell=5 1 1 1280 2400 a#buy\n"
                "@3000 click cell=0 1 1 1280 2400 main>img\n",
                desktop));
    sessions_.push_back(Summary("@0 page /product/1\n@10 click cell=9 1 1 390 2400 a#buy\n",
                                "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0 Mobile"));
  }
  // The report over the three sessions with `k`.
  Report Build(uint32_t k) {
    Aggregate a(config_);
    AddAll(a);
    ReportOptions options;
    options.k_anonymity = k;
    auto report = BuildReport(a, config_, options);
    EXPECT_TRUE(report.ok()) << report.message();
    return report.ok() ? std::move(report).value() : Report{};
  }
  const ElementHeatGroup* Group(const Report& r, std::string_view device) const {
    for (const ElementHeatGroup& g : r.element_heatmaps) {
      if (g.page == "/product/:id" && g.device == device) return &g;
    }
    return nullptr;
  }
  std::vector<std::vector<uint8_t>> sessions_;
};

TEST_F(ElementHeatmapReportTest, RowsPerTemplateAndDeviceClassWithCellsAndSessions) {
  const Report report = Build(1);
  const ElementHeatGroup* all = Group(report, "all");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->clicks, 6u);
  ASSERT_EQ(all->rows.size(), 2u);
  EXPECT_EQ(all->rows[0].key, ElementKeyHex(ElementKey("a#buy")));
  EXPECT_EQ(all->rows[0].sessions, 3u);
  EXPECT_EQ(all->rows[0].clicks, 5u);
  EXPECT_EQ(all->rows[0].cells[5], 3u);
  EXPECT_EQ(all->rows[0].cells[6], 1u);
  EXPECT_EQ(all->rows[0].cells[9], 1u);
  EXPECT_EQ(all->rows[1].key, ElementKeyHex(ElementKey("main>img")));
  const ElementHeatGroup* desktop = Group(report, "desktop");
  const ElementHeatGroup* mobile = Group(report, "mobile");
  ASSERT_NE(desktop, nullptr);
  ASSERT_NE(mobile, nullptr);
  EXPECT_EQ(desktop->rows[0].sessions, 2u);
  EXPECT_EQ(desktop->rows[0].cells[9], 0u);
  EXPECT_EQ(mobile->clicks, 1u);
  EXPECT_EQ(mobile->rows[0].cells[9], 1u);
  EXPECT_EQ(Group(report, "tablet"), nullptr);
  const std::string json = RenderReportJson(report);
  EXPECT_NE(json.find("\"element_columns\": 4"), std::string::npos);
  EXPECT_NE(json.find("\"key\": \"" + ElementKeyHex(ElementKey("a#buy")) + "\""),
            std::string::npos);
}

TEST_F(ElementHeatmapReportTest, KAnonymityWithholdsElementsAndCellsUnderK) {
  const Report report = Build(2);
  const ElementHeatGroup* all = Group(report, "all");
  ASSERT_NE(all, nullptr);
  // a#buy: 3 sessions, shown; its cell 5 by 2 sessions, cells 6 and 9 by one.
  ASSERT_EQ(all->rows.size(), 1u);
  EXPECT_EQ(all->rows[0].cells[5], 3u);
  EXPECT_EQ(all->rows[0].cells[6], 0u);
  EXPECT_EQ(all->rows[0].hidden_cells, 2u);
  // main>img: one session, in "other" and withheld there.
  EXPECT_EQ(all->other_elements, 1u);
  EXPECT_TRUE(all->other_suppressed);
  // The phone group's only element has one session: no row.
  EXPECT_TRUE(Group(report, "mobile")->rows.empty());
}

TEST_F(ElementHeatmapReportTest, SubtractingASessionAndTheCodecAreExact) {
  Aggregate a(config_);
  AddAll(a);
  auto back = Aggregate::Deserialize(a.Serialize());
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_TRUE(back.value() == a);
  // Taking the phone session back leaves what the two desktop ones made.
  Aggregate desktop(config_);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(desktop.Add(*wire::GetSummary(sessions_[i].data())).ok());
  }
  ASSERT_TRUE(a.Remove(*wire::GetSummary(sessions_[2].data())).ok());
  EXPECT_TRUE(a == desktop);
}

TEST_F(ElementHeatmapReportTest, CorruptBytesNeverDecodeToRowsWhoseCellsDoNotAddUp) {
  Aggregate a(config_);
  AddAll(a);
  std::vector<uint8_t> bytes = a.Serialize();
  // Corrupting any single byte must never be accepted silently as a
  // different valid aggregate with broken element rows: every decoded
  // aggregate re-encodes to its own bytes or is refused.
  size_t refused = 0;
  for (size_t i = 5; i < bytes.size(); ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0x01;
    auto decoded = Aggregate::Deserialize(bad);
    if (!decoded.ok()) {
      ++refused;
      continue;
    }
    for (const auto& [key, row] : decoded.value().element_heat().Sorted()) {
      uint64_t clicks = 0;
      for (const HeatTally& cell : row->cells) clicks += cell.clicks;
      EXPECT_EQ(clicks, row->clicks) << "byte " << i;
    }
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace microconv
