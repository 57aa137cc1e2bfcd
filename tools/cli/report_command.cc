// microconv report: the report of GET /api/report/SITE, read straight from
// the store (no collector needed), as JSON (byte for byte what the API
// serves), a terminal table, or CSV.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/report.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/store_range.h"
#include "tools/cli/terminal_text.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv report --store sqlite:PATH --sites DIR --site SITE\n"
    "         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--funnel ID] [--breakdown NAME]\n"
    "         [--daily NAME] [--filter TERMS] [--compare previous|FROM..TO]\n"
    "         [--funnel_breakdown NAME] [--format table|json|csv] [--k N]\n"
    "The flags are the query parameters of GET /api/report/SITE (same defaults and\n"
    "limits: the 30 days ending today, UTC); --daily adds per-day segment tables\n"
    "to the json. --filter country:DE,!micro:newsletter,step:checkout.2 counts only\n"
    "the matching sessions; --compare adds the other period's figures and changes\n"
    "and --funnel_breakdown each funnel's conversion per value (json).\n"
    "--k overrides the site's k-anonymity like `serve --k`.\n";

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", fraction * 100);
  return text;
}

std::string Seconds(double deciseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", deciseconds / 10);
  return text;
}

std::string Count(uint64_t n, bool suppressed) { return suppressed ? "(k<)" : std::to_string(n); }

// Cents as major units with two decimals ("149.90").
std::string Money(double cents) {
  char text[48];
  std::snprintf(text, sizeof text, "%.2f", cents / 100);
  return text;
}

// "revenue 299.80 EUR from 2 orders (average 149.90), 1 other-currency order".
std::string RevenueLine(const RevenueFigures& r, const std::string& currency) {
  std::string line = r.suppressed ? "revenue (k<)"
                                  : "revenue " + Money(static_cast<double>(r.revenue_cents)) + " " +
                                        currency + " from " + std::to_string(r.orders) +
                                        " orders (average " + Money(r.average_order_cents) + ")";
  if (r.other_currency_suppressed) return line + ", other-currency orders (k<)";
  if (r.other_currency_orders > 0) {
    line += ", " + std::to_string(r.other_currency_orders) + " other-currency orders (not summed)";
  }
  return line;
}

std::string JoinPath(const std::vector<std::string>& steps) {
  if (steps.empty()) return "(no micro-conversion)";
  std::string out;
  for (const std::string& step : steps) out += (out.empty() ? "" : " > ") + step;
  return out;
}

