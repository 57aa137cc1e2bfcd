// The SQLite helpers every table of the store file uses: a prepared
// statement finalized on scope exit, one-shot statements, and errors as
// Status values (kUnavailable with SQLite's message).
#ifndef MICROCONV_TOOLS_STORE_SQLITE_STATEMENT_H_
#define MICROCONV_TOOLS_STORE_SQLITE_STATEMENT_H_

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace microconv {

// How long a statement waits for another connection's write lock.
constexpr int kBusyTimeoutMs = 5000;

inline Status DbError(sqlite3* db, std::string_view what) {
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
inline Status Exec(sqlite3* db, const char* sql) {
  Statement stmt(db, sql);
  if (!stmt.ok()) return DbError(db, sql);
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return DbError(db, sql);
  return {};
}

// Opens (creating when missing) the store file in WAL mode with
// synchronous=FULL: a commit that returned is durable.
inline Result<sqlite3*> OpenSqlite(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status error = DbError(db, "open " + path);
    sqlite3_close(db);
    return Result<sqlite3*>(error.error, error.message);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Checkpoints every 8,192 WAL pages (32 MB at 4 KB), not SQLite's 1,000:
  // a checkpoint copies each page once however many commits rewrote it, and
  // ingest rewrites the same pages (re-flushed sessions' rows, the last leaves
  // of the sessions table and its indexes) many times per thousand frames:
  // 7-10 % less collector CPU per summary; 32,768 gained nothing more and
  // lengthened the paced p99 (ARCHITECTURE.md, "Durable ingest").
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA cache_size=-16000",
        "PRAGMA temp_store=MEMORY", "PRAGMA wal_autocheckpoint=8192"}) {
    Status status = Exec(db, pragma);
    if (!status.ok()) {
      sqlite3_close(db);
      return Result<sqlite3*>(status.error, status.message);
    }
  }
  return db;
}

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_SQLITE_STATEMENT_H_
