// ClickHouseStore's deletions: retention (whole days before a cutoff) and
// one site's data, as SqliteStore's (sqlite_retention.cc) but with
// ClickHouse's means. A Distributed table cannot be altered, so every
// statement runs on each listed node's *_local tables: whole 32-day
// partitions of sessions before the cutoff are dropped (instant), the rest
// go by ALTER ... DELETE mutations, which run in the background: each call
// waits until the node reports them done, then checks through the
// Distributed tables that nothing is left (a shard whose node is not in
// --store would keep its rows: that is an error, not a silent success).
// Order: day claims, deltas, marks and cached aggregates first, sessions
// after, so an interrupted delete leaves invisible sessions (deleted again by
// the next run), never a day that reports show from a cache while its
// sessions go (claims left without their deltas, or the reverse, make the
// day's check fail: rebuilt, exact).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/summary.h"
#include "tools/store/clickhouse_store.h"

namespace microconv {
namespace {

constexpr int64_t kDayMs = 86'400'000;
// sessions_local and day_claims_local are PARTITION BY intDiv(day, 32)
// (clickhouse_store.cc): whole partitions before a cutoff are dropped.
constexpr uint32_t kPartitionDays = 32;
constexpr const char* kPartitionedTables[] = {"day_claims_local", "sessions_local"};
// How long a node may take to finish its mutations (it rewrites the parts
// holding deleted rows: on a big table, minutes).
constexpr auto kMutationLimit = std::chrono::minutes(30);
constexpr auto kMutationPoll = std::chrono::milliseconds(50);

Result<uint64_t> Count(ClickHouseHttp& node, const std::string& sql) {
  auto answer = node.Query(sql + " FORMAT TSV");
  if (!answer.ok()) return {answer.error(), answer.message()};
  uint64_t count = 0;
  const std::string& text = answer.value();
  if (std::from_chars(text.data(), text.data() + text.size(), count).ec != std::errc()) {
    return {Error::kUnavailable, "clickhouse " + node.address() + ": not a count: " + text};
  }
  return count;
}

// Waits until `node` has no unfinished mutation in `db`.
Status WaitForMutations(ClickHouseHttp& node, const std::string& db) {
  const auto deadline = std::chrono::steady_clock::now() + kMutationLimit;
  while (true) {
    auto pending =
        Count(node, "SELECT count() FROM system.mutations WHERE database = " + SqlString(db) +
                        " AND is_done = 0");
    if (!pending.ok()) return {pending.error(), pending.message()};
    if (pending.value() == 0) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return {Error::kUnavailable, "clickhouse " + node.address() +
                                       ": deletion still running; run the command again later"};
    }
    std::this_thread::sleep_for(kMutationPoll);
  }
}

// What a deletion of the rows matching `where` removes, counted as
// SqliteStore counts: sessions (one per nonce: FINAL), (site, day) pairs,
// day aggregates; ClickHouse has no damage rows (the count is a column of
// the aggregate's row).
Status CountRows(ClickHouseHttp& node, const std::string& db, const std::string& where,
                 DeletedRows& deleted) {
  const std::pair<std::string, uint64_t*> counts[] = {
      {"SELECT count() FROM " + db + ".sessions FINAL WHERE " + where, &deleted.sessions},
      {"SELECT count() FROM (SELECT site, day FROM " + db + ".day_marks WHERE " + where +
           " GROUP BY site, day)",
       &deleted.days},
      {"SELECT count() FROM " + db + ".day_aggregates FINAL WHERE " + where,
       &deleted.day_aggregates}};
  for (const auto& [sql, count] : counts) {
    auto counted = Count(node, sql);
    if (!counted.ok()) return {counted.error(), counted.message()};
    *count = counted.value();
  }
  return {};
}

}  // namespace

