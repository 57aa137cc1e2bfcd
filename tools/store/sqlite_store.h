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
//   days(site, day, version): version grows with every commit that writes
//       the day, and (triggers sessions_updated, sessions_deleted) with every
//       row changed or deleted by anyone, a hand edit included.
//   day_aggregates(site, day, config_hash, built_version, built_at, aggregate):
//       a day's base Aggregate read through one config, holding the day's
//       sessions up to built_version.
//   day_deltas(site, day, config_hash, from_version, to_version, added,
//       removed): what a run of commits did to that aggregate (summaries
//       added; previous versions of re-flushed sessions, to take back).
//       Gathered in memory across commits (PendingDay) and written in a
//       commit's transaction once it holds kDeltaSummaries summaries or is
//       kDeltaAge old, before a report reads the day, and at close; folded
//       into the base every kFoldDeltasAt. A crash loses only the gathered
//       part, never a session: the day's chain then stops short of its
//       version and the next report rebuilds that day from its sessions.
//   config_versions(site, hash, first_current, last_current, compiled): every
//       config a site has served; last_current NULL while it is current.
//   day_damage(site, day, config_hash, built_version, unreadable): rows of
//       the day that fail verification, kept with the aggregate.
//   replays(site, nonce, day, outcome, drops): one row per session whose
//       newest version carries a journey replay (tools/store/replay_index.h),
//       written by the commit that stores it; trigger sessions_deleted_replay
//       removes it with its session (retention, site deletion, hand edits).
// A day's aggregate through config C is its base plus the deltas chained
// from built_version up to days.version. Commits write deltas for each
// site's current config (RecordCurrentConfig), translating summaries of its
// older versions (core/config_history.h); a chain that does not reach the
// day's version (a day written before its config was current here, a row
// edited behind the store's back, another config asked for) is stale: that
// day is rebuilt from its sessions once and saved as a new base, from which
// commits continue. `microconv reindex` (Reindex) rebuilds every day.
// Retention and site deletion remove whole days: their sessions, base
// aggregates, deltas and damage rows together. A version is recorded before
// the collector accepts a summary written with it. The schema version and
// its migrations: tools/store/store_schema.h.
#ifndef MICROCONV_TOOLS_STORE_SQLITE_STORE_H_
#define MICROCONV_TOOLS_STORE_SQLITE_STORE_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "core/config_history.h"
#include "tools/store/summary_store.h"

struct sqlite3;

namespace microconv {

// Stored summaries of any recorded version of a site, folded into aggregates
// of one config (its current one): others are translated to its ids.
class VersionedReader {
 public:
  enum class Outcome { kFolded, kUnreadable, kUnknownVersion };
  // How far the caller already verified the bytes: not at all (bytes read
  // back from the file), their structure (VerifySummary without a config),
  // or fully against the config of their hash (StoredSummary::verified).
  enum class Checked { kNothing, kStructure, kFully };

  explicit VersionedReader(const Config& config);
  // Loads the site's other recorded versions.
  Status Load(sqlite3* db);
  // Adds (or, with remove, takes back) stored bytes written with config
  // `hash`. kUnreadable with `error` when they fail verification;
  // kUnknownVersion (left out) when the store never recorded that version.
  // `checked`: what the caller verified already is not verified twice.
  Outcome Fold(Aggregate& into, uint32_t hash, std::span<const uint8_t> bytes, bool remove,
               Error& error, Checked checked = Checked::kNothing) const;
  const Config& config() const { return config_; }

