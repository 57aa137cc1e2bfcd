// Filters, comparisons and funnel breakdowns of GET /api/report/SITE (issue
// 14) against the real collector: a filtered report equals the core's
// report of only the sessions the filter names (chosen by the journeys
// sent, not by the filter code), k-anonymity holds under filters, and a
// comparison carries the other period's figures.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command_run.h"
#include "core/aggregate.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/store/config_versions.h"
#include "tools/store/filtered_report.h"
#include "tools/store/summary_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;
using std::chrono::sys_days;

constexpr const char* kRange = "from=2023-11-14&to=2023-11-15";

class ReportAnalysisTest : public ::testing::Test {
 protected:
  void Start(const std::string& k) {
    ASSERT_TRUE(journeys_.ok());
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--k", k, "--rate", "0", "--threads", "8"});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  httplib::Result Get(const std::string& query) {
    return server_->Client().Get("/api/report/demo?" + query);
  }

  json Report(const std::string& query) {
    auto res = Get(query);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }

  // What the core reports for exactly these summaries (k = 1), as JSON.
  json Expected(const std::vector<std::vector<uint8_t>>& summaries) {
    Aggregate aggregate(journeys_.config());
    for (const auto& bytes : summaries) {
      auto summary = VerifySummary(bytes, &journeys_.config());
      EXPECT_TRUE(summary.ok()) << summary.message();
      EXPECT_TRUE(aggregate.Add(*summary.value()).ok());
    }
    ReportOptions options;
    options.k_anonymity = 1;
    auto report = BuildReport(aggregate, journeys_.config(), options);
    EXPECT_TRUE(report.ok());
    return json::parse(RenderReportJson(report.value()));
  }

  void Send(const std::vector<uint8_t>& bytes) {
    auto res = server_->Post(bytes);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202) << res->body;
  }

  // The report without what only the collector adds.
  static json Core(json report) {
    report.erase("history");
    report.erase("filter");
    report.erase("comparison");
    return report;
  }

  Journeys journeys_;
  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ReportAnalysisTest, FilteredReportEqualsTheReportOfOnlyTheMatchingSessions) {
  Start("1");
  // Two populations: buyers, and visitors who never bought.
  std::vector<std::vector<uint8_t>> buyers, others;
  uint64_t nonce = 100;
  for (int i = 0; i < 3; ++i) buyers.push_back(journeys_.Summary("purchase", ++nonce));
  for (const char* journey :
       {"dropoff_product", "dropoff_product", "dropoff_shipping", "dropoff_blog"}) {
    others.push_back(journeys_.Summary(journey, ++nonce));
  }
  for (const auto& bytes : buyers) Send(bytes);
  for (const auto& bytes : others) Send(bytes);

  const json only_buyers = Report(std::string(kRange) + "&filter=micro:purchase");
  EXPECT_EQ(Core(only_buyers), Expected(buyers));
  EXPECT_EQ(only_buyers["filter"]["text"], "micro:purchase");
  EXPECT_EQ(only_buyers["filter"]["scanned_sessions"], 7);
  EXPECT_EQ(only_buyers["filter"]["matched_sessions"], 3);
  const json not_buyers = Report(std::string(kRange) + "&filter=!micro:purchase");
  EXPECT_EQ(Core(not_buyers), Expected(others));
  // The last step of the purchase funnel is reached by the buyers only.
  EXPECT_EQ(Core(Report(std::string(kRange) + "&filter=step:purchase.9")), Expected(buyers));
  // Terms combine with AND: no session is both.
  const json none = Report(std::string(kRange) + "&filter=micro:purchase,!micro:purchase");
  EXPECT_EQ(none["filter"]["matched_sessions"], 0);
  EXPECT_TRUE(none["engagement"].value("suppressed", false));
  // Each country row of the unfiltered report (from the day aggregates)
  // is what filtering by it (a scan of the sessions) counts.
  const json unfiltered = Report(kRange);
  uint64_t matched = 0;
  for (const json& table : unfiltered["segments"]) {
    if (table["dimension"] != "country") continue;
    ASSERT_FALSE(table["rows"].empty());
    for (const json& row : table["rows"]) {
      const std::string value = row["value"];
      const json only = Report(std::string(kRange) + "&filter=country:" + value);
      EXPECT_EQ(only["engagement"]["sessions"], row["sessions"]) << value;
      EXPECT_EQ(only["engagement"]["converters"], row["converters"]) << value;
      matched += only["filter"]["matched_sessions"].get<uint64_t>();
    }
  }
  EXPECT_EQ(matched, 7u);
  // A filter every session matches is the unfiltered report.
  EXPECT_EQ(Core(Report(std::string(kRange) + "&filter=!step:purchase.9,micro:purchase")),
            Core(Report(std::string(kRange) + "&filter=micro:purchase,!micro:purchase")));
  std::vector<std::vector<uint8_t>> all = buyers;
  all.insert(all.end(), others.begin(), others.end());
  EXPECT_EQ(Core(Report(std::string(kRange) + "&filter=!country:ZZ")), Expected(all));
  EXPECT_EQ(Core(Report(std::string(kRange) + "&filter=!country:ZZ")), Core(unfiltered));
}

