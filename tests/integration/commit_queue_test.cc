// The commit queue (tools/store/commit_queue.h) on a real SQLite store:
// Close() commits and answers everything handed over before it, and refuses
// what comes after.
#include "tools/store/commit_queue.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

StoredSummary Row(const Journeys& journeys, uint64_t nonce) {
  StoredSummary row;
  row.site = "demo";
  row.nonce = nonce;
  row.seq = 1;
  row.config_hash = journeys.config().hash();
  row.bytes = journeys.Summary("purchase", nonce);
  auto verified = VerifySummary(row.bytes, &journeys.config());
  EXPECT_TRUE(verified.ok()) << verified.message();
  if (verified.ok()) row.day = journeys.config().DayOfMinute(verified.value()->start_minute());
  return row;
}

TEST(CommitQueueTest, CloseCommitsAndAnswersEverythingSubmitted) {
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  ServerDir dir;
  auto store = SqliteStore::Open(dir.store());
  ASSERT_TRUE(store.ok()) << store.message();
  ASSERT_TRUE(store.value()->RecordCurrentConfig(journeys.config(), 0).ok());
  int answered = 0;  // written by the writer thread, read after Close joined it
  {
    CommitQueue queue(*store.value());
    for (uint64_t nonce = 1; nonce <= 50; ++nonce) {
      queue.SubmitAsync(Row(journeys, nonce),
                        [&answered](const Status& status, const StoredSummary&) {
                          if (status.ok()) ++answered;
                        });
    }
    EXPECT_TRUE(queue.Submit(Row(journeys, 51)).ok());
    queue.Close();
    EXPECT_EQ(answered, 50);
    // After Close: refused at once, on this thread, nothing stored.
    bool refused = false;
    queue.SubmitAsync(Row(journeys, 52), [&refused](const Status& status, const StoredSummary&) {
      refused = !status.ok();
    });
    EXPECT_TRUE(refused);
  }
  int64_t stored = 0;
  ASSERT_TRUE(store.value()
                  ->ForEachSession("demo", 0, 1u << 30,
                                   [&stored](const auto&) {
                                     ++stored;
                                     return true;
                                   })
                  .ok());
  EXPECT_EQ(stored, 51);
}

}  // namespace
}  // namespace microconv::testing
