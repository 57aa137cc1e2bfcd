// What the JS side of the tracker needs from the compiled config to capture
// events (selectors to match, forms to watch, privacy switches), as a small
// JSON object: the browser's JS reads it with JSON.parse, so neither a
// FlatBuffers JS runtime nor a second parser ships to the visitor.
// CompileConfig renders it into the compiled config (SiteConfig
// .tracker_settings): the visitor's module hands the string over and
// carries no JSON writer (issue 11).
#ifndef MICROCONV_CORE_TRACKER_SETTINGS_H_
#define MICROCONV_CORE_TRACKER_SETTINGS_H_

#include <string>

#include "core/config.h"

namespace microconv {

// {"site":..,"sessionTimeoutMs":..,"clicks":[selectors],"visible":[..],
//  "media":[..],"forms":[selectors],"privacy":{"scope":"session",
//  "journeyDays":0,"honorGpc":true,"honorDnt":true,"requireConsent":false,
//  "replaySampleRate":0}}. Indices in the arrays are the ids events carry.
std::string RenderTrackerSettingsJson(const Config& config);

}  // namespace microconv

#endif  // MICROCONV_CORE_TRACKER_SETTINGS_H_
