// Retention and deletion against a real SQLite store written by a real
// collector (issue 10 point 4): `microconv prune`, `serve --retention-days`
// and `microconv site delete`. Reports after a prune must not count the
// pruned days.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "command_run.h"
#include "core/calendar.h"
#include "core/json/config_json.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/base/wall_clock.h"
#include "tools/store/accounts.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr int64_t kDayMs = 86'400'000;

uint32_t Day(const char* date) {
  uint32_t day = 0;
  EXPECT_TRUE(ParseDay(date, day)) << date;
  return day;
}

// `count` purchase sessions that started at 10:00 UTC on `day`.
void PostOnDay(const ServerProcess& server, const Journeys& journeys, uint32_t day, int count,
               uint64_t first_nonce) {
  const std::vector<uint8_t> base = journeys.Summary("purchase", first_nonce);
  const system_clock::time_point start{std::chrono::hours(24 * int64_t{day} + 10)};
  for (int i = 0; i < count; ++i) {
    auto body = Journeys::AtTime(Journeys::WithNonce(base, first_nonce + i), start,
                                 std::chrono::seconds(90), true);
    auto res = server.Post(body);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }
}

// The sessions of a report run with k = 1, where only an empty range is
// suppressed (fewer than 1 session).
uint64_t SessionsOf(const json& report) {
  EXPECT_EQ(report.at("k_anonymity").get<int>(), 1);
  const json& engagement = report.at("engagement");
  if (engagement.contains("suppressed")) return 0;
  return engagement.at("sessions").get<uint64_t>();
}

// The API's session count for [first, last] (the servers run with --k 1).
uint64_t ApiSessions(const ServerProcess& server, uint32_t first, uint32_t last) {
  auto res =
      server.Client().Get("/api/report/demo?from=" + DateOfDay(first) + "&to=" + DateOfDay(last));
  EXPECT_TRUE(res);
  if (!res || res->status != 200) return ~uint64_t{0};
  return SessionsOf(json::parse(res->body));
}

std::vector<std::string> Cli(const ServerDir& dir, std::vector<std::string> args) {
  args.insert(args.begin() + 1, {"--store", "sqlite:" + dir.store()});
  const CommandRun run = RunCommand(MICROCONV_BINARY, args, dir.path());
  return {std::to_string(run.exit_code), run.out, run.err};
}

TEST(RetentionTest, PruneDeletesWholeDaysBesideARunningCollector) {
  ServerDir dir;
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  ServerProcess server(dir, {"--rate", "0", "--k", "1"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  const uint32_t old_day = Day("2023-11-10"), kept_day = Day("2023-11-12");
  PostOnDay(server, journeys, old_day, 6, 0x01d00000);
  PostOnDay(server, journeys, kept_day, 4, 0x0e000000);
  // The days' aggregates are kept at commit as deltas (a base row is written
  // once 32 deltas are folded); deltas are not counted as day aggregates.
  ASSERT_EQ(ApiSessions(server, old_day, kept_day), 10u);

  // A config version retired long ago that no session was written with,
  // recorded the way the collector records versions.
  json edited = json::parse(ReadFileText(dir.sites() + "/demo.json"));
  edited["funnels"][0]["label"] = "An old label";
  auto old_config = LoadConfigJson(edited.dump());
  ASSERT_TRUE(old_config.ok()) << old_config.message();
  {
    auto store = SqliteStore::Open(dir.store());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store.value()->RecordCurrentConfig(old_config.value(), old_day * kDayMs).ok());
    ASSERT_TRUE(store.value()->RecordCurrentConfig(journeys.config(), old_day * kDayMs + 1).ok());
    ASSERT_EQ(store.value()->ConfigVersions("demo").value().size(), 2u);
  }

  const auto pruned = Cli(dir, {"prune", "--before", "2023-11-11"});
  ASSERT_EQ(pruned[0], "0") << pruned[2];
  EXPECT_EQ(pruned[1],
            "deleted 1 day (6 sessions, 0 day aggregates, 0 damage rows, 1 config version) "
            "before 2023-11-11\n");
  // The running collector's reports no longer count the pruned day.
  EXPECT_EQ(ApiSessions(server, old_day, kept_day), 4u);
  EXPECT_EQ(ApiSessions(server, old_day, old_day), 0u);
  auto store = SqliteStore::Open(dir.store());
  ASSERT_TRUE(store.ok());
  int old_rows = 0;
  ASSERT_TRUE(store.value()
                  ->ForEachSession("demo", 0, kept_day - 1,
                                   [&](const StoredSummary&) { return ++old_rows > 0; })
                  .ok());
  EXPECT_EQ(old_rows, 0);
  // The current version stays (the kept day is read through it).
  auto versions = store.value()->ConfigVersions("demo");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions.value().size(), 1u);
  EXPECT_EQ(versions.value()[0].hash, journeys.config().hash());
  // Pruning again deletes nothing; ingest still works.
  const auto again = Cli(dir, {"prune", "--before", "2023-11-11"});
  EXPECT_EQ(again[1].rfind("deleted 0 days (0 sessions", 0), 0u) << again[1];
  PostOnDay(server, journeys, kept_day, 1, 0x0e100000);
  EXPECT_EQ(ApiSessions(server, old_day, kept_day), 5u);
}

