// microconv reindex --store sqlite:PATH [--site SITE]: rebuilds the day
// aggregates from the stored summaries. Commits keep them up to date, so
// this is maintenance: after a restore, a hand edit, or to check that the
// kept aggregates equal a fresh build. The only full scan of the store.
#include <chrono>
#include <cstdio>
#include <string>

#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/progress_bar.h"
#include "tools/cli/store_range.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv reindex --store sqlite:PATH [--site SITE]\n"
    "Rebuilds the day aggregates of SITE (every site by default) from the stored\n"
    "summaries, through each site's current config, day by day with a progress bar.\n"
    "A running collector keeps ingesting meanwhile.\n";

}  // namespace

int RunReindex(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {{"--store"}, {"--site"}});
  if (auto stop = StopAtFlags(flags, "reindex", kUsage)) return *stop;
  const std::string store_url = flags.value().Get("--store"), site = flags.value().Get("--site");
  if (store_url.empty()) {
    std::fprintf(stderr, "reindex: --store is required\n%s", kUsage);
    return 2;
  }
  auto store = OpenExistingStore(store_url);
  if (!store.ok()) {
    std::fprintf(stderr, "reindex: %s\n", store.message().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  size_t days = 0;
  Status done = store.value()->Reindex(site, [&](size_t done_days, size_t total) {
    days = total;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char extra[64];
    std::snprintf(extra, sizeof extra, "%.1f s", seconds);
    DrawProgressBar(done_days, total, "days", extra, done_days == total);
  });
  if (!done.ok()) {
    std::fprintf(stderr, "reindex: %s\n", done.message.c_str());
    return 1;
  }
  std::printf("reindex: %zu day aggregates rebuilt%s%s\n", days, site.empty() ? "" : " for ",
              site.c_str());
  return 0;
}

}  // namespace microconv
