// What the CLI commands share: a config JSON file loaded, a site's config
// found by its id in a sites directory, a store that must already exist,
// and the report query read from --flags named after its parameters
// (core/report_query.h).
#ifndef MICROCONV_TOOLS_CLI_STORE_RANGE_H_
#define MICROCONV_TOOLS_CLI_STORE_RANGE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/report_query.h"
#include "core/status.h"
#include "tools/base/flags.h"
#include "tools/store/summary_store.h"

namespace microconv {

// The site config JSON file at `path` ("-": stdin), loaded; errors say the
// path ("demo.json: funnels[1].steps[3].window: must be > 0").
Result<Config> LoadConfigFile(const std::string& path);

// The config in `dir` (*.json) whose "site" is `site`; kUnavailable when the
// directory cannot be read, kOutOfRange for an unknown site (the message
// lists the files that did not load: maybe the site's own).
Result<Config> LoadSiteConfig(const std::string& dir, std::string_view site);

// The store of a --store value that must exist: a report or an export must
// not create an empty store by mistake.
Result<std::unique_ptr<SummaryStore>> OpenExistingStore(const std::string& url);

// --from, --to, ... as report query parameters; the strings are `flags`'s.
// `storage` keeps the values alive while the params are used.
std::vector<ReportParam> ReportParamsOfFlags(const Flags& flags, std::vector<std::string>& storage);

// A query error as the CLI says it: "funnel: unknown id" becomes
// "--funnel: unknown id (got \"x\")" with the value of `flags`.
std::string AsFlagMessage(const std::string& message, const Flags& flags);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_STORE_RANGE_H_