TEST(RetentionTest, PruneNeedsExactlyOneCutoff) {
  ServerDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"prune"}, "give --older-than-days or --before"},
      {{"prune", "--older-than-days", "3", "--before", "2023-11-11"},
       "give --older-than-days or --before"},
      {{"prune", "--older-than-days", "0"}, "--older-than-days"},
      {{"prune", "--before", "2023-02-30"}, "--before: expected YYYY-MM-DD"},
  };
  for (const auto& [args, message] : cases) {
    const auto run = Cli(dir, args);
    EXPECT_EQ(run[0], "2") << args.back();
    EXPECT_EQ(run[2].rfind("microconv prune: ", 0), 0u) << run[2];
    EXPECT_NE(run[2].find(message), std::string::npos) << run[2];
  }
}

TEST(RetentionTest, ServeRetentionDaysPrunesAtStart) {
  ServerDir dir;
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  const uint32_t today = Today();
  {
    ServerProcess server(dir, {"--rate", "0"});
    ASSERT_TRUE(server.Start()) << server.LogText();
    PostOnDay(server, journeys, today - 5, 3, 0x05000000);
    PostOnDay(server, journeys, today - 1, 2, 0x01000000);
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(10000), 0);
  }
  // --retention-days 3 keeps today and the 2 days before: today - 5 goes.
  ServerProcess server(dir, {"--rate", "0", "--k", "1", "--retention-days", "3"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  const std::string expected = "retention: deleted 1 day (3 sessions";
  for (int i = 0; i < 100 && server.LogText().find(expected) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(server.LogText().find(expected +
                                  ", 0 day aggregates, 0 damage rows, 0 config "
                                  "versions) before " +
                                  DateOfDay(today - 2)),
            std::string::npos)
      << server.LogText();
  EXPECT_EQ(ApiSessions(server, today - 6, today), 2u);
}

TEST(RetentionTest, SiteDeleteRemovesTheSiteAndItsAccessOnly) {
  ServerDir dir;
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  {
    ServerProcess server(dir, {"--rate", "0"});
    ASSERT_TRUE(server.Start()) << server.LogText();
    PostOnDay(server, journeys, Day("2023-11-12"), 5, 0x5e000000);
  }
  {
    auto store = SqliteStore::Open(dir.store());
    ASSERT_TRUE(store.ok());
    // Another site's row: the store keeps bytes as given.
    StoredSummary other{"other", 42, 1, Day("2023-11-12"), 7, NowMs(), {1, 2, 3}};
    ASSERT_TRUE(store.value()->Put({&other, 1}).ok());
  }
  auto accounts = AccountStore::Open("sqlite:" + dir.store());
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE(accounts.value()->CreateToken("ci", "demo", TokenScope::kRead).ok());
  ASSERT_TRUE(accounts.value()->CreateToken("ci", "other", TokenScope::kRead).ok());
  ASSERT_TRUE(accounts.value()->CreateToken("scraper", "", TokenScope::kAdmin).ok());
  auto link = accounts.value()->CreateShare("demo", "");
  ASSERT_TRUE(link.ok());
  ASSERT_TRUE(accounts.value()->CreateShare("other", "").ok());
  auto share = accounts.value()->FindShare(link.value());
  ASSERT_TRUE(share.ok() && share.value().has_value());
  auto opened = accounts.value()->StartSession("", share.value()->id, NowMs(), SessionLimits{});
  ASSERT_TRUE(opened.ok());

  // Without --yes nothing happens.
  const auto refused = Cli(dir, {"site", "delete", "--site", "demo"});
  EXPECT_EQ(refused[0], "2");
  {
    auto store = SqliteStore::Open(dir.store());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(store.value()->CountSessions().value(), 6u);
  }
  const auto deleted = Cli(dir, {"site", "delete", "--site", "demo", "--yes"});
  ASSERT_EQ(deleted[0], "0") << deleted[2];
  EXPECT_EQ(deleted[1],
            "deleted site demo: 1 day (5 sessions, 0 day aggregates, 0 damage rows, 1 config "
            "version); 1 API tokens, 1 shared links, 1 logins\n");
  auto store = SqliteStore::Open(dir.store());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store.value()->CountSessions().value(), 1u);
  EXPECT_TRUE(store.value()->StoredSeq("other", 42).value().has_value());
  EXPECT_TRUE(store.value()->ConfigVersions("demo").value().empty());
  auto tokens = accounts.value()->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens.value().size(), 2u);
  for (const ApiToken& token : tokens.value()) EXPECT_NE(token.site, "demo");
  auto shares = accounts.value()->Shares();
  ASSERT_TRUE(shares.ok());
  ASSERT_EQ(shares.value().size(), 1u);
  EXPECT_EQ(shares.value()[0].site, "other");
  auto session = accounts.value()->FindSession(opened.value().secret, NowMs(), SessionLimits{});
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(session.value().has_value());
  // The report of the site finds nothing.
  const CommandRun report = RunCommand(
      MICROCONV_BINARY,
      {"report", "--store", "sqlite:" + dir.store(), "--sites", dir.sites(), "--site", "demo",
       "--from", "2023-11-12", "--to", "2023-11-12", "--format", "json", "--k", "1"},
      dir.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(SessionsOf(json::parse(report.out)), 0u);
}

}  // namespace
}  // namespace microconv::testing
