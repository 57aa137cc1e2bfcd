// "Active now" counts sessions by their last activity (start + duration of
// the summary), not by when their summary arrived (issue 9 part 3: right
// after seeding, Real-time said "5,001 sessions active in the last 5 min").
#include "tools/serve/live_board.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "journeys.h"

namespace microconv {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::Journeys;
using Clock = LiveBoard::Clock;

// The golden purchase journey as a session that started at `start` and
// lasted `duration`, still running unless `ended`.
std::vector<uint8_t> SessionAt(const Journeys& journeys, uint64_t nonce, Clock::time_point start,
                               seconds duration, bool ended = false) {
  return Journeys::AtTime(journeys.Summary("purchase", nonce), start, duration, ended);
}

class LiveBoardTest : public ::testing::Test {
 protected:
  void Record(const std::vector<uint8_t>& bytes, Clock::time_point now) {
    board_.Record(journeys_.config(), *flatbuffers::GetRoot<wire::Summary>(bytes.data()), now);
  }
  nlohmann::json Live(Clock::time_point now) {
    return nlohmann::json::parse(board_.RenderJson(journeys_.config(), now));
  }

  Journeys journeys_;
  LiveBoard board_;
  // A whole minute, so start_minute holds the starts below exactly.
  const Clock::time_point now_ = Clock::time_point(minutes(29000000));
};

TEST_F(LiveBoardTest, SeededHistoryArrivingNowIsNotActive) {
  ASSERT_TRUE(journeys_.ok());
  for (uint64_t i = 1; i <= 50; ++i) {  // yesterday's sessions, sent just now
    Record(SessionAt(journeys_, i, now_ - minutes(24 * 60) + minutes(i), seconds(300)), now_);
  }
  const auto live = Live(now_);
  EXPECT_EQ(live["active_sessions"], 0);
  EXPECT_EQ(live["funnels"][0]["entered"], 0);
  EXPECT_EQ(board_.size(), 0u) << "stale sessions are not kept";
}

TEST_F(LiveBoardTest, CountsByLastActivityNotByArrivalOrStart) {
  ASSERT_TRUE(journeys_.ok());
  // Started 20 min ago, last active 3 min ago: active although its start is
  // long past.
  Record(SessionAt(journeys_, 1, now_ - minutes(20), minutes(17)), now_);
  // Started 9 min ago, last active 6 min ago: not active.
  Record(SessionAt(journeys_, 2, now_ - minutes(9), minutes(3)), now_);
  auto live = Live(now_);
  EXPECT_EQ(live["active_sessions"], 1);
  EXPECT_EQ(live["funnels"][0]["entered"], 1);
  // Without a new flush the first one leaves the board 5 min after its last
  // activity.
  EXPECT_EQ(Live(now_ + minutes(2))["active_sessions"], 1);
  EXPECT_EQ(Live(now_ + minutes(2) + seconds(1))["active_sessions"], 0);
}

TEST_F(LiveBoardTest, EndedSessionLeavesAndAnOlderFlushDoesNotMoveActivityBack) {
  ASSERT_TRUE(journeys_.ok());
  Record(SessionAt(journeys_, 1, now_ - minutes(10), minutes(9)), now_);
  Record(SessionAt(journeys_, 1, now_ - minutes(10), minutes(2)), now_);  // a late, older flush
  EXPECT_EQ(Live(now_)["active_sessions"], 1);
  Record(SessionAt(journeys_, 1, now_ - minutes(10), minutes(9), /*ended=*/true), now_);
  EXPECT_EQ(Live(now_)["active_sessions"], 0);
  EXPECT_EQ(board_.size(), 0u);
}

TEST_F(LiveBoardTest, AVisitorClockAheadCountsAsActiveNow) {
  ASSERT_TRUE(journeys_.ok());
  Record(SessionAt(journeys_, 1, now_ + minutes(30), seconds(5)), now_);
  EXPECT_EQ(Live(now_)["active_sessions"], 1);
  EXPECT_EQ(
      LiveBoard::LastActivity(*flatbuffers::GetRoot<wire::Summary>(
                                  SessionAt(journeys_, 2, now_ + minutes(30), seconds(5)).data()),
                              now_),
      now_);
}

}  // namespace
}  // namespace microconv
