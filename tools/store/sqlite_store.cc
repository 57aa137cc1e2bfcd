#include "tools/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <bit>
#include <chrono>
#include <set>
#include <utility>

#include "core/summary.h"
#include "tools/base/wall_clock.h"

namespace microconv {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS sessions(
  site TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  day INTEGER NOT NULL,
  config_hash INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  summary BLOB NOT NULL,
  PRIMARY KEY(site, nonce));
CREATE INDEX IF NOT EXISTS sessions_by_day ON sessions(site, day, config_hash);
CREATE TABLE IF NOT EXISTS days(
  site TEXT NOT NULL,
  day INTEGER NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY(site, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_aggregates(
  site TEXT NOT NULL,
  day INTEGER NOT NULL,
  config_hash INTEGER NOT NULL,
  built_version INTEGER NOT NULL,
  built_at INTEGER NOT NULL,
  aggregate BLOB NOT NULL,
  PRIMARY KEY(site, day, config_hash));
CREATE TABLE IF NOT EXISTS day_damage(
  site TEXT NOT NULL,
  day INTEGER NOT NULL,
  config_hash INTEGER NOT NULL,
  built_version INTEGER NOT NULL,
  unreadable INTEGER NOT NULL,
  PRIMARY KEY(site, day, config_hash));
)sql";

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
SELECT summary FROM sessions WHERE site = ?1 AND day = ?2 AND config_hash = ?3)sql";

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

Status DbError(sqlite3* db, std::string_view what) {
  return {Error::kUnavailable, std::string(what) + ": " + sqlite3_errmsg(db)};
}

// A prepared statement, finalized on scope exit. Statements are prepared per
// call: the cost is microseconds against a commit's fsync.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return ok_; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, std::span<const uint8_t> v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string_view(reinterpret_cast<const char*>(text)) : std::string_view();
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::span<const uint8_t> Blob(int col) const {
    const void* data = sqlite3_column_blob(stmt_, col);
    const int size = sqlite3_column_bytes(stmt_, col);
    return {static_cast<const uint8_t*>(data), static_cast<size_t>(size)};
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

// Runs one statement without results (transaction control, pragmas).
Status Exec(sqlite3* db, const char* sql) {
  Statement stmt(db, sql);
  if (!stmt.ok()) return DbError(db, sql);
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return DbError(db, sql);
  return {};
}

// SQLite integers are signed 64-bit: nonces are stored bit-cast.
int64_t NonceColumn(uint64_t nonce) { return std::bit_cast<int64_t>(nonce); }

Result<sqlite3*> OpenConnection(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status error = DbError(db, "open " + path);
    sqlite3_close(db);
    return Result<sqlite3*>(error.error, error.message);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA cache_size=-16000", "PRAGMA temp_store=MEMORY"}) {
    Status status = Exec(db, pragma);
    if (!status.ok()) {
      sqlite3_close(db);
      return Result<sqlite3*>(status.error, status.message);
    }
  }
  return db;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  using R = Result<std::unique_ptr<SqliteStore>>;
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->path_ = path;
  auto write_db = OpenConnection(path);
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
  char* error_text = nullptr;
  if (sqlite3_exec(store->write_db_, kSchemaSql, nullptr, nullptr, &error_text) != SQLITE_OK) {
    std::string message = std::string("create schema: ") + (error_text ? error_text : "?");
    sqlite3_free(error_text);
    return R(Error::kUnavailable, message);
  }
  {
    Statement version(store->write_db_, "PRAGMA user_version");
    if (!version.ok() || version.Step() != SQLITE_ROW) {
      return R(Error::kUnavailable, "read user_version");
    }
    const int64_t found = version.Int(0);
    if (found > kSchemaVersion) {
      return R(Error::kUnsupportedVersion,
               "store schema " + std::to_string(found) + " is newer than this build");
    }
  }
  Status set_version = Exec(store->write_db_, "PRAGMA user_version=1");
  if (!set_version.ok()) return R(set_version.error, set_version.message);
  auto read_db = OpenConnection(path);
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
  struct Rebuilt {
    uint32_t day;
    int64_t version;
    std::vector<uint8_t> bytes;
    uint64_t unreadable;
  };
  std::lock_guard lock(read_mutex_);
  Aggregate total(config);
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
        if (cached.ok() && total.Merge(cached.value()).ok()) {
          unreadable += days.IsNull(4) ? 0 : static_cast<uint64_t>(days.Int(4));
          continue;
        }
      }
      uint64_t day_unreadable = 0;
      Aggregate aggregate(config);
      sessions.Bind(1, config.site());
      sessions.Bind(2, int64_t{day});
      sessions.Bind(3, int64_t{config.hash()});
      while ((rc = sessions.Step()) == SQLITE_ROW) {
        // Verified at ingest; verified again so a damaged file cannot feed
        // unchecked bytes to the aggregation. Bad rows are counted.
        auto summary = VerifySummary(sessions.Blob(0), &config);
        Status added = summary.ok() ? aggregate.Add(*summary.value()) : Status{summary.error(), ""};
        if (!added.ok()) {
          ++day_unreadable;
          ++found[ErrorName(added.error)];
        }
      }
      if (rc != SQLITE_DONE) return fail(DbError(read_db_, "scan day"));
      sessions.Reset();
      Status merged = total.Merge(aggregate);
      if (!merged.ok()) return fail(merged);
      unreadable += day_unreadable;
      rebuilt.push_back({day, version, aggregate.Serialize(), day_unreadable});
    }
    if (rc != SQLITE_DONE) return fail(DbError(read_db_, "list days"));
  }
  Exec(read_db_, "COMMIT");
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  StoredAggregate result{std::move(total), unreadable};
  if (rebuilt.empty()) return R(std::move(result));
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
  return R(std::move(result));
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
