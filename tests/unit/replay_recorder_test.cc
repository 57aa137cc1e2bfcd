// Journey replay recorded by the session (core/replay_recorder.h): sampling
// by the host's draw, each kind, restore across a page load, the cap, the
// names cap, and the verifier's checks of a timeline against its summary.
#include "core/replay_recorder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/json/config_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

using testing::ParseEventStream;
using testing::ReadFileOrEmpty;

// The demo site's config with its replay_sample_rate set to `rate`.
Config DemoWithRate(const std::string& rate) {
  std::string json =
      ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
  const std::string key = "\"replay_sample_rate\": ";
  const size_t at = json.find(key);
  const size_t end = json.find(',', at);
  EXPECT_NE(end, std::string::npos);
  json.replace(at, end - at, key + rate);
  Result<Config> config = LoadConfigJson(json);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

// A visit with every kind the timeline records (times in ms).
constexpr const char* kVisit =
    "@0 page /product/42 40\n"
    "@500 click 640 120 1280 2400 main>button.buy\n"
    "@500 match [data-mc=add-to-cart]\n"
    "@1000 scroll 45\n"
    "@1100 scroll 50\n"
    "@1200 scroll 60\n"
    "@2000 form_start shipping\n"
    "@2100 focus shipping name\n"
    "@2500 change shipping name\n"
    "@3000 blur shipping name\n"
    "@4000 dead main>img\n"
    "@5000 click 10 10 1280 2400 main>p\n"
    "@5100 click 12 10 1280 2400 main>p\n"
    "@5200 click 10 12 1280 2400 main>p\n"
    "@6000 page /cart\n";

class ReplayRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = DemoWithRate("1"); }

  testing::EventStream Stream(const std::string& text) {
    auto stream = ParseEventStream("start nonce=0x1 start_ms=1700000000000\n" + text, config_);
    EXPECT_TRUE(stream.ok()) << stream.message();
    return stream.ok() ? std::move(stream).value() : testing::EventStream();
  }

  // The verified final summary of `text` run with `draw`.
  const wire::Summary* Run(const std::string& text, uint32_t draw = 0) {
    testing::EventStream stream = Stream(text);
    SessionStart start = stream.Start();
    start.replay_draw = draw;
    Session session(config_, start);
    session.Ingest(stream.Batch());
    session.End();
    bytes_ = session.Flush();
    auto verified = VerifySummary(bytes_, &config_);
    EXPECT_TRUE(verified.ok()) << verified.message();
    return verified.ok() ? verified.value() : nullptr;
  }

  static std::vector<ReplayEntry> Entries(const wire::Summary& s) {
    std::vector<ReplayEntry> entries;
    EXPECT_NE(s.replay(), nullptr);
    if (s.replay() == nullptr) return entries;
    EXPECT_TRUE(DecodeReplay({s.replay()->data(), s.replay()->size()}, entries));
    return entries;
  }

  int Micro(std::string_view id) const {
    const int index = testing::MicroIndex(config_, id);
    EXPECT_GE(index, 0) << "no micro " << id;
    return index;
  }

  Config config_;
  std::vector<uint8_t> bytes_;
};

TEST_F(ReplayRecorderTest, TheDrawDecidesAgainstTheRate) {
  const Config half = DemoWithRate("0.5");
  EXPECT_TRUE(ReplaySampled(half, 0));
  EXPECT_TRUE(ReplaySampled(half, 0x7fffffffu));
  EXPECT_FALSE(ReplaySampled(half, 0x80000000u));
  EXPECT_FALSE(ReplaySampled(half, UINT32_MAX));
  EXPECT_TRUE(ReplaySampled(config_, UINT32_MAX)) << "rate 1 samples every draw";
  const Config off = DemoWithRate("0");
  EXPECT_FALSE(ReplaySampled(off, 0)) << "rate 0 samples none";

  config_ = DemoWithRate("0.5");
  const wire::Summary* sampled = Run(kVisit, 0x7fffffffu);
  ASSERT_NE(sampled, nullptr);
  EXPECT_NE(sampled->replay(), nullptr);
  const wire::Summary* unsampled = Run(kVisit, 0x80000000u);
  ASSERT_NE(unsampled, nullptr);
  EXPECT_EQ(unsampled->replay(), nullptr) << "not sampled: no timeline at all";
}

TEST_F(ReplayRecorderTest, AnEmptySampledSessionSaysSoAndRestoresSampled) {
  Session session(config_, SessionStart{.nonce = 3, .time_ms = 1000});
  std::vector<uint8_t> bytes = session.BuildSummary();
  auto verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok()) << verified.message();
  ASSERT_NE(verified.value()->replay(), nullptr) << "present, empty: the restore learns sampling";
  EXPECT_EQ(verified.value()->replay()->size(), 0u);
  auto restored = Session::Restore(config_, session.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.message();
  std::vector<uint8_t> after = restored.value().BuildSummary();
  EXPECT_NE(wire::GetSummary(after.data())->replay(), nullptr);
}

