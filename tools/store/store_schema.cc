#include "tools/store/store_schema.h"

#include <sqlite3.h>

#include <string>

#include "tools/store/sqlite_statement.h"

namespace microconv {
namespace {

// One step: the SQL that takes a file from `from` to `from + 1`. Steps are
// never edited once released (a file in the field went through them);
// a schema change is a new step at the end and kStoreSchemaVersion + 1.
struct Migration {
  int from;
  const char* what;  // logged
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {0, "create sessions, days, day_aggregates", R"sql(
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
)sql"},
    // Schema 1 cached aggregates of one config version's sessions only:
    // they are rebuilt through every version on the next report.
    {1, "add config_versions and day_damage, clear cached day aggregates", R"sql(
CREATE TABLE IF NOT EXISTS config_versions(
  site TEXT NOT NULL,
  hash INTEGER NOT NULL,
  first_current INTEGER NOT NULL,
  last_current INTEGER,
  compiled BLOB NOT NULL,
  PRIMARY KEY(site, hash));
CREATE TABLE IF NOT EXISTS day_damage(
  site TEXT NOT NULL,
  day INTEGER NOT NULL,
  config_hash INTEGER NOT NULL,
  built_version INTEGER NOT NULL,
  unreadable INTEGER NOT NULL,
  PRIMARY KEY(site, day, config_hash));
DELETE FROM day_aggregates;
)sql"},
    // Aggregates kept at commit: a commit writes a delta per day it touched;
    // a session changed or deleted behind the store's back (a hand edit, a
    // prune) moves its day's version, so that day is rebuilt once. The
    // aggregates themselves are built after this step (SqliteStore::Open).
    {2, "add day_deltas and the session triggers (aggregates kept at commit)", R"sql(
CREATE TABLE IF NOT EXISTS day_deltas(
  site TEXT NOT NULL,
  day INTEGER NOT NULL,
  config_hash INTEGER NOT NULL,
  from_version INTEGER NOT NULL,
  to_version INTEGER NOT NULL,
  added BLOB NOT NULL,
  removed BLOB,
  PRIMARY KEY(site, day, config_hash, to_version));
CREATE TRIGGER IF NOT EXISTS sessions_updated AFTER UPDATE ON sessions BEGIN
  UPDATE days SET version = version + 1 WHERE site = OLD.site AND day = OLD.day;
END;
CREATE TRIGGER IF NOT EXISTS sessions_deleted AFTER DELETE ON sessions BEGIN
  UPDATE days SET version = version + 1 WHERE site = OLD.site AND day = OLD.day;
END;
)sql"},
    // Journey replays: one row per sampled session, written by the commit
    // that stores the session and deleted with it by the trigger, so
    // retention, site deletion and hand edits never leave one behind. Files
    // of earlier schemas hold no replays (no release could sample): nothing
    // to backfill.
    {3, "add replays (the journey replay index)", R"sql(
CREATE TABLE IF NOT EXISTS replays(
  site TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  day INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  drops TEXT NOT NULL,
  PRIMARY KEY(site, nonce)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS replays_by_day ON replays(site, day, nonce);
CREATE TRIGGER IF NOT EXISTS sessions_deleted_replay AFTER DELETE ON sessions BEGIN
  DELETE FROM replays WHERE site = OLD.site AND nonce = OLD.nonce;
END;
)sql"},
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion, "one step per schema version");

Status ExecScript(sqlite3* db, const char* sql) {
  char* error_text = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error_text) == SQLITE_OK) return {};
  Status error{Error::kUnavailable, error_text ? error_text : sqlite3_errmsg(db)};
  sqlite3_free(error_text);
  return error;
}

Result<int> UserVersion(sqlite3* db) {
  Statement version(db, "PRAGMA user_version");
  if (!version.ok() || version.Step() != SQLITE_ROW) {
    Status error = DbError(db, "read user_version");
    return {error.error, error.message};
  }
  return static_cast<int>(version.Int(0));
}

}  // namespace

Result<int> MigrateStoreSchema(sqlite3* db, std::string_view path,
                               const std::function<void(std::string_view)>& log) {
  const std::string name = "store " + std::string(path);
  // BEGIN IMMEDIATE first: two processes opening one old file migrate it
  // once (the second finds the new version inside its own transaction).
  int initial = -1;  // the file's version when opened; 0: a new file
  while (true) {
    if (Status begin = Exec(db, "BEGIN IMMEDIATE"); !begin.ok()) {
      return {begin.error, begin.message};
    }
    auto found = UserVersion(db);
    if (!found.ok()) {
      Exec(db, "ROLLBACK");
      return {found.error(), found.message()};
    }
    const int from = found.value();
    if (initial < 0) initial = from;
    if (from > kStoreSchemaVersion) {
      Exec(db, "ROLLBACK");
      return {Error::kUnsupportedVersion,
              name + ": schema " + std::to_string(from) + " is newer than this build's " +
                  std::to_string(kStoreSchemaVersion) + " (a newer microconv wrote it)"};
    }
    if (from == kStoreSchemaVersion) {
      Status commit = Exec(db, "COMMIT");
      if (!commit.ok()) return {commit.error, commit.message};
      return initial;
    }
    const Migration& step = kMigrations[from];
    Status applied = ExecScript(db, step.sql);
    if (applied.ok()) {
      applied = Exec(db, ("PRAGMA user_version=" + std::to_string(from + 1)).c_str());
    }
    if (applied.ok()) applied = Exec(db, "COMMIT");
    if (!applied.ok()) {
      Exec(db, "ROLLBACK");
      return {applied.error, name + ": schema " + std::to_string(from) + " -> " +
                                 std::to_string(from + 1) + " failed: " + applied.message};
    }
    // A new file goes through every step: only an upgrade is news.
    if (initial > 0) {
      log(name + ": schema " + std::to_string(from) + " -> " + std::to_string(from + 1) + ": " +
          step.what);
    }
  }
}

}  // namespace microconv
