#include <cstdio>
#include <string>

#include "core/json/config_json.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv config check FILE\n"
    "       microconv config compile FILE -o OUT.mcc\n"
    "check validates a site config (errors name the field path); compile writes the\n"
    "FlatBuffer the browser tracker fetches.\n";

}  // namespace

int RunConfig(int argc, char** argv) {
  if (argc < 3) {
    std::fputs(kUsage, argc >= 2 && std::string(argv[1]) == "--help" ? stdout : stderr);
    return argc >= 2 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  const std::string action = argv[1], file = argv[2];
  std::string out;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "-o" && i + 1 < argc) {
      out = argv[++i];
    } else {
      std::fprintf(stderr, "config: unexpected argument %s\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if ((action != "check" && action != "compile") || (action == "compile" && out.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string error;
  auto text = ReadInput(file, kMaxConfigJsonBytes + 1, error);
  if (!text) {
    std::fprintf(stderr, "config: %s\n", error.c_str());
    return 1;
  }
  auto config = LoadConfigJson(*text);
  if (!config.ok()) {
    // The message starts with the field path: "funnels[1].steps[3].window: must be > 0".
    std::fprintf(stderr, "%s: %s\n", file.c_str(), config.message().c_str());
    return 1;
  }
  const Config& c = config.value();
  if (action == "compile") {
    std::string bytes(c.bytes().begin(), c.bytes().end());
    if (!WriteOutput(out, bytes, error)) {
      std::fprintf(stderr, "config: %s\n", error.c_str());
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
