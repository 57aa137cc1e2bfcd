// Untrusted values at every boundary and damage that is reported (issue 10,
// point 5), against the real `microconv serve` on 127.0.0.1: the session
// start window, referrer and UTM shapes, per-site live limits, a damaged
// store, an unreadable stored session, a full disk, and CLI output that
// cannot drive the terminal or a spreadsheet.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/json/config_json.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tests/support/event_stream.h"
#include "tools/load/serve_process.h"

namespace microconv::testing {
namespace {

using nlohmann::json;
using Bytes = std::vector<uint8_t>;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::system_clock;

constexpr const char* kRange = "from=2023-11-14&to=2023-11-15";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of one metric line (labels included in `series`), or -1.
double MetricSeries(const ServerProcess& server, const std::string& series) {
  auto res = server.Client().Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream lines(res->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(series + " "))
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return -1;
}

std::string Rejected(const std::string& reason) {
  return "microconv_summaries_rejected_total{reason=\"" + reason + "\"}";
}

class BoundariesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(journeys_.ok()); }

  std::unique_ptr<ServerProcess> Serve(std::vector<std::string> extra) {
    std::vector<std::string> flags = {"--k", "1", "--rate", "0"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    auto server = std::make_unique<ServerProcess>(dir_, flags);
    EXPECT_TRUE(server->Start()) << server->LogText();
    return server;
  }

  Bytes Dated(system_clock::time_point start, uint64_t nonce) const {
    return Journeys::WithNonce(
        Journeys::AtTime(journeys_.Summary("purchase", 1), start, std::chrono::seconds(60), true),
        nonce);
  }

  ServerDir dir_;
  Journeys journeys_;
};

// --- 1. History dating. -----------------------------------------------------

TEST_F(BoundariesTest, SessionStartOutsideTheWindowNeverReachesTheStore) {
  auto server = Serve({"--history-hours", "48"});
  const auto now = system_clock::now();
  struct Case {
    system_clock::time_point start;
    int status;
  };
  const Case cases[] = {
      {now - hours(47), 202},
      {now + minutes(5), 202},
      {now - hours(49), 422},
      {now + minutes(20), 422},
      {system_clock::time_point(), 422},                        // 1970
      {system_clock::time_point(hours(24 * 365 * 51)), 422},    // 2021
      {system_clock::time_point(hours(24 * 365 * 1029)), 422},  // 2999
  };
  uint64_t nonce = 100;
  for (const Case& c : cases) {
    auto res = server->Post(Dated(c.start, ++nonce));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.status) << res->body;
    if (c.status == 422) EXPECT_TRUE(res->body.starts_with("start_outside_window: start_minute"));
  }
  // The largest start_minute the wire can hold: year 10136.
  auto object = testing::UnpackSummary(journeys_.Summary("purchase", 999));
  object.start_minute = 0xffffffffu;
  auto res = server->Post(EncodeSummary(object));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;

  EXPECT_EQ(MetricSeries(*server, Rejected("start_outside_window")), 6);
  EXPECT_EQ(server->Metric("microconv_sessions_stored"), 2);
  // Default window (48 h) when the flag is not given at all.
  server.reset();
  ServeOptions options;
  options.binary = MICROCONV_BINARY;
  options.store = "sqlite:" + dir_.store();
  options.sites = dir_.sites();
  options.log = dir_.log();
  options.extra = {"--rate", "0", "--web", dir_.path() + "/web"};
  ServeProcess plain(options);
  ASSERT_TRUE(plain.Start().ok()) << Slurp(dir_.log());
  auto cli = plain.Client();
  const Bytes old = Dated(now - hours(49), 500);
  auto refused =
      cli.Post("/api/collect", reinterpret_cast<const char*>(old.data()), old.size(), "text/plain");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  // A golden journey of 2023 is refused by a collector with default flags.
  const Bytes golden = journeys_.Summary("purchase", 501);
  auto stale = cli.Post("/api/collect", reinterpret_cast<const char*>(golden.data()), golden.size(),
                        "text/plain");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 422) << stale->body;
}

// --- 2. Referrers and UTM values. -------------------------------------------