Status ClickHouseStore::DeleteOnEveryNode(const std::string& where,
                                          uint32_t drop_partitions_before) {
  // A report's cache save or compaction still running would write rows of
  // the days deleted here after them.
  WaitForBackground();
  // The cached aggregates and marks first (see the file comment).
  constexpr const char* kTables[] = {"day_claims_local", "day_deltas_local", "day_marks_local",
                                     "day_aggregates_local", "sessions_local"};
  for (ClickHouseHttp* node : nodes()) {
    for (const char* table : kPartitionedTables) {
      if (drop_partitions_before == 0) break;
      std::vector<std::string> partitions;
      auto listed =
          node->Query("SELECT DISTINCT partition FROM system.parts WHERE active AND database = " +
                      SqlString(db_) + " AND table = " + SqlString(table) + " FORMAT TSV");
      if (!listed.ok()) return {listed.error(), listed.message()};
      const std::string& text = listed.value();
      for (size_t at = 0; at < text.size();) {
        const size_t end = std::min(text.find('\n', at), text.size());
        uint32_t partition = 0;
        auto [stop, ec] = std::from_chars(text.data() + at, text.data() + end, partition);
        if (ec == std::errc() && stop == text.data() + end &&
            (uint64_t{partition} + 1) * kPartitionDays <= drop_partitions_before) {
          partitions.push_back(std::to_string(partition));
        }
        at = end + 1;
      }
      for (const std::string& partition : partitions) {
        auto dropped =
            node->Query("ALTER TABLE " + db_ + "." + table + " DROP PARTITION " + partition);
        if (!dropped.ok()) return {dropped.error(), dropped.message()};
      }
    }
    for (const char* table : kTables) {
      // A mutation rewrites parts: none when the node holds no such row.
      auto rows = Count(*node, "SELECT count() FROM " + db_ + "." + table + " WHERE " + where);
      if (!rows.ok()) return {rows.error(), rows.message()};
      if (rows.value() == 0) continue;
      auto deleted = node->Query("ALTER TABLE " + db_ + "." + table + " DELETE WHERE " + where);
      if (!deleted.ok()) return {deleted.error(), deleted.message()};
      if (Status done = WaitForMutations(*node, db_); !done.ok()) return done;
    }
  }
  // Through the Distributed tables: every shard, listed or not.
  for (const char* table :
       {"day_claims", "day_deltas", "day_marks", "day_aggregates", "sessions"}) {
    auto left = Count(*node_, "SELECT count() FROM " + db_ + "." + table + " WHERE " + where);
    if (!left.ok()) return {left.error(), left.message()};
    if (left.value() > 0) {
      return {Error::kUnavailable, std::to_string(left.value()) + " rows of " + table +
                                       " are on a shard whose node is not in --store: list "
                                       "every shard's node and run the command again"};
    }
  }
  return {};
}

Status ClickHouseStore::DeleteConfigVersions(const std::string& where, uint64_t& deleted) {
  // (site, hash) pairs, as a literal list: a node deletes its own rows.
  std::string pairs;
  Status read = node_->Stream(
      "SELECT site, hash FROM (SELECT site, hash, argMax(last_current, updated_at) AS last "
      "FROM " +
          db_ + ".config_versions GROUP BY site, hash) WHERE " + where + " FORMAT RowBinary",
      "s4", [&](RowBinaryReader& row) {
        const std::string site(row.Text());
        const auto hash = row.Int<uint32_t>();
        pairs += (pairs.empty() ? "(" : ",(") + SqlString(site) + "," + std::to_string(hash) + ")";
        ++deleted;
        return true;
      });
  if (!read.ok() || pairs.empty()) return read;
  for (ClickHouseHttp* node : nodes()) {
    auto removed =
        node->Query("ALTER TABLE " + db_ + ".config_versions_local DELETE WHERE (site, hash) IN (" +
                    pairs + ")");
    if (!removed.ok()) return {removed.error(), removed.message()};
    if (Status done = WaitForMutations(*node, db_); !done.ok()) return done;
  }
  return {};
}

