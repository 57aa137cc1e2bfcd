#include "tools/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/config_history.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/serve/event_log.h"
#include "tools/store/sqlite_statement.h"
#include "tools/store/store_schema.h"

namespace microconv {
namespace {

// A day's deltas are folded into its base aggregate once there are this
// many: a report decodes the base and at most this many deltas per day.
// Deltas are gathered across commits (below), so each is large (up to
// kDeltaSummaries summaries) and rare: folding every 4th keeps a report's
// decoding near one base per day (25 unfolded large deltas per day made a
// 1M-session report 8x slower than base + small deltas).
constexpr int64_t kFoldDeltasAt = 4;
// A report writes the deltas gathered so far without folding (a fold of
// every day would be on its clock), unless a day's chain reached this.
constexpr int64_t kFoldDeltasOnReadAt = 32;

// Commits gather what they do to a day's aggregate in memory and write it
// as one delta once it holds this many summaries or is this old (or a
// report reads the day): a delta per commit and day touched cost more than
// the commit's rows under load (each is an Aggregate::Serialize).
constexpr uint64_t kDeltaSummaries = 4096;
constexpr auto kDeltaAge = std::chrono::seconds(2);
// The time a commit spends writing gathered deltas, after its first one:
// the rest wait for the next commit. Every acknowledgement of the batch
// waits for this work, and after a burst every day came due together
// (30 days, a fold of about 5 ms each, in one commit: the bench's p99 at
// 5,000/s right after its flat-out run was 47-70 ms).
constexpr auto kDeltaWorkPerCommit = std::chrono::milliseconds(2);
// Deltas due only by age (or by chain, below) are written by commits at
// least this far apart.
// Days whose deltas started together come of age together (after a burst,
// all 30 of the bench's days within ~1 ms), and one each by consecutive
// commits stalled ~30 commits in a row by a write and fold of 5-15 ms: the
// bench's p99 at 5,000/s 22-36 ms. 30 days written every 2 s need one
// write per 67 ms; this allows one per 20 ms.
constexpr auto kAgedDeltaSpacing = std::chrono::milliseconds(20);
// A day whose chain is this long is due like an aged one (so folded when
// it is written): reports write gathered deltas without folding, so a day
// read more often than its delta ages would otherwise grow its chain to
// kFoldDeltasOnReadAt, each report decoding all of it.
constexpr int64_t kChainDueAt = 2 * kFoldDeltasAt;

constexpr const char* kRetireConfigSql = R"sql(
UPDATE config_versions SET last_current = ?3
WHERE site = ?1 AND hash != ?2 AND last_current IS NULL)sql";

constexpr const char* kCurrentConfigSql = R"sql(
INSERT INTO config_versions(site, hash, first_current, last_current, compiled)
VALUES(?1, ?2, ?3, NULL, ?4)
ON CONFLICT(site, hash) DO UPDATE SET last_current = NULL)sql";

// The current version (last_current NULL) last.
constexpr const char* kConfigVersionsSql = R"sql(
SELECT hash, first_current, last_current, compiled FROM config_versions WHERE site = ?1
ORDER BY last_current IS NULL, last_current, first_current)sql";

constexpr const char* kUpsertSessionSql = R"sql(
INSERT INTO sessions(site, nonce, seq, day, config_hash, received_at, summary)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT(site, nonce) DO UPDATE SET
  seq = excluded.seq, config_hash = excluded.config_hash,
  received_at = excluded.received_at, summary = excluded.summary
WHERE excluded.seq > sessions.seq)sql";

constexpr const char* kMarkDaySql = R"sql(
INSERT INTO days(site, day, version) VALUES(?1, ?2, 1)
ON CONFLICT(site, day) DO UPDATE SET version = version + 1)sql";

constexpr const char* kDaysSql = R"sql(
SELECT d.day, d.version, m.unreadable
FROM days d LEFT JOIN day_damage m
  ON m.site = d.site AND m.day = d.day AND m.config_hash = ?2
WHERE d.site = ?1 AND d.day BETWEEN ?3 AND ?4 ORDER BY d.day)sql";

constexpr const char* kDayVersionsSql = R"sql(
SELECT day, version FROM days WHERE site = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day)sql";

constexpr const char* kDaySessionsSql = R"sql(
SELECT config_hash, summary FROM sessions WHERE site = ?1 AND day = ?2)sql";

constexpr const char* kSaveAggregateSql = R"sql(
INSERT INTO day_aggregates(site, day, config_hash, built_version, built_at, aggregate)
VALUES(?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(site, day, config_hash) DO UPDATE SET
  built_version = excluded.built_version, built_at = excluded.built_at,
  aggregate = excluded.aggregate
WHERE excluded.built_version >= day_aggregates.built_version)sql";

// A rebuilt day's count replaces the chain's.
constexpr const char* kSaveDamageSql = R"sql(
INSERT INTO day_damage(site, day, config_hash, built_version, unreadable)
VALUES(?1, ?2, ?3, ?4, ?5)
ON CONFLICT(site, day, config_hash) DO UPDATE SET
  built_version = excluded.built_version, unreadable = excluded.unreadable
WHERE excluded.built_version >= day_damage.built_version)sql";

// A commit's unreadable summaries (negative: replaced ones) join the count.
constexpr const char* kAddDamageSql = R"sql(
INSERT INTO day_damage(site, day, config_hash, built_version, unreadable)
VALUES(?1, ?2, ?3, ?4, ?5)
ON CONFLICT(site, day, config_hash) DO UPDATE SET
  built_version = excluded.built_version, unreadable = unreadable + excluded.unreadable)sql";

// Is the (site, day, config) chain complete? The day's version, its base's
// built version, and the newest delta and how many there are.
constexpr const char* kChainSql = R"sql(
SELECT (SELECT version FROM days WHERE site = ?1 AND day = ?2),
  (SELECT built_version FROM day_aggregates WHERE site = ?1 AND day = ?2 AND config_hash = ?3),
  (SELECT max(to_version) FROM day_deltas WHERE site = ?1 AND day = ?2 AND config_hash = ?3),
  (SELECT count(*) FROM day_deltas WHERE site = ?1 AND day = ?2 AND config_hash = ?3))sql";

constexpr const char* kDayVersionSql = R"sql(
SELECT version FROM days WHERE site = ?1 AND day = ?2)sql";

constexpr const char* kBaseSql = R"sql(
SELECT built_version, aggregate FROM day_aggregates
WHERE site = ?1 AND day = ?2 AND config_hash = ?3)sql";

constexpr const char* kDeltasSql = R"sql(
SELECT from_version, to_version, added, removed FROM day_deltas
WHERE site = ?1 AND day = ?2 AND config_hash = ?3 ORDER BY to_version)sql";

constexpr const char* kSaveDeltaSql = R"sql(
INSERT INTO day_deltas(site, day, config_hash, from_version, to_version, added, removed)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";