TEST_F(ReportAnalysisTest, BadFiltersAreRefusedNamingTheBadTerm) {
  Start("1");
  for (const auto& [filter, expected] : std::vector<std::pair<std::string, std::string>>{
           {"colour:red", "filter: colour:red: unknown key"},
           {"country:Germany", "filter: country:Germany: not a value of country"},
           {"micro:nope", "filter: micro:nope: unknown micro-conversion id"},
           {"step:purchase.10", "filter: step:purchase.10: step numbers of this funnel are 1 to 9"},
           {"device", "filter: device: expected KEY:VALUE"},
           {"page:blog", "filter: page:blog: expected a page template"}}) {
    auto res = Get(std::string(kRange) + "&filter=" + filter);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << filter;
    EXPECT_NE(res->body.find(expected), std::string::npos) << res->body;
  }
}

TEST_F(ReportAnalysisTest, KAnonymityHoldsUnderFilters) {
  Start("3");
  uint64_t nonce = 300;
  for (int i = 0; i < 2; ++i) Send(journeys_.Summary("purchase", ++nonce));
  for (int i = 0; i < 4; ++i) Send(journeys_.Summary("dropoff_product", ++nonce));
  // Two buyers are fewer than k = 3: the filter isolates no one.
  const json two = Report(std::string(kRange) + "&filter=micro:purchase");
  EXPECT_TRUE(two["filter"].value("suppressed", false)) << two["filter"].dump();
  EXPECT_FALSE(two["filter"].contains("matched_sessions"));
  EXPECT_TRUE(two["engagement"].value("suppressed", false));
  EXPECT_TRUE(two["funnels"][0].value("suppressed", false));
  EXPECT_TRUE(two["days"].empty());
  EXPECT_EQ(two["revenue"].value("revenue_cents", 0), 0);
  for (const json& table : two["segments"]) EXPECT_TRUE(table["rows"].empty()) << table.dump();
  // The four others are k or more: shown.
  const json four = Report(std::string(kRange) + "&filter=!micro:purchase");
  EXPECT_EQ(four["filter"]["matched_sessions"], 4);
  EXPECT_EQ(four["engagement"]["sessions"], 4);
  // A third buyer reaches k.
  Send(journeys_.Summary("purchase", ++nonce));
  const json three = Report(std::string(kRange) + "&filter=micro:purchase");
  EXPECT_FALSE(three["filter"].value("suppressed", false));
  EXPECT_EQ(three["engagement"]["sessions"], 3);
  // The funnel breakdown hides values entered by 1..k-1 sessions.
  const json broken = Report(std::string(kRange) + "&funnel_breakdown=device");
  for (const json& funnel : broken["funnels"]) {
    for (const json& row : funnel["breakdown"]["rows"]) {
      if (!row.value("suppressed", false)) EXPECT_GE(row["entered"].get<uint64_t>(), 3u);
    }
  }
}