TEST_F(BoundariesTest, ReferrerAndUtmOfAnyOtherShapeAreRefused) {
  auto server = Serve({});
  const Bytes valid = journeys_.Summary("purchase", 7);
  uint64_t nonce = 200;
  auto post = [&](const std::function<void(wire::SummaryT&)>& edit) {
    auto object = testing::UnpackSummary(valid);
    object.nonce = ++nonce;
    edit(object);
    auto res = server->Post(EncodeSummary(object));
    EXPECT_TRUE(res);
    return res ? res->status : -1;
  };
  for (const char* referrer : {"localhost", "evil.example/buy-pills", "Evil.example",
                               "evil.example:8080", "[::1]", "buy cheap pills.example"}) {
    EXPECT_EQ(post([&](auto& s) { s.referrer = referrer; }), 400) << referrer;
  }
  for (const char* utm : {"\x1b[2J",
                          "a\xe2\x80\xae"
                          "b",
                          "<script>", "UPPER", " lead"}) {
    EXPECT_EQ(post([&](auto& s) { s.utm_campaign = utm; }), 400) << utm;
  }
  EXPECT_EQ(post([](auto& s) { s.utm_source = std::string(65, 'a'); }), 400);
  EXPECT_EQ(post([](auto& s) {
              s.referrer = "news.example.com";
              s.utm_source = "spring sale!";
            }),
            202);
  EXPECT_EQ(MetricSeries(*server, Rejected("invalid_traffic_source")), 12);
  auto res = server->Client().Get(std::string("/api/report/demo?") + kRange);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find("evil"), std::string::npos);
}

// --- 4. Per-site live limits. -----------------------------------------------

// Opens GET /api/live/SITE on a raw socket and returns (fd, status). The
// socket stays open (the stream holds its slot) until closed.
std::pair<int, int> OpenLive(int port, const std::string& site, const std::string& cookie) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {fd, -1};
  const std::string request =
      "GET /api/live/" + site + " HTTP/1.1\r\nHost: t\r\nCookie: " + cookie + "\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return {fd, -1};
  }
  std::string head;
  char c;
  while (head.find("\r\n") == std::string::npos && read(fd, &c, 1) == 1) head += c;
  int status = -1;
  std::sscanf(head.c_str(), "HTTP/1.1 %d", &status);
  return {fd, status};
}

TEST_F(BoundariesTest, LiveStreamsAreLimitedPerSiteAndInTotal) {
  std::string demo = Slurp(dir_.sites() + "/demo.json");
  const size_t at = demo.find("\"site\": \"demo\"");
  ASSERT_NE(at, std::string::npos);
  demo.replace(at, 14, "\"site\": \"other\"");
  std::ofstream(dir_.sites() + "/other.json") << demo;
  auto server = Serve({"--threads", "16", "--live-streams", "3", "--live-streams-per-site", "2"});
  std::vector<int> open;
  auto expect = [&](const std::string& site, int status) {
    auto [fd, got] = OpenLive(server->port(), site, dir_.owner_cookie());
    EXPECT_EQ(got, status) << site;
    open.push_back(fd);
  };
  expect("demo", 200);
  expect("demo", 200);
  expect("demo", 429);   // the site's share is taken...
  expect("other", 200);  // ...and another site still gets in
  expect("other", 503);  // the total is reached
  auto refused = server->Client().Get("/api/live/demo");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_TRUE(refused->body.starts_with("too_many_streams_for_site: at most 2"));
  EXPECT_EQ(refused->get_header_value("Retry-After"), "10");
  EXPECT_EQ(server->Metric("microconv_live_streams"), 3);
  for (int fd : open) close(fd);
  // Slots come back when viewers leave (a stream notices within a second).
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    back = server->Metric("microconv_live_streams") == 0;
  }
  EXPECT_TRUE(back);
}

// --- 5. Damage is reported. -------------------------------------------------

