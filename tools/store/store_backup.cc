#include "tools/store/store_backup.h"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "tools/store/sqlite_statement.h"

namespace microconv {
namespace {

// Closes both connections on every path out.
struct Connections {
  sqlite3* source = nullptr;
  sqlite3* copy = nullptr;
  ~Connections() {
    sqlite3_close(copy);
    sqlite3_close(source);
  }
};

Status RemovePartial(const std::string& partial) {
  std::error_code error;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(partial + suffix, error);
    if (error) return {Error::kUnavailable, "remove " + partial + suffix + ": " + error.message()};
  }
  return {};
}

// Runs the backup steps; the copy's page count and how it went.
Result<BackupCopy> CopyPages(sqlite3* source, sqlite3* copy, const BackupOptions& options) {
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", source, "main");
  if (backup == nullptr) return {Error::kUnavailable, DbError(copy, "backup init").message};
  BackupCopy result;
  int remaining_before = -1;
  int rc = SQLITE_OK;
  int busy_ms = 0;
  while (true) {
    const bool whole_rest = result.restarts >= options.max_restarts;
    rc = sqlite3_backup_step(backup, whole_rest ? -1 : options.pages_per_step);
    // Locked out (another process holds an exclusive lock): wait, up to the
    // busy timeout every store connection uses.
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && busy_ms < kBusyTimeoutMs) {
      busy_ms += options.pause_ms + 1;
      sqlite3_sleep(options.pause_ms + 1);
      continue;
    }
    ++result.steps;
    if (whole_rest) result.rest_in_one_step = true;
    if (rc != SQLITE_OK) break;  // SQLITE_DONE or an error
    const int remaining = sqlite3_backup_remaining(backup);
    // A step copies pages_per_step pages: more left than that means the
    // copy started over.
    if (remaining_before >= 0 && remaining > remaining_before - options.pages_per_step) {
      ++result.restarts;
    }
    remaining_before = remaining;
    sqlite3_sleep(options.pause_ms);
  }
  result.pages = sqlite3_backup_pagecount(backup);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return {Error::kUnavailable, std::string("backup step: ") + sqlite3_errstr(rc)};
  }
  return result;
}

}  // namespace

Result<BackupCopy> BackupSqliteFile(const std::string& from, const std::string& to,
                                    const BackupOptions& options) {
  const std::string partial = to + ".partial";
  if (Status cleared = RemovePartial(partial); !cleared.ok())
    return {cleared.error, cleared.message};
  Connections db;
  // No SQLITE_OPEN_CREATE: a mistyped --store must not back up a new empty file.
  if (sqlite3_open_v2(from.c_str(), &db.source, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return {Error::kUnavailable, DbError(db.source, "open " + from).message};
  }
  sqlite3_busy_timeout(db.source, kBusyTimeoutMs);
  if (sqlite3_open_v2(partial.c_str(), &db.copy,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return {Error::kUnavailable, DbError(db.copy, "create " + partial).message};
  }
  auto copied = CopyPages(db.source, db.copy, options);
  if (!copied.ok()) {
    RemovePartial(partial);
    return copied;
  }
  {
    Statement check(db.copy, "PRAGMA integrity_check(1)");
    if (!check.ok() || check.Step() != SQLITE_ROW || check.Text(0) != "ok") {
      const std::string found = check.ok() ? std::string(check.Text(0)) : "cannot run";
      RemovePartial(partial);
      return {Error::kUnavailable, "the copy failed integrity_check: " + found};
    }
  }
  // The copied header says WAL; one file is easier to move and restore.
  if (Status single = Exec(db.copy, "PRAGMA journal_mode=DELETE"); !single.ok()) {
    RemovePartial(partial);
    return {single.error, single.message};
  }
  sqlite3_close(db.copy);
  db.copy = nullptr;
  // A -wal left by whoever last opened the old copy belongs to that file:
  // next to the new one SQLite would replay it.
  std::error_code error;
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(to + suffix, error);
  std::filesystem::rename(partial, to, error);
  if (error) return {Error::kUnavailable, "rename to " + to + ": " + error.message()};
  return copied;
}

}  // namespace microconv
