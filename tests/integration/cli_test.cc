// `microconv report` and `export` against a store written by a real
// `microconv serve`: the CLI must tell the same story as the HTTP API.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
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
    auto csv = k1.Client().Get("/api/report/demo?from=2023-11-14&to=2023-11-15&format=csv");
    ASSERT_TRUE(csv);
    ASSERT_EQ(csv->status, 200) << csv->body;
    EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
    api_csv_k1_ = csv->body;
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

  // A line of `text` that starts with `start` and ends with `end`.
  static bool HasLine(const std::string& text, const std::string& start, const std::string& end) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.starts_with(start) && line.ends_with(end)) return true;
    }
    return false;
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
  static inline std::string api_report_, api_report_k1_, api_report_daily_k1_, api_csv_k1_;
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
    EXPECT_NE(csv.out.find("\r\nFunnel: " + label + "\r\nStep,Optional,Reached,"),
              std::string::npos)
        << label;
  }
  EXPECT_TRUE(HasLine(table.out, "  Sessions ", " 24")) << table.out;
  EXPECT_EQ(csv.out.rfind("microconv report,demo,2023-11-14,2023-11-15\r\n", 0), 0u) << csv.out;
  for (const char* section :
       {"\r\nOverview\r\nMetric,Value\r\nsessions,24\r\n",
        "\r\nFunnels\r\nFunnel id,Funnel,Entered,", "\r\nPaths\r\n",
        "\r\nTurning points (lift on the goal)\r\n", "\r\nSegments\r\n", "\r\nPages and exits\r\n",
        "\r\nFrustration per element\r\n", "\r\nForms\r\n", "\r\nForm fields\r\n",
        "\r\nHeatmap pages\r\n", "\r\nSelector clicks\r\n", "\r\nTraffic per day\r\n",
        "\r\nNext actions\r\n", "\r\nTime to convert\r\n"}) {
    EXPECT_NE(csv.out.find(section), std::string::npos) << section;
  }
}

// Every section the JSON has rows in has its table in the terminal output,
// under the dashboard panel's title.
TEST_F(CliTest, TableHasEverySectionOfTheJson) {
  CliRun table = Run(ReportArgs({"--k", "1"}));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const json report = json::parse(api_report_k1_);
  const std::vector<std::pair<std::string, std::string>> sections = {
      {"paths", "\nTop micro-conversion paths\n"},
      {"lift", "\nTurning points (lift on the goal)\n"},
      {"segments", "\nSegments by "},
      {"pages", "\nPages by exits\n"},
      {"frustration", "\nRage and dead clicks per element\n"},
      {"forms", "\nForm "},
      {"days", "\nTraffic per day\n"},
  };
  EXPECT_NE(table.out.find("\nOverview\n"), std::string::npos);
  size_t non_empty = 0;
  for (const auto& [key, title] : sections) {
    if (report.at(key).empty()) continue;
    ++non_empty;
    EXPECT_NE(table.out.find(title), std::string::npos) << key << "\n" << table.out;
  }
  EXPECT_GE(non_empty, 6u);
  ASSERT_FALSE(report.at("heatmap").at("pages").empty());
  EXPECT_NE(table.out.find("\nHeatmap (clicks per cell of a 16 x 32 grid"), std::string::npos);
  EXPECT_NE(table.out.find("busiest cells: row "), std::string::npos);
  for (const json& funnel : report.at("funnels")) {
    EXPECT_NE(table.out.find("\nFunnel " + funnel.at("label").get<std::string>() + " ("),
              std::string::npos);
    if (!funnel.at("time_to_convert").empty()) {
      EXPECT_NE(table.out.find("  Time to convert\n"), std::string::npos);
    }
  }
  for (const json& form : report.at("forms")) {
    EXPECT_NE(table.out.find("\nForm " + form.at("id").get<std::string>() + "\n"),
              std::string::npos);
  }
}

// The table shows the JSON's rounded seconds as the dashboard's
// formatDuration does ("4.6 s" under 10 s, whole seconds under a minute).
TEST_F(CliTest, TableShowsTheJsonsRounding) {
  CliRun table = Run(ReportArgs({"--k", "1"}));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const json e = json::parse(api_report_k1_).at("engagement");
  const auto shown = [](double seconds) {
    char text[32];
    if (seconds < 10) {
      std::snprintf(text, sizeof text, "%.1f s", seconds);
    } else {
      std::snprintf(text, sizeof text, "%lld s", static_cast<long long>(std::floor(seconds + 0.5)));
    }
    return std::string(text);
  };
  for (const auto& [key, label] :
       std::vector<std::pair<std::string, std::string>>{{"median_active_s", "Median active time"},
                                                        {"mean_active_s", "Mean active time"},
                                                        {"p90_active_s", "p90 active time"}}) {
    const double seconds = e.at(key).get<double>();
    if (seconds >= 60) continue;
    const size_t row = table.out.find("  " + label + " ");
    ASSERT_NE(row, std::string::npos) << label;
    const std::string line = table.out.substr(row, table.out.find('\n', row) - row);
    EXPECT_TRUE(line.ends_with(" " + shown(seconds))) << line << " vs " << seconds;
  }
}

