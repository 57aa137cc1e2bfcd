// The ClickHouse store against the real thing (issue 12 point 4): two
// clickhouse-server processes on 127.0.0.1 (two shards of one cluster) and
// two `microconv serve` collectors on them, one per shard node.
//  - The same traffic through both collectors gives the report the SQLite
//    store gives (byte-equal JSON but for "history", whose times are when
//    each store first saw the config), before and after a cached day
//    changes.
//  - kill -9 of a collector under load loses no acknowledged summary.
//  - A stopped shard: collectors answer 503 with Retry-After, nothing
//    acknowledged is lost, and the refused summaries are taken once the
//    shard is back.
//  - Day deltas written at commit time answer the reports after new
//    traffic (two collectors, re-flushes through both) without rebuilding a
//    day, equal to the SQLite store's; a day whose delta is missing (a
//    crash between the two INSERTs) and the race of two collectors
//    replacing one version at once (also when the first one's delta was
//    compacted before the second came) are rebuilt, still exact; a store
//    of the previous release gets its deltas' claims copied into
//    day_claims and keeps merging them.
//  - `microconv prune` and `site delete` on the ClickHouse store: rows,
//    day marks and cached day aggregates gone from both shards, the rest
//    and its report kept.
//  - Journey replays: lists (order, pages, cursor, `more`, `sampled`, every
//    outcome and funnel filter), sessions and rendered replays equal the
//    SQLite store's on the same rows through re-flushes, a prune and a site
//    deletion; a zone move keeps them; the API lists and plays them; a
//    store created before the replay columns gets them.
// Skipped, loudly, only when clickhouse-server is not installed.
#include "tools/store/clickhouse_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "core/element_heatmap.h"
#include "core/json/config_json.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/integration/command_run.h"
#include "tests/integration/journeys.h"
#include "tests/integration/server_process.h"
#include "tools/base/zoneinfo.h"
#include "tools/load/clickhouse_cluster.h"
#include "tools/load/ingest_load.h"
#include "tools/load/serve_process.h"
#include "tools/store/replay_view.h"
#include "tools/store/report_runner.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

constexpr const char* kRange = "from=2023-11-14&to=2023-11-15";
constexpr uint32_t kFirstDay = 19675;  // 2023-11-14
constexpr uint32_t kLastDay = 19676;
const char* const kJourneys[] = {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"};

class ClickHouseStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ClickHouseServerBinary().empty()) return;
    char pattern[] = "/tmp/microconv-clickhouse-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = new std::string(pattern);
    cluster_ = new ClickHouseCluster(*dir_, 2);
    Status started = cluster_->Start();
    ASSERT_TRUE(started.ok()) << started.message;
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (ClickHouseServerBinary().empty()) {
      GTEST_SKIP() << "SKIPPED: clickhouse-server is not installed, so the ClickHouse store was "
                      "NOT tested; tools/setup.sh installs it (apt-get install "
                      "clickhouse-server clickhouse-client)";
    }
    ASSERT_NE(cluster_, nullptr);
    ASSERT_TRUE(journeys_.ok());
  }

  // A collector on `shard`'s node, database `db`, accounts (the owner's
  // login) in the ServerDir's SQLite file.
  std::unique_ptr<ServeProcess> Collector(int shard, const std::string& db) {
    ServeOptions options;
    options.binary = MICROCONV_BINARY;
    options.store = cluster_->StoreUrl(shard, db);
    options.sites = sqlite_dir_.sites();
    options.log = sqlite_dir_.path() + "/collector-" + std::to_string(shard) + ".log";
    options.extra = {"--accounts",      "sqlite:" + sqlite_dir_.store(),  "--k", "1", "--rate", "0",
                     "--history-hours", std::to_string(kTestHistoryHours)};
    auto collector = std::make_unique<ServeProcess>(options);
    Status started = collector->Start();
    EXPECT_TRUE(started.ok()) << started.message << "\n" << Log(shard);
    return collector;
  }

  std::string Log(int shard) const {
    std::ifstream in(sqlite_dir_.path() + "/collector-" + std::to_string(shard) + ".log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static httplib::Result Post(int port, const std::vector<uint8_t>& body) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    return client.Post("/api/collect", reinterpret_cast<const char*>(body.data()), body.size(),
                       "text/plain");
  }

  std::string Report(int port) const {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    client.set_default_headers({{"Cookie", sqlite_dir_.owner_cookie()}});
    auto res = client.Get(std::string("/api/report/demo?") + kRange);
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }

  static std::string WithoutHistory(std::string body) {
    const size_t at = body.find(",\n  \"history\": ");
    EXPECT_NE(at, std::string::npos) << "no history in the report";
    if (at != std::string::npos) body.replace(at, body.rfind('}') - at, "\n");
    return body;
  }

  // The sessions stored in `db`, read back through the store API.
  std::set<uint64_t> StoredNonces(const std::string& db) {
    auto store = ClickHouseStore::Open(cluster_->StoreUrl(0, db).substr(13));
    EXPECT_TRUE(store.ok()) << store.message();
    std::set<uint64_t> nonces;
    if (!store.ok()) return nonces;
    Status read =
        store.value()->ForEachSession("demo", kFirstDay, kLastDay, [&](const StoredSummary& s) {
          nonces.insert(s.nonce);
          return true;
        });
    EXPECT_TRUE(read.ok()) << read.message;
    return nonces;
  }

  static std::string* dir_;
  static ClickHouseCluster* cluster_;
  Journeys journeys_;
  ServerDir sqlite_dir_;  // the SQLite collector's store, sites and the accounts
};

std::string* ClickHouseStoreTest::dir_ = nullptr;
ClickHouseCluster* ClickHouseStoreTest::cluster_ = nullptr;

