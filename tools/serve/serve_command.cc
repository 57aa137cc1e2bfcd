#include "tools/serve/serve_command.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "tools/base/flags.h"
#include "tools/base/install_paths.h"
#include "tools/serve/collector.h"
#include "tools/serve/event_log.h"
#include "tools/serve/retention.h"
#include "tools/serve/store_watch.h"
#include "tools/store/commit_queue.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv serve --store sqlite:PATH --sites DIR --listen HOST:PORT\n"
    "                       [--web DIR] [--k N] [--threads N] [--rate PER_SECOND] [--burst N]\n"
    "                       [--header-timeout S] [--body-timeout S] [--idle-timeout S]\n"
    "                       [--max-connections N] [--max-connections-per-address N]\n"
    "                       [--max-header-bytes N] [--public-site S,...]\n"
    "                       [--secure-cookies] [--session-idle SECONDS] [--session-max SECONDS]\n"
    "                       [--trust-proxy CIDR,...] [--forwarded-header "
    "x-forwarded-for|forwarded]\n"
    "                       [--history-hours H] [--live-streams N] [--live-streams-per-site N]\n"
    "                       [--max-scans N]\n"
    "                       [--retention-days N] [--accounts sqlite:PATH]\n"
    "  --store         where summaries go (sqlite:PATH, created when missing, or\n"
    "                  clickhouse://HOST:PORT/DB, see README)\n"
    "  --accounts      where owner accounts live (default: the sqlite --store; required\n"
    "                  with a clickhouse store)\n"
    "  --sites         directory of site configs (*.json), reloaded on SIGHUP and change\n"
    "  --listen        address to serve on, e.g. 127.0.0.1:8080\n"
    "  --web           static files: microconv.js, its Wasm, the dashboard (default: the\n"
    "                  first that exists of ../share/microconv/web next to the binary, as\n"
    "                  `cmake --install` puts it, and web/dist in the working directory)\n"
    "  --k             k-anonymity for reports (default: each site's config)\n"
    "  --threads       handler threads (default 64); connections are served by an event\n"
    "                  loop and hold none while they send, wait or stream\n"
    "  --header-timeout  seconds a connection has to send a whole request head, from its\n"
    "                  start or its previous response, however it trickles (default 10)\n"
    "  --body-timeout  seconds a request has to send its whole body after its head (408;\n"
    "                  default 10)\n"
    "  --idle-timeout  seconds an idle keep-alive connection stays open (default 5)\n"
    "  --max-connections  open connections in all (default 8192); per connecting (socket)\n"
    "                  address: --max-connections-per-address (default 128; raise it behind a\n"
    "                  proxy, whose connections all share its address)\n"
    "  --max-header-bytes  request line and headers, about (default 16384; 414 / 431 beyond)\n"
    "                  request bodies: 413 past 16384 bytes, declared or chunked\n"
    "  --rate/--burst  ingest requests per second per client address (default 50/200; 0: off)\n"
    "  --public-site   sites whose dashboard and report anyone may read (default: none)\n"
    "  --secure-cookies  mark cookies Secure (TLS terminated by a proxy in front)\n"
    "  --trust-proxy   proxies whose forwarded headers name the client, e.g. 127.0.0.1/32,::1/128\n"
    "                  (default: none, forwarded headers are ignored; the rate limits key on\n"
    "                  the client's address, the Secure cookie follows its scheme)\n"
    "  --forwarded-header  the header those proxies write: x-forwarded-for (default, with\n"
    "                  X-Forwarded-Proto) or forwarded (RFC 7239); the other is ignored\n"
    "  --session-idle  seconds a login lasts unused (default 7200)\n"
    "  --session-max   seconds a login lasts at most (default 86400)\n"
    "  --history-hours oldest session start accepted, hours before now (default 48; a start\n"
    "                  more than 10 minutes ahead is refused too); raise it only to seed history\n"
    "  --live-streams  open live streams, all sites (default 1000; memory, no thread);\n"
    "                  per site: --live-streams-per-site (default 100)\n"
    "  --max-scans     filtered or broken-down reports (they read every session of their\n"
    "                  range) running at once (default 4); more: 503 too_many_scans\n"
    "  --retention-days keep the last N days (today included): older days are deleted at\n"
    "                  start and then daily, like `microconv prune` (default: keep everything)\n"
    "Accounts: `microconv user add NAME --store ...`; the dashboard needs a login.\n";

constexpr std::chrono::seconds kSitePollInterval{2};

