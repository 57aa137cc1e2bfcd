#include "tools/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <bit>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "core/config_history.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/serve/event_log.h"
#include "tools/store/sqlite_statement.h"
#include "tools/store/store_schema.h"

namespace microconv {
namespace {

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
SELECT d.day, d.version, a.built_version, a.aggregate, m.unreadable
FROM days d LEFT JOIN day_aggregates a
  ON a.site = d.site AND a.day = d.day AND a.config_hash = ?2
LEFT JOIN day_damage m
  ON m.site = d.site AND m.day = d.day AND m.config_hash = ?2
  AND m.built_version = a.built_version
WHERE d.site = ?1 AND d.day BETWEEN ?3 AND ?4 ORDER BY d.day)sql";

constexpr const char* kDaySessionsSql = R"sql(
SELECT config_hash, summary FROM sessions WHERE site = ?1 AND day = ?2)sql";

constexpr const char* kSaveAggregateSql = R"sql(
INSERT INTO day_aggregates(site, day, config_hash, built_version, built_at, aggregate)
VALUES(?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(site, day, config_hash) DO UPDATE SET
  built_version = excluded.built_version, built_at = excluded.built_at,
  aggregate = excluded.aggregate
WHERE excluded.built_version > day_aggregates.built_version)sql";

constexpr const char* kSaveDamageSql = R"sql(
INSERT INTO day_damage(site, day, config_hash, built_version, unreadable)
VALUES(?1, ?2, ?3, ?4, ?5)
ON CONFLICT(site, day, config_hash) DO UPDATE SET
  built_version = excluded.built_version, unreadable = excluded.unreadable
WHERE excluded.built_version > day_damage.built_version)sql";

constexpr const char* kRangeSql = R"sql(
SELECT nonce, seq, day, config_hash, received_at, summary FROM sessions
WHERE site = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day, nonce)sql";

// SQLite integers are signed 64-bit: nonces are stored bit-cast.
int64_t NonceColumn(uint64_t nonce) { return std::bit_cast<int64_t>(nonce); }

}  // namespace

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
  Status migrated = MigrateStoreSchema(store->write_db_, path, LogEvent);
  if (!migrated.ok()) return R(migrated.error, migrated.message);
  auto read_db = OpenSqlite(path);
  if (!read_db.ok()) return R(read_db.error(), read_db.message());
  store->read_db_ = read_db.value();
  return R(std::move(store));
}

SqliteStore::~SqliteStore() {
  sqlite3_close(read_db_);
  sqlite3_close(write_db_);
}

Result<PutOutcome> SqliteStore::Put(std::span<const StoredSummary> batch) {
  using R = Result<PutOutcome>;
  std::lock_guard lock(write_mutex_);
  PutOutcome outcome;
  if (batch.empty()) return outcome;
  Status begin = Exec(write_db_, "BEGIN IMMEDIATE");
  if (!begin.ok()) return R(begin.error, begin.message);
  Statement upsert(write_db_, kUpsertSessionSql);
  Statement mark(write_db_, kMarkDaySql);
  auto fail = [&](std::string_view what) {
    Status error = DbError(write_db_, what);
    Exec(write_db_, "ROLLBACK");
    return R(error.error, error.message);
  };
  if (!upsert.ok() || !mark.ok()) return fail("prepare put");
  std::set<std::pair<std::string_view, uint32_t>> touched_days;
  for (const StoredSummary& s : batch) {
    upsert.Bind(1, s.site);
    upsert.Bind(2, NonceColumn(s.nonce));
    upsert.Bind(3, int64_t{s.seq});
    upsert.Bind(4, int64_t{s.day});
    upsert.Bind(5, int64_t{s.config_hash});
    upsert.Bind(6, s.received_at_ms);
    upsert.Bind(7, std::span<const uint8_t>(s.bytes));
    if (upsert.Step() != SQLITE_DONE) return fail("upsert session");
    upsert.Reset();
    if (sqlite3_changes(write_db_) > 0) {
      ++outcome.written;
      touched_days.emplace(s.site, s.day);
    } else {
      ++outcome.ignored;
    }
  }
  for (const auto& [site, day] : touched_days) {
    mark.Bind(1, site);
    mark.Bind(2, int64_t{day});
    if (mark.Step() != SQLITE_DONE) return fail("mark day");
    mark.Reset();
  }
  Status commit = Exec(write_db_, "COMMIT");
  if (!commit.ok()) {
    Exec(write_db_, "ROLLBACK");
    return R(commit.error, commit.message);
  }
  return outcome;
}