TEST_F(ClickHouseStoreTest, ReportThroughTwoCollectorsEqualsSqliteStore) {
  ServerProcess sqlite(sqlite_dir_, {"--k", "1", "--rate", "0"});
  ASSERT_TRUE(sqlite.Start()) << sqlite.LogText();
  auto a = Collector(0, "report_equal");
  auto b = Collector(1, "report_equal");
  ASSERT_GT(a->port(), 0);
  ASSERT_GT(b->port(), 0);

  // Sessions of every golden journey, flushed up to three times; the
  // flushes of one session alternate between the collectors, one is sent
  // to both (a tracker retry after a lost answer) and one arrives late
  // (an older seq after a newer one).
  std::mt19937_64 rng(12);
  auto send = [&](int sessions) {
    for (int i = 0; i < sessions; ++i) {
      const uint64_t nonce = rng() | 1;
      const auto flushes = journeys_.Flushes(kJourneys[i % 4], nonce, 1 + i % 3);
      for (size_t f = 0; f < flushes.size(); ++f) {
        const int port = (i + f) % 2 == 0 ? a->port() : b->port();
        auto sent = Post(port, flushes[f]);
        ASSERT_TRUE(sent);
        ASSERT_EQ(sent->status, 202) << sent->body;
        ASSERT_EQ(sqlite.Post(flushes[f])->status, 202);
      }
      if (i % 5 == 0) {
        ASSERT_EQ(Post(b->port(), flushes.back())->status, 202);  // the same seq again
        ASSERT_EQ(sqlite.Post(flushes.back())->status, 202);
      }
      if (flushes.size() > 1 && i % 7 == 0) {
        ASSERT_EQ(Post(a->port(), flushes.front())->status, 202);  // late, older seq
        ASSERT_EQ(sqlite.Post(flushes.front())->status, 202);
      }
    }
  };
  send(120);
  const std::string expected = WithoutHistory(Report(sqlite.port()));
  ASSERT_NE(expected.find("\"sessions\": 120"), std::string::npos) << expected.substr(0, 600);
  EXPECT_EQ(WithoutHistory(Report(a->port())), expected);
  EXPECT_EQ(WithoutHistory(Report(b->port())), expected);  // cached day aggregates now

  // New sessions on the cached days: the cache must not answer for them.
  send(40);
  const std::string grown = WithoutHistory(Report(sqlite.port()));
  ASSERT_NE(grown, expected);
  EXPECT_EQ(WithoutHistory(Report(b->port())), grown);
  EXPECT_EQ(WithoutHistory(Report(a->port())), grown);
}

TEST_F(ClickHouseStoreTest, KillNineOfACollectorUnderLoadLosesNoAcknowledgedSummary) {
  auto a = Collector(0, "crash");
  auto b = Collector(1, "crash");
  const std::vector<uint8_t> base = journeys_.Summary("purchase", 1);
  constexpr uint64_t kNonceBase = 0x7e57000000000000ull;
  constexpr size_t kEnoughAcknowledged = 200;
  std::mutex mutex;
  std::set<uint64_t> acknowledged;
  std::atomic<bool> stop{false};
  auto load = [&](int port, uint64_t first) {
    LoadOptions options;
    options.port = port;
    options.clients = 8;
    options.seconds = 60;
    options.stop = &stop;
    options.make_summary = [&, first](uint64_t index) {
      return Journeys::WithNonce(base, kNonceBase + first + index);
    };
    options.on_accepted = [&, first](uint64_t index) {
      std::lock_guard lock(mutex);
      acknowledged.insert(kNonceBase + first + index);
    };
    return DriveIngestLoad(options);
  };
  std::thread to_a([&] { load(a->port(), 0); });
  std::thread to_b([&] { load(b->port(), uint64_t{1} << 32); });
  // Under load means acknowledged traffic on both before the kill; on a
  // busy shared machine a ClickHouse insert takes up to ~0.5 s, so wait for
  // it rather than for a fixed time.
  auto acked = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acked() < kEnoughAcknowledged && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  a->Signal(SIGKILL);
  EXPECT_EQ(a->Wait(5000), 128 + SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  to_a.join();
  to_b.join();
  ASSERT_GE(acknowledged.size(), kEnoughAcknowledged) << "load too small to mean anything";
  const std::set<uint64_t> stored = StoredNonces("crash");
  size_t missing = 0;
  for (uint64_t nonce : acknowledged) missing += stored.count(nonce) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
}

TEST_F(ClickHouseStoreTest, StoppedShardMeans503AndNothingAcknowledgedIsLost) {
  auto a = Collector(0, "outage");
  auto b = Collector(1, "outage");
  const std::vector<uint8_t> base = journeys_.Summary("dropoff_product", 1);
  std::set<uint64_t> acknowledged, refused;
  std::mt19937_64 rng(5);
  std::vector<uint64_t> nonces;
  for (int i = 0; i < 60; ++i) nonces.push_back(rng() | 1);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Post(i % 2 ? b->port() : a->port(), Journeys::WithNonce(base, nonces[i]))->status,
              202);
    acknowledged.insert(nonces[i]);
  }

  cluster_->Stop(1, /*hard=*/true);
  bool retry_after = true;
  for (int i = 20; i < 60; ++i) {
    // Collector b's own node is down; collector a can still write the rows
    // shard 1 owns.
    auto res = Post(i % 4 == 0 ? b->port() : a->port(), Journeys::WithNonce(base, nonces[i]));
    ASSERT_TRUE(res);
    if (res->status == 202) {
      acknowledged.insert(nonces[i]);
      continue;
    }
    EXPECT_EQ(res->status, 503) << res->body;
    retry_after = retry_after && res->has_header("Retry-After");
    refused.insert(nonces[i]);
  }
  EXPECT_TRUE(retry_after) << "a 503 without Retry-After";
  EXPECT_GE(refused.size(), 10u) << "the stopped shard refused too little to mean anything";
  ASSERT_TRUE(cluster_->Restart(1).ok());

  std::set<uint64_t> stored = StoredNonces("outage");
  for (uint64_t nonce : acknowledged) EXPECT_EQ(stored.count(nonce), 1u) << nonce;
  // The tracker keeps what was refused and sends it again: taken now.
  for (uint64_t nonce : refused) {
    auto res = Post(b->port(), Journeys::WithNonce(base, nonce));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202) << res->body;
  }
  stored = StoredNonces("outage");
  EXPECT_EQ(stored.size(), nonces.size());
}

