// The CLI's offline commands (they need no running collector). Each takes
// argv with argv[0] = the command name and returns the process exit code:
// 0 success, 1 bad input (with a message on stderr), 2 usage error.
#ifndef MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_
#define MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_

namespace microconv {

// microconv decode FILE [--config SITE.json]: verifies a summary and prints
// its JSON rendering (names from the config when given).
int RunDecode(int argc, char** argv);

// microconv config check FILE | config compile FILE -o OUT.mcc
int RunConfig(int argc, char** argv);

// microconv simulate --endpoint URL ...: synthetic demo-store visitors sent
// over HTTP (see simulate_command.cc).
int RunSimulate(int argc, char** argv);

// microconv report --store sqlite:PATH --sites DIR --site SITE ...: the
// report of GET /api/report read straight from the store (table|json|csv).
int RunReport(int argc, char** argv);

// microconv export --store sqlite:PATH --site SITE ...: stored sessions as
// JSON lines or length-prefixed summary bytes.
int RunExport(int argc, char** argv);

// microconv user add|passwd|remove|list: owner accounts (dashboard logins).
int RunUser(int argc, char** argv);

// microconv token create|list|revoke: API tokens (read one site, or admin).
int RunToken(int argc, char** argv);

// microconv share create|list|revoke: read-only links to one site's dashboard.
int RunShare(int argc, char** argv);

// microconv reindex --store sqlite:PATH [--site SITE]: rebuilds the day
// aggregates from the stored summaries (maintenance; commits keep them).
int RunReindex(int argc, char** argv);

// microconv replay --config SITE.json --events FILE [--endpoint URL | --out
// DIR] [--raw-events-out FILE]: recorded event streams through the core.
int RunReplay(int argc, char** argv);

// microconv replays --store sqlite:PATH --sites DIR --site SITE [...]: the
// journey replays of GET /api/replays/SITE (a list by outcome, or --id one).
int RunReplays(int argc, char** argv);

// microconv bench [--sessions N]: the collector budgets of issue 4.
int RunBench(int argc, char** argv);

// microconv backup --store sqlite:PATH --out FILE: a consistent copy of the
// store and its accounts while the collector serves.
int RunBackup(int argc, char** argv);

// microconv prune --store sqlite:PATH --older-than-days N | --before DATE.
int RunPrune(int argc, char** argv);

// microconv site delete --store sqlite:PATH --site SITE --yes.
int RunSite(int argc, char** argv);

// microconv version: the release, store schema and wire versions.
int RunVersion(int argc, char** argv);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_