Result<StoredAggregate> SqliteStore::AggregateDays(const Config& config, uint32_t first_day,
                                                   uint32_t last_day) {
  using R = Result<StoredAggregate>;
  StoredAggregate total{Aggregate(config)};
  Status merge_status;
  auto unreadable =
      ForEachDayAggregate(config, first_day, last_day, [&](uint32_t, const Aggregate& day) {
        if (merge_status.ok()) merge_status = total.aggregate.Merge(day);
      });
  if (!unreadable.ok()) return R(unreadable.error(), unreadable.message());
  if (!merge_status.ok()) return R(merge_status.error, merge_status.message);
  total.unreadable_sessions = unreadable.value();
  return R(std::move(total));
}

Result<uint64_t> SqliteStore::ForEachDayAggregate(const Config& config, uint32_t first_day,
                                                  uint32_t last_day, const DayVisitor& visit) {
  using R = Result<uint64_t>;
  struct Rebuilt {
    uint32_t day;
    int64_t version;
    std::vector<uint8_t> bytes;
    uint64_t unreadable;
  };
  // An older version of the site's config and how its ids read in `config`.
  struct OtherVersion {
    Config config;
    IdTranslation translation;
  };
  std::lock_guard lock(read_mutex_);
  uint64_t unreadable = 0;
  UnreadableCounts found;
  std::vector<Rebuilt> rebuilt;
  // One read transaction: the versions and the sessions scanned agree.
  Status begin = Exec(read_db_, "BEGIN");
  if (!begin.ok()) return R(begin.error, begin.message);
  auto fail = [&](Status status) {
    Exec(read_db_, "ROLLBACK");
    return R(status.error, status.message);
  };
  std::map<uint32_t, OtherVersion> others;
  bool others_loaded = false;
  // Loaded on the first rebuild only: cached days need no translation.
  auto load_others = [&]() -> Status {
    if (others_loaded) return {};
    others_loaded = true;
    auto versions = ReadConfigVersions(config.site());
    if (!versions.ok()) return {versions.error(), versions.message()};
    for (const StoredConfigVersion& version : versions.value()) {
      if (version.hash == config.hash()) continue;
      auto old = Config::FromCompiled(version.compiled);
      if (!old.ok()) continue;  // damaged row: its sessions stay unread
      IdTranslation translation(old.value(), config);
      others.emplace(version.hash, OtherVersion{std::move(old).value(), std::move(translation)});
    }
    return {};
  };
  {
    Statement days(read_db_, kDaysSql);
    Statement sessions(read_db_, kDaySessionsSql);
    if (!days.ok() || !sessions.ok()) return fail(DbError(read_db_, "prepare report"));
    days.Bind(1, config.site());
    days.Bind(2, int64_t{config.hash()});
    days.Bind(3, int64_t{first_day});
    days.Bind(4, int64_t{last_day});
    int rc;
    while ((rc = days.Step()) == SQLITE_ROW) {
      const auto day = static_cast<uint32_t>(days.Int(0));
      const int64_t version = days.Int(1);
      if (!days.IsNull(2) && days.Int(2) == version) {
        auto cached = Aggregate::Deserialize(days.Blob(3));
        if (cached.ok() && cached.value().config_hash() == config.hash()) {
          unreadable += days.IsNull(4) ? 0 : static_cast<uint64_t>(days.Int(4));
          if (cached.value().sessions() > 0) visit(day, cached.value());
          continue;
        }
      }
      if (Status loaded = load_others(); !loaded.ok()) return fail(loaded);
      Aggregate aggregate(config);
      uint64_t day_unreadable = 0;
      auto count_unreadable = [&](Error error) {
        ++day_unreadable;
        ++found[ErrorName(error)];
      };
      sessions.Bind(1, config.site());
      sessions.Bind(2, int64_t{day});
      while ((rc = sessions.Step()) == SQLITE_ROW) {
        // Verified at ingest; verified again so a damaged file cannot feed
        // unchecked bytes to the aggregation. Bad rows are counted; rows of
        // a config version the store never recorded are left out.
        const auto hash = static_cast<uint32_t>(sessions.Int(0));
        const Config* written_with = &config;
        const OtherVersion* other = nullptr;
        if (hash != config.hash()) {
          auto found_version = others.find(hash);
          if (found_version == others.end()) continue;
          other = &found_version->second;
          written_with = &other->config;
        }
        auto summary = VerifySummary(sessions.Blob(1), written_with);
        if (!summary.ok()) {
          count_unreadable(summary.error());
          continue;
        }
        Status added;
        if (other == nullptr) {
          added = aggregate.Add(*summary.value());
        } else {
          const std::vector<uint8_t> translated = other->translation.Translate(*summary.value());
          added = aggregate.Add(*wire::GetSummary(translated.data()));
        }
        if (!added.ok()) count_unreadable(added.error);
      }
      if (rc != SQLITE_DONE) return fail(DbError(read_db_, "scan day"));
      sessions.Reset();
      unreadable += day_unreadable;
      if (aggregate.sessions() > 0) visit(day, aggregate);
      rebuilt.push_back({day, version, aggregate.Serialize(), day_unreadable});
    }
    if (rc != SQLITE_DONE) return fail(DbError(read_db_, "list days"));
  }
  Exec(read_db_, "COMMIT");
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  if (rebuilt.empty()) return R(unreadable);
  // The cache is an optimisation: when the writer holds the lock for long,
  // the next report rebuilds again.
  if (Exec(read_db_, "BEGIN IMMEDIATE").ok()) {
    Statement save(read_db_, kSaveAggregateSql);
    Statement damage(read_db_, kSaveDamageSql);
    bool ok = save.ok() && damage.ok();
    const int64_t now = NowMs();
    for (const Rebuilt& r : rebuilt) {
      if (!ok) break;
      save.Bind(1, config.site());
      save.Bind(2, int64_t{r.day});
      save.Bind(3, int64_t{config.hash()});
      save.Bind(4, r.version);
      save.Bind(5, now);
      save.Bind(6, std::span<const uint8_t>(r.bytes));
      ok = save.Step() == SQLITE_DONE;
      save.Reset();
      if (ok && r.unreadable > 0) {
        damage.Bind(1, config.site());
        damage.Bind(2, int64_t{r.day});
        damage.Bind(3, int64_t{config.hash()});
        damage.Bind(4, r.version);
        damage.Bind(5, static_cast<int64_t>(r.unreadable));
        ok = damage.Step() == SQLITE_DONE;
        damage.Reset();
      }
    }
    Exec(read_db_, ok ? "COMMIT" : "ROLLBACK");
  }
  return R(unreadable);
}

Status SqliteStore::RecordCurrentConfig(const Config& config, int64_t now_ms) {
  std::lock_guard lock(write_mutex_);
  Status begin = Exec(write_db_, "BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
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
  Status commit = Exec(write_db_, "COMMIT");
  if (!commit.ok()) Exec(write_db_, "ROLLBACK");
  return commit;
}

Result<std::vector<StoredConfigVersion>> SqliteStore::ConfigVersions(std::string_view site) {
  std::lock_guard lock(read_mutex_);
  return ReadConfigVersions(site);
}

Result<std::vector<StoredConfigVersion>> SqliteStore::ReadConfigVersions(std::string_view site) {
  using R = Result<std::vector<StoredConfigVersion>>;
  Statement query(read_db_, kConfigVersionsSql);
  if (!query.ok()) {
    Status error = DbError(read_db_, "prepare config versions");
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
    Status error = DbError(read_db_, "read config versions");
    return R(error.error, error.message);
  }
  return R(std::move(versions));
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