TEST_F(ClickHouseStoreTest, PruneAndSiteDeleteReachEveryShard) {
  const std::string url = cluster_->StoreUrl(0, "retention");
  auto opened = ClickHouseStore::Open(url.substr(13));
  ASSERT_TRUE(opened.ok()) << opened.message();
  SummaryStore& store = *opened.value();
  const Config& config = journeys_.config();
  ASSERT_TRUE(store.RecordCurrentConfig(config, 1).ok());
  // Ten sessions per (site, day) on: a day of a partition wholly before the
  // cutoff (dropped whole), the day before the cutoff (its partition holds
  // kept days: deleted by a mutation), and the two kept days. Nonces are
  // random, so both shards hold rows of every day.
  const uint32_t kOldDay = 19000;
  const uint32_t days[] = {kOldDay, kFirstDay - 1, kFirstDay, kLastDay};
  const std::vector<uint8_t> base = journeys_.Summary("purchase", 1);
  std::vector<StoredSummary> batch;
  std::mt19937_64 rng(9);
  for (const char* site : {"demo", "other"}) {
    for (uint32_t day : days) {
      for (int i = 0; i < 10; ++i) {
        StoredSummary s{site, rng() | 1, 1, day, config.hash(), 1, {}};
        s.bytes = Journeys::WithNonce(base, s.nonce);
        batch.push_back(std::move(s));
      }
    }
  }
  ASSERT_TRUE(store.Put(batch).ok());
  auto visited_days = [&] {
    std::vector<uint32_t> visited;
    auto read =
        store.ForEachDayAggregate(config, 0, kLastDay, [&](uint32_t day, const Aggregate& a) {
          EXPECT_EQ(a.sessions(), 10u) << day;
          visited.push_back(day);
        });
    EXPECT_TRUE(read.ok()) << read.message();
    return visited;
  };
  // Cached day aggregates of demo's four days now exist.
  ASSERT_EQ(visited_days(), std::vector<uint32_t>(std::begin(days), std::end(days)));
  auto sessions = [&](const std::string& site, uint32_t first, uint32_t last) {
    size_t n = 0;
    Status read = store.ForEachSession(site, first, last, [&](const StoredSummary&) {
      ++n;
      return true;
    });
    EXPECT_TRUE(read.ok()) << read.message;
    return n;
  };

  TempDir scratch;
  CommandRun prune = RunCommand(
      MICROCONV_BINARY, {"prune", "--store", url, "--before", "2023-11-14"}, scratch.path());
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_NE(prune.out.find("deleted 4 days (40 sessions, 2 day aggregates, 0 damage rows, 0 "
                           "config versions) before 2023-11-14"),
            std::string::npos)
      << prune.out;
  for (const char* site : {"demo", "other"}) {
    EXPECT_EQ(sessions(site, 0, kFirstDay - 1), 0u) << site;
    EXPECT_EQ(sessions(site, kFirstDay, kLastDay), 20u) << site;
  }
  EXPECT_EQ(visited_days(), (std::vector<uint32_t>{kFirstDay, kLastDay}));

  CommandRun remove = RunCommand(MICROCONV_BINARY,
                                 {"site", "delete", "--store", url, "--site", "other", "--yes",
                                  "--accounts", "sqlite:" + sqlite_dir_.store()},
                                 scratch.path());
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_NE(remove.out.find("deleted site other: 2 days (20 sessions, 0 day aggregates"),
            std::string::npos)
      << remove.out;
  EXPECT_EQ(sessions("other", 0, kLastDay), 0u);
  EXPECT_EQ(sessions("demo", 0, kLastDay), 20u);
  EXPECT_EQ(visited_days(), (std::vector<uint32_t>{kFirstDay, kLastDay}));
}

}  // namespace
}  // namespace microconv::testing

namespace microconv::testing {
namespace {

// The demo config with its days in `zone`, its rules attached as the
// collector attaches them.
Config DemoInZone(const std::string& zone) {
  std::ifstream in(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
  std::string demo((std::istreambuf_iterator<char>(in)), {});
  demo.insert(demo.find('{') + 1, "\n  \"time_zone\": \"" + zone + "\",");
  auto config = LoadConfigJson(demo);
  EXPECT_TRUE(config.ok()) << config.message();
  if (!config.ok()) return {};
  EXPECT_TRUE(AttachTimeZone(config.value()).ok());
  return std::move(config).value();
}

TEST_F(ClickHouseStoreTest, ATimeZoneChangeMovesSessionsToTheNewZonesDays) {
  const std::string url = cluster_->StoreUrl(0, "zones");
  auto opened = ClickHouseStore::Open(url.substr(13));
  ASSERT_TRUE(opened.ok()) << opened.message();
  SummaryStore& store = *opened.value();
  const Config berlin = DemoInZone("Europe/Berlin");
  const Config los_angeles = DemoInZone("America/Los_Angeles");
  ASSERT_TRUE(store.RecordCurrentConfig(berlin, 1).ok());
  // Starts (minutes) and their days worked out by hand: 2023-11-14 12:00
  // UTC (Berlin 14th, LA 14th), 23:30 UTC (Berlin 15th, LA 14th), 15th
  // 23:00 UTC (Berlin 16th, LA 15th). Nonces are random: both shards.
  const uint32_t kMinute14 = kFirstDay * 1440;
  const std::vector<std::pair<uint32_t, uint32_t>> starts = {
      {kMinute14 + 12 * 60, kFirstDay},
      {kMinute14 + 23 * 60 + 30, kFirstDay + 1},
      {kMinute14 + 1440 + 23 * 60, kFirstDay + 2}};
  std::mt19937_64 random(1414);
  std::vector<StoredSummary> batch;
  for (const auto& [start, berlin_day] : starts) {
    for (int i = 0; i < 4; ++i) {
      wire::SummaryT object;
      const auto bytes = journeys_.Summary("purchase", random());
      flatbuffers::GetRoot<wire::Summary>(bytes.data())->UnPackTo(&object);
      object.config_hash = berlin.hash();
      object.start_minute = start;
      StoredSummary row;
      row.site = "demo";
      row.nonce = object.nonce;
      row.seq = 1;
      row.day = berlin_day;
      row.config_hash = berlin.hash();
      row.bytes = EncodeSummary(object);
      // One replay per start: it moves with its session.
      if (i == 0) row.replay = ReplayFacts{kReplayDropped, {{0, 2}}, 0};
      batch.push_back(std::move(row));
    }
  }
  ASSERT_TRUE(store.Put(batch).ok());
  auto days_of = [&](const Config& config) {
    std::map<uint32_t, uint64_t> days;
    auto read = store.ForEachDayAggregate(
        config, kFirstDay, kFirstDay + 2,
        [&](uint32_t day, const Aggregate& aggregate) { days[day] = aggregate.sessions(); });
    EXPECT_TRUE(read.ok()) << read.message();
    return days;
  };
  EXPECT_EQ(days_of(berlin),
            (std::map<uint32_t, uint64_t>{{kFirstDay, 4}, {kFirstDay + 1, 4}, {kFirstDay + 2, 4}}));
  auto replay_days = [&] {
    auto page = store.ListReplays("demo", kFirstDay, kFirstDay + 2, {0, 0, 2}, std::nullopt, 10);
    EXPECT_TRUE(page.ok()) << page.message();
    std::vector<uint32_t> days;
    if (page.ok()) {
      EXPECT_EQ(page.value().sampled, 3u);
      for (const ReplayRow& row : page.value().rows) days.push_back(row.day);
    }
    return days;
  };
  EXPECT_EQ(replay_days(), (std::vector<uint32_t>{kFirstDay, kFirstDay + 1, kFirstDay + 2}));
  ASSERT_TRUE(store.RecordCurrentConfig(los_angeles, 2).ok());
  EXPECT_EQ(replay_days(), (std::vector<uint32_t>{kFirstDay, kFirstDay, kFirstDay + 1}));
  EXPECT_EQ(days_of(los_angeles),
            (std::map<uint32_t, uint64_t>{{kFirstDay, 8}, {kFirstDay + 1, 4}}));
  // The sessions themselves are at their new days (filtered reports read them).
  uint64_t on_15th = 0;
  ASSERT_TRUE(store
                  .ForEachSession("demo", kFirstDay + 1, kFirstDay + 1,
                                  [&](const StoredSummary&) { return ++on_15th > 0; })
                  .ok());
  EXPECT_EQ(on_15th, 4u);
}

}  // namespace
}  // namespace microconv::testing

namespace microconv::testing {
namespace {

// Day deltas (issue 12, "blobs at commit time"): two store objects are two
// collectors, one on each shard's node, next to the SQLite store fed the
// same rows. In-process, so the test can count the days each one's reports
// rebuilt from their sessions and stage the crash and the race exactly.
class DayDeltasTest : public ClickHouseStoreTest {
 protected:
  void Open(const std::string& db) {
    for (int shard : {0, 1}) {
      auto opened = ClickHouseStore::Open(cluster_->StoreUrl(shard, db).substr(13));
      ASSERT_TRUE(opened.ok()) << opened.message();
      ASSERT_TRUE(opened.value()->RecordCurrentConfig(config(), 1).ok());
      collectors_[shard] = std::move(opened).value();
    }
    auto sqlite = SqliteStore::Open(sqlite_dir_.path() + "/" + db + ".db");
    ASSERT_TRUE(sqlite.ok()) << sqlite.message();
    ASSERT_TRUE(sqlite.value()->RecordCurrentConfig(config(), 1).ok());
    sqlite_ = std::move(sqlite).value();
  }
  const Config& config() const { return journeys_.config(); }