// One CSV dialect: the CLI's CSV is byte for byte what the collector serves
// to the dashboard's CSV button.
TEST_F(CliTest, CsvIsExactlyTheApiCsv) {
  CliRun csv = Run(ReportArgs({"--k", "1", "--format=csv"}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, api_csv_k1_);
  EXPECT_NE(csv.out.find("\r\n"), std::string::npos);
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
  EXPECT_NE(table.out.find("Revenue (USD): 894.00 from 6 orders (average 149.00)"),
            std::string::npos)
      << table.out;
  EXPECT_NE(csv.out.find("\r\nRevenue (USD)\r\nScope,Key,Buyers,Orders,Revenue,Average order,"
                         "Other-currency orders\r\ntotal,,6,6,894.00,149.00,0\r\n"),
            std::string::npos)
      << csv.out;
  EXPECT_NE(csv.out.find("funnel,purchase,6,6,894.00,149.00,0\r\n"), std::string::npos);
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

// export --config: micro-conversions, funnels and pages by their config ids.
TEST_F(CliTest, ExportWithConfigNamesIds) {
  std::vector<std::string> args = {"export", "--store", "sqlite:" + dir_->store(), "--site",
                                   "demo"};
  args.insert(args.end(), kRange.begin(), kRange.end());
  CliRun bare = Run(args);
  args.insert(args.end(), {"--config=" + dir_->sites() + "/demo.json"});
  CliRun named = Run(args);
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  ASSERT_EQ(named.exit_code, 0) << named.err;
  std::istringstream bare_lines(bare.out), named_lines(named.out);
  std::string bare_line, named_line;
  size_t lines = 0, purchases = 0;
  while (std::getline(bare_lines, bare_line) && std::getline(named_lines, named_line)) {
    ++lines;
    const json b = json::parse(bare_line), n = json::parse(named_line);
    EXPECT_EQ(n.at("nonce"), b.at("nonce"));
    ASSERT_EQ(n.at("path").size(), b.at("path").size());
    for (size_t i = 0; i < n.at("path").size(); ++i) {
      EXPECT_TRUE(b.at("path")[i].at("micro").is_number()) << bare_line;
      EXPECT_TRUE(n.at("path")[i].at("micro").is_string()) << named_line;
    }
    if (named_line.find("\"micro\": \"add_to_cart\"") != std::string::npos) ++purchases;
  }
  EXPECT_EQ(lines, sessions_);
  EXPECT_GE(purchases, 6u);
  // A config of another site is refused, not used to misname ids.
  const std::string other = dir_->path() + "/other.json";
  {
    json config = json::parse(Slurp(dir_->sites() + "/demo.json"));
    config["site"] = "other";
    std::ofstream(other) << config.dump();
  }
  args.back() = "--config=" + other;
  CliRun wrong = Run(args);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("not demo"), std::string::npos) << wrong.err;
}

// decode takes the bytes, or their hex as the playground shows it (a dump
// with offsets and a text column), as inspect() returns it (one run of
// digits) or with 0x and commas; from a file, stdin or --hex.
TEST_F(CliTest, DecodeTakesBytesOrHex) {
  const std::string golden = std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.mcs";
  const std::string config = std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json";
  const std::string bytes = Slurp(golden);
  ASSERT_GT(bytes.size(), 100u);
  CliRun binary = Run({"decode", golden, "--config", config});
  ASSERT_EQ(binary.exit_code, 0) << binary.err;
  EXPECT_EQ(binary.out, Slurp(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.json"));

  std::string plain, prefixed, dump;
  char cell[16];
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    std::snprintf(cell, sizeof cell, "%02x", byte);
    plain += cell;
    std::snprintf(cell, sizeof cell, "0x%02X, ", byte);
    prefixed += cell + std::string(i % 12 == 11 ? "\n" : "");
  }
  // demo-site/store/assets/playground.js hexDump: offset, two groups of 8
  // padded to 23 characters, the printable characters ('.' here).
  for (size_t offset = 0; offset < bytes.size(); offset += 16) {
    std::string left, right, text;
    for (size_t i = offset; i < std::min(offset + 16, bytes.size()); ++i) {
      const auto byte = static_cast<unsigned char>(bytes[i]);
      std::snprintf(cell, sizeof cell, "%02x", byte);
      std::string& group = i - offset < 8 ? left : right;
      group += (group.empty() ? "" : " ") + std::string(cell);
      text += byte >= 0x20 && byte < 0x7f ? static_cast<char>(byte) : '.';
    }
    left.resize(23, ' ');
    right.resize(23, ' ');
    std::snprintf(cell, sizeof cell, "%04zx", offset);
    dump += std::string(cell) + "  " + left + "  " + right + "  " + text + "\n";
  }
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"plain", plain + "\n"}, {"prefixed", prefixed}, {"dump", dump}};
  for (const auto& [name, text] : inputs) {
    const std::string file = dir_->path() + "/" + name + ".hex";
    std::ofstream(file) << text;
    CliRun from_file = Run({"decode", file, "--config", config});
    EXPECT_EQ(from_file.exit_code, 0) << name << ": " << from_file.err;
    EXPECT_EQ(from_file.out, binary.out) << name;
    const std::string command = Quote(MICROCONV_BINARY) + " decode - --config " + Quote(config) +
                                " <" + Quote(file) + " >" + Quote(file + ".out");
    EXPECT_EQ(std::system(command.c_str()), 0) << name;
    EXPECT_EQ(Slurp(file + ".out"), binary.out) << name << " from stdin";
  }
  CliRun inline_hex = Run({"decode", "--hex=" + plain, "--config", config});
  EXPECT_EQ(inline_hex.exit_code, 0) << inline_hex.err;
  EXPECT_EQ(inline_hex.out, binary.out);

  CliRun odd = Run({"decode", "--hex", plain.substr(1)});
  EXPECT_EQ(odd.exit_code, 1);
  EXPECT_NE(odd.err.find("lone hex digit"), std::string::npos) << odd.err;
  CliRun stray = Run({"decode", "--hex", "0a 1g"});
  EXPECT_EQ(stray.exit_code, 1);
  EXPECT_NE(stray.err.find("unexpected character 'g'"), std::string::npos) << stray.err;
  std::string skipped = dump;
  skipped.erase(skipped.find('\n') + 1, skipped.find('\n', skipped.find('\n') + 1) -
                                            skipped.find('\n'));  // the second line
  CliRun gap = Run({"decode", "--hex", skipped});
  EXPECT_EQ(gap.exit_code, 1);
  EXPECT_NE(gap.err.find("offset"), std::string::npos) << gap.err;
}

