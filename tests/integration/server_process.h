// Runs the real `microconv serve` binary for integration tests: a temp
// directory with a sites dir (demo.json) and a SQLite file, a free loopback
// port passed on the command line, and helpers to talk to it over HTTP.
#ifndef MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <httplib.h>

namespace microconv::testing {

// A temp directory removed on destruction; holds sites/ and store.sqlite so
// that a restarted server finds the same file.
class ServerDir {
 public:
  ServerDir();
  ~ServerDir();
  ServerDir(const ServerDir&) = delete;
  ServerDir& operator=(const ServerDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sites() const { return path_ + "/sites"; }
  std::string store() const { return path_ + "/store.sqlite"; }
  std::string log() const { return path_ + "/server.log"; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // `extra` flags are appended to the serve command line.
  ServerProcess(const ServerDir& dir, std::vector<std::string> extra = {});
  ~ServerProcess();  // SIGKILLs a server still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the binary and waits until /healthz answers 200 (10 s at most).
  bool Start();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void Signal(int signal_number);
  // Waits for the process to exit (up to `timeout_ms`): its exit code, or
  // 128 + signal when killed, or nullopt on timeout.
  std::optional<int> Wait(int timeout_ms);

  httplib::Client Client() const;
  // POST /api/collect with the given body and content type.
  httplib::Result Post(std::span<const uint8_t> body,
                       const std::string& content_type = "text/plain") const;
  // The value of an unlabelled metric line `name value`, or -1.
  double Metric(const std::string& name) const;
  std::string LogText() const;

 private:
  const ServerDir& dir_;
  std::vector<std::string> extra_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A loopback port nobody listens on right now.
int FreePort();

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_
