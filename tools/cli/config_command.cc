#include <cstdio>
#include <string>
#include <vector>

#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/store_range.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv config check FILE\n"
    "       microconv config compile FILE -o OUT.mcc\n"
    "check validates a site config (errors name the field path); compile writes the\n"
    "FlatBuffer the browser tracker fetches.\n";

}  // namespace

int RunConfig(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {{"-o"}}, 2);
  if (auto stop = StopAtFlags(flags, "config", kUsage)) return *stop;
  const std::vector<std::string>& args = flags.value().positional();
  const std::string action = args.size() > 0 ? args[0] : "", file = args.size() > 1 ? args[1] : "";
  const std::string out = flags.value().Get("-o");
  if (file.empty() || (action != "check" && action != "compile") ||
      (action == "compile" && out.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto config = LoadConfigFile(file);
  if (!config.ok()) {
    // "FILE: funnels[1].steps[3].window: must be > 0", or why FILE could not be read.
    std::fprintf(stderr, "config: %s\n", config.message().c_str());
    return 1;
  }
  const Config& c = config.value();
  if (action == "compile") {
    std::string bytes(c.bytes().begin(), c.bytes().end());
    if (Status written = WriteOutput(out, bytes); !written.ok()) {
      std::fprintf(stderr, "config: %s\n", written.message.c_str());
      return 1;
    }
  }
  std::fprintf(action == "compile" && out == "-" ? stderr : stdout,
               "%s: ok: site \"%.*s\", %zu micro-conversions, %zu funnels, %zu page templates, "
               "%zu bytes compiled, hash 0x%08x\n",
               file.c_str(), static_cast<int>(c.site().size()), c.site().data(), c.micro_count(),
               c.funnel_count(), c.template_count(), c.bytes().size(), c.hash());
  return 0;
}

}  // namespace microconv