TEST_F(ReportAnalysisTest, ComparisonCarriesThePreviousPeriod) {
  Start("1");
  // 2 sessions on 2023-11-10, 6 on 2023-11-11 (the day of each session is
  // the day it started).
  const auto day1 = sys_days{std::chrono::year{2023} / 11 / 10} + std::chrono::hours(12);
  const auto day2 = day1 + std::chrono::hours(24);
  const auto base = journeys_.Summary("purchase", 1);
  const auto miss = journeys_.Summary("dropoff_blog", 1);
  uint64_t nonce = 500;
  for (int i = 0; i < 2; ++i) {
    Send(
        Journeys::WithNonce(Journeys::AtTime(base, day1, std::chrono::seconds(60), true), ++nonce));
  }
  for (int i = 0; i < 6; ++i) {
    Send(Journeys::WithNonce(
        Journeys::AtTime(i < 2 ? base : miss, day2, std::chrono::seconds(60), true), ++nonce));
  }
  const json report = Report("from=2023-11-11&to=2023-11-11&compare=previous");
  ASSERT_TRUE(report.contains("comparison")) << report.dump();
  const json& c = report["comparison"];
  EXPECT_EQ(c["from"], "2023-11-10");
  EXPECT_EQ(c["to"], "2023-11-10");
  const json& sessions = c["kpis"][0];
  EXPECT_EQ(sessions["name"], "sessions");
  EXPECT_EQ(sessions["test"], "poisson");
  EXPECT_EQ(sessions["current"], 6);
  EXPECT_EQ(sessions["previous"], 2);
  EXPECT_EQ(sessions["change"], 4);
  EXPECT_EQ(sessions["relative_change"], 2);
  EXPECT_NEAR(sessions["z"].get<double>(), 4 / std::sqrt(8.0), 1e-3);
  EXPECT_FALSE(sessions["significant"]);
  const json& rate = c["kpis"][2];
  EXPECT_EQ(rate["name"], "conversion_rate");
  EXPECT_EQ(rate["test"], "two_proportion_z");
  EXPECT_NEAR(rate["current"].get<double>(), 2.0 / 6, 1e-4);
  EXPECT_EQ(rate["previous"], 1);
  // The previous period's days and funnel.
  ASSERT_EQ(c["days"].size(), 1u);
  EXPECT_EQ(c["days"][0]["date"], "2023-11-10");
  EXPECT_EQ(c["days"][0]["sessions"], 2);
  ASSERT_FALSE(c["funnels"].empty());
  EXPECT_EQ(c["funnels"][0]["id"], "purchase");
  EXPECT_EQ(c["funnels"][0]["figures"][1]["previous"], 2);
  // The same with an explicit range, and with a filter on both periods.
  const json explicit_range =
      Report("from=2023-11-11&to=2023-11-11&compare=2023-11-10..2023-11-10");
  EXPECT_EQ(explicit_range["comparison"], c);
  const json filtered =
      Report("from=2023-11-11&to=2023-11-11&compare=previous&filter=micro:purchase");
  EXPECT_EQ(filtered["comparison"]["kpis"][0]["current"], 2);
  EXPECT_EQ(filtered["comparison"]["kpis"][0]["previous"], 2);
  auto bad = Get("from=2023-11-11&to=2023-11-11&compare=last-week");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("compare: expected previous or YYYY-MM-DD..YYYY-MM-DD"),
            std::string::npos);
}

