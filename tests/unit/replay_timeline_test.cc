#include "core/replay_timeline.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace microconv {
namespace {

std::vector<ReplayEntry> Decoded(const std::vector<uint8_t>& bytes) {
  std::vector<ReplayEntry> entries;
  EXPECT_TRUE(DecodeReplay(bytes, entries));
  return entries;
}

TEST(ReplayTimelineTest, RoundTripsEveryKindWithTimes) {
  ReplayTimeline timeline;
  timeline.Append({0, ReplayKind::kPage, 0, 0});
  timeline.Append({12, ReplayKind::kClick, 3, 17 * 16 + 5});
  timeline.Append({12, ReplayKind::kConversion, 4, 0});
  timeline.Append({250, ReplayKind::kScroll, 60, 0});
  timeline.Append({300, ReplayKind::kFieldFocus, 2, 0});
  timeline.Append({450, ReplayKind::kFieldLeave, 2, 0});
  timeline.Append({451, ReplayKind::kRageClick, 0, 0});
  timeline.Append({470, ReplayKind::kDeadClick, 1, 0});
  const std::vector<ReplayEntry> entries = Decoded(timeline.bytes());
  ASSERT_EQ(entries.size(), 8u);
  EXPECT_EQ(entries[1].kind, ReplayKind::kClick);
  EXPECT_EQ(entries[1].time_tenths, 12u);
  EXPECT_EQ(entries[1].a, 3u);
  EXPECT_EQ(entries[1].b, 17u * 16 + 5);
  EXPECT_EQ(entries[3].a, 60u);
  EXPECT_EQ(entries[7].kind, ReplayKind::kDeadClick);
  EXPECT_EQ(entries[7].time_tenths, 470u);
  // Header then payload: a page at 0 s in slot 0 is two bytes.
  EXPECT_EQ(timeline.bytes()[0], 0x00);
  EXPECT_EQ(timeline.bytes()[1], 0x00);
}

TEST(ReplayTimelineTest, TimeGoingBackwardsCountsAsNoGap) {
  ReplayTimeline timeline;
  timeline.Append({100, ReplayKind::kPage, 0, 0});
  timeline.Append({40, ReplayKind::kPage, 1, 0});
  timeline.Append({110, ReplayKind::kPage, 2, 0});
  const std::vector<ReplayEntry> entries = Decoded(timeline.bytes());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].time_tenths, 100u);
  EXPECT_EQ(entries[2].time_tenths, 110u);
}

TEST(ReplayTimelineTest, CapsTheBytesAndEndsWithTheMarker) {
  ReplayTimeline timeline;
  for (uint32_t i = 0; i < 2000; ++i) timeline.Append({i * 10, ReplayKind::kClick, 300, 500});
  EXPECT_TRUE(timeline.truncated());
  EXPECT_LE(timeline.bytes().size(), kMaxReplayBytes);
  const std::vector<ReplayEntry> entries = Decoded(timeline.bytes());
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().kind, ReplayKind::kTruncated);
  const size_t kept = entries.size();
  timeline.Append({99999, ReplayKind::kPage, 0, 0});
  EXPECT_EQ(Decoded(timeline.bytes()).size(), kept);
}

TEST(ReplayTimelineTest, RestoreContinuesWhereTheSummaryLeftOff) {
  ReplayTimeline first;
  first.Append({50, ReplayKind::kPage, 0, 0});
  first.Append({80, ReplayKind::kConversion, 2, 0});
  ReplayTimeline restored;
  ASSERT_TRUE(restored.Restore(first.bytes()));
  restored.Append({95, ReplayKind::kPage, 1, 0});
  first.Append({95, ReplayKind::kPage, 1, 0});
  EXPECT_EQ(restored.bytes(), first.bytes());
  EXPECT_FALSE(restored.Restore(std::vector<uint8_t>{0x80}));
  EXPECT_TRUE(restored.bytes().empty());
}

TEST(ReplayTimelineTest, RejectsMalformedTimelines) {
  std::vector<ReplayEntry> entries;
  // An unknown kind (9).
  EXPECT_FALSE(DecodeReplay(std::vector<uint8_t>{0x09, 0x00}, entries));
  // A payload cut off.
  EXPECT_FALSE(DecodeReplay(std::vector<uint8_t>{0x02, 0x01}, entries));
  // A header varint cut off.
  EXPECT_FALSE(DecodeReplay(std::vector<uint8_t>{0x80}, entries));
  // Something after the truncation marker.
  EXPECT_FALSE(DecodeReplay(std::vector<uint8_t>{0x08, 0x00, 0x00}, entries));
  // Longer than the cap.
  EXPECT_FALSE(DecodeReplay(std::vector<uint8_t>(kMaxReplayBytes + 2, 0x00), entries));
  // Times that would overflow 32 bits.
  std::vector<uint8_t> far;
  for (int i = 0; i < 17; ++i) {
    for (int byte : {0xf0, 0xff, 0xff, 0xff, 0x0f, 0x00}) far.push_back(static_cast<uint8_t>(byte));
  }
  EXPECT_FALSE(DecodeReplay(far, entries));
  EXPECT_TRUE(DecodeReplay({}, entries));
  EXPECT_TRUE(entries.empty());
}

}  // namespace
}  // namespace microconv
