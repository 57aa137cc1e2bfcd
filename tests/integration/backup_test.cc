// `microconv backup` while a real collector ingests (issue 10 point 4): the
// copy holds every session acknowledged before the backup started, passes
// integrity_check, carries the accounts, and ingest is not held up.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "command_run.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/store/accounts.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

TEST(BackupTest, CopyTakenDuringIngestHasEveryAcknowledgedSession) {
  ServerDir dir;
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  ServerProcess server(dir, {"--rate", "0"});
  ASSERT_TRUE(server.Start()) << server.LogText();

  const std::vector<uint8_t> base = journeys.Summary("purchase", 1);
  std::mutex mutex;
  std::vector<uint64_t> acknowledged;
  std::vector<double> latencies_ms;  // of posts sent while the backup ran
  std::atomic<bool> backup_running{false}, stop{false};
  std::atomic<int> refused{0};
  // A steady ingest: one client posting new sessions back to back.
  std::thread ingest([&] {
    for (uint64_t nonce = 0x0bac0000; !stop; ++nonce) {
      const bool during = backup_running;
      const auto start = Clock::now();
      auto res = server.Post(Journeys::WithNonce(base, nonce));
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::lock_guard lock(mutex);
      if (!res || res->status != 202) {
        ++refused;
        continue;
      }
      acknowledged.push_back(nonce);
      if (during) latencies_ms.push_back(ms);
    }
  });
  auto count = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (count() < 300 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<uint64_t> before;
  {
    std::lock_guard lock(mutex);
    before = acknowledged;
  }
  ASSERT_GE(before.size(), 300u);

  const std::string copy = dir.path() + "/backup/copy.sqlite";
  std::filesystem::create_directories(dir.path() + "/backup");
  backup_running = true;
  // Small steps: the collector commits between them, so the restart path runs.
  const CommandRun run =
      RunCommand(MICROCONV_BINARY,
                 {"backup", "--store", "sqlite:" + dir.store(), "--out", copy, "--step-pages", "2"},
                 dir.path());
  backup_running = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // ingest goes on after
  stop = true;
  ingest.join();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::printf("%s", run.out.c_str());
  EXPECT_NE(run.out.find("integrity ok"), std::string::npos) << run.out;
  EXPECT_EQ(refused, 0) << "ingest was refused during the backup";
  {
    std::lock_guard lock(mutex);
    std::sort(latencies_ms.begin(), latencies_ms.end());
    if (!latencies_ms.empty()) {
      const double p99 = latencies_ms[latencies_ms.size() * 99 / 100];
      std::printf("ingest during the backup: %zu posts acknowledged, p99 %.1f ms, max %.1f ms\n",
                  latencies_ms.size(), p99, latencies_ms.back());
      // The backup holds only a WAL read snapshot: the writer never waits on it.
      EXPECT_LT(p99, 1000.0);
    }
  }

  // One self-contained file that passes SQLite's full check.
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
  EXPECT_EQ(IntegrityCheck(copy), "ok");
  EXPECT_EQ(IntegrityCheck(AccountsFile(copy)), "ok");
  {
    auto stored = SqliteStore::Open(copy);
    ASSERT_TRUE(stored.ok()) << stored.message();
    size_t missing = 0;
    for (const uint64_t nonce : before) {
      auto seq = stored.value()->StoredSeq("demo", nonce);
      if (!seq.ok() || !seq.value().has_value()) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << before.size() << " acknowledged before the backup";
  }
  // The report of the copy counts them (k 1: nothing suppressed).
  const CommandRun report =
      RunCommand(MICROCONV_BINARY,
                 {"report", "--store", "sqlite:" + copy, "--sites", dir.sites(), "--site", "demo",
                  "--from", "2023-11-01", "--to", "2023-11-30", "--format", "json", "--k", "1"},
                 dir.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const uint64_t sessions =
      nlohmann::json::parse(report.out).at("engagement").at("sessions").get<uint64_t>();
  EXPECT_GE(sessions, before.size());
  // The accounts came along: the owner can log in to a restored collector.
  auto accounts = AccountStore::Open("sqlite:" + copy);
  ASSERT_TRUE(accounts.ok());
  auto ok = accounts.value()->CheckPassword("owner", "integration-password");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.value());
}

TEST(BackupTest, RefusesAMissingStoreAndCreatesNothing) {
  TempDir dir;
  const CommandRun run = RunCommand(MICROCONV_BINARY,
                                    {"backup", "--store", "sqlite:" + dir.path() + "/nope.sqlite",
                                     "--out", dir.path() + "/copy.sqlite"},
                                    dir.path());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/nope.sqlite"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/copy.sqlite"));
}

}  // namespace
}  // namespace microconv::testing
