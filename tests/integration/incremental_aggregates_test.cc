// Day aggregates kept up to date at commit (issue 12 point 1): the store's
// own aggregates after new, re-flushed and older-version sessions equal a
// fresh rebuild (`Reindex`) and a store that only ever saw the final
// versions, and reports read them without rescanning sessions.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/element_heatmap.h"
#include "core/json/config_json.h"
#include "core/ldp.h"
#include "core/report_filter.h"
#include "core/report_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "golden_days.h"
#include "server_process.h"
#include "tests/support/event_stream.h"
#include "tools/store/report_runner.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

StoredSummary Row(const Config& config, uint64_t nonce, uint32_t seq, uint32_t day,
                  const std::string& journey) {
  StoredSummary row;
  row.site = "demo";
  row.nonce = nonce;
  row.seq = seq;
  row.day = day;
  row.config_hash = config.hash();
  row.bytes = Journey(config, journey, nonce, day);
  return row;
}

int64_t Count(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

class IncrementalAggregatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json old_def = DemoJson();
    // The older version lists its micro-conversions in another order: its
    // summaries must be translated to the current ids.
    std::reverse(old_def["micro_conversions"].begin(), old_def["micro_conversions"].end());
    old_ = Load(old_def);
    current_ = Load(DemoJson());
    ASSERT_NE(old_.hash(), current_.hash());
  }

  std::unique_ptr<SqliteStore> Open(const ServerDir& dir) {
    auto store = SqliteStore::Open(dir.store());
    EXPECT_TRUE(store.ok()) << store.message();
    if (!store.ok()) return nullptr;
    EXPECT_TRUE(store.value()->RecordCurrentConfig(old_, int64_t{kDay0} * kMsPerDay).ok());
    EXPECT_TRUE(store.value()->RecordCurrentConfig(current_, int64_t{kDay0} * kMsPerDay + 1).ok());
    return std::move(store).value();
  }

  // Open, with `sessions` sessions of the current config over 4 days.
  std::unique_ptr<SqliteStore> OpenWithSessions(const ServerDir& dir, uint64_t sessions) {
    auto store = Open(dir);
    std::vector<StoredSummary> rows;
    for (uint64_t n = 1; n <= sessions; ++n) {
      rows.push_back(Row(current_, n, 1, kDay0 + n % 4, kJourneys[n % 4]));
    }
    if (store && !store->Put(rows).ok()) return nullptr;
    return store;
  }

  // The report of days kDay0 + first .. kDay0 + 3, through `cache` when
  // given, with per-day segment tables by `daily`.
  std::string Report(SqliteStore& store, MergedDaysCache* cache = nullptr,
                     Breakdown daily = Breakdown::kNone, uint32_t first = 0) {
    ReportRequest request;
    request.site = "demo";
    request.from = kDay0 + first;
    request.to = kDay0 + 3;
    request.daily = daily;
    request.options.k_anonymity = 1;
    auto report = RunReportRequest(store, current_, request, cache);
    EXPECT_TRUE(report.ok()) << report.message();
    return report.ok() ? RenderReportJson(report.value()) : std::string();
  }

  Config old_, current_;
};

