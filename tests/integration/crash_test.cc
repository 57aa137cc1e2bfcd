// Durability at the collector: a 202 means committed. kill -9 under load
// loses no acknowledged summary; SIGTERM drains and exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "journeys.h"
#include "server_process.h"
#include "tools/load/ingest_load.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

constexpr uint64_t kNonceBase = 0x7e57000000000000ull;

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    base_ = journeys_.Summary("purchase", 1);
  }

  // Posts from 8 clients until `stop`; remembers every acknowledged index.
  std::thread StartLoad(int port, std::atomic<bool>& stop) {
    return std::thread([this, port, &stop] {
      LoadOptions options;
      options.port = port;
      options.clients = 8;
      options.seconds = 20;
      options.stop = &stop;
      options.make_summary = [this](uint64_t index) {
        return Journeys::WithNonce(base_, kNonceBase + index);
      };
      options.on_accepted = [this](uint64_t index) {
        std::lock_guard lock(mutex_);
        acknowledged_.insert(index);
      };
      result_ = DriveIngestLoad(options);
    });
  }

  // Every acknowledged summary is in the file, read through the store API.
  void ExpectAllAcknowledgedStored(const ServerDir& dir) {
    auto store = SqliteStore::Open(dir.store());
    ASSERT_TRUE(store.ok()) << store.message();
    size_t missing = 0;
    for (uint64_t index : acknowledged_) {
      auto seq = store.value()->StoredSeq("demo", kNonceBase + index);
      ASSERT_TRUE(seq.ok());
      if (!seq.value().has_value()) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << acknowledged_.size() << " acknowledged";
    auto count = store.value()->CountSessions();
    ASSERT_TRUE(count.ok());
    EXPECT_GE(count.value(), acknowledged_.size());
  }

  Journeys journeys_;
  std::vector<uint8_t> base_;
  std::mutex mutex_;
  std::set<uint64_t> acknowledged_;
  LoadResult result_;
};

TEST_F(CrashTest, KillNineUnderLoadLosesNoAcknowledgedSummary) {
  ServerDir dir;
  auto server = std::make_unique<ServerProcess>(dir, std::vector<std::string>{"--rate", "0"});
  ASSERT_TRUE(server->Start()) << server->LogText();
  std::atomic<bool> stop{false};
  std::thread load = StartLoad(server->port(), stop);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server->Signal(SIGKILL);
  EXPECT_EQ(server->Wait(5000), 128 + SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  load.join();
  ASSERT_GT(acknowledged_.size(), 100u) << "load too small to mean anything";

  // Restart on the same file: it opens (WAL recovery) and serves.
  ServerProcess restarted(dir, {"--rate", "0"});
  ASSERT_TRUE(restarted.Start()) << restarted.LogText();
  EXPECT_GE(restarted.Metric("microconv_sessions_stored"), double(acknowledged_.size()));
  ExpectAllAcknowledgedStored(dir);
}

TEST_F(CrashTest, SigtermDrainsInFlightWritesAndExitsZero) {
  ServerDir dir;
  ServerProcess server(dir, {"--rate", "0"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  std::atomic<bool> stop{false};
  std::thread load = StartLoad(server.port(), stop);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  server.Signal(SIGTERM);
  const auto exit_code = server.Wait(10000);
  stop = true;
  load.join();
  ASSERT_TRUE(exit_code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << server.LogText();
  EXPECT_NE(server.LogText().find("stopped"), std::string::npos);
  ASSERT_GT(acknowledged_.size(), 100u);
  ExpectAllAcknowledgedStored(dir);
}

}  // namespace
}  // namespace microconv::testing
