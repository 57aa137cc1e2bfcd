// A site's config versions as kept by the store, read for the core's
// timeline (core/config_history.h): the collector's site registry restores
// them after a restart, and every report reads its timeline from them.
#ifndef MICROCONV_TOOLS_STORE_CONFIG_VERSIONS_H_
#define MICROCONV_TOOLS_STORE_CONFIG_VERSIONS_H_

#include <vector>

#include "core/config.h"
#include "core/config_history.h"
#include "core/status.h"
#include "tools/store/summary_store.h"

namespace microconv {

// The stored versions of `current`'s site, oldest first, ending with
// `current` (appended when the store has not seen it, as the CLI may read a
// store with a config file the collector never served). A version's day is
// the day it became current: its first time current, or, after a revert,
// when the version before it stopped being current. Rows that no longer
// verify are skipped.
Result<std::vector<ConfigVersion>> LoadConfigVersions(SummaryStore& store, const Config& current);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_CONFIG_VERSIONS_H_