TEST_F(ReplayRecorderTest, RecordsEachKindInOrderWithItsReferences) {
  const wire::Summary* s = Run(kVisit);
  ASSERT_NE(s, nullptr);
  const std::vector<ReplayEntry> e = Entries(*s);
  auto name = [&](uint32_t index) { return s->names()->Get(index)->str(); };
  struct Want {
    uint32_t tenths;
    ReplayKind kind;
  };
  const std::vector<Want> want = {
      {0, ReplayKind::kPage},        {0, ReplayKind::kConversion},  // product_view
      {5, ReplayKind::kClick},       {5, ReplayKind::kConversion},  // add_to_cart
      {10, ReplayKind::kScroll},     {12, ReplayKind::kScroll},    {21, ReplayKind::kFieldFocus},
      {30, ReplayKind::kFieldLeave}, {40, ReplayKind::kDeadClick}, {50, ReplayKind::kClick},
      {51, ReplayKind::kClick},      {52, ReplayKind::kClick},     {52, ReplayKind::kRageClick},
      {60, ReplayKind::kPage},
  };
  ASSERT_EQ(e.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(e[i].time_tenths, want[i].tenths) << i;
    EXPECT_EQ(e[i].kind, want[i].kind) << i;
  }
  EXPECT_EQ(s->pages()->Get(e[0].a)->page(), 4) << "slot of /product/:id (template 4)";
  EXPECT_EQ(e[1].a, static_cast<uint32_t>(Micro("product_view")));
  ASSERT_GT(e[2].a, 0u);
  EXPECT_EQ(name(e[2].a - 1), "main>button.buy");
  EXPECT_EQ(e[2].b, HeatCellOf(640, 120, 1280, 2400));
  EXPECT_EQ(e[3].a, static_cast<uint32_t>(Micro("add_to_cart")));
  EXPECT_EQ(e[4].a, 45u) << "45 is >= 10 points past nothing yet";
  EXPECT_EQ(e[5].a, 60u) << "50 was less than 10 points past 45";
  EXPECT_EQ(name(e[6].a), "name");
  EXPECT_EQ(e[7].a, e[6].a);
  EXPECT_EQ(name(e[8].a - 1), "main>img");
  EXPECT_EQ(name(e[12].a - 1), "main>p");
  EXPECT_EQ(s->pages()->Get(e[13].a)->page(), 5) << "/cart";

  // No text, no value, no URL beyond what the summary already names.
  const std::string all(bytes_.begin(), bytes_.end());
  EXPECT_EQ(all.find("/product/42"), std::string::npos);
}

TEST_F(ReplayRecorderTest, NotSampledRecordsNothingAndChangesNothingElse) {
  const wire::Summary* sampled = Run(kVisit, 0);
  ASSERT_NE(sampled, nullptr);
  const size_t sampled_bytes = bytes_.size();
  const Config off = DemoWithRate("0");
  config_ = off;
  const wire::Summary* plain = Run(kVisit, 0);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->replay(), nullptr);
  EXPECT_LT(bytes_.size(), sampled_bytes);
}

// Snapshot and restore after every event (a page load between any two)
// gives the timeline an uninterrupted session gives.
TEST_F(ReplayRecorderTest, RestoreAtAnyPointGivesTheSameBytes) {
  const testing::EventStream stream = Stream(kVisit);
  Session whole(config_, stream.Start());
  whole.Ingest(stream.Batch());
  const std::vector<uint8_t> expected = whole.BuildSummary();
  const auto* want = wire::GetSummary(expected.data())->replay();
  ASSERT_NE(want, nullptr);
  for (size_t cut = 0; cut <= stream.events.size(); ++cut) {
    Session first(config_, stream.Start());
    EventBatch batch = stream.Batch();
    first.Ingest({batch.events.subspan(0, cut), batch.strings});
    auto restored = Session::Restore(config_, first.Snapshot());
    ASSERT_TRUE(restored.ok()) << cut << ": " << restored.message();
    Session second = std::move(restored).value();
    second.Ingest({batch.events.subspan(cut), batch.strings});
    const std::vector<uint8_t> bytes = second.BuildSummary();
    const auto* got = wire::GetSummary(bytes.data())->replay();
    ASSERT_NE(got, nullptr) << cut;
    EXPECT_EQ(std::vector<uint8_t>(got->begin(), got->end()),
              std::vector<uint8_t>(want->begin(), want->end()))
        << "cut after " << cut << " events";
  }
}

