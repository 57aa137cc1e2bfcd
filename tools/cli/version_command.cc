// microconv version (and `microconv --version`): what an operator checks
// before and after an upgrade. The release comes from CMake's project()
// version, the numbers after it from the code that owns them.
#include <cstdio>
#include <string>

#include "core/config.h"
#include "core/summary.h"
#include "tools/base/flags.h"
#include "tools/base/version.h"
#include "tools/cli/cli_commands.h"
#include "tools/store/store_schema.h"

namespace microconv {

int RunVersion(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {});
  if (auto stop =
          StopAtFlags(parsed, "version", "usage: microconv version (or microconv --version)\n")) {
    return *stop;
  }
  std::printf(
      "microconv %.*s\n"
      "store schema %d (older stores are migrated when opened; newer ones refused)\n"
      "wire: summary version %d, compiled config version %u\n",
      static_cast<int>(kReleaseVersion.size()), kReleaseVersion.data(), kStoreSchemaVersion,
      int{kSummaryVersion}, kConfigVersion);
  return 0;
}

}  // namespace microconv
