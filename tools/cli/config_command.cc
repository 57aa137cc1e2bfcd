#include <cstdio>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/config_history.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/store_range.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv config check FILE... [--against OLD]\n"
    "       microconv config compile FILE -o OUT.mcc\n"
    "check validates site configs (errors name the field path; CSS selectors are\n"
    "parsed as the browser parses them) and fails when one fails; with --against it\n"
    "also prints what replacing OLD by FILE does to the site's history. compile\n"
    "writes the FlatBuffer the browser tracker fetches.\n";

// What each kind of edit does to the history a report reads, for a version
// first served on `date`.
std::string Effect(const ConfigChange& change, const std::string& date) {
  switch (change.kind) {
    case ChangeKind::kRelabeled:
    case ChangeKind::kReordered:
      return "no effect";
    case ChangeKind::kAdded:
      return "not tracked before " + date + " (older days show \"not tracked\", never 0)";
    case ChangeKind::kRemoved:
      return "kept in history, no new data";
    case ChangeKind::kRuleChanged:
      return "counts continue, marked from " + date;
    case ChangeKind::kStepsChanged:
      return "marked from " + date + "; the funnel counts from " + date +
             " on (older sessions answered other steps)";
  }
  return "";
}

// Prints what replacing `old_config` by `config` does to history; 1 when the
// two configs are for different sites.
int PrintHistoryEffects(const Config& config, const Config& old_config, const std::string& old) {
  if (config.site() != old_config.site()) {
    std::fprintf(stderr, "config: %s is for site \"%.*s\", not \"%.*s\": no shared history\n",
                 old.c_str(), static_cast<int>(old_config.site().size()), old_config.site().data(),
                 static_cast<int>(config.site().size()), config.site().data());
    return 1;
  }
  const uint32_t today = TodayIn(config.time_zone());
  const std::string date = DateOfDay(today);
  const std::vector<ConfigChange> changes = DiffConfigs(old_config, config, today);
  std::printf("against %s (hash 0x%08x), if served from %s:\n", old.c_str(), old_config.hash(),
              date.c_str());
  if (changes.empty()) std::printf("  no change to ids, labels or rules: no effect\n");
  for (const ConfigChange& change : changes) {
    const char* item = change.funnel ? "funnel" : "micro-conversion";
    if (change.id.empty()) {
      std::printf("  %s: %s\n", change.what.c_str(), Effect(change, date).c_str());
    } else {
      std::printf("  %s \"%s\" %s: %s: %s\n", item, change.id.c_str(), ChangeKindName(change.kind),
                  change.what.c_str(), Effect(change, date).c_str());
    }
  }
  for (const ConfigChange& change : changes) {
    if (!change.reused) continue;
    std::printf(
        "warning: micro-conversion \"%s\" now names another kind of rule (%s): its history "
        "would mix two meanings; give the new rule a new id\n",
        change.id.c_str(), change.what.c_str());
  }
  return 0;
}

// One config checked or compiled: its summary line, or its error; 0 or 1.
int CheckOne(const std::string& action, const std::string& file, const std::string& out,
             const std::string& against) {
  auto config = LoadConfigFile(file);
  if (!config.ok()) {
    // "FILE: funnels[1].steps[3].window: must be > 0", or why FILE could not be read.
    std::fprintf(stderr, "config: %s\n", config.message().c_str());
    return 1;
  }
  const Config& c = config.value();
  Result<Config> old_config = Config();
  if (!against.empty()) {
    old_config = LoadConfigFile(against);
    if (!old_config.ok()) {
      std::fprintf(stderr, "config: --against %s\n", old_config.message().c_str());
      return 1;
    }
  }
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
  if (!against.empty()) return PrintHistoryEffects(c, old_config.value(), against);
  return 0;
}

}  // namespace

int RunConfig(int argc, char** argv) {
  constexpr size_t kMaxFiles = 100000;
  auto flags = Flags::Parse(argc, argv, {{"-o"}, {"--against"}}, 1 + kMaxFiles);
  if (auto stop = StopAtFlags(flags, "config", kUsage)) return *stop;
  const std::vector<std::string>& args = flags.value().positional();
  const std::string action = args.size() > 0 ? args[0] : "";
  const std::vector<std::string> files(args.begin() + (args.empty() ? 0 : 1), args.end());
  const std::string out = flags.value().Get("-o");
  const std::string against = flags.value().Get("--against");
  if (files.empty() || (action != "check" && action != "compile") ||
      (action == "compile" && (out.empty() || files.size() > 1)) ||
      (!against.empty() && (action != "check" || files.size() > 1))) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  int failed = 0;
  for (const std::string& file : files) failed += CheckOne(action, file, out, against);
  return failed > 0 ? 1 : 0;
}

}  // namespace microconv
