// The concurrency limit of session scans (tools/serve/scan_slots.h): with
// --max-scans 1, filtered reports sent at once over a store large enough
// that each scan takes a while are refused beyond the one running (503
// too_many_scans with Retry-After), while a report from the day aggregates
// is never refused, and the slot is free again once the scans end.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

// Enough stored sessions that one scan lasts far longer than sending the
// requests takes (well under kMaxScannedSessions, so none is refused as
// too large).
constexpr int kSessions = 10000;
constexpr int kConcurrentScans = 6;
constexpr const char* kFiltered =
    "/api/report/demo?from=2023-11-01&to=2023-11-30&filter=micro:purchase";

class ScanLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    auto store = SqliteStore::Open(dir_.store());
    ASSERT_TRUE(store.ok()) << store.message();
    const char* kinds[] = {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"};
    std::vector<StoredSummary> batch;
    batch.reserve(kSessions);
    for (int i = 0; i < kSessions; ++i) {
      StoredSummary row;
      row.site = "demo";
      row.nonce = 1000 + static_cast<uint64_t>(i);
      row.seq = 1;
      row.bytes = journeys_.Summary(kinds[i % 4], row.nonce);
      auto summary = VerifySummary(row.bytes, &journeys_.config());
      ASSERT_TRUE(summary.ok()) << summary.message();
      row.day = journeys_.config().DayOfMinute(summary.value()->start_minute());
      row.config_hash = journeys_.config().hash();
      batch.push_back(std::move(row));
    }
    ASSERT_TRUE(store.value()->Put(batch).ok());
  }

  Journeys journeys_;
  ServerDir dir_;
};

TEST_F(ScanLimitTest, ScansBeyondTheLimitAreRefusedAndTheSlotComesBack) {
  ServerProcess server(dir_, {"--max-scans", "1", "--k", "1", "--threads", "16"});
  ASSERT_TRUE(server.Start()) << server.LogText();

  std::atomic<int> ok = 0, refused = 0, other = 0;
  std::atomic<int> unfiltered_status = 0;
  std::string refusal;
  std::latch start(kConcurrentScans + 1);
  std::vector<std::thread> clients;
  for (int i = 0; i < kConcurrentScans; ++i) {
    clients.emplace_back([&] {
      httplib::Client client = server.Client();
      client.set_read_timeout(std::chrono::seconds(30));
      start.arrive_and_wait();
      auto res = client.Get(kFiltered);
      if (res && res->status == 200) {
        ++ok;
      } else if (res && res->status == 503 && res->get_header_value("Retry-After") == "1") {
        if (refused++ == 0) refusal = res->body;
      } else {
        ++other;
      }
    });
  }
  // A report from the day aggregates, sent with the scans: never limited.
  clients.emplace_back([&] {
    httplib::Client client = server.Client();
    start.arrive_and_wait();
    auto res = client.Get("/api/report/demo?from=2023-11-01&to=2023-11-30");
    unfiltered_status = res ? res->status : -1;
  });
  for (std::thread& t : clients) t.join();

  std::printf("%d filtered reports at once: %d answered, %d refused, %d other\n", kConcurrentScans,
              ok.load(), refused.load(), other.load());
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(refused.load(), 1) << "every scan ran at once";
  EXPECT_EQ(refusal.rfind("too_many_scans", 0), 0u) << refusal;
  EXPECT_EQ(unfiltered_status.load(), 200);

  // Every slot was given back: scans one after another all run.
  for (int i = 0; i < 2; ++i) {
    auto res = server.Client().Get(kFiltered);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
}

}  // namespace
}  // namespace microconv::testing
