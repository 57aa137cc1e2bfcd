// The summary store file's schema version (PRAGMA user_version) and the
// migrations that bring a file written by an older release up to it. They
// run when the store opens (serve and every CLI command), one step per
// version, each in its own transaction and logged; a file of a newer schema
// is refused, never opened and rewritten.
#ifndef MICROCONV_TOOLS_STORE_STORE_SCHEMA_H_
#define MICROCONV_TOOLS_STORE_STORE_SCHEMA_H_

#include <functional>
#include <string_view>

#include "core/status.h"

struct sqlite3;

namespace microconv {

// 1: sessions, days, day aggregates of one config version.
// 2: config_versions, day_damage; day aggregates read through every version.
// 3: day aggregates kept up to date at commit (day_deltas, the triggers).
// 4: replays (the journey replay index), removed with their session.
inline constexpr int kStoreSchemaVersion = 4;

// Applies every step from the file's version up to kStoreSchemaVersion
// (a new file starts at 0); `log` gets one line per step applied. Returns
// the file's version as opened (0: a new file), so the caller can rebuild
// what the tables alone cannot (SqliteStore: aggregates for schema 3).
// kUnsupportedVersion for a file newer than this build.
Result<int> MigrateStoreSchema(sqlite3* db, std::string_view path,
                               const std::function<void(std::string_view)>& log);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_STORE_SCHEMA_H_