// Deltas a base built at ?4 already holds.
constexpr const char* kDropDeltasSql = R"sql(
DELETE FROM day_deltas WHERE site = ?1 AND day = ?2 AND config_hash = ?3 AND to_version <= ?4)sql";

// A session's replay row follows its newest version (replays_by_day).
constexpr const char* kPutReplaySql = R"sql(
INSERT OR REPLACE INTO replays(site, nonce, day, outcome, drops) VALUES(?1, ?2, ?3, ?4, ?5))sql";
constexpr const char* kDropReplaySql = "DELETE FROM replays WHERE site = ?1 AND nonce = ?2";

constexpr const char* kPreviousSql = R"sql(
SELECT seq, day, config_hash, summary, rowid FROM sessions WHERE site = ?1 AND nonce = ?2)sql";

// A re-flush under the config its stored row was written with: the row
// found by kPreviousSql, changed in place. The upsert would look the key up
// again and rewrite the sessions_by_day entry (its config_hash is set).
constexpr const char* kReplaceSessionSql = R"sql(
UPDATE sessions SET seq = ?2, received_at = ?3, summary = ?4 WHERE rowid = ?1)sql";

constexpr const char* kRangeSql = R"sql(
SELECT nonce, seq, day, config_hash, received_at, summary FROM sessions
WHERE site = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day, nonce)sql";

// SQLite integers are signed 64-bit: nonces are stored bit-cast.
int64_t NonceColumn(uint64_t nonce) { return std::bit_cast<int64_t>(nonce); }

Result<std::vector<StoredConfigVersion>> ReadVersions(sqlite3* db, std::string_view site) {
  using R = Result<std::vector<StoredConfigVersion>>;
  Statement query(db, kConfigVersionsSql);
  if (!query.ok()) {
    Status error = DbError(db, "prepare config versions");
    return R(error.error, error.message);
  }
  query.Bind(1, site);
  std::vector<StoredConfigVersion> versions;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    StoredConfigVersion version;
    version.hash = static_cast<uint32_t>(query.Int(0));
    version.first_current_ms = query.Int(1);
    version.last_current_ms = query.IsNull(2) ? 0 : query.Int(2);
    const auto blob = query.Blob(3);
    version.compiled.assign(blob.begin(), blob.end());
    versions.push_back(std::move(version));
  }
  if (rc != SQLITE_DONE) {
    Status error = DbError(db, "read config versions");
    return R(error.error, error.message);
  }
  return R(std::move(versions));
}

// A day aggregate and its unreadable rows, rebuilt from the day's sessions.
struct RebuiltDay {
  Aggregate aggregate;
  uint64_t unreadable = 0;
};

// Every stored session of the day, folded through the reader.
Result<RebuiltDay> RebuildDay(sqlite3* db, const VersionedReader& reader, uint32_t day,
                              UnreadableCounts& found) {
  using R = Result<RebuiltDay>;
  Statement sessions(db, kDaySessionsSql);
  if (!sessions.ok()) {
    Status error = DbError(db, "prepare day scan");
    return R(error.error, error.message);
  }
  RebuiltDay rebuilt{Aggregate(reader.config())};
  sessions.Bind(1, reader.config().site());
  sessions.Bind(2, int64_t{day});
  int rc;
  while ((rc = sessions.Step()) == SQLITE_ROW) {
    Error error = Error::kOk;
    const auto hash = static_cast<uint32_t>(sessions.Int(0));
    if (reader.Fold(rebuilt.aggregate, hash, sessions.Blob(1), false, error) ==
        VersionedReader::Outcome::kUnreadable) {
      ++rebuilt.unreadable;
      ++found[ErrorName(error)];
    }
  }
  if (rc != SQLITE_DONE) {
    Status error = DbError(db, "scan day");
    return R(error.error, error.message);
  }
  return R(std::move(rebuilt));
}

// The (site, day, config) aggregate from its base and deltas when they
// reach the day's `version`; nullopt when the chain is stale (the day
// changed without a delta: written before the config was current here, a
// row edited or deleted behind the store's back, a version never recorded).
Result<std::optional<Aggregate>> ReadChain(sqlite3* db, const Config& config, uint32_t day,
                                           int64_t version) {
  using R = Result<std::optional<Aggregate>>;
  Statement base(db, kBaseSql);
  Statement deltas(db, kDeltasSql);
  if (!base.ok() || !deltas.ok()) {
    Status error = DbError(db, "prepare day aggregate");
    return R(error.error, error.message);
  }
  for (Statement* query : {&base, &deltas}) {
    query->Bind(1, config.site());
    query->Bind(2, int64_t{day});
    query->Bind(3, int64_t{config.hash()});
  }
  std::optional<Aggregate> aggregate;
  int64_t at = 0;
  if (base.Step() == SQLITE_ROW) {
    auto stored = Aggregate::Deserialize(base.Blob(1));
    if (!stored.ok() || stored.value().config_hash() != config.hash()) return R(std::nullopt);
    at = base.Int(0);
    aggregate = std::move(stored).value();
  } else {
    aggregate = Aggregate(config);
  }
  int rc;
  while (at < version && (rc = deltas.Step()) == SQLITE_ROW) {
    if (deltas.Int(1) <= at) continue;  // already in the base
    if (deltas.Int(0) != at) break;     // a gap: stale
    auto added = Aggregate::Deserialize(deltas.Blob(2));
    if (!added.ok() || !aggregate->Merge(added.value()).ok()) return R(std::nullopt);
    if (!deltas.IsNull(3)) {
      auto removed = Aggregate::Deserialize(deltas.Blob(3));
      if (!removed.ok() || !aggregate->Unmerge(removed.value()).ok()) return R(std::nullopt);
    }
    at = deltas.Int(1);
  }
  if (at != version) return R(std::nullopt);
  return R(std::move(aggregate));
}

// Stores a day's base aggregate built at `version` and drops the deltas it
// holds; `unreadable` (when given) replaces the day's damage count.
Status SaveBase(sqlite3* db, const Config& config, uint32_t day, int64_t version,
                const Aggregate& aggregate, std::optional<uint64_t> unreadable) {
  Statement save(db, kSaveAggregateSql);
  Statement drop(db, kDropDeltasSql);
  Statement damage(db, kSaveDamageSql);
  if (!save.ok() || !drop.ok() || !damage.ok()) return DbError(db, "prepare day aggregate save");
  const std::vector<uint8_t> bytes = aggregate.Serialize();
  save.Bind(1, config.site());
  save.Bind(2, int64_t{day});
  save.Bind(3, int64_t{config.hash()});
  save.Bind(4, version);
  save.Bind(5, NowMs());
  save.Bind(6, std::span<const uint8_t>(bytes));
  if (save.Step() != SQLITE_DONE) return DbError(db, "save day aggregate");
  drop.Bind(1, config.site());
  drop.Bind(2, int64_t{day});
  drop.Bind(3, int64_t{config.hash()});
  drop.Bind(4, version);
  if (drop.Step() != SQLITE_DONE) return DbError(db, "drop day deltas");
  if (unreadable.has_value()) {
    damage.Bind(1, config.site());
    damage.Bind(2, int64_t{day});
    damage.Bind(3, int64_t{config.hash()});
    damage.Bind(4, version);
    damage.Bind(5, static_cast<int64_t>(*unreadable));
    if (damage.Step() != SQLITE_DONE) return DbError(db, "save day damage");
  }
  return {};
}

}  // namespace