TEST_F(ReportAnalysisTest, FunnelBreakdownSplitsEachFunnelByValue) {
  Start("1");
  uint64_t nonce = 900;
  for (const char* journey : {"purchase", "purchase", "dropoff_product", "dropoff_blog"}) {
    Send(journeys_.Summary(journey, ++nonce));
  }
  const json report = Report(std::string(kRange) + "&funnel_breakdown=referrer");
  for (const json& funnel : report["funnels"]) {
    const json& breakdown = funnel["breakdown"];
    EXPECT_EQ(breakdown["dimension"], "referrer");
    uint64_t entered = breakdown["other"].value("entered", 0);
    uint64_t conversions = breakdown["other"].value("conversions", 0);
    for (const json& row : breakdown["rows"]) {
      entered += row["entered"].get<uint64_t>();
      conversions += row["conversions"].get<uint64_t>();
      EXPECT_LE(row["ci_low"].get<double>(), row["conversion_rate"].get<double>());
      EXPECT_GE(row["ci_high"].get<double>(), row["conversion_rate"].get<double>());
    }
    EXPECT_EQ(entered, funnel["entered"].get<uint64_t>()) << funnel["id"];
    EXPECT_EQ(conversions, funnel["conversions"].get<uint64_t>()) << funnel["id"];
  }
  // Without the parameter, no breakdown.
  EXPECT_FALSE(Report(kRange)["funnels"][0].contains("breakdown"));
  auto bad = Get(std::string(kRange) + "&funnel_breakdown=all");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(ReportAnalysisTest, TheCliTakesTheSameFlagsAndPrintsTheApiJson) {
  Start("1");
  uint64_t nonce = 1100;
  for (const char* journey : {"purchase", "purchase", "dropoff_product", "dropoff_blog"}) {
    Send(journeys_.Summary(journey, ++nonce));
  }
  const std::string query = std::string(kRange) +
                            "&filter=!device:tablet,micro:product_view&compare=2023-11-12..2023-11-"
                            "13&funnel_breakdown=browser";
  const json api = Report(query);
  ASSERT_TRUE(api.contains("filter") && api.contains("comparison"));
  TempDir scratch;
  CommandRun run = RunCommand(MICROCONV_BINARY,
                              {"report",
                               "--store",
                               "sqlite:" + dir_.store(),
                               "--sites",
                               dir_.sites(),
                               "--site",
                               "demo",
                               "--k",
                               "1",
                               "--from",
                               "2023-11-14",
                               "--to",
                               "2023-11-15",
                               "--filter",
                               "!device:tablet,micro:product_view",
                               "--compare=2023-11-12..2023-11-13",
                               "--funnel_breakdown",
                               "browser",
                               "--format",
                               "json"},
                              scratch.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out), api);
  // A bad filter names the flag and the term.
  CommandRun bad = RunCommand(MICROCONV_BINARY,
                              {"report", "--store", "sqlite:" + dir_.store(), "--sites",
                               dir_.sites(), "--site", "demo", "--filter", "os:beos"},
                              scratch.path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--filter: os:beos: not a value of os"), std::string::npos) << bad.err;
}

// A line of `text` holding each of `pieces` in order.
bool HasLineWith(const std::string& text, const std::vector<std::string>& pieces) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = 0;
    bool all = true;
    for (const std::string& piece : pieces) {
      at = line.find(piece, at);
      if (at == std::string::npos) {
        all = false;
        break;
      }
      at += piece.size();
    }
    if (all) return true;
  }
  return false;
}

// The dashboard's formatPercent of a JSON rate.
std::string Percent(const json& rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", rate.get<double>() * 100);
  return text;
}

// The JSON's numbers, comma-joined as the CSV writes them (null: empty).
std::string CsvNumbers(const json& object, const std::vector<std::string>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    const json& value = object.at(keys[i]);
    out += (i == 0 ? "" : ",") + (value.is_null() ? "" : value.dump());
  }
  return out;
}