TEST_F(IncrementalAggregatesTest, ReflushedSessionsEqualAFreshReindex) {
  ServerDir dir, final_only_dir;
  auto store = Open(dir);
  auto final_only = Open(final_only_dir);
  ASSERT_TRUE(store && final_only);
  // First flushes: 40 sessions over 4 days, half written with the older
  // config (tabs that loaded it before the edit).
  std::vector<StoredSummary> first, reflushed, final_rows;
  for (uint64_t n = 1; n <= 40; ++n) {
    const Config& config = n % 2 == 0 ? old_ : current_;
    first.push_back(Row(config, n, 1, kDay0 + n % 4, kJourneys[n % 4]));
  }
  // Re-flushes of every third session, in several commits: a later point
  // of the same visit (another journey's figures), some twice, some as an
  // older seq that must change nothing, some with the other version.
  for (uint64_t n = 3; n <= 40; n += 3) {
    const Config& config = n % 4 == 1 ? old_ : current_;
    reflushed.push_back(Row(config, n, 2, kDay0 + n % 4, kJourneys[(n + 1) % 4]));
  }
  for (uint64_t n = 6; n <= 40; n += 6) {
    reflushed.push_back(Row(current_, n, 5, kDay0 + n % 4, kJourneys[(n + 2) % 4]));
    reflushed.push_back(Row(old_, n, 4, kDay0 + n % 4, kJourneys[(n + 3) % 4]));  // late
  }
  ASSERT_TRUE(store->Put(std::span(first).subspan(0, 25)).ok());
  ASSERT_TRUE(store->Put(std::span(first).subspan(25)).ok());
  // A report between commits: the kept aggregates, not a rebuild.
  const std::string between = Report(*store);
  for (size_t i = 0; i < reflushed.size(); i += 4) {
    ASSERT_TRUE(
        store->Put(std::span(reflushed).subspan(i, std::min<size_t>(4, reflushed.size() - i)))
            .ok());
  }
  const std::string kept = Report(*store);
  // Every day's aggregate was kept by the commits: deltas, no rebuild.
  EXPECT_GT(Count(dir.store(), "SELECT count(*) FROM day_deltas"), 4);
  EXPECT_NE(kept, between);
  EXPECT_EQ(json::parse(kept)["engagement"]["sessions"], 40);

  // The same final versions, each put once, in one commit.
  for (const StoredSummary& row : first) {
    const StoredSummary* last = &row;
    for (const StoredSummary& again : reflushed) {
      if (again.nonce == row.nonce && again.seq > last->seq) last = &again;
    }
    final_rows.push_back(*last);
  }
  ASSERT_TRUE(final_only->Put(final_rows).ok());
  EXPECT_EQ(Report(*final_only), kept);

  ASSERT_TRUE(store->Reindex("demo", nullptr).ok());
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_deltas"), 0);
  EXPECT_EQ(Report(*store), kept);
}

// A re-flush replaces its row, which fires the sessions_updated trigger and
// moves the day's version inside the commit: a commit whose first summary of
// a day was a re-flush used to find the chain "stale" and leave the day to
// a rebuild from every session on the next report.
// Element clicks (issue 13 point 4): a flush carries its last two pages'
// (core/element_heatmap.h SentClicks) and Put keeps the other pages' from
// the stored version, so a session flushed page by page reports what one
// summary with all of them does, also when one of its beacons is lost.
TEST_F(IncrementalAggregatesTest, FlushesOfTheirLastTwoPagesReportEveryElementClick) {
  const int64_t start = int64_t{kDay0} * kMsPerDay + 10LL * 3600 * 1000;
  const std::string head = "start nonce=0x7 start_ms=" + std::to_string(start) + "\n";
  const char* pages[] = {
      "@0 page /\n@10 click cell=1 5 5 100 100 a#home\n",
      "@2000 page /product/1\n@2010 click cell=2 5 5 100 100 a#buy\n",
      "@4000 page /cart\n@4010 click cell=3 5 5 100 100 a#checkout\n",
      "@6000 page /\n@6010 click cell=5 5 5 100 100 a#home\n",
      "@8000 page /checkout/shipping\n@8010 click cell=4 5 5 100 100 button#pay\n",
  };
  std::vector<StoredSummary> flushes;
  auto row = [&](std::vector<uint8_t> bytes) {
    StoredSummary r;
    r.site = "demo";
    r.nonce = 7;
    r.seq = wire::GetSummary(bytes.data())->seq();
    r.day = kDay0;
    r.config_hash = current_.hash();
    r.bytes = std::move(bytes);
    return r;
  };
  auto first = ParseEventStream(head + pages[0], current_);
  ASSERT_TRUE(first.ok()) << first.message();
  Session session = RunSession(first.value(), current_);
  flushes.push_back(row(session.Flush()));
  for (size_t i = 1; i < std::size(pages); ++i) {
    auto more = ParseEventStream(head + pages[i], current_);
    ASSERT_TRUE(more.ok()) << more.message();
    session.Ingest(more.value().Batch());
    flushes.push_back(row(session.Flush()));
  }
  ServerDir all_dir, every_dir, lossy_dir;
  auto all = Open(all_dir), every = Open(every_dir), lossy = Open(lossy_dir);
  ASSERT_TRUE(all && every && lossy);
  ASSERT_TRUE(all->Put(std::vector{row(session.BuildSummary(Session::Purpose::kSnapshot))}).ok());
  for (size_t i = 0; i < flushes.size(); ++i) {
    ASSERT_TRUE(every->Put(std::span(&flushes[i], 1)).ok());
    if (i != 1) ASSERT_TRUE(lossy->Put(std::span(&flushes[i], 1)).ok());
  }
  // The last flush alone lacks the product page's click.
  EXPECT_EQ(UnpackSummary(flushes.back().bytes).element_clicks.size(), 3u);
  const std::string report = Report(*all);
  for (const char* path : {"a#home", "a#buy", "a#checkout", "button#pay"}) {
    EXPECT_NE(report.find(ElementKeyHex(ElementKey(path))), std::string::npos) << path;
  }
  EXPECT_EQ(Report(*every), report);
  EXPECT_EQ(Report(*lossy), report);
  // Also when two flushes come in one commit, and after a rebuild.
  ServerDir batch_dir;
  auto batch = Open(batch_dir);
  ASSERT_TRUE(batch);
  ASSERT_TRUE(batch->Put(std::span(flushes).first(3)).ok());
  ASSERT_TRUE(batch->Put(std::span(flushes).subspan(3)).ok());
  EXPECT_EQ(Report(*batch), report);
  ASSERT_TRUE(every->Reindex("demo", nullptr).ok());
  EXPECT_EQ(Report(*every), report);
}

