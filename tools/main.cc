// The `microconv` binary: one subcommand per file, dispatched by name.
// Adding a command is one line in kCommands.
#include <cstdio>
#include <string_view>

#include "tools/cli/cli_commands.h"
#include "tools/serve/serve_command.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // argv[0] is the command name
};

constexpr Command kCommands[] = {
    {"serve", "run the collector (HTTP ingest, reports, live stream)", microconv::RunServe},
    {"host", "serve a static site folder such as the demo store", microconv::RunHost},
    {"decode", "verify a summary file and print it as JSON", microconv::RunDecode},
    {"config", "check a site config, or compile it for the browser", microconv::RunConfig},
    {"simulate", "send synthetic demo-store visitors to a collector", microconv::RunSimulate},
    {"replay", "run recorded event streams through the core; send or write the summaries",
     microconv::RunReplay},
    {"report", "print a site's report from the store (table, json or csv)", microconv::RunReport},
    {"replays", "list a site's journey replays by outcome, or print one", microconv::RunReplays},
    {"export", "write a site's stored sessions as JSON lines or bytes", microconv::RunExport},
    {"reindex", "rebuild a store's day aggregates from its sessions", microconv::RunReindex},
    {"user", "add, change or remove an owner account (dashboard login)", microconv::RunUser},
    {"token", "create, list or revoke API tokens (report, live, metrics)", microconv::RunToken},
    {"share", "create, list or revoke read-only links to a site's dashboard", microconv::RunShare},
    {"backup", "copy the store and its accounts while the collector serves", microconv::RunBackup},
    {"prune", "delete whole days older than a retention period", microconv::RunPrune},
    {"site", "delete everything stored for one site", microconv::RunSite},
    {"version", "print the release, store schema and wire versions", microconv::RunVersion},
    {"bench", "measure the collector budgets (ingest, report, memory)", microconv::RunBench},
};

int Usage(FILE* out) {
  std::fputs("usage: microconv COMMAND [FLAGS]\n       microconv --version\n\ncommands:\n", out);
  for (const Command& command : kCommands) {
    std::fprintf(out, "  %-10s %s\n", command.name, command.summary);
  }
  std::fputs("\n`microconv COMMAND --help` describes a command's flags.\n", out);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(stderr);
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") return Usage(stdout);
  if (name == "--version") return microconv::RunVersion(argc - 1, argv + 1);
  for (const Command& command : kCommands) {
    if (name == command.name) return command.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "microconv: unknown command \"%s\"\n", argv[1]);
  return Usage(stderr);
}
