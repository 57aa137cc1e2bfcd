// microconv report: the report of GET /api/report/SITE, read straight from
// the store (no collector needed), as JSON (byte for byte what the API
// serves), a terminal table (tools/cli/report_table.h), or the CSV the
// collector serves too (core/report_csv.h).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/report.h"
#include "core/report_csv.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/report_table.h"
#include "tools/cli/store_range.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv report --store sqlite:PATH --sites DIR --site SITE\n"
    "         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--funnel ID] [--breakdown NAME]\n"
    "         [--daily NAME] [--filter TERMS] [--compare previous|FROM..TO]\n"
    "         [--funnel_breakdown NAME] [--format table|json|csv] [--k N]\n"
    "The flags are the query parameters of GET /api/report/SITE (same defaults and\n"
    "limits: the 30 days ending today); dates and today are the site's local days\n"
    "in its config's time_zone (default UTC), printed beside the range. --daily adds\n"
    "per-day segment tables\n"
    "to the json. --filter country:DE,!micro:newsletter,step:checkout.2 counts only\n"
    "the matching sessions; --compare adds the other period's figures and changes\n"
    "and --funnel_breakdown each funnel's conversion per value (json).\n"
    "--k overrides the site's k-anonymity like `serve --k`.\n";

}  // namespace

int RunReport(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv,
                             {{"--store"},
                              {"--sites"},
                              {"--site"},
                              {"--from"},
                              {"--to"},
                              {"--funnel"},
                              {"--breakdown"},
                              {"--daily"},
                              {"--filter"},
                              {"--compare"},
                              {"--funnel_breakdown"},
                              {"--format"},
                              {"--k"}});
  if (auto stop = StopAtFlags(parsed, "report", kUsage)) return *stop;
  const Flags& flags = parsed.value();
  const std::string format = flags.Get("--format", "table");
  if (!flags.Has("--store") || !flags.Has("--sites") || !flags.Has("--site")) {
    std::fprintf(stderr, "report: --store, --sites and --site are required\n%s", kUsage);
    return 2;
  }
  if (format != "table" && format != "json" && format != "csv") {
    std::fprintf(stderr, "report: --format: expected table, json or csv\n");
    return 2;
  }
  auto k = flags.Int("--k", -1, 0, 1000000);
  if (!k.ok()) {
    std::fprintf(stderr, "report: %s\n", k.message().c_str());
    return 2;
  }
  auto config = LoadSiteConfig(flags.Get("--sites"), flags.Get("--site"));
  if (!config.ok()) {
    std::fprintf(stderr, "report: %s\n", config.message().c_str());
    return 1;
  }
  std::vector<std::string> storage;
  auto request = ParseReportQuery(ReportParamsOfFlags(flags, storage), config.value(),
                                  TodayIn(config.value().time_zone()));
  if (!request.ok()) {
    std::fprintf(stderr, "report: %s\n", AsFlagMessage(request.message(), flags).c_str());
    return 1;
  }
  request.value().options.k_anonymity = static_cast<int>(k.value());
  auto store = OpenExistingStore(flags.Get("--store"));
  if (!store.ok()) {
    std::fprintf(stderr, "report: %s\n", store.message().c_str());
    return 1;
  }
  auto report = RunReportRequest(*store.value(), config.value(), request.value());
  if (!report.ok()) {
    std::fprintf(stderr, "report: %s\n", report.message().c_str());
    return 1;
  }
  if (report.value().unreadable_sessions > 0) {
    // Damage is said out loud, whatever the format (json also carries it).
    std::fprintf(stderr,
                 "report: %llu stored sessions of the range are unreadable (damaged store) and "
                 "not counted\n",
                 static_cast<unsigned long long>(report.value().unreadable_sessions));
  }
  if (format == "json") {
    std::fputs(RenderReportJson(report.value()).c_str(), stdout);
  } else if (format == "csv") {
    std::fputs(RenderReportCsv(report.value(), DateOfDay(request.value().from),
                               DateOfDay(request.value().to))
                   .c_str(),
               stdout);
  } else {
    std::fputs(RenderReportTable(report.value(), DateOfDay(request.value().from),
                                 DateOfDay(request.value().to))
                   .c_str(),
               stdout);
  }
  return 0;
}

}  // namespace microconv
