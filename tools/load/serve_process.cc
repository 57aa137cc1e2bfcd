#include "tools/load/serve_process.h"

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
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "tools/base/install_paths.h"

namespace microconv {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

std::string SelfExecutable() { return ExecutablePath(); }

ServeProcess::ServeProcess(ServeOptions options) : options_(std::move(options)) {}

ServeProcess::~ServeProcess() {
  if (pid_ <= 0) return;
  if (options_.stop_grace_ms > 0) {
    kill(pid_, SIGTERM);
    if (Wait(options_.stop_grace_ms).has_value()) return;
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

Status ServeProcess::Start() {
  port_ = FreePort();
  if (port_ == 0) return {Error::kUnavailable, "no free loopback port"};
  std::vector<std::string> args = {
      options_.binary, "serve",        "--store",  options_.store,
      "--sites",       options_.sites, "--listen", "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), options_.extra.begin(), options_.extra.end());
  pid_ = fork();
  if (pid_ < 0) return {Error::kUnavailable, "fork failed"};
  if (pid_ == 0) {
    // A crashed or killed parent must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log = open(options_.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto client = Client();
  client.set_connection_timeout(0, 200000);
  for (int i = 0; i < 500; ++i) {
    if (auto res = client.Get("/healthz"); res && res->status == 200) return {};
    if (auto code = Wait(0)) {
      return {Error::kUnavailable,
              "serve exited with " + std::to_string(*code) + " (log: " + options_.log + ")"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {Error::kUnavailable, "serve did not answer /healthz (log: " + options_.log + ")"};
}

void ServeProcess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

std::optional<int> ServeProcess::Wait(int timeout_ms) {
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

httplib::Client ServeProcess::Client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  return client;
}

double ServeProcess::PeakMegabytes() const { return ProcessPeakMegabytes(pid_); }

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ProcessPeakMegabytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::strtod(line.c_str() + 6, nullptr) / 1024;
  }
  return -1;
}

}  // namespace microconv