Result<DeletedRows> ClickHouseStore::DeleteDaysBefore(uint32_t first_kept_day) {
  const std::string old = "day < " + std::to_string(first_kept_day);
  DeletedRows deleted;
  if (Status counted = CountRows(*node_, db_, old, deleted); !counted.ok()) {
    return {counted.error, counted.message};
  }
  if (Status done = DeleteOnEveryNode(old, first_kept_day); !done.ok()) {
    return {done.error, done.message};
  }
  // Versions retired before the first kept day that no kept session was
  // written with (as SqliteStore prunes them).
  const std::string retired =
      "last != 0 AND last < " + std::to_string(int64_t{first_kept_day} * kDayMs) +
      " AND (site, hash) GLOBAL NOT IN (SELECT DISTINCT site, config_hash FROM " + db_ +
      ".sessions)";
  if (Status pruned = DeleteConfigVersions(retired, deleted.config_versions); !pruned.ok()) {
    return {pruned.error, pruned.message};
  }
  return deleted;
}

Status ClickHouseStore::MoveSessionsToZone(const Config& config) {
  WaitForBackground();  // as DeleteOnEveryNode
  std::vector<StoredSummary> moved;
  std::vector<std::string> old_keys;  // "(day,nonce)" of each moved row
  // With its replay columns: the moved row keeps the session's replay.
  Status read = ForEachStoredRow(config.site(), 0, UINT32_MAX, true, [&](const StoredSummary& row) {
    auto summary = VerifySummary(row.bytes, nullptr);
    if (!summary.ok()) return true;  // unreadable: keeps its day
    const uint32_t day = config.DayOfMinute(summary.value()->start_minute());
    if (day == row.day) return true;
    old_keys.push_back("(" + std::to_string(row.day) + "," + std::to_string(row.nonce) + ")");
    moved.push_back(row);
    moved.back().day = day;
    return true;
  });
  if (!read.ok()) return read;
  // New rows first: an interrupted move leaves a session twice (moved again
  // by the next zone change or removed by a retry), never missing. Not
  // through Put: its seq check would find the old row and skip the new.
  constexpr size_t kChunk = 5000;
  for (size_t at = 0; at < moved.size(); at += kChunk) {
    RowBinaryWriter rows;
    for (size_t i = at; i < std::min(moved.size(), at + kChunk); ++i) {
      AppendSessionRow(rows, moved[i]);
    }
    if (Status inserted = InsertSessionRows(rows); !inserted.ok()) return inserted;
  }
  const std::string site = "site = " + SqlString(config.site());
  for (ClickHouseHttp* node : nodes()) {
    for (size_t at = 0; at < old_keys.size(); at += kChunk) {
      std::string keys;
      for (size_t i = at; i < std::min(old_keys.size(), at + kChunk); ++i) {
        keys += (keys.empty() ? "" : ",") + old_keys[i];
      }
      auto deleted = node->Query("ALTER TABLE " + db_ + ".sessions_local DELETE WHERE " + site +
                                 " AND (day, nonce) IN (" + keys + ")");
      if (!deleted.ok()) return {deleted.error(), deleted.message()};
      if (Status done = WaitForMutations(*node, db_); !done.ok()) return done;
    }
    // No cache built while the rows moved is read again, and no delta
    // chain of a day rows left (their marks stay: the chain would still
    // look complete); the claims go with their deltas (claims first: left
    // alone, deltas without them fail the day's check, never pass it).
    for (const char* table : {"day_aggregates_local", "day_claims_local", "day_deltas_local"}) {
      auto dropped = node->Query("ALTER TABLE " + db_ + "." + table + " DELETE WHERE " + site);
      if (!dropped.ok()) return {dropped.error(), dropped.message()};
      if (Status done = WaitForMutations(*node, db_); !done.ok()) return done;
    }
  }
  return {};
}

Result<DeletedRows> ClickHouseStore::DeleteSite(std::string_view site) {
  if (site.empty()) return {Error::kOutOfRange, "no site named"};
  const std::string where = "site = " + SqlString(site);
  DeletedRows deleted;
  if (Status counted = CountRows(*node_, db_, where, deleted); !counted.ok()) {
    return {counted.error, counted.message};
  }
  if (Status done = DeleteOnEveryNode(where, 0); !done.ok()) return {done.error, done.message};
  if (Status versions = DeleteConfigVersions(where, deleted.config_versions); !versions.ok()) {
    return {versions.error, versions.message};
  }
  return deleted;
}

}  // namespace microconv