 private:
  struct OtherVersion {
    Config config;
    IdTranslation translation;
  };
  Config config_;
  std::map<uint32_t, OtherVersion> others_;
};

class SqliteStore final : public SummaryStore {
 public:
  // Opens or creates the file and its tables.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<PutOutcome> Put(std::span<const StoredSummary> batch) override;
  Result<uint64_t> ForEachDayAggregate(const Config& config, uint32_t first_day, uint32_t last_day,
                                       const DayVisitor& visit) override;
  Result<DayVersions> ListDayVersions(std::string_view site, uint32_t first_day,
                                      uint32_t last_day) override;
  Status RecordCurrentConfig(const Config& config, int64_t now_ms) override;
  Status Reindex(std::string_view site, const ReindexProgress& progress) override;
  Result<std::vector<StoredConfigVersion>> ConfigVersions(std::string_view site) override;
  Status ForEachSession(std::string_view site, uint32_t first_day, uint32_t last_day,
                        const SessionVisitor& visit) override;
  Result<std::optional<uint32_t>> StoredSeq(std::string_view site, uint64_t nonce) override;
  Result<ReplayPage> ListReplays(std::string_view site, uint32_t first_day, uint32_t last_day,
                                 const ReplayFilter& filter,
                                 std::optional<std::pair<uint32_t, uint64_t>> after,
                                 uint32_t limit) override;
  Result<std::optional<StoredSummary>> ReplaySession(std::string_view site,
                                                     uint64_t nonce) override;
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

  // What committed batches did to one (site, day) aggregate through the
  // site's current config since its chain's last delta (write_mutex_ held).
  struct PendingDay {
    const VersionedReader* reader = nullptr;
    uint32_t config_hash = 0;
    int64_t from_version = 0;  // where the chain on disk ends
    int64_t to_version = 0;    // the day's version after our last commit
    int64_t deltas = 0;        // deltas on disk after the base
    int64_t unreadable = 0;
    uint64_t summaries = 0;
    std::chrono::steady_clock::time_point since;
    Aggregate added, removed;
  };
  using DayKey = std::pair<std::string, uint32_t>;
  // Prepares Put's statements once (write_mutex_ held); false on failure.
  bool PreparePutLocked();
  // Writes `pending` as one delta (and its unreadable count; a fold once the
  // chain holds `fold_at` deltas) in the open write transaction.
  Status WriteDeltaLocked(const DayKey& key, const PendingDay& pending, int64_t fold_at);
  // Writes every gathered delta of `site` ("" = every site) in its own
  // transaction; the pending days written are forgotten.
  Status WritePendingDeltas(std::string_view site, int64_t fold_at);
  Status WritePendingDeltasLocked(std::string_view site, int64_t fold_at);
  // Forgets gathered deltas (their days are rebuilt on read): before a
  // write that changes a day's aggregate some other way; no day: every day.
  void DropPendingLocked(std::string_view site, std::optional<uint32_t> day = std::nullopt);

  // Writes go through write_db_ (one writer: the commit queue's thread);
  // reports and reads use read_db_, which WAL lets run beside the writer.
  sqlite3* write_db_ = nullptr;
  sqlite3* read_db_ = nullptr;
  std::mutex write_mutex_;
  std::mutex read_mutex_;
  std::string path_;
  std::mutex damage_mutex_;
  UnreadableCounts unreadable_;
  // Per site, what commits fold summaries through (write_mutex_ held).
  std::map<std::string, VersionedReader, std::less<>> readers_;
  // Put's statements, prepared on the first Put and reused (write_mutex_
  // held): preparing seven per commit cost more than the commit's rows at
  // small batches. Finalized before write_db_ closes.
  struct PutStatements;
  std::unique_ptr<PutStatements> put_statements_;
  std::map<DayKey, PendingDay> pending_;
  // When Put last wrote a delta due by age or chain, not size
  // (kAgedDeltaSpacing).
  std::chrono::steady_clock::time_point last_aged_write_{};
  // DayVersions::epoch: moved after every day deletion commits (a report
  // reads it before the versions, so what it read is never taken for a
  // day stored again at the same version).
  std::atomic<uint64_t> epoch_{0};
};

// Schema 2 -> 3, run once by Open: builds every site's day aggregates
// through its current config, so commits can keep them from then on.
Status MigrateToIncrementalAggregates(SqliteStore& store);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_SQLITE_STORE_H_
