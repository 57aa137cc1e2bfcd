#include "tools/load/clickhouse_cluster.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tools/load/serve_process.h"

namespace microconv {
namespace {

constexpr const char* kConfigDir = "/etc/clickhouse-server";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

// Replaces the first <tag>...</tag> of the Debian config.
std::string SetTag(const std::string& xml, const std::string& tag, const std::string& value) {
  return std::regex_replace(xml, std::regex("<" + tag + ">[^<]*</" + tag + ">"),
                            "<" + tag + ">" + value + "</" + tag + ">",
                            std::regex_constants::format_first_only);
}

}  // namespace

std::string ClickHouseServerBinary() {
  for (const char* path : {"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"}) {
    if (access(path, X_OK) == 0 && access("/etc/clickhouse-server/config.xml", R_OK) == 0) {
      return path;
    }
  }
  return "";
}

ClickHouseCluster::ClickHouseCluster(std::string dir, int shards, std::string cluster)
    : dir_(std::move(dir)), cluster_(std::move(cluster)), shards_(shards) {}

ClickHouseCluster::~ClickHouseCluster() {
  for (Shard& shard : shards_) {
    if (shard.pid > 0) {
      kill(shard.pid, SIGKILL);
      waitpid(shard.pid, nullptr, 0);
    }
  }
}

std::string ClickHouseCluster::StoreUrl(int shard, const std::string& db) const {
  std::string nodes = "127.0.0.1:" + std::to_string(shards_[shard].http_port);
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (static_cast<int>(i) != shard) nodes += ",127.0.0.1:" + std::to_string(shards_[i].http_port);
  }
  return "clickhouse://" + nodes + "/" + db + "?cluster=" + cluster_;
}

Status ClickHouseCluster::Start() {
  if (ClickHouseServerBinary().empty()) {
    return {Error::kUnavailable, "clickhouse-server is not installed"};
  }
  // Ports first: every config names every shard's TCP port.
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = shards_[i];
    shard.http_port = FreePort();
    shard.tcp_port = FreePort();
    shard.interserver_port = FreePort();
    if (shard.http_port == 0 || shard.tcp_port == 0 || shard.interserver_port == 0) {
      return {Error::kUnavailable, "no free loopback port"};
    }
    shard.dir = dir_ + "/clickhouse-" + std::to_string(i + 1);
  }
  std::string remote = "<yandex><remote_servers><" + cluster_ + ">";
  for (const Shard& shard : shards_) {
    remote += "<shard><replica><host>127.0.0.1</host><port>" + std::to_string(shard.tcp_port) +
              "</port></replica></shard>";
  }
  remote += "</" + cluster_ + "></remote_servers></yandex>\n";
  const std::string base = ReadText(std::string(kConfigDir) + "/config.xml");
  const std::string users = ReadText(std::string(kConfigDir) + "/users.xml");
  if (base.empty() || users.empty()) {
    return {Error::kUnavailable, "cannot read " + std::string(kConfigDir) + "/config.xml"};
  }
  for (Shard& shard : shards_) {
    std::error_code ec;
    for (const char* sub : {"data", "tmp", "user_files", "format_schemas", "log", "config.d"}) {
      std::filesystem::create_directories(shard.dir + "/" + sub, ec);
    }
    std::string config = base;
    config = SetTag(config, "path", shard.dir + "/data/");
    config = SetTag(config, "tmp_path", shard.dir + "/tmp/");
    config = SetTag(config, "user_files_path", shard.dir + "/user_files/");
    config = SetTag(config, "format_schema_path", shard.dir + "/format_schemas/");
    config = SetTag(config, "log", shard.dir + "/log/server.log");
    config = SetTag(config, "errorlog", shard.dir + "/log/server.err.log");
    config = SetTag(config, "http_port", std::to_string(shard.http_port));
    config = SetTag(config, "tcp_port", std::to_string(shard.tcp_port));
    config = SetTag(config, "interserver_http_port", std::to_string(shard.interserver_port));
    // IPv4 loopback only: the machine may have no ::1.
    config = std::regex_replace(config, std::regex("<listen_host>::1</listen_host>"), "");
    if (!WriteText(shard.dir + "/config.xml", config) ||
        !WriteText(shard.dir + "/users.xml", users) ||
        !WriteText(shard.dir + "/config.d/cluster.xml", remote)) {
      return {Error::kUnavailable, "cannot write the config in " + shard.dir};
    }
  }
  for (Shard& shard : shards_) {
    if (Status launched = Launch(shard); !launched.ok()) return launched;
  }
  for (Shard& shard : shards_) {
    if (Status ready = WaitReady(shard); !ready.ok()) return ready;
  }
  return {};
}

Status ClickHouseCluster::Launch(Shard& shard) {
  const std::string binary = ClickHouseServerBinary();
  const std::string config_flag = "--config-file=" + shard.dir + "/config.xml";
  const std::string log = shard.dir + "/log/stdout.log";
  shard.pid = fork();
  if (shard.pid < 0) return {Error::kUnavailable, "fork failed"};
  if (shard.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no server outlives its test
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(binary.c_str(), binary.c_str(), config_flag.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return {};
}

Status ClickHouseCluster::WaitReady(Shard& shard) {
  httplib::Client client("127.0.0.1", shard.http_port);
  client.set_connection_timeout(0, 300000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto res = client.Get("/?query=SELECT%201"); res && res->status == 200) return {};
    int status = 0;
    if (waitpid(shard.pid, &status, WNOHANG) == shard.pid) {
      shard.pid = -1;
      return {Error::kUnavailable,
              "clickhouse-server exited at start (log: " + shard.dir + "/log/)"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {Error::kUnavailable,
          "clickhouse-server did not answer in 60 s (log: " + shard.dir + "/log/)"};
}

void ClickHouseCluster::Stop(int index, bool hard) {
  Shard& shard = shards_[index];
  if (shard.pid <= 0) return;
  kill(shard.pid, hard ? SIGKILL : SIGTERM);
  waitpid(shard.pid, nullptr, 0);
  shard.pid = -1;
}

Status ClickHouseCluster::Restart(int index) {
  Shard& shard = shards_[index];
  if (shard.pid > 0) return {};
  if (Status launched = Launch(shard); !launched.ok()) return launched;
  return WaitReady(shard);
}

}  // namespace microconv
