// microconv replays: the journey replays of GET /api/replays/SITE read
// straight from the store, as the same JSON (the list, or one replay with
// --id). The same k-anonymity rule as the API (tools/store/replay_view.h).
#include <cstdio>
#include <string>
#include <vector>

#include "core/report.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/store_range.h"
#include "tools/store/replay_view.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv replays --store sqlite:PATH --sites DIR --site SITE\n"
    "         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--outcome any|converted|dropped|frustrated]\n"
    "         [--funnel ID [--step K]] [--limit N] [--after CURSOR] [--k N]\n"
    "       microconv replays --store sqlite:PATH --sites DIR --site SITE --id ID\n"
    "The list (JSON) of GET /api/replays/SITE: the range's sampled sessions by\n"
    "outcome, at most --limit (1..100, default 50) after --after (the previous\n"
    "page's `next`); withheld when the range holds fewer than k replays. --id: one\n"
    "replay decoded (GET /api/replays/SITE?id=ID). --k overrides the site's k.\n";

}  // namespace

int RunReplays(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv,
                             {{"--store"},
                              {"--sites"},
                              {"--site"},
                              {"--from"},
                              {"--to"},
                              {"--outcome"},
                              {"--funnel"},
                              {"--step"},
                              {"--limit"},
                              {"--after"},
                              {"--id"},
                              {"--k"}});
  if (auto stop = StopAtFlags(parsed, "replays", kUsage)) return *stop;
  const Flags& flags = parsed.value();
  if (!flags.Has("--store") || !flags.Has("--sites") || !flags.Has("--site")) {
    std::fprintf(stderr, "replays: --store, --sites and --site are required\n%s", kUsage);
    return 2;
  }
  auto k = flags.Int("--k", -1, 0, 1000000);
  if (!k.ok()) {
    std::fprintf(stderr, "replays: %s\n", k.message().c_str());
    return 2;
  }
  const std::string site = flags.Get("--site");
  auto config = LoadSiteConfig(flags.Get("--sites"), site);
  if (!config.ok()) {
    std::fprintf(stderr, "replays: %s\n", config.message().c_str());
    return 1;
  }
  uint64_t nonce = 0;
  if (flags.Has("--id") && !ParseReplayId(flags.Get("--id"), nonce)) {
    std::fprintf(stderr, "replays: --id: 16 hex digits\n");
    return 1;
  }
  std::vector<std::string> storage;
  std::vector<ReportParam> params;
  storage.reserve(std::size(kReplayParamNames));
  for (std::string_view name : kReplayParamNames) {
    const std::string flag = "--" + std::string(name);
    if (!flags.Has(flag)) continue;
    storage.push_back(flags.Get(flag));
    params.push_back({name, storage.back()});
  }
  auto query = ParseReplayQuery(params, config.value(), TodayIn(config.value().time_zone()));
  if (!query.ok()) {
    std::fprintf(stderr, "replays: --%s\n", query.message().c_str());
    return 1;
  }
  auto store = OpenExistingStore(flags.Get("--store"));
  if (!store.ok()) {
    std::fprintf(stderr, "replays: %s\n", store.message().c_str());
    return 1;
  }
  ReportOptions k_options;
  k_options.k_anonymity = static_cast<int>(k.value());
  const uint32_t k_anonymity = KAnonymity(config.value().def(), k_options);
  if (flags.Has("--id")) {
    auto rendered = RenderStoredReplay(*store.value(), site, nonce, k_anonymity);
    if (!rendered.ok()) {
      std::fprintf(stderr, "replays: %s\n", rendered.message().c_str());
      return 1;
    }
    if (!rendered.value().has_value()) {
      std::fprintf(stderr, "replays: no replay %s\n", flags.Get("--id").c_str());
      return 1;
    }
    std::printf("%s\n", rendered.value()->c_str());
    return 0;
  }
  const ReplayQuery& q = query.value();
  auto page =
      store.value()->ListReplays(site, q.range.from, q.range.to, q.filter, q.after, q.limit);
  if (!page.ok()) {
    std::fprintf(stderr, "replays: %s\n", page.message().c_str());
    return 1;
  }
  std::printf("%s\n", RenderReplayListJson(page.value(), k_anonymity).c_str());
  return 0;
}

}  // namespace microconv
