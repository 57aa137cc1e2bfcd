// SqliteStore's deletions: retention (whole days before a cutoff) and one
// site's data. Each day is its own write transaction, so the commit queue
// waits at most one day's delete, never the whole prune.
#include <sqlite3.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tools/store/sqlite_statement.h"
#include "tools/store/sqlite_store.h"

namespace microconv {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// The rows of one day, table by table, in DeletedRows order.
constexpr const char* kDeleteDaySql[] = {
    "DELETE FROM sessions WHERE site = ?1 AND day = ?2",
    "DELETE FROM day_aggregates WHERE site = ?1 AND day = ?2",
    "DELETE FROM day_deltas WHERE site = ?1 AND day = ?2",
    "DELETE FROM day_damage WHERE site = ?1 AND day = ?2",
    "DELETE FROM days WHERE site = ?1 AND day = ?2",
};

constexpr const char* kDeleteOrphansSql[] = {
    "DELETE FROM day_aggregates WHERE day < ?2",
    "DELETE FROM day_damage WHERE day < ?2",
    "DELETE FROM day_deltas WHERE day < ?2",
};

// Versions retired before the first kept day that no kept session was
// written with: nothing left reads through them, and the report timeline
// starts with the version current on the first kept day (retired later).
constexpr const char* kPruneVersionsSql = R"sql(
DELETE FROM config_versions
WHERE last_current IS NOT NULL AND last_current < ?2
AND NOT EXISTS (SELECT 1 FROM sessions
                WHERE sessions.site = config_versions.site
                AND sessions.config_hash = config_versions.hash))sql";

// Whatever of a site is left once its days are gone: its config versions
// and rows no day listed (written by hand or by an interrupted older build).
constexpr const char* kDeleteSiteRestSql[] = {
    "DELETE FROM sessions WHERE site = ?1",        "DELETE FROM day_aggregates WHERE site = ?1",
    "DELETE FROM day_deltas WHERE site = ?1",      "DELETE FROM day_damage WHERE site = ?1",
    "DELETE FROM config_versions WHERE site = ?1",
};

struct SiteDay {
  std::string site;
  uint32_t day;
};

}  // namespace

Status SqliteStore::DeleteDay(std::string_view site, uint32_t day, DeletedRows& deleted) {
  std::lock_guard lock(write_mutex_);
  DropPendingLocked(site, day);  // its deltas go with it
  if (Status begin = Exec(write_db_, "BEGIN IMMEDIATE"); !begin.ok()) return begin;
  // A day's deltas are the increments of its aggregate since the base was
  // written, not rows an operator knows of: deleted with it, not counted.
  uint64_t deltas = 0;
  uint64_t* counts[] = {&deleted.sessions, &deleted.day_aggregates, &deltas, &deleted.damage_rows,
                        &deleted.days};
  uint64_t changed[std::size(kDeleteDaySql)] = {};
  for (size_t i = 0; i < std::size(kDeleteDaySql); ++i) {
    Statement remove(write_db_, kDeleteDaySql[i]);
    bool ok = remove.ok();
    if (ok) {
      remove.Bind(1, site);
      remove.Bind(2, int64_t{day});
      ok = remove.Step() == SQLITE_DONE;
    }
    if (!ok) {
      Status error = DbError(write_db_, "delete day");
      Exec(write_db_, "ROLLBACK");
      return error;
    }
    changed[i] = static_cast<uint64_t>(sqlite3_changes(write_db_));
  }
  Status commit = Exec(write_db_, "COMMIT");
  if (!commit.ok()) {
    Exec(write_db_, "ROLLBACK");
    return commit;
  }
  ++epoch_;  // after the commit: see epoch_
  for (size_t i = 0; i < std::size(kDeleteDaySql); ++i) *counts[i] += changed[i];
  return {};
}