VersionedReader::VersionedReader(const Config& config) : config_(config) {}

Status VersionedReader::Load(sqlite3* db) {
  others_.clear();
  auto versions = ReadVersions(db, config_.site());
  if (!versions.ok()) return {versions.error(), versions.message()};
  for (const StoredConfigVersion& version : versions.value()) {
    if (version.hash == config_.hash()) continue;
    auto old = Config::FromCompiled(version.compiled);
    if (!old.ok()) continue;  // damaged row: its sessions stay unread
    IdTranslation translation(old.value(), config_);
    others_.emplace(version.hash, OtherVersion{std::move(old).value(), std::move(translation)});
  }
  return {};
}

VersionedReader::Outcome VersionedReader::Fold(Aggregate& into, uint32_t hash,
                                               std::span<const uint8_t> bytes, bool remove,
                                               Error& error, Checked checked) const {
  // Verified at ingest; bytes read back are verified again so a damaged
  // file cannot feed unchecked bytes to the aggregation (those the collector
  // hands over straight from its own check are not). Rows of a config
  // version the store never recorded are left out.
  const Config* written_with = &config_;
  const OtherVersion* other = nullptr;
  if (hash != config_.hash()) {
    auto found = others_.find(hash);
    if (found == others_.end()) return Outcome::kUnknownVersion;
    other = &found->second;
    written_with = &other->config;
  }
  // Unverified bytes are never read, not even for their root offset.
  Result<const wire::Summary*> summary =
      checked == Checked::kNothing ? VerifySummary(bytes, written_with)
                                   : Result<const wire::Summary*>(wire::GetSummary(bytes.data()));
  if (checked == Checked::kStructure) {
    if (Status st = CheckSummaryAgainstConfig(*summary.value(), *written_with); !st.ok()) {
      summary = Result<const wire::Summary*>(st.error, st.message);
    }
  }
  if (!summary.ok()) {
    error = summary.error();
    return Outcome::kUnreadable;
  }
  Status folded;
  if (other == nullptr) {
    folded = remove ? into.Remove(*summary.value()) : into.Add(*summary.value());
  } else {
    const std::vector<uint8_t> translated = other->translation.Translate(*summary.value());
    const wire::Summary& read = *wire::GetSummary(translated.data());
    folded = remove ? into.Remove(read) : into.Add(read);
  }
  if (!folded.ok()) {
    error = folded.error;
    return Outcome::kUnreadable;
  }
  return Outcome::kFolded;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  using R = Result<std::unique_ptr<SqliteStore>>;
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->path_ = path;
  auto write_db = OpenSqlite(path);
  if (!write_db.ok()) return R(write_db.error(), write_db.message());
  store->write_db_ = write_db.value();
  {
    // journal_mode=WAL silently stays "delete" on file systems without
    // shared memory: refuse rather than lose the concurrency we rely on.
    Statement mode(store->write_db_, "PRAGMA journal_mode");
    if (!mode.ok() || mode.Step() != SQLITE_ROW || mode.Text(0) != "wal") {
      return R(Error::kUnavailable, "store " + path + ": WAL journal mode unavailable");
    }
  }
  auto migrated = MigrateStoreSchema(store->write_db_, path, LogEvent);
  if (!migrated.ok()) return R(migrated.error(), migrated.message());
  const int found = migrated.value();
  auto read_db = OpenSqlite(path);
  if (!read_db.ok()) return R(read_db.error(), read_db.message());
  store->read_db_ = read_db.value();
  // Schema 3 (tools/store/store_schema.cc) keeps aggregates at commit: a file
  // from before builds them once here, after its tables were migrated.
  if (found > 0 && found < 3) {
    if (Status built = MigrateToIncrementalAggregates(*store); !built.ok()) {
      return R(built.error, built.message);
    }
  }
  return R(std::move(store));
}

Status MigrateToIncrementalAggregates(SqliteStore& store) {
  // Schema 3 keeps aggregates current at commit: build each site's, through
  // its current config, once (as `microconv reindex` would).
  return store.Reindex("", nullptr);
}

struct SqliteStore::PutStatements {
  explicit PutStatements(sqlite3* db)
      : previous(db, kPreviousSql),
        upsert(db, kUpsertSessionSql),
        replace(db, kReplaceSessionSql),
        mark(db, kMarkDaySql),
        chain(db, kChainSql),
        day_version(db, kDayVersionSql),
        save_delta(db, kSaveDeltaSql),
        add_damage(db, kAddDamageSql),
        put_replay(db, kPutReplaySql),
        drop_replay(db, kDropReplaySql) {}
  bool ok() const {
    return previous.ok() && upsert.ok() && replace.ok() && mark.ok() && chain.ok() &&
           day_version.ok() && save_delta.ok() && add_damage.ok() && put_replay.ok() &&
           drop_replay.ok();
  }
  // A failed Put may leave one mid-step.
  void ResetAll() {
    for (Statement* s : {&previous, &upsert, &replace, &mark, &chain, &day_version, &save_delta,
                         &add_damage, &put_replay, &drop_replay}) {
      s->Reset();
    }
  }
  Statement previous, upsert, replace, mark, chain, day_version, save_delta, add_damage, put_replay,
      drop_replay;
};

SqliteStore::~SqliteStore() {
  // Saves the next report a rebuild of each day with gathered deltas.
  if (Status written = WritePendingDeltas("", kFoldDeltasAt); !written.ok()) {
    LogEvent("store: gathered day deltas not written at close (days rebuilt on read): " +
             written.message);
  }
  put_statements_.reset();  // finalized before their connection closes
  sqlite3_close(read_db_);
  sqlite3_close(write_db_);
}

bool SqliteStore::PreparePutLocked() {
  if (put_statements_ != nullptr) return true;
  put_statements_ = std::make_unique<PutStatements>(write_db_);
  if (put_statements_->ok()) return true;
  put_statements_.reset();
  return false;
}