TEST_F(ReplayRecorderTest, TheCapEndsTheTimelineWithItsMarker) {
  std::string text = "@0 page /cart\n";
  // Clicks 1.1 s apart in different cells (no rage): ~3-5 bytes each.
  for (int i = 1; i <= 600; ++i) {
    text += "@" + std::to_string(i * 1100) + " click " + std::to_string((i * 37) % 1280) + " " +
            std::to_string((i * 53) % 2400) + " 1280 2400 main>a\n";
  }
  const wire::Summary* s = Run(text);
  ASSERT_NE(s, nullptr) << "a capped timeline still verifies";
  const std::vector<ReplayEntry> e = Entries(*s);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.back().kind, ReplayKind::kTruncated);
  EXPECT_LE(s->replay()->size(), kMaxReplayBytes);
  EXPECT_GT(s->replay()->size(), kMaxReplayBytes - 8);
}

// The names table holds 2 x kMaxElements names; clicks on elements past
// that are recorded with no element, their grid cell kept.
TEST_F(ReplayRecorderTest, ClicksPastTheNamesCapKeepTheirCellWithoutElement) {
  std::string text = "@0 page /cart\n";
  for (int i = 1; i <= 70; ++i) {
    text += "@" + std::to_string(i * 1100) + " click 100 " + std::to_string(i * 30) +
            " 1280 2400 #e" + std::to_string(i) + "\n";
  }
  const wire::Summary* s = Run(text);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->names()->size(), 2 * kMaxElements);
  const std::vector<ReplayEntry> e = Entries(*s);
  ASSERT_EQ(e.size(), 71u);
  EXPECT_EQ(s->names()->Get(e[64].a - 1)->str(), "#e64");
  EXPECT_EQ(e[65].a, 0u) << "#e65: the table is full";
  EXPECT_EQ(e[65].b, HeatCellOf(100, 65 * 30, 1280, 2400));
}

// The collector's gate: a timeline that does not decode or points outside
// the summary's tables is refused.
TEST_F(ReplayRecorderTest, TheVerifierRefusesBadTimelines) {
  ASSERT_NE(Run(kVisit), nullptr);
  wire::SummaryT good;
  wire::GetSummary(bytes_.data())->UnPackTo(&good);
  auto refused = [&](std::vector<uint8_t> replay, const char* why) {
    wire::SummaryT bad = good;
    bad.replay = std::move(replay);
    const std::vector<uint8_t> bytes = EncodeSummary(bad);
    auto verified = VerifySummary(bytes, &config_);
    EXPECT_FALSE(verified.ok()) << why;
    return verified.ok() ? std::string() : verified.message();
  };
  auto with = [&](ReplayEntry entry) {
    ReplayTimeline t;
    t.Append(entry);
    return t.bytes();
  };
  EXPECT_NE(refused({0x80}, "cut varint").find("replay: does not decode"), std::string::npos);
  EXPECT_NE(refused(with({0, ReplayKind::kPage, 2, 0}), "page slot").find("replay[0]"),
            std::string::npos);
  refused(with({0, ReplayKind::kConversion, static_cast<uint32_t>(config_.micro_count()), 0}),
          "micro id");
  refused(with({0, ReplayKind::kClick, static_cast<uint32_t>(good.names.size() + 1), 0}),
          "element");
  refused(with({0, ReplayKind::kClick, 0, 16 * 32}), "cell");
  refused(with({0, ReplayKind::kFieldFocus, static_cast<uint32_t>(good.names.size()), 0}), "field");
  refused(with({0, ReplayKind::kScroll, 101, 0}), "depth");
  // The same timeline under a config that samples nothing.
  const Config off = DemoWithRate("0");
  wire::SummaryT other = good;
  other.config_hash = off.hash();
  const std::vector<uint8_t> bytes = EncodeSummary(other);
  auto verified = VerifySummary(bytes, &off);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.message().find("replay_sample_rate"), std::string::npos);
}

TEST_F(ReplayRecorderTest, TheSummaryJsonShowsTheTimelineNamed) {
  const wire::Summary* s = Run(kVisit);
  ASSERT_NE(s, nullptr);
  const std::string json = RenderSummaryJson(*s, &config_);
  EXPECT_NE(json.find("\"replay\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"kind\": \"click\", \"element\": \"main>button.buy\", \"row\": 1, "
                      "\"column\": 8"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"kind\": \"conversion\", \"micro\": \"add_to_cart\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"kind\": \"page\", \"page\": \"/cart\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"kind\": \"field_focus\", \"field\": \"name\""), std::string::npos) << json;
}

}  // namespace
}  // namespace microconv
