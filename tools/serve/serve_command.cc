#include "tools/serve/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "tools/serve/collector.h"
#include "tools/serve/event_log.h"
#include "tools/store/commit_queue.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv serve --store sqlite:PATH --sites DIR --listen HOST:PORT\n"
    "                       [--web DIR] [--k N] [--threads N] [--read-timeout SECONDS]\n"
    "                       [--rate PER_SECOND] [--burst N]\n"
    "  --store         where summaries go (sqlite:PATH, created when missing)\n"
    "  --sites         directory of site configs (*.json), reloaded on SIGHUP and change\n"
    "  --listen        address to serve on, e.g. 127.0.0.1:8080\n"
    "  --web           static files: microconv.js and its Wasm (default web/dist)\n"
    "  --k             k-anonymity for reports (default: each site's config)\n"
    "  --threads       HTTP worker threads (default 64)\n"
    "  --read-timeout  seconds before a slow request is dropped (default 5)\n"
    "  --rate/--burst  ingest requests per second per source address (default 50/200; 0: off)\n";

constexpr std::chrono::seconds kSitePollInterval{2};

bool ParseInt(const std::string& text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseDouble(const std::string& text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "microconv serve: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int RunServe(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (!arg.starts_with("--")) return UsageError("unexpected argument " + arg);
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      flags[arg.substr(2)] = argv[++i];
    } else {
      return UsageError(arg + " needs a value");
    }
  }
  for (const char* required : {"store", "sites", "listen"}) {
    if (!flags.count(required)) return UsageError(std::string("--") + required + " is required");
  }
  CollectorOptions options;
  const std::string listen = flags["listen"];
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !ParseInt(listen.substr(colon + 1), options.port) ||
      options.port < 0 || options.port > 65535) {
    return UsageError("--listen: expected HOST:PORT");
  }
  options.host = listen.substr(0, colon);
  for (auto& [name, value] : flags) {
    bool ok = true;
    if (name == "web") {
      options.web_dir = value;
    } else if (name == "k") {
      ok = ParseInt(value, options.k_anonymity) && options.k_anonymity >= 0;
    } else if (name == "threads") {
      ok = ParseInt(value, options.threads) && options.threads >= 4 && options.threads <= 1024;
    } else if (name == "read-timeout") {
      ok = ParseInt(value, options.read_timeout_seconds) && options.read_timeout_seconds >= 1;
    } else if (name == "rate") {
      ok = ParseDouble(value, options.rate_per_second);
    } else if (name == "burst") {
      ok = ParseDouble(value, options.rate_burst) && options.rate_burst >= 1;
    } else if (name != "store" && name != "sites" && name != "listen") {
      return UsageError("unknown flag --" + name);
    }
    if (!ok) return UsageError("--" + name + ": bad value " + value);
  }

  // Signals are taken by one thread with sigwait: no work in signal context.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a visitor closing early must not kill us

  auto store = OpenStore(flags["store"]);
  if (!store.ok()) {
    LogEvent("serve: " + store.message());
    return 1;
  }
  SiteRegistry sites(flags["sites"]);
  if (sites.Reload(true) == 0) {
    LogEvent("serve: no valid site config in " + flags["sites"]);
    return 1;
  }
  CollectorMetrics metrics;
  LiveBoard live;
  CommitQueue commits(*store.value(), [&metrics](const CommitQueue::CommitReport& report) {
    metrics.ObserveCommit(report.latency, report.batch_size, report.ok);
    if (report.ok) metrics.CountAccepted(report.outcome.written, report.outcome.ignored);
  });
  Collector collector(options, sites, *store.value(), commits, metrics, live);
  Status bound = collector.Bind();
  if (!bound.ok()) {
    LogEvent("serve: " + bound.message);
    return 1;
  }

  std::mutex mutex;
  std::condition_variable stopped;
  bool stopping = false;
  std::thread poller([&] {
    std::unique_lock lock(mutex);
    while (!stopped.wait_for(lock, kSitePollInterval, [&] { return stopping; })) {
      lock.unlock();
      sites.Reload(false);
      lock.lock();
    }
  });
  std::thread signal_thread([&] {
    while (true) {
      int signal_number = 0;
      if (sigwait(&signals, &signal_number) != 0) continue;
      if (signal_number == SIGHUP) {
        LogEvent("serve: SIGHUP, reloading sites");
        sites.Reload(true);
        continue;
      }
      {
        std::lock_guard lock(mutex);
        if (stopping) return;  // our own wake-up after Run() returned
        stopping = true;
      }
      LogEvent(std::string("serve: ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
               ", draining");
      stopped.notify_all();
      collector.Stop();
      return;
    }
  });

  LogEvent("serve: listening on " + options.host + ":" + std::to_string(options.port));
  collector.Run();  // returns once stopped and every in-flight request is answered
  commits.Close();  // every acknowledged summary was committed before its 202
  bool signalled;
  {
    std::lock_guard lock(mutex);
    signalled = stopping;
    stopping = true;
  }
  stopped.notify_all();
  if (!signalled) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  poller.join();
  LogEvent("serve: stopped");
  return 0;
}

}  // namespace microconv