Status SqliteStore::WriteDeltaLocked(const DayKey& key, const PendingDay& pending,
                                     int64_t fold_at) {
  PutStatements& st = *put_statements_;
  const auto& [site, day] = key;
  const Config& config = pending.reader->config();
  const std::vector<uint8_t> added = pending.added.Serialize();
  st.save_delta.Bind(1, site);
  st.save_delta.Bind(2, int64_t{day});
  st.save_delta.Bind(3, int64_t{config.hash()});
  st.save_delta.Bind(4, pending.from_version);
  st.save_delta.Bind(5, pending.to_version);
  st.save_delta.Bind(6, std::span<const uint8_t>(added));
  if (pending.removed.sessions() > 0) {
    const std::vector<uint8_t> removed = pending.removed.Serialize();
    st.save_delta.Bind(7, std::span<const uint8_t>(removed));
  }
  const bool saved = st.save_delta.Step() == SQLITE_DONE;
  st.save_delta.Reset();
  if (!saved) return DbError(write_db_, "save day delta");
  if (pending.unreadable != 0) {
    st.add_damage.Bind(1, site);
    st.add_damage.Bind(2, int64_t{day});
    st.add_damage.Bind(3, int64_t{config.hash()});
    st.add_damage.Bind(4, pending.to_version);
    st.add_damage.Bind(5, pending.unreadable);
    const bool counted = st.add_damage.Step() == SQLITE_DONE;
    st.add_damage.Reset();
    if (!counted) return DbError(write_db_, "count unreadable");
  }
  if (pending.deltas + 1 >= fold_at) {
    // Fold the deltas into the base; a failed read leaves them (the next
    // delta tries again).
    auto folded = ReadChain(write_db_, config, day, pending.to_version);
    if (folded.ok() && folded.value().has_value()) {
      Status saved_base =
          SaveBase(write_db_, config, day, pending.to_version, *folded.value(), std::nullopt);
      if (!saved_base.ok()) return saved_base;
    }
  }
  return {};
}

void SqliteStore::DropPendingLocked(std::string_view site, std::optional<uint32_t> day) {
  std::erase_if(pending_, [&](const auto& item) {
    return (site.empty() || item.first.first == site) &&
           (!day.has_value() || item.first.second == *day);
  });
}

Status SqliteStore::WritePendingDeltas(std::string_view site, int64_t fold_at) {
  std::lock_guard lock(write_mutex_);
  return WritePendingDeltasLocked(site, fold_at);
}

Status SqliteStore::WritePendingDeltasLocked(std::string_view site, int64_t fold_at) {
  const auto of_site = [&](const auto& item) { return site.empty() || item.first.first == site; };
  if (std::none_of(pending_.begin(), pending_.end(), of_site)) return {};
  if (!PreparePutLocked()) return DbError(write_db_, "prepare put");
  // Not fsynced here: the deltas are derived from sessions already durable,
  // and WAL frames are synced in order by the next commit that is. Lost at a
  // crash before it, the day's chain is short and the day rebuilt on read.
  Exec(write_db_, "PRAGMA synchronous=NORMAL");
  Status status = Exec(write_db_, "BEGIN IMMEDIATE");
  for (auto it = pending_.begin(); status.ok() && it != pending_.end(); ++it) {
    if (of_site(*it)) status = WriteDeltaLocked(it->first, it->second, fold_at);
  }
  if (status.ok()) status = Exec(write_db_, "COMMIT");
  if (!status.ok()) {
    put_statements_->ResetAll();
    Exec(write_db_, "ROLLBACK");
  }
  Exec(write_db_, "PRAGMA synchronous=FULL");
  // Written, or not (then the days are rebuilt on read): forgotten alike.
  std::erase_if(pending_, of_site);
  return status;
}

