// The compiled config as the visitor's browser fetches it (GET
// /config/SITE.mcc), derived from the full one the owner's side reads.
#ifndef MICROCONV_CORE_BROWSER_CONFIG_H_
#define MICROCONV_CORE_BROWSER_CONFIG_H_

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace microconv {

// `config`'s bytes without what only the site owner's side reads: the
// labels of micro-conversions and funnels (reports, dashboard, config
// history), page examples (the dashboard's heatmap), the time zone (days of
// reports) and k-anonymity (reports); and without the selectors' text
// outside `tracker_settings`, where the tracker's JS reads it (the core
// only counts the selector lists, which keep their length). Same rules,
// tracker settings and identity: Config::hash() of the result is
// config.hash() (carried in `rules_hash`), so summaries name the config
// version the collector knows. Ids, form field names, page templates and
// funnel step labels stay: the inspect module names a summary with them
// (microconv('inspect'), the playground). Fails only if the copy would not
// load with that hash; the owner's tools keep the full config.
Result<std::vector<uint8_t>> BrowserConfig(const Config& config);

}  // namespace microconv

#endif  // MICROCONV_CORE_BROWSER_CONFIG_H_
