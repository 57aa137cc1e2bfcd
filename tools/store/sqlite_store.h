// The embedded store (SPEC section 9): one SQLite file in WAL mode.
//
// Durability: journal_mode=WAL with synchronous=FULL, so the WAL is fsynced
// at every commit and a Put that returned ok survives a process crash and a
// power loss alike. Group commit (tools/store/commit_queue.h) keeps that
// affordable: one fsync per batch, not per summary.
//
// Tables (every statement prepared, every value bound):
//   sessions(site, nonce, seq, day, config_hash, received_at, summary)
//       PRIMARY KEY(site, nonce); upserted keeping the highest seq.
//   days(site, day, version): version grows with every write to the day,
//       in the same transaction as the sessions it covers.
//   day_aggregates(site, day, config_hash, built_version, built_at, aggregate):
//       a cached per-day Aggregate, fresh while built_version == version.
//   config_versions(site, hash, first_current, last_current, compiled): every
//       config a site has served; last_current NULL while it is current.
//   day_damage(site, day, config_hash, built_version, unreadable): rows of
//       that build that failed verification, so a cached day still reports
//       them (written only when there are some).
// Aggregates are keyed by the config hash they are read through (the day's
// sessions of other versions translated to its ids); a session's day never
// changes, so marking its day is enough to invalidate every cached aggregate
// that could include it; retention and site deletion remove whole days,
// their sessions, aggregates and damage rows together. A version is recorded before the collector
// accepts a summary written with it, so a cached aggregate never misses a version. The schema
// version and its migrations: tools/store/store_schema.h.
#ifndef MICROCONV_TOOLS_STORE_SQLITE_STORE_H_
#define MICROCONV_TOOLS_STORE_SQLITE_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "tools/store/summary_store.h"

struct sqlite3;

namespace microconv {

class SqliteStore final : public SummaryStore {
 public:
  // Opens or creates the file and its tables.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<PutOutcome> Put(std::span<const StoredSummary> batch) override;
  Result<StoredAggregate> AggregateDays(const Config& config, uint32_t first_day,
                                        uint32_t last_day) override;
  Result<uint64_t> ForEachDayAggregate(const Config& config, uint32_t first_day, uint32_t last_day,
                                       const DayVisitor& visit) override;
  Status RecordCurrentConfig(const Config& config, int64_t now_ms) override;
  Result<std::vector<StoredConfigVersion>> ConfigVersions(std::string_view site) override;
  Status ForEachSession(std::string_view site, uint32_t first_day, uint32_t last_day,
                        const SessionVisitor& visit) override;
  Result<std::optional<uint32_t>> StoredSeq(std::string_view site, uint64_t nonce) override;
  Result<uint64_t> CountSessions() override;
  Status CheckWritable() override;
  Status CheckIntegrity() override;
  Status CheckSpace() override;
  UnreadableCounts Unreadable() override;
  Result<DeletedRows> DeleteDaysBefore(uint32_t first_kept_day) override;
  Result<DeletedRows> DeleteSite(std::string_view site) override;

 private:
  SqliteStore() = default;
  // Deletes one day of a site in one write transaction, adding to `deleted`.
  Status DeleteDay(std::string_view site, uint32_t day, DeletedRows& deleted);
  // Runs `sql` (binding `site` as ?1 when not empty, `cutoff` as ?2) in one
  // write transaction; the rows it changed.
  Result<uint64_t> DeleteRows(const char* sql, std::string_view site, int64_t cutoff);
  // ConfigVersions on read_db_, read_mutex_ held.
  Result<std::vector<StoredConfigVersion>> ReadConfigVersions(std::string_view site);

  // Writes go through write_db_ (one writer: the commit queue's thread);
  // reports and reads use read_db_, which WAL lets run beside the writer.
  sqlite3* write_db_ = nullptr;
  sqlite3* read_db_ = nullptr;
  std::mutex write_mutex_;
  std::mutex read_mutex_;
  std::string path_;
  std::mutex damage_mutex_;
  UnreadableCounts unreadable_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_SQLITE_STORE_H_