  // A flush as the collector stores it.
  StoredSummary Row(const std::vector<uint8_t>& bytes) const {
    auto summary = VerifySummary(bytes, &config());
    EXPECT_TRUE(summary.ok());
    StoredSummary row;
    row.site = "demo";
    row.nonce = summary.value()->nonce();
    row.seq = summary.value()->seq();
    row.day = config().DayOfMinute(summary.value()->start_minute());
    row.config_hash = config().hash();
    row.received_at_ms = 1;
    row.bytes = bytes;
    return row;
  }
  // `rows` through `store` and through the SQLite store.
  void Put(SummaryStore& store, const std::vector<StoredSummary>& rows) {
    auto put = store.Put(rows);
    ASSERT_TRUE(put.ok()) << put.message();
    ASSERT_TRUE(sqlite_->Put(rows).ok());
  }
  // Sessions of every golden journey, flushed up to three times, the
  // flushes of one session alternating between the collectors, in batches
  // (so a batch may hold two flushes of one session); some flushes go to
  // both (a retry) and some arrive late (an older seq after a newer one).
  void Send(int sessions, std::vector<std::vector<std::vector<uint8_t>>>& sent) {
    std::vector<StoredSummary> batches[2];
    auto add = [&](int collector, const std::vector<uint8_t>& bytes) {
      batches[collector].push_back(Row(bytes));
      if (batches[collector].size() == 8) {
        Put(*collectors_[collector], batches[collector]);
        batches[collector].clear();
      }
    };
    for (int i = 0; i < sessions; ++i) {
      const auto flushes = journeys_.Flushes(kJourneys[i % 4], rng_() | 1, 1 + i % 3);
      for (size_t f = 0; f < flushes.size(); ++f) add((i + f) % 2, flushes[f]);
      if (i % 5 == 0) add(1, flushes.back());
      if (flushes.size() > 1 && i % 7 == 0) add(0, flushes.front());
      sent.push_back(flushes);
    }
    for (int collector : {0, 1}) {
      if (!batches[collector].empty()) Put(*collectors_[collector], batches[collector]);
    }
  }
  std::string Report(SummaryStore& store) {
    const ReportParam range[] = {{"from", "2023-11-14"}, {"to", "2023-11-15"}};
    auto request = ParseReportQuery(range, config(), kLastDay);
    EXPECT_TRUE(request.ok()) << request.message();
    if (!request.ok()) return "";
    auto report = RunReportRequest(store, config(), request.value());
    EXPECT_TRUE(report.ok()) << report.message();
    return report.ok() ? WithoutHistory(RenderReportJson(report.value())) : "";
  }
  uint64_t Rebuilt() const { return collectors_[0]->DaysRebuilt() + collectors_[1]->DaysRebuilt(); }
  // "live rows per day (most), cancelled rows": compaction keeps a day's
  // chain short.
  std::string DeltaRows(const std::string& db) const {
    ClickHouseHttp node("127.0.0.1", cluster_->http_port(0), "");
    auto rows = node.Query("SELECT max(n), (SELECT count() FROM " + db +
                           ".day_deltas WHERE sign = -1) FROM (SELECT day, count() AS n FROM "
                           "(SELECT day, id FROM " +
                           db +
                           ".day_deltas GROUP BY day, id HAVING sum(sign) > 0) GROUP BY day) "
                           "FORMAT TSV");
    EXPECT_TRUE(rows.ok()) << rows.message();
    return rows.ok() ? rows.value() : "";
  }