void PrintTable(const Report& report, uint32_t first, uint32_t last) {
  const Engagement& e = report.engagement;
  std::printf("site %s, %s .. %s, k-anonymity %u\n\n", TerminalText(report.site).c_str(),
              DateOfDay(first).c_str(), DateOfDay(last).c_str(), report.k_anonymity);
  if (e.suppressed) {
    std::printf("engagement: fewer than k sessions (suppressed)\n");
  } else {
    std::printf(
        "engagement: %llu sessions, %llu converters (%s), %.2f pages/session, bounce %s,"
        " median active %s, rage clicks %llu, dead clicks %llu\n",
        (unsigned long long)e.sessions, (unsigned long long)e.converters,
        Percent(e.conversion_rate).c_str(), e.pages_per_session, Percent(e.bounce_rate).c_str(),
        Seconds(e.median_active_ds).c_str(), (unsigned long long)e.rage_clicks,
        (unsigned long long)e.dead_clicks);
  }
  std::printf("%s\n", RevenueLine(report.revenue, report.currency).c_str());
  for (const FunnelReport& funnel : report.funnels) {
    std::printf("\nfunnel %s (%s): %s entered, %s converted (%s), median time %s\n",
                TerminalText(funnel.label).c_str(), TerminalText(funnel.id).c_str(),
                Count(funnel.entered, funnel.suppressed).c_str(),
                Count(funnel.conversions, funnel.suppressed).c_str(),
                Percent(funnel.conversion_rate).c_str(),
                Seconds(funnel.median_time_to_convert_ds).c_str());
    if (!funnel.suppressed) {
      std::printf("  converters' %s\n", RevenueLine(funnel.revenue, report.currency).c_str());
    }
    std::printf("  %-28s %10s %10s %10s %10s %10s\n", "step", "reached", "from prev", "drop-off",
                "drop rate", "median");
    for (const FunnelStepRow& step : funnel.steps) {
      const std::string label = step.label + (step.optional ? " (opt)" : "");
      if (step.suppressed) {
        std::printf("  %-28s %10s\n", TerminalText(label).c_str(), "(k<)");
        continue;
      }
      std::printf("  %-28s %10llu %10s %10llu %10s %10s\n", TerminalText(label).c_str(),
                  (unsigned long long)step.reached, Percent(step.from_previous).c_str(),
                  (unsigned long long)step.drop_off, Percent(step.drop_off_rate).c_str(),
                  Seconds(step.median_step_ds).c_str());
    }
  }
  if (!report.paths.empty()) {
    std::printf("\ntop paths\n  %10s %10s %8s  %s\n", "sessions", "converters", "rate", "path");
    for (const PathRow& path : report.paths) {
      std::printf("  %10s %10s %8s  %s\n", Count(path.sessions, path.suppressed).c_str(),
                  Count(path.converters, path.suppressed).c_str(),
                  path.suppressed ? "" : Percent(path.conversion_rate).c_str(),
                  TerminalText(JoinPath(path.steps)).c_str());
    }
  }
  if (!report.lift.empty()) {
    std::printf("\nlift on the macro-conversion\n  %-28s %9s %9s %9s %19s %s\n", "micro", "with",
                "without", "diff", "95% interval", "");
    for (const LiftRow& row : report.lift) {
      if (row.suppressed) {
        std::printf("  %-28s %9s\n", TerminalText(row.label).c_str(), "(k<)");
        continue;
      }
      std::printf("  %-28s %9s %9s %9s  [%7s, %7s] %s\n", TerminalText(row.label).c_str(),
                  Percent(row.rate_with).c_str(), Percent(row.rate_without).c_str(),
                  Percent(row.difference).c_str(), Percent(row.ci_low).c_str(),
                  Percent(row.ci_high).c_str(), row.significant ? "significant" : "");
    }
  }
  for (const SegmentTable& table : report.segments) {
    if (table.rows.empty()) continue;
    std::printf("\nsegment %s\n  %-28s %10s %10s %8s %12s %7s\n",
                TerminalText(table.dimension).c_str(), "value", "sessions", "converters", "rate",
                ("revenue " + report.currency).c_str(), "orders");
    // The top few per dimension: the full tables are in json and csv.
    const size_t shown = table.rows.size() < 5 ? table.rows.size() : 5;
    for (size_t r = 0; r < shown; ++r) {
      const SegmentRow& row = table.rows[r];
      const bool revenue_hidden = row.suppressed || row.revenue.suppressed;
      std::printf(
          "  %-28s %10s %10s %8s %12s %7s\n", TerminalText(row.value).c_str(),
          Count(row.sessions, row.suppressed).c_str(),
          Count(row.converters, row.suppressed).c_str(),
          row.suppressed ? "" : Percent(row.conversion_rate).c_str(),
          revenue_hidden ? "(k<)" : Money(static_cast<double>(row.revenue.revenue_cents)).c_str(),
          Count(row.revenue.orders, revenue_hidden).c_str());
    }
  }
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

// One revenue row: scope (total, funnel, day, a segment dimension), key,
// then the figures; empty where withheld under k.
void PrintRevenueRow(const std::string& scope, const std::string& key, const RevenueFigures& r) {
  std::printf("%s,%s,", CsvCell(scope).c_str(), CsvCell(key).c_str());
  if (r.suppressed) {
    std::printf(",,,,");
  } else {
    std::printf("%llu,%llu,%s,%s,", (unsigned long long)r.buyers, (unsigned long long)r.orders,
                Money(static_cast<double>(r.revenue_cents)).c_str(),
                Money(r.average_order_cents).c_str());
  }
  if (r.other_currency_suppressed) {
    std::printf(",%s\n", r.suppressed ? "true" : "false");
  } else {
    std::printf("%llu,%s\n", (unsigned long long)r.other_currency_orders,
                r.suppressed ? "true" : "false");
  }
}

void PrintRevenueCsv(const Report& report) {
  std::printf(
      "\n# revenue (%s)\nscope,key,buyers,orders,revenue,average_order_value,"
      "other_currency_orders,suppressed\n",
      report.currency.c_str());
  PrintRevenueRow("total", "", report.revenue);
  for (const FunnelReport& funnel : report.funnels) {
    if (!funnel.suppressed) PrintRevenueRow("funnel", funnel.id, funnel.revenue);
  }
  for (const DayRow& day : report.days) {
    if (!day.suppressed) PrintRevenueRow("day", day.date, day.revenue);
  }
  for (const SegmentTable& table : report.segments) {
    for (const SegmentRow& row : table.rows) {
      if (!row.suppressed) PrintRevenueRow(table.dimension, row.value, row.revenue);
    }
  }
}

// Suppressed cells keep their label and leave the numbers empty, as the JSON
// leaves them out.
void PrintCsv(const Report& report) {
  const Engagement& e = report.engagement;
  std::printf(
      "# engagement\nsessions,converters,conversion_rate,page_views,pages_per_session,"
      "bounce_rate,median_active_s,rage_clicks,dead_clicks,suppressed\n");
  if (e.suppressed) {
    std::printf(",,,,,,,,,true\n");
  } else {
    std::printf("%llu,%llu,%s,%llu,%s,%s,%.1f,%llu,%llu,false\n", (unsigned long long)e.sessions,
                (unsigned long long)e.converters, Number(e.conversion_rate).c_str(),
                (unsigned long long)e.page_views, Number(e.pages_per_session).c_str(),
                Number(e.bounce_rate).c_str(), e.median_active_ds / 10,
                (unsigned long long)e.rage_clicks, (unsigned long long)e.dead_clicks);
  }
  std::printf(
      "\n# funnel_steps\nfunnel,step,optional,reached,from_previous,from_start,drop_off,"
      "drop_off_rate,median_step_s,suppressed\n");
  for (const FunnelReport& funnel : report.funnels) {
    for (const FunnelStepRow& step : funnel.steps) {
      std::printf("%s,%s,%s,", CsvCell(funnel.label).c_str(), CsvCell(step.label).c_str(),
                  step.optional ? "true" : "false");
      if (step.suppressed) {
        std::printf(",,,,,,true\n");
      } else {
        std::printf("%llu,%s,%s,%llu,%s,%.1f,false\n", (unsigned long long)step.reached,
                    Number(step.from_previous).c_str(), Number(step.from_start).c_str(),
                    (unsigned long long)step.drop_off, Number(step.drop_off_rate).c_str(),
                    step.median_step_ds / 10);
      }
    }
  }
  std::printf("\n# paths\npath,sessions,converters,conversion_rate,suppressed\n");
  for (const PathRow& path : report.paths) {
    if (path.suppressed) {
      std::printf("%s,,,,true\n", CsvCell(JoinPath(path.steps)).c_str());
    } else {
      std::printf("%s,%llu,%llu,%s,false\n", CsvCell(JoinPath(path.steps)).c_str(),
                  (unsigned long long)path.sessions, (unsigned long long)path.converters,
                  Number(path.conversion_rate).c_str());
    }
  }
  std::printf(
      "\n# lift\nmicro,label,rate_with,rate_without,difference,ci_low,ci_high,"
      "significant,suppressed\n");
  for (const LiftRow& row : report.lift) {
    std::printf("%s,%s,", CsvCell(row.micro).c_str(), CsvCell(row.label).c_str());
    if (row.suppressed) {
      std::printf(",,,,,,true\n");
    } else {
      std::printf("%s,%s,%s,%s,%s,%s,false\n", Number(row.rate_with).c_str(),
                  Number(row.rate_without).c_str(), Number(row.difference).c_str(),
                  Number(row.ci_low).c_str(), Number(row.ci_high).c_str(),
                  row.significant ? "true" : "false");
    }
  }
  PrintRevenueCsv(report);
  std::printf("\n# segments\ndimension,value,sessions,converters,conversion_rate,suppressed\n");
  for (const SegmentTable& table : report.segments) {
    for (const SegmentRow& row : table.rows) {
      std::printf("%s,%s,", CsvCell(table.dimension).c_str(), CsvCell(row.value).c_str());
      if (row.suppressed) {
        std::printf(",,,true\n");
      } else {
        std::printf("%llu,%llu,%s,false\n", (unsigned long long)row.sessions,
                    (unsigned long long)row.converters, Number(row.conversion_rate).c_str());
      }
    }
  }
}

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
  auto request = ParseReportQuery(ReportParamsOfFlags(flags, storage), config.value(), Today());
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
    PrintCsv(report.value());
  } else {
    PrintTable(report.value(), request.value().from, request.value().to);
  }
  return 0;
}

}  // namespace microconv