// Writes `count` sessions of 2023 (the golden days) through the server.
void Fill(const ServerProcess& server, const Journeys& journeys, int count) {
  const char* kinds[] = {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"};
  for (int n = 0; n < count; ++n) {
    auto res = server.Post(journeys.Summary(kinds[n % 4], 0x10000 + n));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }
}

TEST_F(BoundariesTest, UnreadableStoredSessionIsCountedLoggedAndReported) {
  auto server = Serve({});
  Fill(*server, journeys_, 8);
  // One stored row damaged behind the collector's back: its bytes no longer
  // verify (a cut body), as a bad sector or a hand edit would leave it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.store().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE sessions SET summary = substr(summary, 1, 40) "
                         "WHERE rowid = (SELECT min(rowid) FROM sessions)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto res = server->Client().Get(std::string("/api/report/demo?") + kRange);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json report = json::parse(res->body);
  EXPECT_EQ(report["unreadable_sessions"], 1);
  EXPECT_EQ(report["engagement"]["sessions"], 7);
  // Cached day aggregates still say so.
  auto again = server->Client().Get(std::string("/api/report/demo?") + kRange);
  ASSERT_TRUE(again);
  EXPECT_EQ(json::parse(again->body)["unreadable_sessions"], 1);
  EXPECT_EQ(MetricSeries(*server, "microconv_store_unreadable_sessions_total{kind=\"truncated\"}") +
                MetricSeries(*server,
                             "microconv_store_unreadable_sessions_total{kind=\"verify_failed\"}") +
                1,  // the missing series reads -1
            1);
  // Logged once per kind with its count, not once per row or per report.
  std::string log;
  for (int i = 0; i < 40 && log.find("unreadable stored sessions") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = server->LogText();
  }
  EXPECT_NE(log.find("store: 1 unreadable stored sessions ("), std::string::npos) << log;
  size_t lines = 0;
  for (size_t at = log.find("unreadable stored sessions"); at != std::string::npos;
       at = log.find("unreadable stored sessions", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log;
}

// Overwrites the store's pages after the first two (the schema) with garbage.
void CorruptPages(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  // Everything into the main file first, so the garbage hits live pages.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8 * 4096u);
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(file, nullptr);
  std::string garbage(size - 2 * 4096, '\xa5');
  std::fseek(file, 2 * 4096, SEEK_SET);
  std::fwrite(garbage.data(), 1, garbage.size(), file);
  std::fclose(file);
}

TEST_F(BoundariesTest, CorruptedPagesMakeHealthzAnd503WithAReason) {
  auto server = Serve({});
  Fill(*server, journeys_, 120);
  CorruptPages(dir_.store());
  // While running: the next report fails, and /healthz says why from then on.
  auto report = server->Client().Get(std::string("/api/report/demo?") + kRange);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 503) << report->body;
  auto health = server->Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_TRUE(health->body.starts_with("store_read_failed: ")) << health->body;
  EXPECT_EQ(server->Metric("microconv_store_healthy"), 0);
  server->Signal(SIGKILL);
  server->Wait(5000);

  // After a restart the integrity check at start finds it before any report.
  ServerProcess restarted(dir_, {"--k", "1", "--rate", "0"});
  EXPECT_FALSE(restarted.Start());  // never healthy
  auto again = restarted.Client().Get("/healthz");
  ASSERT_TRUE(again) << restarted.LogText();
  EXPECT_EQ(again->status, 503);
  EXPECT_TRUE(again->body.starts_with("store_damaged: ")) << again->body;
  EXPECT_EQ(restarted.Metric("microconv_store_damaged"), 1);
  // Ingest refuses to write into a damaged file (the tracker retries later).
  auto ingest = restarted.Post(journeys_.Summary("purchase", 77));
  ASSERT_TRUE(ingest);
  EXPECT_EQ(ingest->status, 503);
  EXPECT_EQ(ingest->get_header_value("Retry-After"), "60");
  EXPECT_NE(restarted.LogText().find("store: integrity check failed: damaged"), std::string::npos);
}

// A real full disk: the collector runs in its own mount namespace on a
// 6 MiB tmpfs (unshare -rm, no privilege needed where user namespaces are
// allowed; skipped where they are not). Each one-summary commit also writes
// its day's aggregate delta: 3 MiB held fewer than 100 commits.
TEST_F(BoundariesTest, FullDiskMakesHealthz503) {
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no user namespaces here: cannot mount a small tmpfs";
  }
  const std::string mount = dir_.path() + "/small";
  std::filesystem::create_directories(mount);
  const std::string wrapper = dir_.path() + "/serve_on_small_disk.sh";
  std::ofstream(wrapper) << "#!/bin/sh\n"
                            "exec unshare -rm sh -c 'mount -t tmpfs -o size=6m tmpfs \"$0\" && "
                            "exec \"$@\"' "
                         << mount << " " << MICROCONV_BINARY << " \"$@\"\n";
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  ServeOptions options;
  options.binary = wrapper;
  options.store = "sqlite:" + mount + "/store.sqlite";
  options.sites = dir_.sites();
  options.log = dir_.log();
  options.extra = {"--rate", "0", "--history-hours", std::to_string(kTestHistoryHours)};
  ServeProcess server(options);
  ASSERT_TRUE(server.Start().ok()) << Slurp(dir_.log());
  auto cli = server.Client();
  std::string health_body;
  int accepted = 0, refused = 0;
  std::string retry_after;
  for (int n = 0; n < 20000 && refused == 0; ++n) {
    const Bytes body = journeys_.Summary("purchase", 0x900000 + n);
    auto res = cli.Post("/api/collect", reinterpret_cast<const char*>(body.data()), body.size(),
                        "text/plain");
    ASSERT_TRUE(res);
    if (res->status == 202) {
      ++accepted;
    } else {
      ASSERT_EQ(res->status, 503) << res->body;
      retry_after = res->get_header_value("Retry-After");
      ++refused;
    }
    if (n % 5 == 0 && health_body.empty()) {
      auto health = cli.Get("/healthz");
      ASSERT_TRUE(health);
      if (health->status == 503) health_body = health->body;
    }
  }
  EXPECT_EQ(refused, 1) << "the disk never filled";
  EXPECT_GT(accepted, 100);
  EXPECT_EQ(retry_after, "5");
  // /healthz said so before ingest failed (free space below the margin)...
  EXPECT_TRUE(health_body.starts_with("disk_full: ")) << health_body;
  // ...and still does.
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_TRUE(health->body.starts_with("disk_full: ")) << health->body;
  EXPECT_EQ(health->get_header_value("Retry-After"), "30");
}

// --- 3. CLI output that cannot attack its reader. ----------------------------

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

CliRun RunCli(const ServerDir& dir, const std::vector<std::string>& args) {
  std::string command = Quote(MICROCONV_BINARY);
  for (const std::string& arg : args) command += " " + Quote(arg);
  const std::string out = dir.path() + "/cli.out", err = dir.path() + "/cli.err";
  command += " >" + Quote(out) + " 2>" + Quote(err);
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(out), Slurp(err)};
}

