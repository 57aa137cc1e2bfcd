// `microconv report` and `export` against a store written by a real
// `microconv serve`: the CLI must tell the same story as the HTTP API.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "journeys.h"
#include "server_process.h"
#include "tools/store/summary_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

// The golden journeys start on 2023-11-14 and 2023-11-15 (UTC).
const std::vector<std::string> kRange = {"--from", "2023-11-14", "--to", "2023-11-15"};

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Single quotes keep every argument literal for the shell.
std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ServerDir();
    Journeys journeys;
    ASSERT_TRUE(journeys.ok());
    ServerProcess server(*dir_, {"--rate", "0"});
    ASSERT_TRUE(server.Start()) << server.LogText();
    const char* kinds[] = {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"};
    // 24 sessions, 4 of them flushed 3 times: 24 rows, counted once each.
    for (uint64_t n = 0; n < 24; ++n) {
      const std::string kind = kinds[n % 4];
      const uint64_t nonce = 0x5eed0000 + n;
      std::vector<std::vector<uint8_t>> bodies;
      if (n < 4) {
        bodies = journeys.Flushes(kind, nonce, 3);
      } else {
        bodies.push_back(journeys.Summary(kind, nonce));
      }
      for (const auto& body : bodies) {
        auto res = server.Post(body);
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 202) << res->body;
      }
    }
    sessions_ = 24;
    // This server answers with the site's configured k; the one below with
    // --k 1, so both suppression paths are compared.
    {
      auto res = server.Client().Get("/api/report/demo?from=2023-11-14&to=2023-11-15");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
      api_report_ = res->body;
    }
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(10000), 0);
    ServerProcess k1(*dir_, {"--rate", "0", "--k", "1"});
    ASSERT_TRUE(k1.Start()) << k1.LogText();
    auto res = k1.Client().Get("/api/report/demo?from=2023-11-14&to=2023-11-15");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    api_report_k1_ = res->body;
    auto daily = k1.Client().Get(
        "/api/report/demo?from=2023-11-14&to=2023-11-15&funnel=purchase&breakdown=device"
        "&daily=referrer");
    ASSERT_TRUE(daily);
    ASSERT_EQ(daily->status, 200) << daily->body;
    api_report_daily_k1_ = daily->body;
    k1.Signal(SIGTERM);
    ASSERT_EQ(k1.Wait(10000), 0);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static CliRun Run(const std::vector<std::string>& args) {
    std::string command = Quote(MICROCONV_BINARY);
    for (const std::string& arg : args) command += " " + Quote(arg);
    const std::string out = dir_->path() + "/cli.out", err = dir_->path() + "/cli.err";
    command += " >" + Quote(out) + " 2>" + Quote(err);
    const int raw = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = Slurp(out);
    run.err = Slurp(err);
    return run;
  }

  static std::vector<std::string> ReportArgs(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "report", "--store", "sqlite:" + dir_->store(), "--sites", dir_->sites(), "--site", "demo"};
    args.insert(args.end(), kRange.begin(), kRange.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  static std::vector<std::string> FunnelLabels(const std::string& report) {
    std::vector<std::string> labels;
    const json parsed = json::parse(report);  // outlives the loop
    for (const json& funnel : parsed.at("funnels")) {
      labels.push_back(funnel.at("label").get<std::string>());
    }
    return labels;
  }

  static inline ServerDir* dir_ = nullptr;
  static inline size_t sessions_ = 0;
  static inline std::string api_report_, api_report_k1_, api_report_daily_k1_;
};