  std::unique_ptr<ClickHouseStore> collectors_[2];
  std::unique_ptr<SqliteStore> sqlite_;
  std::mt19937_64 rng_{1212};
};

TEST_F(DayDeltasTest, ReportsAfterNewTrafficMergeDeltasAndRebuildNoDay) {
  Open("deltas");
  std::vector<std::vector<std::vector<uint8_t>>> sent;
  Send(120, sent);
  const std::string expected = Report(*sqlite_);
  ASSERT_NE(expected.find("\"sessions\": 120"), std::string::npos) << expected.substr(0, 600);
  EXPECT_EQ(Report(*collectors_[0]), expected);
  EXPECT_EQ(Rebuilt(), 0u) << "a day was rebuilt from its sessions: its deltas did not add up";
  // Each day got more deltas than a report merges before compacting them
  // (after it answered).
  collectors_[0]->WaitForBackground();
  EXPECT_EQ(DeltaRows("deltas").substr(0, 2), "1\t") << DeltaRows("deltas");

  // New sessions, and the earlier sessions' flushes again through the other
  // collector (each a newer seq than stored: a re-flush replacing the
  // previous version, or a retry of one stored).
  Send(40, sent);
  std::vector<StoredSummary> again;
  for (size_t i = 0; i < 60; ++i) {
    const auto& flushes = sent[i];
    again.push_back(Row(flushes.back()));
    if (again.size() == 10) {
      Put(*collectors_[i % 2], again);
      again.clear();
    }
  }
  const std::string grown = Report(*sqlite_);
  ASSERT_NE(grown, expected);
  EXPECT_EQ(Report(*collectors_[1]), grown);
  EXPECT_EQ(Report(*collectors_[0]), grown);
  EXPECT_EQ(Rebuilt(), 0u);

  // A collector that stopped between its sessions' INSERT and its delta's
  // (here: one that never had a config to fold through) leaves the day's
  // marks ahead of its deltas: that day, and only it, is rebuilt, exactly.
  auto crashed = ClickHouseStore::Open(cluster_->StoreUrl(0, "deltas").substr(13));
  ASSERT_TRUE(crashed.ok()) << crashed.message();
  const StoredSummary lost = Row(journeys_.Flushes("purchase", rng_() | 1, 1).front());
  Put(*crashed.value(), {lost});
  const std::string after_crash = Report(*sqlite_);
  EXPECT_EQ(Report(*collectors_[0]), after_crash);
  EXPECT_EQ(Rebuilt(), 1u);
}

// Element clicks (issue 13 point 4): a flush carries its last two pages'
// entries (core/element_heatmap.h SentClicks) and Put keeps the others from
// the stored version on either collector, in one batch or apart, with a
// beacon lost: the report equals the SQLite store's, and every page's click
// is in it.
TEST_F(DayDeltasTest, FlushesOfTheirLastTwoPagesKeepEveryElementClick) {
  Open("element_clicks");
  const int64_t start = int64_t{kFirstDay} * 86400000 + 10LL * 3600 * 1000;
  const char* pages[] = {
      "@0 page /\n@10 click cell=1 5 5 100 100 a#home\n",
      "@2000 page /product/1\n@2010 click cell=2 5 5 100 100 a#buy\n",
      "@4000 page /cart\n@4010 click cell=3 5 5 100 100 a#checkout\n",
      "@6000 page /\n@6010 click cell=5 5 5 100 100 a#home\n",
      "@8000 page /checkout/shipping\n@8010 click cell=4 5 5 100 100 button#pay\n",
  };
  std::vector<StoredSummary> batch;
  for (uint64_t nonce = 1; nonce <= 6; ++nonce) {
    const std::string head =
        "start nonce=0x" + std::to_string(nonce) + " start_ms=" + std::to_string(start) + "\n";
    std::optional<Session> session;
    for (size_t i = 0; i < std::size(pages); ++i) {
      auto stream = ParseEventStream(head + pages[i], config());
      ASSERT_TRUE(stream.ok()) << stream.message();
      if (!session) {
        session.emplace(RunSession(stream.value(), config()));
      } else {
        session->Ingest(stream.value().Batch());
      }
      const StoredSummary row = Row(session->Flush());
      if (nonce % 3 == 0 && i == 1) continue;  // a lost beacon
      if (nonce % 2 == 0) {
        batch.push_back(row);  // flushes of one session in one batch
      } else {
        Put(*collectors_[i % 2], {row});
      }
    }
  }
  Put(*collectors_[0], batch);
  const std::string expected = Report(*sqlite_);
  for (const char* path : {"a#home", "a#buy", "a#checkout", "button#pay"}) {
    EXPECT_NE(expected.find(ElementKeyHex(ElementKey(path))), std::string::npos) << path;
  }
  EXPECT_EQ(Report(*collectors_[0]), expected);
  EXPECT_EQ(Report(*collectors_[1]), expected);
}

TEST_F(DayDeltasTest, TwoCollectorsReplacingOneVersionAtOnceCountTheSessionOnce) {
  Open("deltas_race");
  std::vector<std::vector<std::vector<uint8_t>>> sent;
  Send(12, sent);
  const auto flushes = journeys_.Flushes("purchase", rng_() | 1, 3);
  Put(*collectors_[0], {Row(flushes[0])});
  ASSERT_EQ(Report(*collectors_[0]), Report(*sqlite_));
  ASSERT_EQ(Rebuilt(), 0u);
  // Collector 0 looked up the stored version (seq 1) and, before it
  // writes seq 3, collector 1 takes seq 2 of the same session: both replace
  // seq 1, and its figures would be taken back twice.
  collectors_[0]->SetPutPauseForTest([&] { Put(*collectors_[1], {Row(flushes[1])}); });
  Put(*collectors_[0], {Row(flushes[2])});
  collectors_[0]->SetPutPauseForTest(nullptr);
  const std::string expected = Report(*sqlite_);
  EXPECT_EQ(Report(*collectors_[0]), expected);
  EXPECT_EQ(Rebuilt(), 1u) << "the race went unnoticed";
  EXPECT_EQ(Report(*collectors_[1]), expected);
}

// The same race, with the other collector's version already compacted when
// the late one comes: its claim is found among those of the deltas a
// compacted row stands for (day_claims), not among the new ones.
TEST_F(DayDeltasTest, ALateCollectorReplacingAVersionAlreadyCompactedIsCaught) {
  Open("deltas_late_race");
  const auto flushes = journeys_.Flushes("purchase", rng_() | 1, 3);
  Put(*collectors_[0], {Row(flushes[0])});
  bool staged = false;
  collectors_[0]->SetPutPauseForTest([&] {
    if (std::exchange(staged, true)) return;  // the Puts below through collector 0
    Put(*collectors_[1], {Row(flushes[1])});
    // More deltas of each day than a report merges before compacting them,
    // then a report: seq 2's delta is compacted with the others.
    std::vector<std::vector<std::vector<uint8_t>>> sent;
    Send(120, sent);
    EXPECT_EQ(Report(*collectors_[1]), Report(*sqlite_));
    collectors_[1]->WaitForBackground();
    EXPECT_EQ(DeltaRows("deltas_late_race").substr(0, 2), "1\t") << DeltaRows("deltas_late_race");
  });
  Put(*collectors_[0], {Row(flushes[2])});
  collectors_[0]->SetPutPauseForTest(nullptr);
  ASSERT_TRUE(staged);
  ASSERT_EQ(Rebuilt(), 0u);
  const std::string expected = Report(*sqlite_);
  EXPECT_EQ(Report(*collectors_[0]), expected);
  EXPECT_EQ(Rebuilt(), 1u) << "the race went unnoticed";
  EXPECT_EQ(Report(*collectors_[1]), expected);
}

// A store of the previous release: deltas whose claims are only in their
// rows (no day_claims). Opened by this release, their claims are copied in:
// the next report merges the deltas (no day rebuilt), and a race is caught.
TEST_F(DayDeltasTest, AStoreOfThePreviousReleaseGetsItsDeltasClaims) {
  Open("deltas_upgrade");
  for (int shard : {0, 1}) {
    ClickHouseHttp node("127.0.0.1", cluster_->http_port(shard), "");
    for (const char* table : {"day_claims_view", "day_claims", "day_claims_local"}) {
      auto dropped = node.Query(std::string("DROP TABLE deltas_upgrade.") + table);
      ASSERT_TRUE(dropped.ok()) << dropped.message();
    }
  }
  std::vector<std::vector<std::vector<uint8_t>>> sent;
  Send(12, sent);
  const auto flushes = journeys_.Flushes("purchase", rng_() | 1, 3);
  Put(*collectors_[0], {Row(flushes[0])});
  Open("deltas_upgrade");
  ASSERT_EQ(Report(*collectors_[0]), Report(*sqlite_));
  EXPECT_EQ(Rebuilt(), 0u) << "the previous release's deltas no longer add up";
  collectors_[0]->SetPutPauseForTest([&] { Put(*collectors_[1], {Row(flushes[1])}); });
  Put(*collectors_[0], {Row(flushes[2])});
  collectors_[0]->SetPutPauseForTest(nullptr);
  EXPECT_EQ(Report(*collectors_[1]), Report(*sqlite_));
  EXPECT_EQ(Rebuilt(), 1u) << "the race went unnoticed";
}

}  // namespace
}  // namespace microconv::testing

namespace microconv::testing {
namespace {

// Journey replays (issue 13 point 3) on the ClickHouse store: the same rows
// through two store objects (one on each shard's node) and through the
// SQLite store give the same pages, sessions and rendered replays, before
// and after re-flushes, a prune and a site deletion.
class ClickHouseReplaysTest : public ClickHouseStoreTest {
 protected:
  void Open(const std::string& db) {
    ASSERT_TRUE(sampled_.ok());
    for (int shard : {0, 1}) {
      auto opened = ClickHouseStore::Open(cluster_->StoreUrl(shard, db).substr(13));
      ASSERT_TRUE(opened.ok()) << opened.message();
      ASSERT_TRUE(opened.value()->RecordCurrentConfig(sampled_.config(), 1).ok());
      collectors_[shard] = std::move(opened).value();
    }
    auto sqlite = SqliteStore::Open(sqlite_dir_.path() + "/" + db + ".db");
    ASSERT_TRUE(sqlite.ok()) << sqlite.message();
    ASSERT_TRUE(sqlite.value()->RecordCurrentConfig(sampled_.config(), 1).ok());
    sqlite_ = std::move(sqlite).value();
  }

