// microconv backup | prune | site delete: keeping a store in production
// (README "Deploy"). All of them run beside a live collector on the same
// files: backup reads a snapshot, prune and delete write one day per
// transaction so ingest waits at most one day's delete.
#include <cstdio>
#include <string>

#include "core/calendar.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/store_range.h"
#include "tools/store/accounts.h"
#include "tools/store/store_backup.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kBackupUsage =
    "usage: microconv backup --store sqlite:PATH --out FILE [--step-pages N]\n"
    "  A consistent copy of the store while the collector keeps serving (SQLite online\n"
    "  backup, N pages per step, default 256), checked with integrity_check. Written:\n"
    "  FILE (sessions, day aggregates, config versions) and FILE.accounts (owners and\n"
    "  their password hashes, API token hashes, shared links, login sessions): restore\n"
    "  by stopping the collector and copying both back as PATH and PATH.accounts.\n"
    "  Not included: the site configs (--sites DIR; every compiled version the store\n"
    "  has served is in FILE), the web assets and the binary.\n";

constexpr const char* kPruneUsage =
    "usage: microconv prune --store URL (--older-than-days N | --before YYYY-MM-DD)\n"
    "  Deletes every site's days older than the last N days, today (UTC) included, or\n"
    "  before the date: their sessions, day aggregates and damage rows, and the config\n"
    "  versions no kept day needs. What `serve --retention-days N` runs every day.\n"
    "  URL: sqlite:PATH, or clickhouse://HOST:PORT,... listing every shard's node (the\n"
    "  deletion runs on each; it waits for ClickHouse to finish it).\n";

constexpr const char* kSiteUsage =
    "usage: microconv site delete --store URL --site SITE --yes [--accounts sqlite:PATH]\n"
    "  Deletes everything stored for SITE: sessions, day aggregates, damage rows,\n"
    "  config versions, and its API tokens and shared links (with their logins).\n"
    "  Remove SITE's config from --sites first, or the collector keeps accepting it.\n"
    "  URL as for prune; --accounts: where the owner accounts live (default: the\n"
    "  sqlite --store; required with a ClickHouse one, as for serve).\n";

int Fail(const char* command, const std::string& message) {
  std::fprintf(stderr, "microconv %s: %s\n", command, message.c_str());
  return 1;
}

int UsageError(const char* command, const char* usage, const std::string& message) {
  std::fprintf(stderr, "microconv %s: %s\n%s", command, message.c_str(), usage);
  return 2;
}

}  // namespace

int RunBackup(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {{"--store"}, {"--out"}, {"--step-pages"}});
  if (auto stop = StopAtFlags(parsed, "backup", kBackupUsage)) return *stop;
  const Flags& flags = parsed.value();
  for (const char* required : {"--store", "--out"}) {
    if (!flags.Has(required)) {
      return UsageError("backup", kBackupUsage, std::string(required) + " is required");
    }
  }
  auto path = SqlitePath(flags.Get("--store"));
  if (!path.ok()) return UsageError("backup", kBackupUsage, path.message());
  BackupOptions options;
  auto step = flags.Int("--step-pages", options.pages_per_step, 1, 1 << 20);
  if (!step.ok()) return UsageError("backup", kBackupUsage, step.message());
  options.pages_per_step = static_cast<int>(step.value());
  const std::string out = flags.Get("--out");
  const std::pair<std::string, std::string> files[] = {
      {path.value(), out}, {AccountsFile(path.value()), AccountsFile(out)}};
  for (const auto& [from, to] : files) {
    auto copy = BackupSqliteFile(from, to, options);
    if (!copy.ok()) return Fail("backup", from + ": " + copy.message());
    const BackupCopy& c = copy.value();
    std::printf("%s -> %s: %lld pages in %d steps, %d restarted by writes%s, integrity ok\n",
                from.c_str(), to.c_str(), static_cast<long long>(c.pages), c.steps, c.restarts,
                c.rest_in_one_step ? " (the rest copied in one step)" : "");
  }
  return 0;
}

int RunPrune(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {{"--store"}, {"--older-than-days"}, {"--before"}});
  if (auto stop = StopAtFlags(parsed, "prune", kPruneUsage)) return *stop;
  const Flags& flags = parsed.value();
  if (!flags.Has("--store")) return UsageError("prune", kPruneUsage, "--store is required");
  if (flags.Has("--older-than-days") == flags.Has("--before")) {
    return UsageError("prune", kPruneUsage, "give --older-than-days or --before");
  }
  uint32_t first_kept = 0;
  if (flags.Has("--before")) {
    if (!ParseDay(flags.Get("--before"), first_kept)) {
      return UsageError("prune", kPruneUsage, "--before: expected YYYY-MM-DD");
    }
  } else {
    auto days = flags.Int("--older-than-days", 0, 1, 100000);
    if (!days.ok()) return UsageError("prune", kPruneUsage, days.message());
    first_kept = FirstKeptDay(Today(), static_cast<uint32_t>(days.value()));
  }
  auto store = OpenExistingStore(flags.Get("--store"));
  if (!store.ok()) return Fail("prune", store.message());
  auto deleted = store.value()->DeleteDaysBefore(first_kept);
  if (!deleted.ok()) return Fail("prune", deleted.message());
  std::printf("deleted %s before %s\n", DeletedRowsText(deleted.value()).c_str(),
              DateOfDay(first_kept).c_str());
  return 0;
}

int RunSite(int argc, char** argv) {
  auto parsed =
      Flags::Parse(argc, argv, {{"--store"}, {"--site"}, {"--yes", false}, {"--accounts"}}, 1);
  if (auto stop = StopAtFlags(parsed, "site", kSiteUsage)) return *stop;
  const Flags& flags = parsed.value();
  if (flags.positional().size() != 1 || flags.positional()[0] != "delete") {
    return UsageError("site", kSiteUsage, "expected delete");
  }
  for (const char* required : {"--store", "--site"}) {
    if (!flags.Has(required)) {
      return UsageError("site", kSiteUsage, std::string(required) + " is required");
    }
  }
  const std::string site = flags.Get("--site");
  if (!flags.Has("--yes")) {
    return UsageError("site", kSiteUsage,
                      "this deletes every stored session of " + site + " for good: add --yes");
  }
  auto store = OpenExistingStore(flags.Get("--store"));
  if (!store.ok()) return Fail("site", store.message());
  auto accounts = AccountStore::Open(flags.Get("--accounts", flags.Get("--store")));
  if (!accounts.ok()) return Fail("site", accounts.message());
  auto deleted = store.value()->DeleteSite(site);
  if (!deleted.ok()) return Fail("site", deleted.message());
  auto access = accounts.value()->DeleteSiteAccess(site);
  if (!access.ok()) return Fail("site", access.message());
  const SiteAccessRows& a = access.value();
  std::printf("deleted site %s: %s; %llu API tokens, %llu shared links, %llu logins\n",
              site.c_str(), DeletedRowsText(deleted.value()).c_str(),
              static_cast<unsigned long long>(a.tokens), static_cast<unsigned long long>(a.shares),
              static_cast<unsigned long long>(a.sessions));
  return 0;
}

}  // namespace microconv