TEST_F(CliTest, ReportJsonIsExactlyTheApiReport) {
  CliRun run = Run(ReportArgs({"--format", "json"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, api_report_);
  CliRun k1 = Run(ReportArgs({"--format", "json", "--k", "1"}));
  ASSERT_EQ(k1.exit_code, 0) << k1.err;
  EXPECT_EQ(k1.out, api_report_k1_);
  // With k = 1 nothing is suppressed: the sessions are all there.
  EXPECT_EQ(json::parse(k1.out).at("engagement").at("sessions").get<uint64_t>(), sessions_);
}

// Every query parameter, as --flag value and --flag=value: the CLI runs the
// request the API runs (one parse, one run), down to the per-day tables.
TEST_F(CliTest, ReportWithEveryQueryParameterIsExactlyTheApiReport) {
  CliRun run = Run(ReportArgs({"--format=json", "--k", "1", "--funnel", "purchase",
                               "--breakdown=device", "--daily", "referrer"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, api_report_daily_k1_);
  EXPECT_FALSE(json::parse(run.out).at("daily").empty());
}

TEST_F(CliTest, ReportFunnelFilterMatchesTheApiShape) {
  const std::vector<std::string> labels = FunnelLabels(api_report_k1_);
  ASSERT_FALSE(labels.empty());
  const std::string id = json::parse(api_report_k1_).at("funnels")[0].at("id").get<std::string>();
  CliRun run = Run(ReportArgs({"--format", "json", "--k", "1", "--funnel", id}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json report = json::parse(run.out);
  ASSERT_EQ(report.at("funnels").size(), 1u);
  EXPECT_EQ(report.at("funnels")[0].at("id").get<std::string>(), id);
  CliRun unknown = Run(ReportArgs({"--funnel", "no_such_funnel"}));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no_such_funnel"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, TableAndCsvCarryEveryFunnelLabel) {
  const std::vector<std::string> labels = FunnelLabels(api_report_k1_);
  ASSERT_FALSE(labels.empty());
  CliRun table = Run(ReportArgs({"--k", "1"}));
  CliRun csv = Run(ReportArgs({"--k", "1", "--format", "csv"}));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  for (const std::string& label : labels) {
    EXPECT_NE(table.out.find(label), std::string::npos) << label;
    EXPECT_NE(csv.out.find(label), std::string::npos) << label;
  }
  EXPECT_NE(table.out.find("engagement: 24 sessions"), std::string::npos) << table.out;
  for (const char* section : {"# engagement\n", "# funnel_steps\nfunnel,step,", "# paths\n",
                              "# lift\n", "# segments\n"}) {
    EXPECT_NE(csv.out.find(section), std::string::npos) << section;
  }
}

// Six of the 24 sessions are the golden purchase journey: one order of 149.00
// USD each (tests/golden/purchase.events), the site's own currency.
TEST_F(CliTest, RevenueInTableCsvAndJson) {
  CliRun table = Run(ReportArgs({"--k", "1"}));
  CliRun csv = Run(ReportArgs({"--k", "1", "--format", "csv"}));
  CliRun json_run = Run(ReportArgs({"--k", "1", "--format", "json"}));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  EXPECT_NE(table.out.find("revenue 894.00 USD from 6 orders (average 149.00)"), std::string::npos)
      << table.out;
  EXPECT_NE(csv.out.find("# revenue (USD)\nscope,key,buyers,orders,revenue,average_order_value,"
                         "other_currency_orders,suppressed\ntotal,,6,6,894.00,149.00,0,false\n"),
            std::string::npos)
      << csv.out;
  EXPECT_NE(csv.out.find("funnel,purchase,6,6,894.00,149.00,0,false\n"), std::string::npos);
  const json report = json::parse(json_run.out);
  EXPECT_EQ(report.at("currency"), "USD");
  EXPECT_EQ(report.at("revenue").at("revenue_cents"), 89400);
  EXPECT_EQ(report.at("revenue").at("orders"), 6);
  // At the site's k (5) six buyers still show; the dashboard reads the same.
  const json api = json::parse(api_report_);
  EXPECT_EQ(api.at("revenue").at("revenue_cents"), 89400);
}

TEST_F(CliTest, ExportWritesEveryStoredSessionOnce) {
  auto store = OpenStore("sqlite:" + dir_->store());
  ASSERT_TRUE(store.ok()) << store.message();
  auto stored = store.value()->CountSessions();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored.value(), sessions_);
  store.value().reset();

  std::vector<std::string> args = {"export", "--store", "sqlite:" + dir_->store(), "--site",
                                   "demo"};
  args.insert(args.end(), kRange.begin(), kRange.end());
  CliRun run = Run(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::set<std::string> nonces;
  size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    const json summary = json::parse(line);
    const std::string nonce = summary.at("nonce").get<std::string>();
    nonces.insert(nonce);
    EXPECT_EQ(summary.at("site").get<std::string>(), "demo");
    // The sessions flushed 3 times are exported once, with their latest seq.
    const uint64_t n = std::stoull(nonce, nullptr, 16) - 0x5eed0000;
    EXPECT_EQ(summary.at("seq").get<int>(), n < 4 ? 3 : 1) << nonce;
  }
  EXPECT_EQ(count, sessions_);
  EXPECT_EQ(nonces.size(), sessions_);

  args.insert(args.end(), {"--format", "binary"});
  CliRun binary = Run(args);
  ASSERT_EQ(binary.exit_code, 0) << binary.err;
  size_t at = 0, records = 0;
  while (at + 4 <= binary.out.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(binary.out.data() + at);
    const size_t size = p[0] | p[1] << 8 | p[2] << 16 | size_t{p[3]} << 24;
    at += 4 + size;
    ++records;
  }
  EXPECT_EQ(at, binary.out.size());
  EXPECT_EQ(records, sessions_);

  // A range with no sessions exports nothing and still succeeds.
  CliRun empty = Run({"export", "--store", "sqlite:" + dir_->store(), "--site", "demo", "--from",
                      "2020-01-01", "--to", "2020-01-02"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(empty.out.empty());
}

TEST_F(CliTest, BadArgumentsExitWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    const char* message;
  };
  const std::string store = "sqlite:" + dir_->store();
  const std::vector<Case> cases = {
      {{"report"}, 2, "required"},
      {{"report", "--store", store, "--sites", dir_->sites(), "--site", "demo", "--format", "xml"},
       2,
       "--format"},
      {{"report", "--store", store, "--sites", dir_->sites(), "--site", "demo", "--bogus", "1"},
       2,
       "--bogus"},
      {{"report", "--store", store, "--sites", dir_->sites(), "--site", "nosuchsite"},
       1,
       "unknown site"},
      {{"report", "--store", store, "--sites", dir_->sites(), "--site", "demo", "--from",
        "2023-02-30"},
       1,
       "--from"},
      {{"report", "--store", store, "--sites", dir_->sites(), "--site", "demo", "--from",
        "2023-11-15", "--to", "2023-11-14"},
       1,
       "after"},
      {{"report", "--store", "sqlite:" + dir_->path() + "/missing.sqlite", "--sites", dir_->sites(),
        "--site", "demo"},
       1,
       "does not exist"},
      {{"report", "--store", store, "--sites", dir_->path() + "/nodir", "--site", "demo"},
       1,
       "sites directory"},
      {{"export", "--site", "demo"}, 2, "required"},
      {{"export", "--store", store, "--site", "demo", "--format", "xml"}, 2, "--format"},
      {{"export", "--store", store, "--site", "demo", "--to", "yesterday"}, 1, "--to"},
      {{"bench", "--sessions", "-5"}, 2, "usage"},
  };
  for (const Case& c : cases) {
    CliRun run = Run(c.args);
    EXPECT_EQ(run.exit_code, c.exit_code) << c.args[0] << " " << c.message << ": " << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << c.message << ": " << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  // Failing commands leave no store behind.
  EXPECT_FALSE(std::ifstream(dir_->path() + "/missing.sqlite").good());
}

}  // namespace
}  // namespace microconv::testing