TEST_F(IncrementalAggregatesTest, ACommitStartingWithAReflushKeepsTheChain) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  std::vector<StoredSummary> rows, reflushed;
  for (uint64_t n = 1; n <= 8; ++n) rows.push_back(Row(current_, n, 1, kDay0, kJourneys[n % 4]));
  reflushed.push_back(Row(current_, 1, 2, kDay0, kJourneys[2]));
  ASSERT_TRUE(store->Put(rows).ok());
  const std::string first = Report(*store);
  ASSERT_TRUE(store->Put(reflushed).ok());
  const std::string kept = Report(*store);
  // Continued by deltas: no base was rebuilt (none is folded before 32).
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_aggregates"), 0);
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_deltas"), 2);
  EXPECT_NE(kept, first);
  ASSERT_TRUE(store->Reindex("demo", nullptr).ok());
  EXPECT_EQ(Report(*store), kept);
}

// A report writes the gathered deltas without folding; commits between
// reports fold a long chain, so a day read more often than its delta ages
// (2 s) still decodes a short chain, not up to 32 deltas.
TEST_F(IncrementalAggregatesTest, ADayReadBetweenEveryCommitKeepsAShortChain) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  int64_t longest = 0;
  for (uint64_t n = 1; n <= 24; ++n) {
    const StoredSummary row = Row(current_, n, 1, kDay0, kJourneys[n % 4]);
    ASSERT_TRUE(store->Put(std::span(&row, 1)).ok());
    Report(*store);
    longest = std::max(longest, Count(dir.store(), "SELECT count(*) FROM day_deltas"));
    // Commits writing a delta due by chain are spaced like aged ones (20 ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_LE(longest, 9);
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_aggregates"), 1);
}

TEST_F(IncrementalAggregatesTest, CommitsGatherDeltasThatAReportWritesOrARebuildReplaces) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  std::vector<StoredSummary> rows, reflushed, later;
  for (uint64_t n = 1; n <= 12; ++n) {
    rows.push_back(Row(current_, n, 1, kDay0 + n % 2, kJourneys[n % 4]));
  }
  for (uint64_t n = 1; n <= 12; n += 3) {
    reflushed.push_back(Row(current_, n, 2, kDay0 + n % 2, kJourneys[(n + 1) % 4]));
    later.push_back(Row(current_, n, 3, kDay0 + n % 2, kJourneys[(n + 2) % 4]));
  }
  for (size_t i = 0; i < rows.size(); i += 3) {
    ASSERT_TRUE(store->Put(std::span(rows).subspan(i, 3)).ok());
  }
  ASSERT_TRUE(store->Put(reflushed).ok());
  // Five commits over two days: gathered in memory, no delta written yet.
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_deltas"), 0);
  // A report writes them first: one delta per day.
  const std::string kept = Report(*store);
  EXPECT_EQ(Count(dir.store(), "SELECT count(*) FROM day_deltas"), 2);
  EXPECT_EQ(json::parse(kept)["engagement"]["sessions"], 12);
  // Gathered again, then lost to a reader (as to a crash): another store on
  // the file sees each day's chain stop short and rebuilds it from sessions.
  ASSERT_TRUE(store->Put(later).ok());
  auto other = SqliteStore::Open(dir.store());
  ASSERT_TRUE(other.ok()) << other.message();
  const std::string rebuilt = Report(*other.value());
  EXPECT_NE(rebuilt, kept);
  // The writer's own gathered deltas, written after that rebuild, are not
  // counted twice; a full reindex agrees.
  EXPECT_EQ(Report(*store), rebuilt);
  ASSERT_TRUE(store->Reindex("demo", nullptr).ok());
  EXPECT_EQ(Report(*store), rebuilt);
}

