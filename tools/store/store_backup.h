// `microconv backup`: a consistent copy of a SQLite file while the collector
// keeps writing it, with SQLite's online backup API (sqlite3_backup_*).
//
// The copy goes in steps of `pages_per_step` pages with a pause between
// them. A commit by another connection between two steps restarts the copy
// (SQLite's rule, so the copy is always one snapshot); after `max_restarts`
// the rest is copied in one step. That step only holds a WAL read snapshot,
// which never blocks the collector's writer (the store is always in WAL
// mode): it only holds back checkpoints, so the WAL grows meanwhile.
#ifndef MICROCONV_TOOLS_STORE_STORE_BACKUP_H_
#define MICROCONV_TOOLS_STORE_STORE_BACKUP_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace microconv {

struct BackupOptions {
  int pages_per_step = 256;  // 1 MiB of 4 KiB pages
  int pause_ms = 5;          // between steps: room for the writer's commits
  int max_restarts = 3;
};

struct BackupCopy {
  int64_t pages = 0;  // pages in the copy
  int steps = 0;
  int restarts = 0;  // copies restarted by a commit between steps
  bool rest_in_one_step = false;
};

// Copies the SQLite file `from` (which must exist) to `to`: written to
// `to`.partial, checked with PRAGMA integrity_check, switched to a single
// self-contained file (journal_mode=DELETE, no -wal) and renamed over `to`,
// so `to` is always either the previous copy or a complete new one.
Result<BackupCopy> BackupSqliteFile(const std::string& from, const std::string& to,
                                    const BackupOptions& options);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_STORE_BACKUP_H_
