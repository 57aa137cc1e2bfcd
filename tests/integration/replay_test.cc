// `microconv replay` (issue 12 point 5): recorded event streams through the
// real core, summaries written as files (byte-equal to the goldens) or sent
// to a real collector that rate-limits it (429, retried after Retry-After),
// raw events for ClickHouse, and a bad line named with its reason.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "server_process.h"

namespace microconv::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ReplayTest : public ::testing::Test {
 protected:
  struct Run {
    int exit_code = -1;
    std::string out, err;
  };

  // The binary with `args` (none holds a quote), output captured.
  Run Replay(const std::vector<std::string>& args) {
    std::string command =
        std::string("'") + MICROCONV_BINARY + "' replay --config '" + config_ + "'";
    for (const std::string& arg : args) command += " '" + arg + "'";
    const std::string out = dir_.path() + "/replay.out", err = dir_.path() + "/replay.err";
    const int raw = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(out), Slurp(err)};
  }

  std::string Golden(const std::string& name) const {
    return Slurp(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/" + name);
  }

  // The golden journeys as one recorded file of several sessions.
  std::string Journeys() {
    const std::string path = dir_.path() + "/journeys.events";
    std::ofstream(path) << Golden("purchase.events") << Golden("dropoff_blog.events")
                        << Golden("dropoff_shipping.events");
    return path;
  }

  ServerDir dir_;
  std::string config_ = dir_.sites() + "/demo.json";
};

TEST_F(ReplayTest, WritesTheGoldenSummariesOfEverySessionInTheFile) {
  const std::string out = dir_.path() + "/out", raw = dir_.path() + "/raw.tsv";
  const Run run = Replay({"--events", Journeys(), "--out", out, "--raw-events-out", raw});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("3 sessions, 3 summaries written"), std::string::npos) << run.out;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 3u);
  EXPECT_EQ(Slurp(out + "/5eed0001c0ffee01.mcs"), Golden("purchase.mcs"));
  // Every file is one of the goldens, byte for byte.
  const std::set<std::string> goldens = {Golden("purchase.mcs"), Golden("dropoff_blog.mcs"),
                                         Golden("dropoff_shipping.mcs")};
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(goldens.count(Slurp(entry.path().string())), 1u) << entry.path();
  }
  // Raw events: one TabSeparated row of six columns per tracker event.
  const std::string rows = Slurp(raw);
  ASSERT_FALSE(rows.empty());
  const std::string first = rows.substr(0, rows.find('\n'));
  EXPECT_EQ(std::count(first.begin(), first.end(), '\t'), 5) << first;
  EXPECT_TRUE(first.starts_with("demo\t6840123416578616833\t0\tpage\t/\t")) << first;
  EXPECT_NE(rows.find("\tmatch\t"), std::string::npos);
  EXPECT_NE(rows.find("\tdatalayer\t"), std::string::npos);
}

TEST_F(ReplayTest, SendsToACollectorAndRetriesWhenRateLimited) {
  // One request a second with a burst of one: the second and third
  // summaries get 429 with Retry-After and must be sent again.
  ServerProcess server(dir_, {"--rate", "1", "--burst", "1", "--k", "1"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  const Run run = Replay(
      {"--events", Journeys(), "--endpoint", "http://127.0.0.1:" + std::to_string(server.port())});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("3 sessions, 3 summaries accepted, 0 rejected"), std::string::npos)
      << run.out;
  EXPECT_GE(server.Metric("microconv_sessions_stored"), 3);
  auto report = server.Client().Get("/api/report/demo?from=2023-11-14&to=2023-11-15");
  ASSERT_TRUE(report);
  EXPECT_NE(report->body.find("\"sessions\": 3"), std::string::npos) << report->body.substr(0, 800);
}

TEST_F(ReplayTest, NamesTheBadLineAndSendsNothing) {
  const std::string path = dir_.path() + "/bad.events";
  std::ofstream(path) << Golden("purchase.events") << "start nonce=0x2 start_ms=1700000000000\n"
                      << "@0 page /\n"
                      << "@10 teleport 3\n";
  const std::string purchase = Golden("purchase.events");
  const size_t bad_line = std::count(purchase.begin(), purchase.end(), '\n') + 3;
  const std::string out = dir_.path() + "/out";
  const Run run = Replay({"--events", path, "--out", out});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(path + ":" + std::to_string(bad_line) + ": unknown event teleport"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing is written when a line is bad";

  const Run usage = Replay({"--events", path});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("give one of --endpoint and --out"), std::string::npos);
}

}  // namespace
}  // namespace microconv::testing