TEST_F(BoundariesTest, CliCsvAndTableNeutraliseHostileText) {
  // Labels are site-owner text, but a shared or compromised config is as
  // hostile as a visitor: they carry a formula, an escape sequence, a C1
  // CSI and a right-to-left override.
  std::string demo = Slurp(dir_.sites() + "/demo.json");
  const std::string label = "\"label\": \"Viewed Headphones\"";
  const size_t at = demo.find(label);
  ASSERT_NE(at, std::string::npos);
  demo.replace(at, label.size(),
               "\"label\": \"=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")\"");
  const std::string label2 = "\"label\": \"Opened Electronics\"";
  const size_t at2 = demo.find(label2);
  ASSERT_NE(at2, std::string::npos);
  demo.replace(at2, label2.size(), "\"label\": \"\\u001b[2J\\u009b31m\\u202eevil\"");
  std::ofstream(dir_.sites() + "/demo.json") << demo;
  auto hostile = LoadConfigJson(demo);
  ASSERT_TRUE(hostile.ok()) << hostile.message();
  auto server = Serve({});
  // The same journeys under the relabelled config (ids are unchanged).
  for (uint64_t n = 0; n < 4; ++n) {
    auto object = testing::UnpackSummary(
        journeys_.Summary(n % 2 ? "purchase" : "dropoff_product", 0x7700 + n));
    object.config_hash = hostile.value().hash();
    auto res = server->Post(EncodeSummary(object));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }
  server.reset();

  const std::vector<std::string> base = {"report",    "--store",    "sqlite:" + dir_.store(),
                                         "--sites",   dir_.sites(), "--site",
                                         "demo",      "--k",        "1",
                                         "--from",    "2023-11-14", "--to",
                                         "2023-11-15"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(dir_, args);
  };
  const CliRun csv = with({"--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
            std::string::npos)
      << csv.out;
  EXPECT_EQ(csv.out.find(",=HYPERLINK"), std::string::npos);
  const CliRun table = with({"--format", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.out.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(table.out.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_NE(table.out.find("\\x1b[2J\\u009b31m\\u202eevil"), std::string::npos) << table.out;
  const CliRun json_out = with({"--format", "json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  EXPECT_EQ(json_out.out.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(json_out.out.find("\xe2\x80\xae"), std::string::npos);
}

}  // namespace
}  // namespace microconv::testing