Result<PutOutcome> SqliteStore::Put(std::span<const StoredSummary> batch) {
  using R = Result<PutOutcome>;
  std::lock_guard lock(write_mutex_);
  PutOutcome outcome;
  if (batch.empty()) return outcome;
  Status begin = Exec(write_db_, "BEGIN IMMEDIATE");
  if (!begin.ok()) return R(begin.error, begin.message);
  auto fail = [&](std::string_view what) {
    Status error = DbError(write_db_, what);
    if (put_statements_ != nullptr) put_statements_->ResetAll();
    Exec(write_db_, "ROLLBACK");
    // The gathered deltas may hold this batch's rolled-back part: forget
    // them all (their days are rebuilt on read).
    pending_.clear();
    return R(error.error, error.message);
  };
  if (!PreparePutLocked()) return fail("prepare put");
  PutStatements& st = *put_statements_;
  Statement &previous = st.previous, &upsert = st.upsert, &mark = st.mark, &chain = st.chain,
            &day_version = st.day_version;
  // The days this batch touches, each with the gathered delta it adds to
  // (null: no delta, the chain is stale and the day rebuilt on read).
  std::map<std::pair<std::string_view, uint32_t>, PendingDay*> changes;
  UnreadableCounts found;
  const auto now = std::chrono::steady_clock::now();
  // The day's version before this commit; 0 for a day never written.
  auto version_of = [&](std::string_view site, uint32_t day) -> std::optional<int64_t> {
    day_version.Bind(1, site);
    day_version.Bind(2, int64_t{day});
    const int rc = day_version.Step();
    const int64_t version = rc == SQLITE_ROW ? day_version.Int(0) : 0;
    day_version.Reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::nullopt;
    return version;
  };
  // false: a read failed.
  auto change_of = [&](std::string_view site, uint32_t day, PendingDay*& out) -> bool {
    auto [it, fresh] = changes.try_emplace({site, day}, nullptr);
    out = it->second;
    if (!fresh) return true;
    auto reader = readers_.find(site);
    if (reader == readers_.end()) return true;
    const Config& config = reader->second.config();
    DayKey key(site, day);
    if (auto gathered = pending_.find(key); gathered != pending_.end()) {
      // It continues only if no one else moved the day since our last commit.
      const auto version = version_of(site, day);
      if (!version.has_value()) return false;
      if (gathered->second.config_hash == config.hash() &&
          gathered->second.to_version == *version) {
        out = it->second = &gathered->second;
        return true;
      }
      pending_.erase(gathered);
    }
    chain.Bind(1, site);
    chain.Bind(2, int64_t{day});
    chain.Bind(3, int64_t{config.hash()});
    if (chain.Step() != SQLITE_ROW) return false;
    const int64_t version = chain.IsNull(0) ? 0 : chain.Int(0);
    const int64_t built = chain.IsNull(1) ? -1 : chain.Int(1);
    const int64_t newest_delta = chain.IsNull(2) ? -1 : chain.Int(2);
    const int64_t deltas = chain.Int(3);
    chain.Reset();
    // A new day starts from the empty aggregate; any other continues a
    // chain that reaches the day's version.
    if (version == 0 || std::max(built, newest_delta) == version) {
      PendingDay& pending = pending_[std::move(key)];
      pending.reader = &reader->second;
      pending.config_hash = config.hash();
      pending.from_version = pending.to_version = version;
      pending.deltas = deltas;
      pending.since = now;
      pending.added = Aggregate(config);
      pending.removed = Aggregate(config);
      out = it->second = &pending;
    }
    return true;
  };
  std::vector<uint8_t> previous_bytes;
  for (const StoredSummary& s : batch) {
    previous.Bind(1, s.site);
    previous.Bind(2, NonceColumn(s.nonce));
    const int found_previous = previous.Step();
    if (found_previous != SQLITE_ROW && found_previous != SQLITE_DONE) {
      return fail("read stored session");
    }
    const bool replaces = found_previous == SQLITE_ROW;
    uint32_t day = s.day, previous_hash = 0;
    int64_t previous_row = 0;
    if (replaces) {
      if (static_cast<uint32_t>(previous.Int(0)) >= s.seq) {
        previous.Reset();
        ++outcome.ignored;
        continue;
      }
      day = static_cast<uint32_t>(previous.Int(1));  // a session's day never changes
      previous_hash = static_cast<uint32_t>(previous.Int(2));
      previous_row = previous.Int(4);
      const auto blob = previous.Blob(3);
      previous_bytes.assign(blob.begin(), blob.end());
    }
    previous.Reset();
    // Before the upsert: replacing a row fires sessions_updated, which moves
    // the day's version within this transaction, and the chain must be
    // compared with the version before this commit.
    PendingDay* change = nullptr;
    if (!change_of(s.site, day, change)) return fail("read day aggregate chain");
    // The stored version's structure is verified once, for the element-click
    // merge and the take-back below.
    const bool previous_structure = replaces && VerifySummary(previous_bytes).ok();
    const std::vector<uint8_t> merged =
        previous_structure ? WithStoredElementClicks(previous_bytes, s.bytes, s.verified, true)
                           : std::vector<uint8_t>();
    const std::vector<uint8_t>& bytes = merged.empty() ? s.bytes : merged;
    if (replaces && previous_hash == s.config_hash) {
      Statement& replace = st.replace;
      replace.Bind(1, previous_row);
      replace.Bind(2, int64_t{s.seq});
      replace.Bind(3, s.received_at_ms);
      replace.Bind(4, std::span<const uint8_t>(bytes));
      if (replace.Step() != SQLITE_DONE) return fail("replace session");
      replace.Reset();
    } else {
      upsert.Bind(1, s.site);
      upsert.Bind(2, NonceColumn(s.nonce));
      upsert.Bind(3, int64_t{s.seq});
      upsert.Bind(4, int64_t{s.day});
      upsert.Bind(5, int64_t{s.config_hash});
      upsert.Bind(6, s.received_at_ms);
      upsert.Bind(7, std::span<const uint8_t>(bytes));
      if (upsert.Step() != SQLITE_DONE) return fail("upsert session");
      upsert.Reset();
    }
    ++outcome.written;
    if (s.replay.has_value()) {
      st.put_replay.Bind(1, s.site);
      st.put_replay.Bind(2, NonceColumn(s.nonce));
      st.put_replay.Bind(3, int64_t{day});
      st.put_replay.Bind(4, int64_t{s.replay->outcome});
      st.put_replay.Bind(5, DropsText(s.replay->drops));
      if (st.put_replay.Step() != SQLITE_DONE) return fail("index replay");
      st.put_replay.Reset();
    } else if (replaces) {
      st.drop_replay.Bind(1, s.site);
      st.drop_replay.Bind(2, NonceColumn(s.nonce));
      if (st.drop_replay.Step() != SQLITE_DONE) return fail("drop replay");
      st.drop_replay.Reset();
    }
    if (change == nullptr) continue;
    ++change->summaries;
    Error error = Error::kOk;
    using Checked = VersionedReader::Checked;
    if (change->reader->Fold(change->added, s.config_hash, bytes, false, error,
                             s.verified && merged.empty() ? Checked::kFully : Checked::kNothing) ==
        VersionedReader::Outcome::kUnreadable) {
      ++change->unreadable;
      ++found[ErrorName(error)];
    }
    // The previous version was counted when it came: readable then (its
    // figures are taken back) or not (its damage count is).
    if (replaces &&
        change->reader->Fold(change->removed, previous_hash, previous_bytes, false, error,
                             previous_structure ? Checked::kStructure : Checked::kNothing) ==
            VersionedReader::Outcome::kUnreadable) {
      --change->unreadable;
    }
  }
  for (const auto& [key, change] : changes) {
    mark.Bind(1, key.first);
    mark.Bind(2, int64_t{key.second});
    if (mark.Step() != SQLITE_DONE) return fail("mark day");
    mark.Reset();
  }
  // A gathered delta is written once it is big or old enough: every commit
  // serialising one per day it touched was the largest part of the commit.
  // Biggest first, then oldest, within the commit's budget for this work;
  // those due only by age or chain, only when none was written for a while.
  const bool aged_may_go = now - last_aged_write_ >= kAgedDeltaSpacing;
  std::vector<std::pair<DayKey, const PendingDay*>> due;
  for (const auto& [key, change] : changes) {
    if (change == nullptr) continue;
    const auto version = version_of(key.first, key.second);
    if (!version.has_value()) return fail("read day version");
    change->to_version = *version;
    if (change->summaries >= kDeltaSummaries ||
        (aged_may_go && (now - change->since >= kDeltaAge || change->deltas >= kChainDueAt))) {
      due.emplace_back(DayKey(key.first, key.second), change);
    }
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    const bool a_big = a.second->summaries >= kDeltaSummaries;
    const bool b_big = b.second->summaries >= kDeltaSummaries;
    return a_big != b_big ? a_big : a.second->since < b.second->since;
  });
  std::vector<DayKey> written;
  const auto work_start = std::chrono::steady_clock::now();
  for (auto& [day_key, change] : due) {
    if (!written.empty() && std::chrono::steady_clock::now() - work_start >= kDeltaWorkPerCommit) {
      break;
    }
    if (!WriteDeltaLocked(day_key, *change, kFoldDeltasAt).ok()) return fail("save day delta");
    if (change->summaries < kDeltaSummaries) last_aged_write_ = std::chrono::steady_clock::now();
    written.push_back(std::move(day_key));
  }
  Status commit = Exec(write_db_, "COMMIT");
  if (!commit.ok()) {
    Exec(write_db_, "ROLLBACK");
    pending_.clear();
    return R(commit.error, commit.message);
  }
  for (const DayKey& key : written) pending_.erase(key);
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  return outcome;
}