TEST_F(CliTest, VersionAndFlagEqualsValue) {
  CliRun version = Run({"--version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("microconv ")) << version.out;
  EXPECT_NE(version.out.find("store schema "), std::string::npos);
  EXPECT_EQ(Run({"version"}).out, version.out);
  // Every command parses --flag=value (tools/base/flags.h), the same as
  // --flag value.
  CliRun spaced = Run(ReportArgs({"--format", "json", "--k", "1"}));
  std::vector<std::string> joined = {"report",
                                     "--store=sqlite:" + dir_->store(),
                                     "--sites=" + dir_->sites(),
                                     "--site=demo",
                                     "--from=2023-11-14",
                                     "--to=2023-11-15",
                                     "--format=json",
                                     "--k=1"};
  CliRun equals = Run(joined);
  ASSERT_EQ(equals.exit_code, 0) << equals.err;
  EXPECT_EQ(equals.out, spaced.out);
  CliRun unknown = Run(ReportArgs({"--colour=red"}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("report: unknown flag --colour"), std::string::npos) << unknown.err;
}

// simulate against a rate-limited collector: each refusal counted under its
// reason, with the fix.
TEST_F(CliTest, SimulateSaysWhyAndHowToFix) {
  ServerProcess server(*dir_, {"--rate", "1", "--burst", "3"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  CliRun run = Run({"simulate", "--endpoint=http://127.0.0.1:" + std::to_string(server.port()),
                    "--config", dir_->sites() + "/demo.json", "--sessions", "30", "--days", "1",
                    "--final-only", "--concurrency", "2"});
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(10000), 0);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  int rejected = 0;
  ASSERT_EQ(std::sscanf(run.err.substr(run.err.find("simulate: ")).c_str(),
                        "simulate: %d summaries rejected, by reason:", &rejected),
            1)
      << run.err;
  EXPECT_GE(rejected, 20) << run.err;
  EXPECT_NE(run.err.find(" x 429 rate_limited: too many requests from this address\n"
                         "      fix: the collector limits ingest per client address"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("start serve with --rate 0 for load tests"), std::string::npos);
  // The per-reason counts add up to the total.
  int counted = 0;
  std::istringstream lines(run.err.substr(run.err.find("by reason:")));
  std::string line;
  while (std::getline(lines, line)) {
    int n = 0;
    if (std::sscanf(line.c_str(), "  %d x ", &n) == 1) counted += n;
  }
  EXPECT_EQ(counted, rejected) << run.err;
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
