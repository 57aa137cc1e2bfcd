#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace microconv::testing {
namespace {

// A server that answers early and closes (413 before the body) makes the
// client's remaining writes raise SIGPIPE: the tests want the error value.
const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

}  // namespace

ServerDir::ServerDir() {
  char templ[] = "/tmp/microconv_it_XXXXXX";
  path_ = mkdtemp(templ);
  std::filesystem::create_directories(sites());
  std::filesystem::copy_file(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json",
                             sites() + "/demo.json");
}

ServerDir::~ServerDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(const ServerDir& dir, std::vector<std::string> extra)
    : dir_(dir), extra_(std::move(extra)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool ServerProcess::Start() {
  port_ = FreePort();
  std::vector<std::string> args = {MICROCONV_BINARY, "serve",
                                   "--store", "sqlite:" + dir_.store(),
                                   "--sites", dir_.sites(),
                                   "--listen", "127.0.0.1:" + std::to_string(port_),
                                   "--web", dir_.path() + "/web"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = fork();
  if (pid_ == 0) {
    // A crashed or killed test binary must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log = open(dir_.log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 2);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto cli = Client();
  cli.set_connection_timeout(0, 200000);
  for (int i = 0; i < 500; ++i) {
    if (auto res = cli.Get("/healthz"); res && res->status == 200) return true;
    if (Wait(0).has_value()) return false;  // exited: bad flags or port taken
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void ServerProcess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

std::optional<int> ServerProcess::Wait(int timeout_ms) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

httplib::Client ServerProcess::Client() const {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(10, 0);
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