Result<uint64_t> SqliteStore::ForEachDayAggregate(const Config& config, uint32_t first_day,
                                                  uint32_t last_day, const DayVisitor& visit) {
  using R = Result<uint64_t>;
  // The report reads every commit: deltas gathered for the site are written
  // first. Failing, the days are rebuilt from their sessions: still exact.
  if (Status written = WritePendingDeltas(config.site(), kFoldDeltasOnReadAt); !written.ok()) {
    LogEvent("store: gathered day deltas not written (days rebuilt on read): " + written.message);
  }
  struct Rebuilt {
    uint32_t day;
    int64_t version;
    RebuiltDay rebuilt;
  };
  std::lock_guard lock(read_mutex_);
  uint64_t unreadable = 0;
  UnreadableCounts found;
  std::vector<Rebuilt> rebuilt;
  // One read transaction: the versions, deltas and sessions read agree.
  Status begin = Exec(read_db_, "BEGIN");
  if (!begin.ok()) return R(begin.error, begin.message);
  auto fail = [&](Status status) {
    Exec(read_db_, "ROLLBACK");
    return R(status.error, status.message);
  };
  // Loaded on the first rebuild only: kept days need no translation.
  std::optional<VersionedReader> reader;
  {
    Statement days(read_db_, kDaysSql);
    if (!days.ok()) return fail(DbError(read_db_, "prepare report"));
    days.Bind(1, config.site());
    days.Bind(2, int64_t{config.hash()});
    days.Bind(3, int64_t{first_day});
    days.Bind(4, int64_t{last_day});
    int rc;
    while ((rc = days.Step()) == SQLITE_ROW) {
      const auto day = static_cast<uint32_t>(days.Int(0));
      const int64_t version = days.Int(1);
      auto kept = ReadChain(read_db_, config, day, version);
      if (!kept.ok()) return fail({kept.error(), kept.message()});
      if (kept.value().has_value()) {
        unreadable += days.IsNull(2) ? 0 : static_cast<uint64_t>(days.Int(2));
        if (HoldsSessions(*kept.value())) visit(day, *kept.value());
        continue;
      }
      if (!reader.has_value()) {
        reader.emplace(config);
        if (Status loaded = reader->Load(read_db_); !loaded.ok()) return fail(loaded);
      }
      auto built = RebuildDay(read_db_, *reader, day, found);
      if (!built.ok()) return fail({built.error(), built.message()});
      unreadable += built.value().unreadable;
      if (HoldsSessions(built.value().aggregate)) visit(day, built.value().aggregate);
      rebuilt.push_back({day, version, std::move(built).value()});
    }
    if (rc != SQLITE_DONE) return fail(DbError(read_db_, "list days"));
  }
  Exec(read_db_, "COMMIT");
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  if (rebuilt.empty()) return R(unreadable);
  // Saved so that commits continue from it; when the writer holds the lock
  // for long, the next report rebuilds again.
  if (Exec(read_db_, "BEGIN IMMEDIATE").ok()) {
    bool ok = true;
    for (const Rebuilt& r : rebuilt) {
      if (!ok) break;
      ok = SaveBase(read_db_, config, r.day, r.version, r.rebuilt.aggregate, r.rebuilt.unreadable)
               .ok();
    }
    Exec(read_db_, ok ? "COMMIT" : "ROLLBACK");
  }
  return R(unreadable);
}

Result<DayVersions> SqliteStore::ListDayVersions(std::string_view site, uint32_t first_day,
                                                 uint32_t last_day) {
  DayVersions listed;
  listed.epoch = epoch_.load();  // before the versions: see epoch_
  std::lock_guard lock(read_mutex_);
  Statement days(read_db_, kDayVersionsSql);
  if (!days.ok()) return {Error::kUnavailable, DbError(read_db_, "prepare day versions").message};
  days.Bind(1, site);
  days.Bind(2, int64_t{first_day});
  days.Bind(3, int64_t{last_day});
  int rc;
  while ((rc = days.Step()) == SQLITE_ROW) {
    listed.days.emplace_back(static_cast<uint32_t>(days.Int(0)), days.Int(1));
  }
  if (rc != SQLITE_DONE) return {Error::kUnavailable, DbError(read_db_, "day versions").message};
  return listed;
}

Status SqliteStore::Reindex(std::string_view site, const ReindexProgress& progress) {
  // The sites and the config each is read through: its current version.
  struct SiteDays {
    Config config;
    std::vector<uint32_t> days;
  };
  std::vector<SiteDays> sites;
  {
    std::lock_guard lock(read_mutex_);
    Statement current(read_db_,
                      "SELECT site, compiled FROM config_versions WHERE last_current IS NULL "
                      "AND (?1 = '' OR site = ?1) ORDER BY site");
    Statement days(read_db_, "SELECT day FROM days WHERE site = ?1 ORDER BY day");
    if (!current.ok() || !days.ok()) return DbError(read_db_, "prepare reindex");
    current.Bind(1, site);
    while (current.Step() == SQLITE_ROW) {
      auto config = Config::FromCompiled(current.Blob(1));
      // Its days are the site's local days: the zone's rules count them.
      if (config.ok()) {
        if (Status zone = AttachTimeZone(config.value()); !zone.ok()) return zone;
      }
      if (!config.ok()) {
        return {Error::kUnavailable,
                "the current config of " + std::string(current.Text(0)) + " does not verify"};
      }
      SiteDays entry{std::move(config).value(), {}};
      days.Bind(1, entry.config.site());
      while (days.Step() == SQLITE_ROW) entry.days.push_back(static_cast<uint32_t>(days.Int(0)));
      days.Reset();
      sites.push_back(std::move(entry));
    }
  }
  if (!site.empty() && sites.empty()) {
    return {Error::kInvalidConfig, "no config recorded for site " + std::string(site)};
  }
  size_t total = 0, done = 0;
  for (const SiteDays& entry : sites) total += entry.days.size();
  if (progress) progress(0, total);
  UnreadableCounts found;
  for (const SiteDays& entry : sites) {
    VersionedReader reader(entry.config);
    for (uint32_t day : entry.days) {
      // One write transaction per day: ingest goes on between days.
      std::lock_guard lock(write_mutex_);
      Status begin = Exec(write_db_, "BEGIN IMMEDIATE");
      if (!begin.ok()) return begin;
      auto fail = [&](Status status) {
        Exec(write_db_, "ROLLBACK");
        return status;
      };
      if (done == 0 || day == entry.days.front()) {
        if (Status loaded = reader.Load(write_db_); !loaded.ok()) return fail(loaded);
      }
      // The rebuilt base holds every commit's summaries: nothing to gather on.
      DropPendingLocked(entry.config.site(), day);
      Statement version(write_db_, kDayVersionSql);
      version.Bind(1, entry.config.site());
      version.Bind(2, int64_t{day});
      if (!version.ok() || version.Step() != SQLITE_ROW) {
        return fail(DbError(write_db_, "reindex: read day version"));
      }
      auto built = RebuildDay(write_db_, reader, day, found);
      if (!built.ok()) return fail({built.error(), built.message()});
      Status saved = SaveBase(write_db_, entry.config, day, version.Int(0), built.value().aggregate,
                              built.value().unreadable);
      if (!saved.ok()) return fail(saved);
      Status commit = Exec(write_db_, "COMMIT");
      if (!commit.ok()) return fail(commit);
      if (progress) progress(++done, total);
    }
  }
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  return {};
}