void RaiseDescriptorLimit(rlim_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    LogEvent("serve: only " + std::to_string(limit.rlim_cur) +
             " open files allowed; --max-connections may not be reached");
  }
}

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
                              {"--header-timeout"},
                              {"--body-timeout"},
                              {"--idle-timeout"},
                              {"--max-connections"},
                              {"--max-connections-per-address"},
                              {"--max-header-bytes"},
                              {"--rate"},
                              {"--burst"},
                              {"--public-site"},
                              {"--secure-cookies", false},
                              {"--trust-proxy"},
                              {"--forwarded-header"},
                              {"--session-idle"},
                              {"--session-max"},
                              {"--history-hours"},
                              {"--live-streams"},
                              {"--live-streams-per-site"},
                              {"--max-scans"},
                              {"--retention-days"},
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
  options.web_dir = flags.Get("--web", DefaultWebDir());
  auto k = flags.Int("--k", options.k_anonymity, 0, 1000000);
  HttpLimits& http = options.http;
  auto threads = flags.Int("--threads", http.worker_threads, 4, 1024);
  auto header_timeout = flags.Int("--header-timeout", http.header_timeout_seconds, 1, 3600);
  auto body_timeout = flags.Int("--body-timeout", http.body_timeout_seconds, 1, 3600);
  auto idle_timeout = flags.Int("--idle-timeout", http.idle_timeout_seconds, 1, 3600);
  auto connections = flags.Int("--max-connections", http.max_connections, 16, 1000000);
  auto per_address =
      flags.Int("--max-connections-per-address", http.max_connections_per_address, 1, 1000000);
  auto header_bytes = flags.Int("--max-header-bytes", http.max_header_bytes, 1024, 1 << 20);
  auto history =
      flags.Int("--history-hours", options.start_window.max_age_minutes / 60, 1, 10 * 366 * 24);
  auto streams = flags.Int("--live-streams", options.max_live_streams, 1, 1000000);
  auto site_streams =
      flags.Int("--live-streams-per-site", options.max_live_streams_per_site, 1, 1000000);
  auto retention_days = flags.Int("--retention-days", 0, 1, 100000);
  auto max_scans = flags.Int("--max-scans", options.max_scans, 1, 1024);
  for (const Result<long long>* value :
       {&k, &threads, &header_timeout, &body_timeout, &idle_timeout, &connections, &per_address,
        &header_bytes, &history, &streams, &site_streams, &retention_days, &max_scans}) {
    if (!value->ok()) return UsageError(value->message());
  }
  auto rate = flags.Number("--rate", options.rate_per_second, 0, 1e9);
  auto burst = flags.Number("--burst", options.rate_burst, 1, 1e9);
  for (const Result<double>* value : {&rate, &burst}) {
    if (!value->ok()) return UsageError(value->message());
  }
  options.k_anonymity = static_cast<int>(k.value());
  http.worker_threads = static_cast<int>(threads.value());
  http.header_timeout_seconds = static_cast<int>(header_timeout.value());
  http.body_timeout_seconds = static_cast<int>(body_timeout.value());
  http.idle_timeout_seconds = static_cast<int>(idle_timeout.value());
  http.max_connections = static_cast<int>(connections.value());
  http.max_connections_per_address = static_cast<int>(per_address.value());
  http.max_header_bytes = static_cast<int>(header_bytes.value());
  http.max_body_bytes = kMaxSummaryBytes;
  options.rate_per_second = rate.value();
  options.rate_burst = burst.value();
  AccessOptions access_options;
  access_options.secure_cookies = flags.Has("--secure-cookies");
  auto trusted = TrustedProxies::Parse(flags.Get("--trust-proxy"));
  if (!trusted.ok()) return UsageError(trusted.message());
  if (flags.Has("--trust-proxy") && trusted.value().empty()) {
    return UsageError("--trust-proxy: expected at least one CIDR range");
  }
  access_options.trusted_proxies = trusted.value();
  if (flags.Has("--forwarded-header")) {
    const std::string header = flags.Get("--forwarded-header");
    if (trusted.value().empty()) return UsageError("--forwarded-header needs --trust-proxy");
    if (header == "forwarded") {
      access_options.forwarded_header = ForwardedHeader::kForwarded;
    } else if (header != "x-forwarded-for") {
      return UsageError("--forwarded-header: expected x-forwarded-for or forwarded");
    }
  }
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
  options.max_scans = static_cast<int>(max_scans.value());
  // Every connection is a descriptor: the soft limit rises to what the
  // connection cap needs (up to the hard limit).
  RaiseDescriptorLimit(http.max_connections + 256);

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
  if (!access_options.trusted_proxies.empty()) {
    LogEvent("serve: client addresses and schemes from " +
             std::string(access_options.forwarded_header == ForwardedHeader::kForwarded
                             ? "Forwarded"
                             : "X-Forwarded-For/-Proto") +
             " of proxies in " + flags.Get("--trust-proxy"));
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
  Retention retention(*store.value(), static_cast<uint32_t>(retention_days.value()));
  retention.Start();  // its own thread: the first prune runs beside serving
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
  retention.Stop();
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