TEST_F(IncrementalAggregatesTest, UnreadableSummariesAreCountedAtCommit) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  std::vector<StoredSummary> rows = {Row(current_, 1, 1, kDay0, "purchase"),
                                     Row(current_, 2, 1, kDay0, "dropoff_blog")};
  rows[1].bytes.resize(40);  // cut: fails verification
  ASSERT_TRUE(store->Put(rows).ok());
  json report = json::parse(Report(*store));
  EXPECT_EQ(report["unreadable_sessions"], 1);
  EXPECT_EQ(report["engagement"]["sessions"], 1);
  // Its next flush is readable: counted, and the damage is gone.
  std::vector<StoredSummary> again = {Row(current_, 2, 2, kDay0, "dropoff_blog")};
  ASSERT_TRUE(store->Put(again).ok());
  report = json::parse(Report(*store));
  EXPECT_EQ(report["unreadable_sessions"], 0);
  EXPECT_EQ(report["engagement"]["sessions"], 2);
  ASSERT_TRUE(store->Reindex("", nullptr).ok());
  EXPECT_EQ(json::parse(Report(*store)), report);
}

TEST_F(IncrementalAggregatesTest, ARowEditedBehindTheStoresBackIsReadAgain) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  std::vector<StoredSummary> rows;
  for (uint64_t n = 1; n <= 6; ++n) rows.push_back(Row(current_, n, 1, kDay0, kJourneys[n % 4]));
  ASSERT_TRUE(store->Put(rows).ok());
  EXPECT_EQ(json::parse(Report(*store))["engagement"]["sessions"], 6);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.store().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM sessions WHERE nonce = 3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  // The trigger moved the day's version past the kept chain: rebuilt.
  EXPECT_EQ(json::parse(Report(*store))["engagement"]["sessions"], 5);
}

// A day whose only sessions were sent with local differential privacy holds
// no exact session: every way a report reads days (the day aggregates and a
// filtered scan) must still report its LDP sessions (SummaryStore's
// HoldsSessions). The filtered scan dropped such days before.
TEST_F(IncrementalAggregatesTest, LdpOnlyDaysReachPlainAndFilteredReports) {
  json def = DemoJson();
  def["privacy"]["ldp_epsilon"] = 1;
  def["privacy"]["replay_sample_rate"] = 0;  // an LDP summary carries no timeline
  const Config ldp = Load(def);
  ServerDir dir;
  auto opened = SqliteStore::Open(dir.store());
  ASSERT_TRUE(opened.ok()) << opened.message();
  SqliteStore& store = *opened.value();
  ASSERT_TRUE(store.RecordCurrentConfig(ldp, int64_t{kDay0} * kMsPerDay).ok());
  std::vector<StoredSummary> rows;
  for (uint64_t nonce = 1; nonce <= 4; ++nonce) {
    StoredSummary row = Row(ldp, nonce, 0, kDay0 + 1, kJourneys[nonce % 4]);
    row.bytes = StripToLdp(*wire::GetSummary(row.bytes.data()), ldp, nonce, 1);
    rows.push_back(std::move(row));
  }
  ASSERT_TRUE(store.Put(rows).ok());

  ReportRequest request;
  request.site = "demo";
  request.from = kDay0;
  request.to = kDay0 + 3;
  request.options.k_anonymity = 1;
  // dropoff_blog is the one tablet (width 820, coarse pointer).
  for (const auto& [filter, sessions] : {std::pair{"", 4}, std::pair{"!device:tablet", 3}}) {
    SCOPED_TRACE(filter);
    if (*filter != 0) {
      auto parsed = ParseReportFilter(filter, ldp);
      ASSERT_TRUE(parsed.ok()) << parsed.message();
      request.filter = std::move(parsed).value();
    }
    auto report = RunReportRequest(store, ldp, request);
    ASSERT_TRUE(report.ok()) << report.message();
    const json rendered = json::parse(RenderReportJson(report.value()));
    ASSERT_TRUE(rendered["ldp"].is_object()) << rendered["ldp"];
    EXPECT_EQ(rendered["ldp"]["sessions"], sessions);
    EXPECT_EQ(rendered["ldp"]["exact_sessions"], 0);
  }
}