Result<uint64_t> SqliteStore::DeleteRows(const char* sql, std::string_view site, int64_t cutoff) {
  std::lock_guard lock(write_mutex_);
  if (Status begin = Exec(write_db_, "BEGIN IMMEDIATE"); !begin.ok()) {
    return {begin.error, begin.message};
  }
  Statement remove(write_db_, sql);
  if (remove.ok()) {
    if (!site.empty()) remove.Bind(1, site);
    remove.Bind(2, cutoff);
  }
  if (!remove.ok() || remove.Step() != SQLITE_DONE) {
    Status error = DbError(write_db_, "delete");
    Exec(write_db_, "ROLLBACK");
    return {error.error, error.message};
  }
  const auto changed = static_cast<uint64_t>(sqlite3_changes(write_db_));
  if (Status commit = Exec(write_db_, "COMMIT"); !commit.ok()) {
    Exec(write_db_, "ROLLBACK");
    return {commit.error, commit.message};
  }
  return changed;
}

Result<DeletedRows> SqliteStore::DeleteDaysBefore(uint32_t first_kept_day) {
  std::vector<SiteDay> old_days;
  {
    std::lock_guard lock(read_mutex_);
    Statement days(read_db_, "SELECT site, day FROM days WHERE day < ?1 ORDER BY site, day");
    if (!days.ok()) return {Error::kUnavailable, DbError(read_db_, "list old days").message};
    days.Bind(1, int64_t{first_kept_day});
    int rc;
    while ((rc = days.Step()) == SQLITE_ROW) {
      old_days.push_back({std::string(days.Text(0)), static_cast<uint32_t>(days.Int(1))});
    }
    if (rc != SQLITE_DONE) return {Error::kUnavailable, DbError(read_db_, "list days").message};
  }
  DeletedRows deleted;
  for (const SiteDay& old : old_days) {
    if (Status done = DeleteDay(old.site, old.day, deleted); !done.ok()) {
      return {done.error, done.message};
    }
  }
  // Rows a report saved for a day while it was being deleted (the report
  // read the day before the delete, and saves its rebuilt aggregate after):
  // no day lists them any more, so they go by their day number.
  uint64_t orphan_deltas = 0;  // not counted, as in DeleteDay
  for (auto [sql, count] : {std::pair{kDeleteOrphansSql[0], &deleted.day_aggregates},
                            std::pair{kDeleteOrphansSql[1], &deleted.damage_rows},
                            std::pair{kDeleteOrphansSql[2], &orphan_deltas}}) {
    auto orphans = DeleteRows(sql, "", first_kept_day);
    if (!orphans.ok()) return {orphans.error(), orphans.message()};
    *count += orphans.value();
  }
  auto versions = DeleteRows(kPruneVersionsSql, "", int64_t{first_kept_day} * kDayMs);
  if (!versions.ok()) return {versions.error(), versions.message()};
  deleted.config_versions = versions.value();
  return deleted;
}

Result<DeletedRows> SqliteStore::DeleteSite(std::string_view site) {
  if (site.empty()) return {Error::kOutOfRange, "no site named"};
  std::vector<uint32_t> site_days;
  {
    std::lock_guard lock(read_mutex_);
    Statement days(read_db_, "SELECT day FROM days WHERE site = ?1 ORDER BY day");
    if (!days.ok()) return {Error::kUnavailable, DbError(read_db_, "list days").message};
    days.Bind(1, site);
    int rc;
    while ((rc = days.Step()) == SQLITE_ROW)
      site_days.push_back(static_cast<uint32_t>(days.Int(0)));
    if (rc != SQLITE_DONE) return {Error::kUnavailable, DbError(read_db_, "list days").message};
  }
  DeletedRows deleted;
  for (const uint32_t day : site_days) {
    if (Status done = DeleteDay(site, day, deleted); !done.ok()) return {done.error, done.message};
  }
  uint64_t deltas = 0;  // not counted, as in DeleteDay
  uint64_t* counts[] = {&deleted.sessions, &deleted.day_aggregates, &deltas, &deleted.damage_rows,
                        &deleted.config_versions};
  for (size_t i = 0; i < std::size(kDeleteSiteRestSql); ++i) {
    auto rest = DeleteRows(kDeleteSiteRestSql[i], site, 0);
    if (!rest.ok()) return {rest.error(), rest.message()};
    *counts[i] += rest.value();
  }
  ++epoch_;
  return deleted;
}

}  // namespace microconv
