// Runs the real `microconv serve` binary for integration tests: a temp
// directory with a sites dir (demo.json) and a SQLite file, the child
// started by tools/load on a free loopback port, and helpers to talk to it
// over HTTP.
#ifndef MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <httplib.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tools/load/serve_process.h"

namespace microconv::testing {

// The --history-hours every test server gets unless its `extra` says
// otherwise: 10 years, so the 2023 golden journeys are accepted.
inline constexpr int kTestHistoryHours = 10 * 366 * 24;

// A temp directory removed on destruction; holds sites/ and store.sqlite so
// that a restarted server finds the same file. The store has an owner
// account with a login session: the tests read reports and metrics as an
// owner would (tests/integration/access_test.cc covers everyone else).
class ServerDir {
 public:
  // Under `parent` (the attack test uses /dev/shm: its p99 is the HTTP
  // layer's, not the shared disk's fsync).
  explicit ServerDir(const std::string& parent = "/tmp");
  ~ServerDir();
  ServerDir(const ServerDir&) = delete;
  ServerDir& operator=(const ServerDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sites() const { return path_ + "/sites"; }
  std::string store() const { return path_ + "/store.sqlite"; }
  std::string log() const { return path_ + "/server.log"; }
  // "mc_session=..." of the owner's session.
  const std::string& owner_cookie() const { return owner_cookie_; }

 private:
  std::string path_;
  std::string owner_cookie_;
};

// The serve child of tools/load/serve_process.h on a ServerDir, with the
// helpers the tests talk to it with.
class ServerProcess {
 public:
  // `extra` flags are appended to the serve command line.
  ServerProcess(const ServerDir& dir, std::vector<std::string> extra = {});
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the binary and waits until /healthz answers 200 (10 s at most).
  bool Start() { return process_.Start().ok(); }
  int port() const { return process_.port(); }
  pid_t pid() const { return process_.pid(); }
  void Signal(int signal_number) { process_.Signal(signal_number); }
  std::optional<int> Wait(int timeout_ms) { return process_.Wait(timeout_ms); }
  // A client logged in as the store's owner.
  httplib::Client Client() const;
  // A client with no credentials.
  httplib::Client Anonymous() const { return process_.Client(); }

  // POST /api/collect with the given body and content type.
  httplib::Result Post(std::span<const uint8_t> body,
                       const std::string& content_type = "text/plain") const;
  // The value of an unlabelled metric line `name value`, or -1.
  double Metric(const std::string& name) const;
  std::string LogText() const;

 private:
  const ServerDir& dir_;
  ServeProcess process_;  // killed (SIGKILL) on destruction
};

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_SERVER_PROCESS_H_