  // `journey`'s final summary as session `nonce` (seq `seq`) started on
  // `day`, carrying a timeline when `sampled`, as the collector stores it.
  StoredSummary Session(const std::string& journey, uint32_t day, uint64_t nonce, bool sampled,
                        uint32_t seq) const {
    const std::chrono::system_clock::time_point start{std::chrono::hours(24 * int64_t{day} + 10)};
    auto bytes = Journeys::AtTime(Journeys::WithNonce(sampled_.Summary(journey, nonce), nonce, seq),
                                  start, std::chrono::seconds(90), true);
    bytes =
        Journeys::WithReplay(bytes, sampled ? Journeys::SampleTimeline() : std::vector<uint8_t>{});
    auto summary = VerifySummary(bytes, &sampled_.config());
    EXPECT_TRUE(summary.ok()) << summary.message();
    if (!summary.ok()) return {};
    StoredSummary row;
    row.site = "demo";
    row.nonce = nonce;
    row.seq = seq;
    row.day = sampled_.config().DayOfMinute(summary.value()->start_minute());
    EXPECT_EQ(row.day, day);
    row.config_hash = sampled_.config().hash();
    row.received_at_ms = 1000 + seq;
    row.replay = ReplayFactsOf(*summary.value());
    EXPECT_EQ(row.replay.has_value(), sampled);
    row.bytes = std::move(bytes);
    return row;
  }

  // `rows` in batches of 10, alternating between the two ClickHouse store
  // objects, and through the SQLite store.
  void Put(const std::vector<StoredSummary>& rows) {
    for (size_t at = 0; at < rows.size(); at += 10) {
      const std::vector<StoredSummary> batch(rows.begin() + at,
                                             rows.begin() + std::min(rows.size(), at + 10));
      auto put = collectors_[at / 10 % 2]->Put(batch);
      ASSERT_TRUE(put.ok()) << put.message();
      ASSERT_TRUE(sqlite_->Put(batch).ok());
    }
  }

  // A page as one line: "sampled N[ more]: day/id/outcome/drops ...".
  static std::string Text(const Result<ReplayPage>& page) {
    if (!page.ok()) return "error " + page.message();
    std::string text =
        "sampled " + std::to_string(page.value().sampled) + (page.value().more ? " more:" : ":");
    for (const ReplayRow& row : page.value().rows) {
      text += " " + std::to_string(row.day) + "/" + ReplayId(row.nonce) + "/" +
              std::to_string(row.outcome) + "/" + DropsText(row.drops);
    }
    return text;
  }