namespace {

// A site's sessions moved to the local days of `config`'s time zone, in the
// open write transaction, when the zone differs from the one its current
// version counted days in: every day aggregate of the site is dropped and
// each day's version moves past any it had, so reads rebuild them from the
// sessions (Reindex would too) and no aggregate keyed by the old zone's
// days is read again. A session that no longer verifies keeps its day.
Status RezoneSessions(sqlite3* db, const Config& config) {
  Statement previous(db,
                     "SELECT compiled FROM config_versions WHERE site = ?1 AND hash != ?2 "
                     "AND last_current IS NULL");
  if (!previous.ok()) return DbError(db, "prepare rezone");
  previous.Bind(1, config.site());
  previous.Bind(2, int64_t{config.hash()});
  if (previous.Step() != SQLITE_ROW) return {};  // no version before: nothing stored by zone
  auto old = Config::FromCompiled(previous.Blob(0));
  if (old.ok() && old.value().time_zone_name() == config.time_zone_name()) return {};
  previous.Reset();
  Statement sessions(db, "SELECT nonce, day, summary FROM sessions WHERE site = ?1");
  Statement move(db, "UPDATE sessions SET day = ?3 WHERE site = ?1 AND nonce = ?2");
  if (!sessions.ok() || !move.ok()) return DbError(db, "prepare rezone");
  sessions.Bind(1, config.site());
  std::vector<std::pair<int64_t, uint32_t>> moves;  // nonce, new day
  int rc;
  while ((rc = sessions.Step()) == SQLITE_ROW) {
    auto summary = VerifySummary(sessions.Blob(2), nullptr);
    if (!summary.ok()) continue;
    const uint32_t day = config.DayOfMinute(summary.value()->start_minute());
    if (day != static_cast<uint32_t>(sessions.Int(1))) moves.emplace_back(sessions.Int(0), day);
  }
  if (rc != SQLITE_DONE) return DbError(db, "rezone: scan sessions");
  for (const auto& [nonce, day] : moves) {
    move.Bind(1, config.site());
    move.Bind(2, nonce);
    move.Bind(3, int64_t{day});
    if (move.Step() != SQLITE_DONE) return DbError(db, "rezone: move session");
    move.Reset();
  }
  for (const char* sql :
       {"DELETE FROM day_aggregates WHERE site = ?1", "DELETE FROM day_deltas WHERE site = ?1",
        "DELETE FROM day_damage WHERE site = ?1",
        // A replay is listed by its session's day: it moves along.
        "UPDATE replays SET day = (SELECT day FROM sessions WHERE sessions.site = replays.site "
        "AND sessions.nonce = replays.nonce) WHERE site = ?1",
        // Past every version a read may still hold, for days old and new.
        "CREATE TEMP TABLE IF NOT EXISTS rezone_next(version INTEGER)",
        "DELETE FROM temp.rezone_next",
        "INSERT INTO temp.rezone_next SELECT coalesce(max(version), 0) + 1 FROM days "
        "WHERE site = ?1",
        "DELETE FROM days WHERE site = ?1",
        "INSERT INTO days(site, day, version) SELECT ?1, day, (SELECT version FROM "
        "temp.rezone_next) FROM sessions WHERE site = ?1 GROUP BY day"}) {
    Statement step(db, sql);
    if (!step.ok()) return DbError(db, "prepare rezone");
    step.Bind(1, config.site());  // ignored by the statements of no parameter
    if (step.Step() != SQLITE_DONE) return DbError(db, "rezone: rebuild days");
  }
  LogEvent("store: " + std::string(config.site()) + ": days now counted in " +
           std::string(config.time_zone_name()) + " (" + std::to_string(moves.size()) +
           " sessions moved, day aggregates rebuilt on read)");
  return {};
}

}  // namespace

Status SqliteStore::RecordCurrentConfig(const Config& config, int64_t now_ms) {
  std::lock_guard lock(write_mutex_);
  // Gathered through the reader this may replace: written while it holds.
  WritePendingDeltasLocked(config.site(), kFoldDeltasAt);
  Status begin = Exec(write_db_, "BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  if (Status rezoned = RezoneSessions(write_db_, config); !rezoned.ok()) {
    Exec(write_db_, "ROLLBACK");
    return rezoned;
  }
  Statement retire(write_db_, kRetireConfigSql);
  Statement current(write_db_, kCurrentConfigSql);
  if (!retire.ok() || !current.ok()) {
    Status error = DbError(write_db_, "prepare config version");
    Exec(write_db_, "ROLLBACK");
    return error;
  }
  retire.Bind(1, config.site());
  retire.Bind(2, int64_t{config.hash()});
  retire.Bind(3, now_ms);
  current.Bind(1, config.site());
  current.Bind(2, int64_t{config.hash()});
  current.Bind(3, now_ms);
  current.Bind(4, config.bytes());
  if (retire.Step() != SQLITE_DONE || current.Step() != SQLITE_DONE) {
    Status error = DbError(write_db_, "record config version");
    Exec(write_db_, "ROLLBACK");
    return error;
  }
  // The reader commits fold through from now on, with every older version.
  auto reader = readers_.find(config.site());
  if (reader == readers_.end() || reader->second.config().hash() != config.hash()) {
    VersionedReader fresh(config);
    if (Status loaded = fresh.Load(write_db_); !loaded.ok()) {
      Exec(write_db_, "ROLLBACK");
      return loaded;
    }
    readers_.insert_or_assign(std::string(config.site()), std::move(fresh));
  }
  Status commit = Exec(write_db_, "COMMIT");
  if (!commit.ok()) {
    Exec(write_db_, "ROLLBACK");
    readers_.erase(std::string(config.site()));
  }
  return commit;
}

Result<std::vector<StoredConfigVersion>> SqliteStore::ConfigVersions(std::string_view site) {
  std::lock_guard lock(read_mutex_);
  return ReadConfigVersions(site);
}

Result<std::vector<StoredConfigVersion>> SqliteStore::ReadConfigVersions(std::string_view site) {
  return ReadVersions(read_db_, site);
}

Status SqliteStore::ForEachSession(std::string_view site, uint32_t first_day, uint32_t last_day,
                                   const SessionVisitor& visit) {
  std::lock_guard lock(read_mutex_);
  Statement range(read_db_, kRangeSql);
  if (!range.ok()) return DbError(read_db_, "prepare range");
  range.Bind(1, site);
  range.Bind(2, int64_t{first_day});
  range.Bind(3, int64_t{last_day});
  StoredSummary row;
  row.site = std::string(site);
  int rc;
  while ((rc = range.Step()) == SQLITE_ROW) {
    row.nonce = std::bit_cast<uint64_t>(range.Int(0));
    row.seq = static_cast<uint32_t>(range.Int(1));
    row.day = static_cast<uint32_t>(range.Int(2));
    row.config_hash = static_cast<uint32_t>(range.Int(3));
    row.received_at_ms = range.Int(4);
    const auto blob = range.Blob(5);
    row.bytes.assign(blob.begin(), blob.end());
    if (!visit(row)) return {};
  }
  if (rc != SQLITE_DONE) return DbError(read_db_, "scan range");
  return {};
}

