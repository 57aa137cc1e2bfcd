#include "tools/serve/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "tools/base/flags.h"
#include "tools/serve/collector.h"
#include "tools/serve/event_log.h"
#include "tools/serve/store_watch.h"
#include "tools/store/commit_queue.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv serve --store sqlite:PATH --sites DIR --listen HOST:PORT\n"
    "                       [--web DIR] [--k N] [--threads N] [--read-timeout SECONDS]\n"
    "                       [--rate PER_SECOND] [--burst N] [--public-site S,...]\n"
    "                       [--secure-cookies] [--session-idle SECONDS] [--session-max SECONDS]\n"
    "                       [--history-hours H] [--live-streams N] [--live-streams-per-site N]\n"
    "                       [--accounts sqlite:PATH]\n"
    "  --store         where summaries go (sqlite:PATH, created when missing, or\n"
    "                  clickhouse://HOST:PORT/DB, see README)\n"
    "  --accounts      where owner accounts live (default: the sqlite --store; required\n"
    "                  with a clickhouse store)\n"
    "  --sites         directory of site configs (*.json), reloaded on SIGHUP and change\n"
    "  --listen        address to serve on, e.g. 127.0.0.1:8080\n"
    "  --web           static files: microconv.js and its Wasm (default web/dist)\n"
    "  --k             k-anonymity for reports (default: each site's config)\n"
    "  --threads       HTTP worker threads (default 64)\n"
    "  --read-timeout  seconds before a slow request is dropped (default 5)\n"
    "  --rate/--burst  ingest requests per second per source address (default 50/200; 0: off)\n"
    "  --public-site   sites whose dashboard and report anyone may read (default: none)\n"
    "  --secure-cookies  mark cookies Secure (TLS terminated by a proxy in front)\n"
    "  --session-idle  seconds a login lasts unused (default 7200)\n"
    "  --session-max   seconds a login lasts at most (default 86400)\n"
    "  --history-hours oldest session start accepted, hours before now (default 48; a start\n"
    "                  more than 10 minutes ahead is refused too); raise it only to seed history\n"
    "  --live-streams  open live streams, all sites (default 16); per site: "
    "--live-streams-per-site\n"
    "                  (default 4)\n"
    "Accounts: `microconv user add NAME --store ...`; the dashboard needs a login.\n";