  // Every page of a list, walked with the cursor, on `store` (at most 100:
  // a cursor that does not move must not loop forever).
  static std::vector<std::string> Pages(SummaryStore& store, uint32_t first, uint32_t last,
                                        const ReplayFilter& filter, uint32_t limit) {
    std::vector<std::string> pages;
    std::optional<std::pair<uint32_t, uint64_t>> after;
    for (int page = 0; page < 100; ++page) {
      auto listed = store.ListReplays("demo", first, last, filter, after, limit);
      pages.push_back(Text(listed));
      if (!listed.ok() || !listed.value().more) break;
      after.emplace(listed.value().rows.back().day, listed.value().rows.back().nonce);
    }
    return pages;
  }

  // The lists of every filter the data holds (each outcome bit, each
  // funnel and each of its drop steps, a funnel no one dropped off) in
  // pages of 7, unfiltered in pages of 100 and of one day, equal on the
  // three stores; the SQLite store's unfiltered page of 100.
  // (funnels_listed_: the (funnel, step) pairs the funnel filters tried.)
  std::string ExpectListsEqual() {
    auto all = sqlite_->ListReplays("demo", kFirstDay, kLastDay, {}, std::nullopt, 100);
    EXPECT_TRUE(all.ok()) << all.message();
    if (!all.ok()) return "";
    std::vector<ReplayFilter> filters = {{},
                                         {kReplayConverted},
                                         {kReplayDropped},
                                         {kReplayFrustrated},
                                         {kReplayConverted | kReplayDropped}};
    std::set<std::pair<uint32_t, uint32_t>> drops;
    for (const ReplayRow& row : all.value().rows) {
      for (const ReplayDrop& drop : row.drops) drops.emplace(drop.funnel, drop.step);
    }
    funnels_listed_ = drops.size();
    for (const auto& [funnel, step] : drops) {
      filters.push_back({0, funnel, std::nullopt});
      filters.push_back({0, funnel, step});
      filters.push_back({kReplayFrustrated, funnel, step});
    }
    filters.push_back({0, 99, std::nullopt});
    for (const ReplayFilter& filter : filters) {
      const auto expected = Pages(*sqlite_, kFirstDay, kLastDay, filter, 7);
      for (auto& store : collectors_) {
        EXPECT_EQ(Pages(*store, kFirstDay, kLastDay, filter, 7), expected)
            << "outcome " << filter.outcome << " funnel " << filter.funnel.value_or(-1) << " step "
            << filter.step.value_or(-1);
      }
    }
    EXPECT_EQ(Pages(*collectors_[0], kFirstDay, kLastDay, {}, 100), std::vector{Text(all)});
    EXPECT_EQ(Pages(*collectors_[1], kLastDay, kLastDay, {}, 5),
              Pages(*sqlite_, kLastDay, kLastDay, {}, 5));
    return Text(all);
  }

  // Each session's ReplaySession equal on the three stores, and the first
  // four rendered (decoded through the config version the store keeps)
  // equal; how many have a replay.
  size_t ExpectSessionsEqual(const std::vector<uint64_t>& nonces) {
    size_t replays = 0;
    for (size_t i = 0; i < nonces.size(); ++i) {
      auto expected = sqlite_->ReplaySession("demo", nonces[i]);
      EXPECT_TRUE(expected.ok()) << expected.message();
      if (!expected.ok()) continue;
      replays += expected.value().has_value();
      for (auto& store : collectors_) {
        auto got = store->ReplaySession("demo", nonces[i]);
        EXPECT_TRUE(got.ok()) << got.message();
        if (!got.ok()) continue;
        EXPECT_EQ(got.value().has_value(), expected.value().has_value()) << ReplayId(nonces[i]);
        if (got.value().has_value() && expected.value().has_value()) {
          const StoredSummary &a = *got.value(), &b = *expected.value();
          EXPECT_EQ(std::tie(a.site, a.nonce, a.seq, a.day, a.config_hash, a.received_at_ms),
                    std::tie(b.site, b.nonce, b.seq, b.day, b.config_hash, b.received_at_ms));
          EXPECT_EQ(a.bytes, b.bytes);
        }
        if (i >= 4) continue;
        auto view = RenderStoredReplay(*store, "demo", nonces[i], 1);
        auto rendered = RenderStoredReplay(*sqlite_, "demo", nonces[i], 1);
        EXPECT_TRUE(view.ok() && rendered.ok()) << view.message() << rendered.message();
        if (view.ok() && rendered.ok()) EXPECT_EQ(view.value(), rendered.value());
      }
    }
    return replays;
  }

  Journeys sampled_{/*replay_sample_rate=*/0.5};
  std::unique_ptr<ClickHouseStore> collectors_[2];
  std::unique_ptr<SqliteStore> sqlite_;
  size_t funnels_listed_ = 0;
};

TEST_F(ClickHouseReplaysTest, ListsAndSessionsEqualSqliteStoreThroughReflushesAndDeletions) {
  Open("replays");
  // A funnel list crosses batches of 5 rows on one store object, reads
  // one batch of 1,000 on the other.
  collectors_[0]->SetMaxFunnelBatchForTest(5);
  // 60 sessions on two days, every journey, two in three sampled. Random
  // nonces: both shards, and nonces past 2^63 (ordered as SQLite's
  // bit-cast signed column).
  std::mt19937_64 rng(1313);
  std::vector<uint64_t> nonces;
  std::vector<StoredSummary> first;
  for (int i = 0; i < 60; ++i) {
    nonces.push_back(rng() | 1);
    first.push_back(
        Session(kJourneys[i % 4], i % 2 ? kFirstDay : kLastDay, nonces.back(), i % 3 != 2, 1));
  }
  Put(first);
  const std::string listed = ExpectListsEqual();
  EXPECT_EQ(listed.substr(0, 11), "sampled 40:") << listed;
  EXPECT_GT(funnels_listed_, 0u) << "no drop-off in the data: the funnel filter is not tested";
  EXPECT_EQ(ExpectSessionsEqual(nonces), 40u);

  // Re-flushes of the first 12: a converted seq 2 of a dropped-off one
  // changes its outcome; one without a replay unlists it; an unsampled one
  // sampled now is listed; a late seq 1 after them changes nothing.
  std::vector<StoredSummary> again;
  for (int i = 0; i < 12; ++i) {
    again.push_back(Session(i % 2 == 0 ? "purchase" : kJourneys[(i + 1) % 4],
                            i % 2 ? kFirstDay : kLastDay, nonces[i], i % 3 != 1, 2));
  }
  for (int i = 0; i < 12; i += 4) again.push_back(first[i]);
  Put(again);
  const std::string relisted = ExpectListsEqual();
  EXPECT_NE(relisted, listed);
  const size_t replays = ExpectSessionsEqual(nonces);
  EXPECT_EQ(relisted.substr(0, 11), "sampled " + std::to_string(replays) + ":") << relisted;
  // Session 4 (seq 1 sampled) was re-flushed without a replay.
  auto gone = collectors_[0]->ReplaySession("demo", nonces[4]);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone.value().has_value());
  EXPECT_EQ(relisted.find(ReplayId(nonces[4])), std::string::npos);

