// microconv host: serves a static site folder (the demo store) on its own
// origin; see site_host.h. It is a demo and test aid, not a production web
// server: no TLS, no compression, whole files from memory.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "tools/base/flags.h"
#include "tools/serve/event_log.h"
#include "tools/serve/http_server.h"
#include "tools/serve/serve_command.h"
#include "tools/serve/site_host.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv host DIR --listen HOST:PORT --collector URL\n"
    "  DIR          site folder with routes.json (e.g. demo-site/store)\n"
    "  --listen     address to serve on, e.g. 127.0.0.1:8081\n"
    "  --collector  collector origin put in the pages' script tag, e.g. http://127.0.0.1:8080\n";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "microconv host: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int RunHost(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv, {{"--listen"}, {"--collector"}}, 1);
  if (!flags.ok()) return UsageError(flags.message());
  if (flags.value().help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string root = flags.value().positional().empty() ? "" : flags.value().positional()[0];
  const std::string listen = flags.value().Get("--listen");
  const std::string collector = flags.value().Get("--collector");
  if (root.empty() || listen.empty() || collector.empty()) {
    return UsageError("DIR, --listen and --collector are required");
  }
  auto address = ParseHostPort("--listen", listen);
  if (!address.ok()) return UsageError(address.message());
  if (!collector.starts_with("http://") && !collector.starts_with("https://")) {
    return UsageError("--collector: expected an http(s):// origin");
  }
  auto site = SiteHost::Open(root, collector);
  if (!site.ok()) {
    LogEvent("host: " + site.message());
    return 1;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The collector's server with its default limits; one byte range is
  // served (the demo's video seeks), several are not.
  HttpServer server{HttpLimits{}};
  const SiteHost& host = site.value();
  server.Get("*", [&host](const Request& req, Response& res) {
    HostedFile file = host.Serve(req.path);
    res.status = file.status;
    res.SetHeader("Cache-Control", file.cacheable ? "public, max-age=300" : "no-cache");
    res.SetContent(std::move(file.body), file.content_type);
    ApplySingleRange(req, res);
  });
  if (Status bound = server.Bind(address.value().host, address.value().port); !bound.ok()) {
    LogEvent("host: " + bound.message);
    return 1;
  }
  std::atomic<bool> signalled = false;
  std::thread stopper([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    signalled = true;
    server.Stop();
  });
  LogEvent("host: serving " + root + " on " + listen);
  server.Run();
  if (!signalled) pthread_kill(stopper.native_handle(), SIGTERM);  // listening failed: wake it
  stopper.join();
  LogEvent("host: stopped");
  return 0;
}

}  // namespace microconv
