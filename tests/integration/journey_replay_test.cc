// Journey replays through the real collector and SQLite store (issue 13
// point 3): sampled summaries (built natively with ReplayTimeline) posted
// over HTTP, listed by outcome, read back decoded; a re-flush replaces, a
// prune removes, the k rule withholds, and only an owner's login reads them.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "command_run.h"
#include "core/calendar.h"
#include "core/json/config_json.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/store/replay_view.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

uint32_t Day(const char* date) {
  uint32_t day = 0;
  EXPECT_TRUE(ParseDay(date, day)) << date;
  return day;
}

// `journey`'s final summary as session `nonce` (seq `seq`) started on `day`,
// with the timeline when `sampled`.
std::vector<uint8_t> Session(const Journeys& journeys, const std::string& journey, uint32_t day,
                             uint64_t nonce, bool sampled, uint32_t seq = 1) {
  const system_clock::time_point start{std::chrono::hours(24 * int64_t{day} + 10)};
  auto bytes = Journeys::AtTime(Journeys::WithNonce(journeys.Summary(journey, nonce), nonce, seq),
                                start, std::chrono::seconds(90), true);
  // The core recorded a timeline of its own (the streams' draw samples every
  // session): the tests' fixed one replaces it, or none for an unsampled one.
  return Journeys::WithReplay(bytes, sampled ? Journeys::SampleTimeline() : std::vector<uint8_t>{});
}

void PostAll(const ServerProcess& server, const std::vector<std::vector<uint8_t>>& bodies) {
  for (const auto& body : bodies) {
    auto res = server.Post(body);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }
}

json List(const ServerProcess& server, const std::string& query) {
  auto res = server.Client().Get("/api/replays/demo?" + query);
  EXPECT_TRUE(res);
  if (!res || res->status != 200) return json{{"status", res ? res->status : -1}};
  return json::parse(res->body);
}

std::vector<std::string> Ids(const json& list) {
  std::vector<std::string> ids;
  for (const json& row : list.at("replays")) ids.push_back(row.at("id").get<std::string>());
  return ids;
}

// The status of GET /api/replays/demo?id=ID of session `nonce` (-1: no answer).
int ReplayStatus(const ServerProcess& server, uint64_t nonce) {
  auto res = server.Client().Get("/api/replays/demo?id=" + ReplayId(nonce));
  return res ? res->status : -1;
}

constexpr const char* kRange = "from=2023-11-10&to=2023-11-12";

