#include "server_process.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/base/wall_clock.h"
#include "tools/store/accounts.h"

namespace microconv::testing {
namespace {

// A server that answers early and closes (413 before the body) makes the
// client's remaining writes raise SIGPIPE: the tests want the error value.
const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

}  // namespace

ServerDir::ServerDir(const std::string& parent) {
  std::string templ = parent + "/microconv_it_XXXXXX";
  path_ = mkdtemp(templ.data());
  std::filesystem::create_directories(sites());
  std::filesystem::copy_file(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json",
                             sites() + "/demo.json");
  auto accounts = AccountStore::Open("sqlite:" + store());
  if (!accounts.ok()) return;
  if (!accounts.value()->AddUser("owner", "integration-password").ok()) return;
  auto session = accounts.value()->StartSession("owner", 0, NowMs(), SessionLimits{});
  if (session.ok()) owner_cookie_ = "mc_session=" + session.value().secret;
}

ServerDir::~ServerDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

namespace {

ServeOptions ServeOnDir(const ServerDir& dir, std::vector<std::string> extra) {
  ServeOptions options;
  options.binary = MICROCONV_BINARY;
  options.store = "sqlite:" + dir.store();
  options.sites = dir.sites();
  options.log = dir.log();
  // The golden journeys start in November 2023: accept 10 years of
  // history (tests of the window pass their own --history-hours after).
  options.extra = {"--web", dir.path() + "/web", "--history-hours",
                   std::to_string(kTestHistoryHours)};
  options.extra.insert(options.extra.end(), extra.begin(), extra.end());
  return options;
}

}  // namespace

ServerProcess::ServerProcess(const ServerDir& dir, std::vector<std::string> extra)
    : dir_(dir), process_(ServeOnDir(dir, std::move(extra))) {}

httplib::Client ServerProcess::Client() const {
  httplib::Client cli = process_.Client();
  cli.set_default_headers({{"Cookie", dir_.owner_cookie()}});
  return cli;
}

httplib::Result ServerProcess::Post(std::span<const uint8_t> body,
                                    const std::string& content_type) const {
  auto cli = Client();
  return cli.Post("/api/collect", reinterpret_cast<const char*>(body.data()), body.size(),
                  content_type);
}

double ServerProcess::Metric(const std::string& name) const {
  auto cli = Client();
  auto res = cli.Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream lines(res->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(name + " ")) return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return -1;
}

std::string ServerProcess::LogText() const {
  std::ifstream in(dir_.log());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace microconv::testing
