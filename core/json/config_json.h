// The authored form of a site config (SPEC section 4): JSON as in
// demo-site/sites/demo.json, described for editors by
// core/schema/config.schema.json. Native only (collector and CLI); the
// browser only ever sees the compiled FlatBuffer.
#ifndef MICROCONV_CORE_JSON_CONFIG_JSON_H_
#define MICROCONV_CORE_JSON_CONFIG_JSON_H_

#include <cstddef>
#include <string_view>

#include "core/config.h"
#include "core/schema/config_generated.h"
#include "core/status.h"

namespace microconv {

// Config JSON above this is refused before parsing.
inline constexpr size_t kMaxConfigJsonBytes = 1024 * 1024;

// Reads and checks config JSON. Errors are kInvalidConfig (kTooLarge above
// kMaxConfigJsonBytes) with a message that starts with the field path, e.g.
// `funnels[1].steps[3].window: must be > 0`; invalid JSON names the byte
// offset. Selectors are deduplicated into the three selector lists and each
// micro-conversion's `target` points into its list (or into `forms`).
Result<wire::SiteConfigT> ParseConfigJson(std::string_view json);

// ParseConfigJson, then CompileConfig, then Config::FromCompiled: the config
// exactly as the browser will load it.
Result<Config> LoadConfigJson(std::string_view json);

}  // namespace microconv

#endif  // MICROCONV_CORE_JSON_CONFIG_JSON_H_