Result<ReplayPage> SqliteStore::ListReplays(std::string_view site, uint32_t first_day,
                                            uint32_t last_day, const ReplayFilter& filter,
                                            std::optional<std::pair<uint32_t, uint64_t>> after,
                                            uint32_t limit) {
  using R = Result<ReplayPage>;
  if (Status size = CheckReplayPageSize(limit); !size.ok()) return R(size.error, size.message);
  std::lock_guard lock(read_mutex_);
  ReplayPage page;
  // One read transaction: the count and the rows agree.
  if (Status begin = Exec(read_db_, "BEGIN"); !begin.ok()) return R(begin.error, begin.message);
  auto fail = [&](std::string_view what) {
    Status error = DbError(read_db_, what);
    Exec(read_db_, "ROLLBACK");
    return R(error.error, error.message);
  };
  {
    Statement count(read_db_,
                    "SELECT count(*) FROM replays WHERE site = ?1 AND day BETWEEN ?2 AND ?3");
    if (!count.ok()) return fail("prepare replay count");
    count.Bind(1, site);
    count.Bind(2, int64_t{first_day});
    count.Bind(3, int64_t{last_day});
    if (count.Step() != SQLITE_ROW) return fail("count replays");
    page.sampled = static_cast<uint64_t>(count.Int(0));
  }
  // The outcome bits are filtered in SQL; a funnel's drop step here, on
  // the range's replay rows only (never its sessions).
  Statement rows(read_db_, R"sql(
SELECT day, nonce, outcome, drops FROM replays
WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND (?4 = 0 OR (outcome & ?4) != 0)
AND (day > ?5 OR (day = ?5 AND nonce > ?6))
ORDER BY day, nonce)sql");
  if (!rows.ok()) return fail("prepare replays");
  rows.Bind(1, site);
  rows.Bind(2, int64_t{first_day});
  rows.Bind(3, int64_t{last_day});
  rows.Bind(4, int64_t{filter.outcome});
  // Nonces are stored bit-cast: the cursor orders as the column does.
  rows.Bind(5, after.has_value() ? int64_t{after->first} : int64_t{-1});
  rows.Bind(6,
            after.has_value() ? NonceColumn(after->second) : std::numeric_limits<int64_t>::min());
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    ReplayRow row;
    row.outcome = static_cast<uint32_t>(rows.Int(2));
    row.drops = ParseDrops(std::string(rows.Text(3)));
    if (!Matches(filter, row.outcome, row.drops)) continue;
    if (page.rows.size() == limit) {
      page.more = true;
      break;
    }
    row.day = static_cast<uint32_t>(rows.Int(0));
    row.nonce = std::bit_cast<uint64_t>(rows.Int(1));
    page.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail("list replays");
  rows.Reset();
  Exec(read_db_, "COMMIT");
  return R(std::move(page));
}

Result<std::optional<StoredSummary>> SqliteStore::ReplaySession(std::string_view site,
                                                                uint64_t nonce) {
  using R = Result<std::optional<StoredSummary>>;
  std::lock_guard lock(read_mutex_);
  Statement query(read_db_, R"sql(
SELECT s.seq, s.day, s.config_hash, s.received_at, s.summary
FROM replays r JOIN sessions s ON s.site = r.site AND s.nonce = r.nonce
WHERE r.site = ?1 AND r.nonce = ?2)sql");
  if (!query.ok()) {
    Status error = DbError(read_db_, "prepare replay");
    return R(error.error, error.message);
  }
  query.Bind(1, site);
  query.Bind(2, NonceColumn(nonce));
  const int rc = query.Step();
  if (rc == SQLITE_DONE) return R(std::optional<StoredSummary>());
  if (rc != SQLITE_ROW) {
    Status error = DbError(read_db_, "read replay");
    return R(error.error, error.message);
  }
  StoredSummary row;
  row.site = std::string(site);
  row.nonce = nonce;
  row.seq = static_cast<uint32_t>(query.Int(0));
  row.day = static_cast<uint32_t>(query.Int(1));
  row.config_hash = static_cast<uint32_t>(query.Int(2));
  row.received_at_ms = query.Int(3);
  const auto blob = query.Blob(4);
  row.bytes.assign(blob.begin(), blob.end());
  return R(std::optional<StoredSummary>(std::move(row)));
}

Result<std::optional<uint32_t>> SqliteStore::StoredSeq(std::string_view site, uint64_t nonce) {
  using R = Result<std::optional<uint32_t>>;
  std::lock_guard lock(read_mutex_);
  Statement query(read_db_, "SELECT seq FROM sessions WHERE site = ?1 AND nonce = ?2");
  if (!query.ok()) {
    Status error = DbError(read_db_, "prepare seq");
    return R(error.error, error.message);
  }
  query.Bind(1, site);
  query.Bind(2, NonceColumn(nonce));
  const int rc = query.Step();
  if (rc == SQLITE_ROW) return R(std::optional<uint32_t>(static_cast<uint32_t>(query.Int(0))));
  if (rc == SQLITE_DONE) return R(std::optional<uint32_t>());
  Status error = DbError(read_db_, "read seq");
  return R(error.error, error.message);
}

Result<uint64_t> SqliteStore::CountSessions() {
  std::lock_guard lock(read_mutex_);
  Statement count(read_db_, "SELECT count(*) FROM sessions");
  if (!count.ok() || count.Step() != SQLITE_ROW) {
    Status error = DbError(read_db_, "count");
    return Result<uint64_t>(error.error, error.message);
  }
  return static_cast<uint64_t>(count.Int(0));
}

Status SqliteStore::CheckIntegrity() {
  // Its own connection: a long check must not hold the read lock that
  // reports and /healthz wait on.
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    Status error = DbError(db, "damaged: open");
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  Status result;
  {
    Statement check(db, "PRAGMA quick_check(1)");
    int rc = check.ok() ? check.Step() : SQLITE_ERROR;
    if (rc != SQLITE_ROW) {
      result = DbError(db, "damaged: quick_check");
    } else if (check.Text(0) != "ok") {
      result = {Error::kUnavailable, "damaged: " + std::string(check.Text(0))};
    }
  }
  sqlite3_close(db);
  return result;
}

Status SqliteStore::CheckSpace() {
  std::string dir = path_;
  const size_t slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return {};  // unknown: the commit will tell
  const uint64_t free_bytes = uint64_t{fs.f_bavail} * fs.f_frsize;
  if (free_bytes < kMinFreeStoreBytes) {
    return {Error::kUnavailable, "disk full: " + std::to_string(free_bytes) + " bytes free"};
  }
  return {};
}

UnreadableCounts SqliteStore::Unreadable() {
  std::lock_guard lock(damage_mutex_);
  return unreadable_;
}

Status SqliteStore::CheckWritable() {
  std::lock_guard lock(read_mutex_);
  Status begin = Exec(read_db_, "BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  return Exec(read_db_, "ROLLBACK");
}

}  // namespace microconv