// `microconv report --format table` and the CSV (the CLI's and the one the
// dashboard's button downloads) show the filter, the comparison and the
// funnel breakdown with the JSON's values.
TEST_F(ReportAnalysisTest, TableAndCsvShowFilterComparisonAndFunnelBreakdown) {
  Start("1");
  uint64_t nonce = 1300;
  for (const char* journey : {"purchase", "purchase", "purchase", "dropoff_product",
                              "dropoff_shipping", "dropoff_blog"}) {
    Send(journeys_.Summary(journey, ++nonce));
  }
  // The compared period: one buyer and one visitor who dropped off.
  const auto earlier = sys_days{std::chrono::year{2023} / 11 / 12} + std::chrono::hours(12);
  for (const char* journey : {"purchase", "dropoff_product"}) {
    Send(Journeys::WithNonce(
        Journeys::AtTime(journeys_.Summary(journey, 1), earlier, std::chrono::seconds(60), true),
        ++nonce));
  }
  const std::string filter = "micro:product_view";
  const std::string query = std::string(kRange) + "&filter=" + filter +
                            "&compare=2023-11-12..2023-11-13&funnel_breakdown=device";
  const json api = Report(query);
  ASSERT_TRUE(api.contains("filter") && api.contains("comparison")) << api.dump();
  auto api_csv = Get(query + "&format=csv");
  ASSERT_TRUE(api_csv);
  ASSERT_EQ(api_csv->status, 200) << api_csv->body;
  TempDir scratch;
  const auto cli = [&](const std::string& format) {
    return RunCommand(MICROCONV_BINARY,
                      {"report",
                       "--store",
                       "sqlite:" + dir_.store(),
                       "--sites",
                       dir_.sites(),
                       "--site",
                       "demo",
                       "--k",
                       "1",
                       "--from",
                       "2023-11-14",
                       "--to",
                       "2023-11-15",
                       "--filter",
                       filter,
                       "--compare",
                       "2023-11-12..2023-11-13",
                       "--funnel_breakdown",
                       "device",
                       "--format",
                       format},
                      scratch.path());
  };
  const CommandRun table = cli("table");
  fprintf(stderr, "DEBUG %s\n%s\n", api.dump().c_str(), table.out.c_str());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const CommandRun csv = cli("csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, api_csv->body);

  // The filter: its canonical text and how many sessions it matched.
  const json& f = api["filter"];
  ASSERT_GT(f["matched_sessions"].get<uint64_t>(), 0u);
  EXPECT_NE(table.out.find("\nFiltered: " + f["text"].get<std::string>() + " (" +
                           f["matched_sessions"].dump() + " of " + f["scanned_sessions"].dump() +
                           " sessions match)\n"),
            std::string::npos)
      << table.out;
  EXPECT_NE(csv.out.find("\r\nFilter\r\nFilter,Scanned sessions,Matched sessions\r\n" +
                         f["text"].get<std::string>() + "," +
                         CsvNumbers(f, {"scanned_sessions", "matched_sessions"}) + "\r\n"),
            std::string::npos)
      << csv.out;

  // The comparison: every figure's row, current and previous in its unit.
  const json& c = api["comparison"];
  EXPECT_NE(table.out.find("\nCompared with 2023-11-12 .. 2023-11-13 (2 days;"), std::string::npos)
      << table.out;
  EXPECT_NE(csv.out.find("\r\nCompared with 2023-11-12 to 2023-11-13 (2 days)\r\nScope,Key,Figure,"
                         "Test,Current,Previous,Change,Relative change,z,Significant\r\n"),
            std::string::npos)
      << csv.out;
  const std::vector<std::string> numbers = {"current", "previous", "change", "relative_change",
                                            "z"};
  size_t kpis = 0;
  for (const json& kpi : c["kpis"]) {
    ASSERT_FALSE(kpi.value("suppressed", false)) << kpi.dump();
    const std::string name = kpi["name"];
    const std::string test = kpi["test"];
    if (test == "none") continue;
    ++kpis;
    EXPECT_NE(csv.out.find("\r\nkpi,," + name + "," + test + "," + CsvNumbers(kpi, numbers) + "," +
                           (kpi["significant"].get<bool>() ? "yes" : "no") + "\r\n"),
              std::string::npos)
        << name << "\n"
        << csv.out;
    const bool rate = test == "two_proportion_z";
    EXPECT_TRUE(HasLineWith(
        table.out, {"  " + name + " ", rate ? Percent(kpi["current"]) : kpi["current"].dump(),
                    rate ? Percent(kpi["previous"]) : kpi["previous"].dump(), kpi["z"].dump(),
                    kpi["significant"].get<bool>() ? "significant" : "noise"}))
        << name << "\n"
        << table.out;
  }
  EXPECT_GE(kpis, 3u);
  const json& sessions = c["kpis"][0];
  ASSERT_EQ(sessions["name"], "sessions");
  EXPECT_EQ(sessions["previous"], 2);
  ASSERT_FALSE(c["funnels"].empty());
  size_t shown_steps = 0, hidden_steps = 0;
  for (const json& funnel : c["funnels"]) {
    for (const json& figure : funnel["figures"]) {
      EXPECT_NE(csv.out.find("\r\nfunnel," + funnel["id"].get<std::string>() + "," +
                             figure["name"].get<std::string>() + ","),
                std::string::npos);
    }
    for (const json& step : funnel["steps"]) {
      const std::string key =
          funnel["id"].get<std::string>() + ": " + step["label"].get<std::string>();
      const json& from_start = step["from_start"];
      // A step withheld in either period shows "(k<)", as every withheld row.
      const bool hidden = from_start.value("suppressed", false);
      ASSERT_EQ(hidden, step["reached"].value("suppressed", false)) << key;
      ++(hidden ? hidden_steps : shown_steps);
      EXPECT_TRUE(HasLineWith(table.out, {"  " + key + " reached ", hidden ? "(k<)" : ""})) << key;
      EXPECT_TRUE(HasLineWith(table.out, {"  " + key + " from start ",
                                          hidden ? "(k<)" : Percent(from_start["current"])}))
          << key;
      EXPECT_NE(csv.out.find("\r\nstep," + key + ",from_start,two_proportion_z," +
                             (hidden ? "suppressed,suppressed" : CsvNumbers(from_start, numbers))),
                std::string::npos)
          << key;
    }
  }
  EXPECT_GT(shown_steps, 0u);
  EXPECT_GT(hidden_steps, 0u);  // the newsletter funnel: nobody entered it
  EXPECT_NE(csv.out.find("\r\nTraffic per day (compared period)\r\nDay,Sessions,Page views,"
                         "Converters\r\n2023-11-12,2,"),
            std::string::npos)
      << csv.out;

  // The funnel breakdown: each value's conversion and 95 % interval.
  size_t rows = 0;
  for (const json& funnel : api["funnels"]) {
    const json& b = funnel["breakdown"];
    ASSERT_EQ(b["dimension"], "device");
    const std::string label = funnel["label"];
    // The table says a withheld funnel is hidden, breakdown and all.
    EXPECT_EQ(table.out.find("  Conversion of " + label + " by device\n") != std::string::npos,
              !funnel.value("suppressed", false))
        << label << "\n"
        << table.out;
    EXPECT_NE(csv.out.find("\r\nFunnel " + label +
                           " by device\r\ndevice,Entered,Converted,"
                           "Conversion rate,CI low,CI high\r\n"),
              std::string::npos)
        << csv.out;
    for (const json& row : b["rows"]) {
      ASSERT_FALSE(row.value("suppressed", false));
      ++rows;
      const std::string value = row["value"];
      EXPECT_TRUE(HasLineWith(
          table.out, {"  " + value + " ", " " + row["entered"].dump() + " ",
                      " " + row["conversions"].dump() + " ", Percent(row["conversion_rate"]),
                      Percent(row["ci_low"]) + " \u2013 " + Percent(row["ci_high"])}))
          << value << "\n"
          << table.out;
      EXPECT_NE(csv.out.find("\r\n" + value + "," +
                             CsvNumbers(row, {"entered", "conversions", "conversion_rate", "ci_low",
                                              "ci_high"}) +
                             "\r\n"),
                std::string::npos)
          << value << "\n"
          << csv.out;
    }
  }
  EXPECT_GT(rows, 0u);
}

TEST_F(ReportAnalysisTest, AScanStopsPastItsSessionBound) {
  Start("1");
  uint64_t nonce = 1200;
  for (int i = 0; i < 5; ++i) Send(journeys_.Summary(i < 2 ? "purchase" : "dropoff_blog", ++nonce));
  auto store = OpenStore("sqlite:" + dir_.store());
  ASSERT_TRUE(store.ok()) << store.message();
  auto versions = LoadConfigVersions(*store.value(), journeys_.config());
  ASSERT_TRUE(versions.ok()) << versions.message();
  auto filter = ParseReportFilter("micro:purchase", journeys_.config());
  ASSERT_TRUE(filter.ok());
  uint64_t days_sessions = 0;
  auto count = [&](uint32_t, const Aggregate& day) { days_sessions += day.sessions(); };
  const uint32_t first = 19675, last = 19676;  // 2023-11-14, 15
  auto scan = ScanSessions(*store.value(), journeys_.config(), versions.value(), first, last,
                           filter.value(), nullptr, count, 5);
  ASSERT_TRUE(scan.ok()) << scan.message();
  EXPECT_EQ(scan.value().scanned, 5u);
  EXPECT_EQ(scan.value().matched, 2u);
  EXPECT_EQ(days_sessions, 2u);
  auto refused = ScanSessions(*store.value(), journeys_.config(), versions.value(), first, last,
                              filter.value(), nullptr, count, 4);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), Error::kTooLarge);
  EXPECT_EQ(refused.message(),
            "range: more than 4 stored sessions to read for filter or funnel_breakdown; choose a "
            "shorter range");
}

}  // namespace
}  // namespace microconv::testing