// A collector of the demo site with k-anonymity `k` on a fresh store.
class JourneyReplayTest : public ::testing::Test {
 protected:
  // `config`: the site's config JSON (default: the journeys' own).
  void Serve(int k, const std::string& config = "") {
    ASSERT_TRUE(journeys_.ok());
    std::ofstream(dir_.sites() + "/demo.json")
        << (config.empty() ? journeys_.config_json() : config);
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--rate", "0", "--k", std::to_string(k)});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  ServerDir dir_;
  Journeys journeys_{/*replay_sample_rate=*/0.5};
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(JourneyReplayTest, ListsByOutcomeAndPlaysDecoded) {
  Serve(1);
  const Journeys& journeys = journeys_;
  const ServerProcess& server = *server_;
  const uint32_t day = Day("2023-11-11");
  PostAll(server, {Session(journeys, "purchase", day, 0x10, true),
                   Session(journeys, "dropoff_shipping", day, 0x20, true),
                   Session(journeys, "purchase", day, 0x30, false)});
  const json all = List(server, kRange);
  EXPECT_EQ(all.at("sampled"), 2);
  EXPECT_EQ(Ids(all), (std::vector<std::string>{ReplayId(0x10), ReplayId(0x20)}));
  EXPECT_EQ(all.at("replays")[0].at("date"), "2023-11-11");
  EXPECT_EQ(Ids(List(server, std::string(kRange) + "&outcome=converted")),
            std::vector<std::string>{ReplayId(0x10)});
  EXPECT_EQ(Ids(List(server, std::string(kRange) + "&outcome=dropped")),
            std::vector<std::string>{ReplayId(0x20)});
  // Paged: one at a time, the cursor continues.
  const json first = List(server, std::string(kRange) + "&limit=1");
  ASSERT_EQ(Ids(first).size(), 1u);
  ASSERT_TRUE(first.at("next").is_string());
  const json second =
      List(server, std::string(kRange) + "&limit=1&after=" + first.at("next").get<std::string>());
  EXPECT_EQ(Ids(second), std::vector<std::string>{ReplayId(0x20)});
  EXPECT_TRUE(second.at("next").is_null());
  EXPECT_EQ(List(server, std::string(kRange) + "&limit=101").at("status"), 400);

  auto played = server.Client().Get("/api/replays/demo?id=" + ReplayId(0x10));
  ASSERT_TRUE(played);
  ASSERT_EQ(played->status, 200) << played->body;
  const json replay = json::parse(played->body);
  EXPECT_EQ(replay.at("date"), "2023-11-11");
  EXPECT_FALSE(replay.contains("start_minute"));
  const json& entries = replay.at("entries");
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].at("kind"), "page");
  // Slot 0's page by its template's label, as the config names it.
  const auto base = journeys.Summary("purchase", 0x10);
  const uint16_t page = flatbuffers::GetRoot<wire::Summary>(base.data())->pages()->Get(0)->page();
  EXPECT_EQ(entries[0].at("page"), journeys.config().def().page_templates()->Get(page)->str());
  EXPECT_EQ(entries[1].at("kind"), "click");
  EXPECT_EQ(entries[1].at("row"), 3);
  EXPECT_EQ(entries[1].at("column"), 5);
  EXPECT_EQ(entries[1].at("t"), 12);
  EXPECT_EQ(entries[2].at("kind"), "rage_click");
  EXPECT_EQ(entries[3].at("percent"), 60);
  EXPECT_EQ(entries[4].at("kind"), "conversion");
  // The CLI reads the same store to the same JSON.
  const CommandRun cli = RunCommand(
      MICROCONV_BINARY,
      {"replays", "--store", "sqlite:" + dir_.store(), "--sites", dir_.sites(), "--site", "demo",
       "--from", "2023-11-10", "--to", "2023-11-12", "--outcome", "converted", "--k", "1"},
      dir_.path());
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(json::parse(cli.out), List(server, std::string(kRange) + "&outcome=converted"));
  // By id too, under the same k rule (the site's k of 5 withholds it).
  std::vector<std::string> by_id = {"replays", "--store",    "sqlite:" + dir_.store(),
                                    "--sites", dir_.sites(), "--site",
                                    "demo",    "--id",       ReplayId(0x10)};
  const CommandRun withheld = RunCommand(MICROCONV_BINARY, by_id, dir_.path());
  EXPECT_EQ(withheld.exit_code, 1);
  EXPECT_NE(withheld.err.find("withheld: fewer than 5 replays"), std::string::npos) << withheld.err;
  by_id.insert(by_id.end(), {"--k", "1"});
  const CommandRun one = RunCommand(MICROCONV_BINARY, by_id, dir_.path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(json::parse(one.out), replay);
  // A session without a replay has none to play.
  EXPECT_EQ(ReplayStatus(server, 0x30), 404);
}

TEST_F(JourneyReplayTest, ReflushReplacesAndPruneRemoves) {
  Serve(1);
  const Journeys& journeys = journeys_;
  const ServerProcess& server = *server_;
  const uint32_t old_day = Day("2023-11-10"), kept_day = Day("2023-11-12");
  PostAll(server, {Session(journeys, "dropoff_shipping", old_day, 0x41, true),
                   Session(journeys, "dropoff_shipping", kept_day, 0x42, true)});
  EXPECT_EQ(Ids(List(server, std::string(kRange) + "&outcome=converted")).size(), 0u);
  // The same session flushes again, now converted: its row follows.
  PostAll(server, {Session(journeys, "purchase", kept_day, 0x42, true, 2)});
  EXPECT_EQ(Ids(List(server, std::string(kRange) + "&outcome=converted")),
            std::vector<std::string>{ReplayId(0x42)});
  EXPECT_EQ(List(server, kRange).at("sampled"), 2);

  const CommandRun pruned = RunCommand(
      MICROCONV_BINARY, {"prune", "--store", "sqlite:" + dir_.store(), "--before", "2023-11-11"},
      dir_.path());
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  const json after = List(server, kRange);
  EXPECT_EQ(after.at("sampled"), 1);
  EXPECT_EQ(Ids(after), std::vector<std::string>{ReplayId(0x42)});
  EXPECT_EQ(ReplayStatus(server, 0x41), 404);
}

// The journeys' config counting days in `zone`, and its hash (summaries
// name the version they were written with).
std::pair<std::string, uint32_t> InZone(const Journeys& journeys, const std::string& zone) {
  std::string config = journeys.config_json();
  config.insert(config.find('{') + 1, "\n  \"time_zone\": \"" + zone + "\",");
  auto loaded = LoadConfigJson(config);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  return {config, loaded.ok() ? loaded.value().hash() : 0};
}

TEST_F(JourneyReplayTest, AZoneChangeMovesReplaysWithTheirSessions) {
  // Days worked out by hand: 2023-11-11 23:30 UTC is the 12th in Berlin
  // (UTC+1) and the 11th in Los Angeles (UTC-8); 12:00 UTC the 11th in both.
  const auto [berlin, berlin_hash] = InZone(journeys_, "Europe/Berlin");
  Serve(1, berlin);
  const uint32_t day = Day("2023-11-11");
  std::vector<std::vector<uint8_t>> bodies;
  for (const auto& [nonce, minutes] : {std::pair{0x51, 23 * 60 + 30}, std::pair{0x52, 12 * 60}}) {
    const system_clock::time_point start{std::chrono::hours(24 * int64_t{day}) +
                                         std::chrono::minutes(minutes)};
    const auto bytes = Journeys::WithReplay(
        Journeys::AtTime(Journeys::WithNonce(journeys_.Summary("purchase", nonce), nonce), start,
                         std::chrono::seconds(90), true),
        Journeys::SampleTimeline());
    wire::SummaryT object;
    flatbuffers::GetRoot<wire::Summary>(bytes.data())->UnPackTo(&object);
    object.config_hash = berlin_hash;
    bodies.push_back(EncodeSummary(object));
  }
  PostAll(*server_, bodies);
  auto dates = [&] {
    std::map<std::string, std::string> by_id;
    const json list = List(*server_, kRange);  // outlives the loop over its rows
    for (const json& row : list.at("replays")) {
      by_id[row.at("id").get<std::string>()] = row.at("date").get<std::string>();
    }
    return by_id;
  };
  EXPECT_EQ(dates(), (std::map<std::string, std::string>{{ReplayId(0x51), "2023-11-12"},
                                                         {ReplayId(0x52), "2023-11-11"}}));
  server_.reset();
  Serve(1, InZone(journeys_, "America/Los_Angeles").first);
  EXPECT_EQ(dates(), (std::map<std::string, std::string>{{ReplayId(0x51), "2023-11-11"},
                                                         {ReplayId(0x52), "2023-11-11"}}));
  // Listed by the new day, and played under it too.
  auto played = server_->Client().Get("/api/replays/demo?id=" + ReplayId(0x51));
  ASSERT_TRUE(played);
  ASSERT_EQ(played->status, 200) << played->body;
  EXPECT_EQ(json::parse(played->body).at("date"), "2023-11-11");
}

TEST_F(JourneyReplayTest, FewerThanKReplaysAreWithheld) {
  Serve(3);
  const Journeys& journeys = journeys_;
  const ServerProcess& server = *server_;
  const uint32_t day = Day("2023-11-11");
  PostAll(server, {Session(journeys, "purchase", day, 0x51, true),
                   Session(journeys, "purchase", day, 0x52, true)});
  const json withheld = List(server, kRange);
  EXPECT_EQ(withheld.at("withheld"), true);
  EXPECT_FALSE(withheld.contains("replays"));
  EXPECT_FALSE(withheld.contains("sampled"));
  // Nor does an id show what the list withholds.
  EXPECT_EQ(ReplayStatus(server, 0x51), 403);
  PostAll(server, {Session(journeys, "purchase", day, 0x53, true)});
  EXPECT_EQ(Ids(List(server, kRange)).size(), 3u);
  EXPECT_EQ(ReplayStatus(server, 0x51), 200);
}

TEST_F(JourneyReplayTest, OnlyAnOwnersLoginReadsReplays) {
  Serve(1);
  const ServerProcess& server = *server_;
  for (const std::string path : {"/api/replays/demo", "/api/replays/demo?id=0000000000000010"}) {
    auto res = server.Anonymous().Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
  }
  auto owner = server.Client().Get(std::string("/api/replays/demo?") + kRange);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->status, 200) << owner->body;
}

}  // namespace
}  // namespace microconv::testing