// The collector's cache of a report's older days merged
// (tools/store/merged_days_cache.h): a report through it equals one merged
// day by day, whatever changed in between.
TEST_F(IncrementalAggregatesTest, CachedOlderDaysMissOnceAnyOfThemChanges) {
  ServerDir dir;
  auto store = OpenWithSessions(dir, 24);
  ASSERT_TRUE(store);
  for (Breakdown daily : {Breakdown::kNone, Breakdown::kReferrer}) {
    SCOPED_TRACE(static_cast<int>(daily));
    MergedDaysCache cache;
    const std::string before = Report(*store, &cache, daily);
    EXPECT_EQ(before, Report(*store, nullptr, daily));
    EXPECT_EQ(cache.size(), 1u);
    // New traffic on the newest day: the older days come from the cache.
    const std::vector<StoredSummary> today = {
        Row(current_, 100 + static_cast<uint64_t>(daily), 1, kDay0 + 3, "purchase")};
    ASSERT_TRUE(store->Put(today).ok());
    const std::string with_today = Report(*store, &cache, daily);
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(with_today, Report(*store, nullptr, daily));
    EXPECT_NE(with_today, before);
    // A re-flush into the day before the newest (a session that started
    // before midnight): a live day too, read afresh; the cache still serves.
    const char* journey = daily == Breakdown::kNone ? "purchase" : "dropoff_product";
    const std::vector<StoredSummary> yesterday = {
        Row(current_, 2, 2 + static_cast<uint32_t>(daily), kDay0 + 2, journey)};
    ASSERT_TRUE(store->Put(yesterday).ok());
    const std::string with_yesterday = Report(*store, &cache, daily);
    EXPECT_EQ(cache.hits(), 2u);
    EXPECT_EQ(with_yesterday, Report(*store, nullptr, daily));
    EXPECT_NE(with_yesterday, with_today);
    // A late re-flush of an older day (other figures each time): the
    // cached days are stale and must not be used.
    const std::vector<StoredSummary> late = {
        Row(current_, 1, 2 + static_cast<uint32_t>(daily), kDay0 + 1, journey)};
    ASSERT_TRUE(store->Put(late).ok());
    const std::string after = Report(*store, &cache, daily);
    EXPECT_EQ(cache.hits(), 2u);
    EXPECT_EQ(after, Report(*store, nullptr, daily));
    EXPECT_NE(after, with_yesterday);
    // Kept again at the new versions.
    EXPECT_EQ(Report(*store, &cache, daily), after);
    EXPECT_EQ(cache.hits(), 3u);
  }
}

TEST_F(IncrementalAggregatesTest, ADayDeletedAndStoredAgainIsNotTakenFromTheCache) {
  ServerDir dir;
  auto store = Open(dir);
  ASSERT_TRUE(store);
  // One session a day, one commit each: every day at version 1.
  for (uint32_t d = 0; d < 4; ++d) {
    const std::vector<StoredSummary> row = {Row(current_, d + 1, 1, kDay0 + d, "dropoff_blog")};
    ASSERT_TRUE(store->Put(row).ok());
  }
  MergedDaysCache cache;
  const std::string before = Report(*store, &cache);
  // Retention drops the first day; a late session of that day is stored
  // again, at version 1 as before, with other figures.
  ASSERT_TRUE(store->DeleteDaysBefore(kDay0 + 1).ok());
  const std::vector<StoredSummary> again = {Row(current_, 50, 1, kDay0, "purchase")};
  ASSERT_TRUE(store->Put(again).ok());
  const std::string after = Report(*store, &cache);
  EXPECT_EQ(after, Report(*store, nullptr));
  EXPECT_NE(after, before);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST_F(IncrementalAggregatesTest, TheMergedDaysCacheKeepsAtMostItsCap) {
  ServerDir dir;
  auto store = OpenWithSessions(dir, 12);
  ASSERT_TRUE(store);
  MergedDaysCache cache(2);
  // Three keys (each range with older days to keep: its first day or its
  // per-day tables differ), then the first again: dropped as the least
  // recently used, so it misses.
  const std::pair<Breakdown, uint32_t> keys[] = {{Breakdown::kNone, 0},
                                                 {Breakdown::kReferrer, 0},
                                                 {Breakdown::kNone, 1},
                                                 {Breakdown::kNone, 0}};
  for (const auto& [daily, first] : keys) {
    EXPECT_EQ(Report(*store, &cache, daily, first), Report(*store, nullptr, daily, first));
    EXPECT_LE(cache.size(), 2u);
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(Report(*store, &cache, Breakdown::kNone, 0), Report(*store, nullptr));
  EXPECT_EQ(cache.hits(), 1u);
}

}  // namespace
}  // namespace microconv::testing