constexpr std::chrono::seconds kSitePollInterval{2};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "microconv serve: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int RunServe(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv,
                             {{"--store"},
                              {"--sites"},
                              {"--listen"},
                              {"--web"},
                              {"--k"},
                              {"--threads"},
                              {"--read-timeout"},
                              {"--rate"},
                              {"--burst"},
                              {"--public-site"},
                              {"--secure-cookies", false},
                              {"--session-idle"},
                              {"--session-max"},
                              {"--history-hours"},
                              {"--live-streams"},
                              {"--live-streams-per-site"},
                              {"--accounts"}});
  if (!parsed.ok()) return UsageError(parsed.message());
  const Flags& flags = parsed.value();
  if (flags.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  for (const char* required : {"--store", "--sites", "--listen"}) {
    if (!flags.Has(required)) return UsageError(std::string(required) + " is required");
  }
  CollectorOptions options;
  const std::string listen = flags.Get("--listen");
  auto address = ParseHostPort("--listen", listen);
  if (!address.ok()) return UsageError(address.message());
  options.host = address.value().host;
  options.port = address.value().port;
  options.web_dir = flags.Get("--web", options.web_dir);
  auto k = flags.Int("--k", options.k_anonymity, 0, 1000000);
  auto threads = flags.Int("--threads", options.threads, 4, 1024);
  auto read_timeout = flags.Int("--read-timeout", options.read_timeout_seconds, 1, 3600);
  auto history =
      flags.Int("--history-hours", options.start_window.max_age_minutes / 60, 1, 10 * 366 * 24);
  auto streams = flags.Int("--live-streams", options.max_live_streams, 1, 1024);
  auto site_streams =
      flags.Int("--live-streams-per-site", options.max_live_streams_per_site, 1, 1024);
  for (const Result<long long>* value :
       {&k, &threads, &read_timeout, &history, &streams, &site_streams}) {
    if (!value->ok()) return UsageError(value->message());
  }
  auto rate = flags.Number("--rate", options.rate_per_second, 0, 1e9);
  auto burst = flags.Number("--burst", options.rate_burst, 1, 1e9);
  for (const Result<double>* value : {&rate, &burst}) {
    if (!value->ok()) return UsageError(value->message());
  }
  options.k_anonymity = static_cast<int>(k.value());
  options.threads = static_cast<int>(threads.value());
  options.read_timeout_seconds = static_cast<int>(read_timeout.value());
  options.rate_per_second = rate.value();
  options.rate_burst = burst.value();
  AccessOptions access_options;
  access_options.secure_cookies = flags.Has("--secure-cookies");
  access_options.login_page = options.web_dir + "/dashboard/login.html";
  auto idle = flags.Int("--session-idle", access_options.session.idle_ms / 1000, 1, 31536000);
  auto max_age = flags.Int("--session-max", access_options.session.absolute_ms / 1000, 1, 31536000);
  for (const Result<long long>* value : {&idle, &max_age}) {
    if (!value->ok()) return UsageError(value->message());
  }
  access_options.session.idle_ms = idle.value() * 1000;
  access_options.session.absolute_ms = max_age.value() * 1000;
  const std::string public_sites = flags.Get("--public-site");
  for (size_t at = 0; at < public_sites.size();) {
    size_t end = public_sites.find(',', at);
    if (end == std::string::npos) end = public_sites.size();
    if (end > at) access_options.public_sites.push_back(public_sites.substr(at, end - at));
    at = end + 1;
  }
  options.start_window.max_age_minutes = history.value() * 60;
  options.max_live_streams = static_cast<int>(streams.value());
  options.max_live_streams_per_site = static_cast<int>(site_streams.value());
  // Streams hold worker threads: ingest keeps at least half of them.
  if (options.max_live_streams > options.threads / 2) {
    if (flags.Has("--live-streams")) {
      return UsageError("--live-streams must be at most half of --threads");
    }
    options.max_live_streams = options.threads / 2;
  }

  // Signals are taken by one thread with sigwait: no work in signal context.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a visitor closing early must not kill us

  auto store = OpenStore(flags.Get("--store"));
  if (!store.ok()) {
    LogEvent("serve: " + store.message());
    return 1;
  }
  const std::string accounts_url = flags.Get("--accounts", flags.Get("--store"));
  auto accounts = AccountStore::Open(accounts_url);
  if (!accounts.ok()) {
    LogEvent("serve: " + accounts.message());
    return 1;
  }
  auto users = accounts.value()->CountUsers();
  if (users.ok() && users.value() == 0) {
    LogEvent(
        "serve: no owner account yet, so nobody can log in to the dashboard; add one with "
        "`microconv user add NAME --store " +
        accounts_url + "` (password on stdin)");
  }
  for (const std::string& site : access_options.public_sites) {
    LogEvent("serve: site " + site + " is public (--public-site): anyone may read its reports");
  }
  Access access(access_options, *accounts.value());
  SiteRegistry sites(flags.Get("--sites"), store.value().get());
  if (sites.Reload(true) == 0) {
    LogEvent("serve: no valid site config in " + flags.Get("--sites"));
    return 1;
  }
  CollectorMetrics metrics;
  LiveBoard live;
  CommitQueue commits(*store.value(), [&metrics](const CommitQueue::CommitReport& report) {
    metrics.ObserveCommit(report.latency, report.batch_size, report.ok);
    if (report.ok) metrics.CountAccepted(report.outcome.written, report.outcome.ignored);
  });
  StoreWatch watch(*store.value());
  watch.Start();  // a damaged store is known (and logged) before serving
  Collector collector(options, sites, *store.value(), commits, metrics, live, access, watch);
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