  // The k rule reads the day's count: withheld alike.
  auto withheld = RenderStoredReplay(*collectors_[1], "demo", nonces[0], 1000);
  EXPECT_EQ(withheld.error(), Error::kOutOfRange);
  // Out-of-range pages are refused alike.
  for (uint32_t limit : {0u, kMaxReplayPage + 1}) {
    EXPECT_EQ(
        collectors_[0]->ListReplays("demo", kFirstDay, kLastDay, {}, std::nullopt, limit).error(),
        Error::kOutOfRange);
  }

  // Retention takes the first day's replays with its sessions.
  ASSERT_TRUE(collectors_[0]->DeleteDaysBefore(kLastDay).ok());
  ASSERT_TRUE(sqlite_->DeleteDaysBefore(kLastDay).ok());
  const std::string pruned = ExpectListsEqual();
  EXPECT_EQ(pruned.find(" " + std::to_string(kFirstDay) + "/"), std::string::npos) << pruned;
  EXPECT_LT(ExpectSessionsEqual(nonces), replays);
  // So does the site's deletion, all of them.
  ASSERT_TRUE(collectors_[1]->DeleteSite("demo").ok());
  ASSERT_TRUE(sqlite_->DeleteSite("demo").ok());
  EXPECT_EQ(ExpectListsEqual(), "sampled 0:");
  EXPECT_EQ(ExpectSessionsEqual(nonces), 0u);
}

// The API on a ClickHouse collector (it answered 503 before): a sampled
// session posted is listed and played, one not sampled is not.
TEST_F(ClickHouseReplaysTest, ApiListsAndPlaysReplaysFromClickHouse) {
  ASSERT_TRUE(sampled_.ok());
  // The collector keeps timelines only for a config that samples them.
  std::ofstream(sqlite_dir_.sites() + "/demo.json") << sampled_.config_json();
  auto collector = Collector(1, "replays_api");
  ASSERT_GT(collector->port(), 0);
  for (const auto& [nonce, sampled] :
       {std::pair{0x51ull, true}, {0x52ull, false}, {0x53ull, true}}) {
    auto sent = Post(collector->port(), Session("purchase", kFirstDay, nonce, sampled, 1).bytes);
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 202) << sent->body;
  }
  httplib::Client client("127.0.0.1", collector->port());
  client.set_read_timeout(30, 0);
  client.set_default_headers({{"Cookie", sqlite_dir_.owner_cookie()}});
  auto list = client.Get(std::string("/api/replays/demo?") + kRange + "&limit=1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_NE(list->body.find("\"sampled\":2"), std::string::npos) << list->body;
  EXPECT_NE(list->body.find(ReplayId(0x51)), std::string::npos) << list->body;
  EXPECT_EQ(list->body.find("\"next\":null"), std::string::npos) << list->body;
  auto played = client.Get("/api/replays/demo?id=" + ReplayId(0x53));
  ASSERT_TRUE(played);
  EXPECT_EQ(played->status, 200) << played->body;
  EXPECT_NE(played->body.find("\"entries\""), std::string::npos) << played->body;
  auto unsampled = client.Get("/api/replays/demo?id=" + ReplayId(0x52));
  ASSERT_TRUE(unsampled);
  EXPECT_EQ(unsampled->status, 404) << unsampled->body;
}

// A store created by the release before replays (sessions without the
// replay columns) keeps working: Open adds them on both shards' local and
// Distributed tables, the old rows read as unsampled, new ones are listed.
TEST_F(ClickHouseReplaysTest, AStoreOfThePreviousReleaseGetsTheReplayColumns) {
  for (int shard : {0, 1}) {
    ClickHouseHttp node("127.0.0.1", cluster_->http_port(shard), "");
    for (const char* sql :
         {"CREATE DATABASE replays_upgrade",
          "CREATE TABLE replays_upgrade.sessions_local (site String, day UInt32, "
          "nonce UInt64, seq UInt32, config_hash UInt32, received_at Int64, "
          "summary String) ENGINE = ReplacingMergeTree(seq) PARTITION BY "
          "intDiv(day, 32) ORDER BY (site, day, nonce)",
          "CREATE TABLE replays_upgrade.sessions AS replays_upgrade.sessions_local "
          "ENGINE = Distributed(microconv, replays_upgrade, sessions_local, "
          "cityHash64(site, nonce))"}) {
      auto done = node.Query(sql);
      ASSERT_TRUE(done.ok()) << done.message();
    }
  }
  const StoredSummary old = Session("purchase", kFirstDay, 0x01d, true, 1);
  {
    ClickHouseHttp node("127.0.0.1", cluster_->http_port(0), "insert_distributed_sync=1");
    RowBinaryWriter row;
    row.String(old.site);
    row.Int(old.day);
    row.Int(old.nonce);
    row.Int(old.seq);
    row.Int(old.config_hash);
    row.Int(old.received_at_ms);
    row.String(std::span<const uint8_t>(old.bytes));
    ASSERT_TRUE(node.Insert("INSERT INTO replays_upgrade.sessions (site, day, nonce, seq, "
                            "config_hash, received_at, summary) FORMAT RowBinary",
                            row.bytes())
                    .ok());
  }
  Open("replays_upgrade");
  Put({Session("dropoff_shipping", kFirstDay, 0x2e11, true, 1)});
  EXPECT_EQ(ExpectListsEqual().substr(0, 10), "sampled 1:");
  for (auto& store : collectors_) {
    uint64_t sessions = 0;
    ASSERT_TRUE(store
                    ->ForEachSession("demo", kFirstDay, kLastDay,
                                     [&](const StoredSummary&) { return ++sessions > 0; })
                    .ok());
    EXPECT_EQ(sessions, 2u);
    auto unsampled = store->ReplaySession("demo", old.nonce);
    ASSERT_TRUE(unsampled.ok()) << unsampled.message();
    EXPECT_FALSE(unsampled.value().has_value());
  }
}

}  // namespace
}  // namespace microconv::testing
