// A `microconv serve` child process on a free loopback port: what `microconv
// bench` measures and what the integration tests drive. Started with fork +
// exec, ready once /healthz answers, stopped on destruction.
#ifndef MICROCONV_TOOLS_LOAD_SERVE_PROCESS_H_
#define MICROCONV_TOOLS_LOAD_SERVE_PROCESS_H_

#include <httplib.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace microconv {

struct ServeOptions {
  std::string binary;              // the microconv executable
  std::string store;               // --store value, e.g. "sqlite:/tmp/x/store.sqlite"
  std::string sites;               // --sites directory
  std::string log;                 // the child's stdout and stderr, appended
  std::vector<std::string> extra;  // more serve flags
  // On destruction: SIGTERM and this long to drain before SIGKILL; 0 kills
  // at once (tests that do not care how the server ends).
  int stop_grace_ms = 0;
};

class ServeProcess {
 public:
  explicit ServeProcess(ServeOptions options);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts the child and waits until /healthz answers 200 (10 s at most);
  // kUnavailable when it exited first (bad flags, port taken) or never
  // answered.
  Status Start();
  int port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }
  void Signal(int signal_number);
  // Waits for the child to exit (up to `timeout_ms`): its exit code, or
  // 128 + signal when killed, or nullopt on timeout.
  std::optional<int> Wait(int timeout_ms);
  // A client of the child with a 10 s read timeout.
  httplib::Client Client() const;
  // The child's peak resident set in MB (VmHWM), or -1.
  double PeakMegabytes() const;

 private:
  ServeOptions options_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A loopback port nobody listens on right now, or 0.
int FreePort();

// CPU seconds (user + system) process `pid` has used so far, or -1: what
// the bench charges to a collector or a ClickHouse server.
double ProcessCpuSeconds(pid_t pid);
// Peak resident set of process `pid` in MB (VmHWM), or -1.
double ProcessPeakMegabytes(pid_t pid);

// The running executable's path (/proc/self/exe), or "" when unknown.
std::string SelfExecutable();

}  // namespace microconv

#endif  // MICROCONV_TOOLS_LOAD_SERVE_PROCESS_H_
