// microconv bench: the collector budgets of issue 4, measured on this
// machine and printed beside the budgets.
//  (a) durable ingest: a `microconv serve` child on 127.0.0.1 with a temp
//      SQLite file, driven over HTTP (as tests/integration/ingest_load.h):
//      flat out for throughput, then paced at 5,000/s for the p99 ack;
//  (b) a report over N stored sessions put straight into a temp store in big
//      batches, served by a serve child: cold (day aggregates built) and
//      warm (cached);
//  (c) that serve child's peak memory (VmHWM) after serving the report.
// Exit code 3 when a budget is missed, so scripts can tell.
// Every summary is a real one: demo-store visits run through a Session; the
// store is filled from a pool of them with fresh nonces and varied days.
#include <httplib.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/json/config_json.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/journey_model.h"
#include "tools/cli/store_range.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: microconv bench [--sessions 1000000] [--sites demo-site/sites] [--site demo]\n"
    "         [--ingest-seconds 3] [--keep DIR]\n"
    "Measures ingest, report and memory budgets with a temp store and a serve child;\n"
    "exits 3 when a budget is missed.\n";

constexpr int kPoolVisits = 4096;
constexpr int kHistoryDays = 30;
constexpr size_t kFillBatch = 20000;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Real summaries from the demo-store journey model, each with the byte
// offset of its nonce so copies can become new sessions without a re-encode.
struct SummaryPool {
  std::vector<std::vector<uint8_t>> summaries;
  std::vector<size_t> nonce_offsets;
  std::vector<uint32_t> days;

  std::vector<uint8_t> WithNonce(size_t index, uint64_t nonce) const {
    std::vector<uint8_t> bytes = summaries[index % summaries.size()];
    std::memcpy(bytes.data() + nonce_offsets[index % summaries.size()], &nonce, sizeof nonce);
    return bytes;
  }
};

bool BuildPool(const Config& config, int64_t now_ms, SummaryPool& pool, std::string& error) {
  auto model = JourneyModel::ForDemoStore(config);
  if (!model.ok()) {
    error = model.message();
    return false;
  }
  JourneyOptions options;
  options.spread_ms = int64_t{kHistoryDays} * 86400000;
  options.start_ms = now_ms - options.spread_ms;
  std::mt19937_64 rng(20261124);
  for (int v = 0; v < kPoolVisits; ++v) {
    SimulatedVisit visit = model.value().Next(rng, options);
    Session session(config, visit.start);
    EventBatch batch{std::span<const Event>(visit.events), visit.string_views};
    (void)session.Ingest(batch);
    session.Advance(visit.events.empty() ? visit.start.time_ms : visit.events.back().time_ms);
    session.End();
    std::vector<uint8_t> bytes = session.Flush();
    auto verified = VerifySummary(bytes, &config);
    if (!verified.ok()) {
      error = "pool summary does not verify: " + verified.message();
      return false;
    }
    // Nonces are random, so the field is always present (never elided).
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(verified.value());
    const uint8_t* field = table->GetAddressOf(wire::Summary::VT_NONCE);
    if (field == nullptr) continue;
    pool.nonce_offsets.push_back(static_cast<size_t>(field - bytes.data()));
    pool.days.push_back(verified.value()->start_minute() / (24 * 60));
    pool.summaries.push_back(std::move(bytes));
  }
  if (pool.summaries.empty()) {
    error = "no usable summaries";
    return false;
  }
  return true;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
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

// A `microconv serve` child; SIGTERM and reaped on destruction.
class ServeChild {
 public:
  ServeChild(const std::string& store, const std::string& sites, const std::string& log)
      : port_(FreePort()) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || port_ == 0) return;
    self[n] = '\0';
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    const std::string store_flag = "sqlite:" + store;
    pid_ = fork();
    if (pid_ == 0) {
      const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
      }
      execl(self, self, "serve", "--store", store_flag.c_str(), "--sites", sites.c_str(),
            "--listen", listen.c_str(), "--rate", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~ServeChild() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  ServeChild(const ServeChild&) = delete;
  ServeChild& operator=(const ServeChild&) = delete;

  // Waits for /healthz (10 s at most).
  bool Ready() const {
    if (pid_ <= 0) return false;
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(0, 200000);
    for (int i = 0; i < 100; ++i) {
      auto res = client.Get("/healthz");
      if (res && res->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  int port() const { return port_; }
  // Peak resident set in MB from /proc, or -1.
  double PeakMegabytes() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024;
    }
    return -1;
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

struct IngestFigures {
  uint64_t accepted = 0, other = 0;
  double seconds = 0, per_second = 0, p50_ms = 0, p99_ms = 0;
};

// `clients` keep-alive posters for `seconds`; when `rate` > 0 post k is
// sent no earlier than start + k / rate (an open-loop schedule), so the ack
// latency is measured at that offered load.
IngestFigures DriveIngest(int port, const SummaryPool& pool, int clients, double seconds,
                          double rate, uint64_t nonce_base) {
  std::atomic<uint64_t> next{0};
  std::mutex mutex;
  std::vector<double> latencies;
  IngestFigures figures;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(10, 0);
      std::vector<double> mine;
      uint64_t accepted = 0, other = 0;
      while (Clock::now() < deadline) {
        const uint64_t k = next.fetch_add(1);
        if (rate > 0) {
          const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(double(k) / rate));
          if (due >= deadline) break;
          std::this_thread::sleep_until(due);
        }
        const std::vector<uint8_t> body = pool.WithNonce(k, nonce_base + k);
        const auto sent = Clock::now();
        auto res = client.Post("/api/collect", reinterpret_cast<const char*>(body.data()),
                               body.size(), "text/plain");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (res && res->status == 202) {
          ++accepted;
          mine.push_back(ms);
        } else {
          ++other;
          if (!res) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      std::lock_guard lock(mutex);
      figures.accepted += accepted;
      figures.other += other;
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  figures.seconds = Since(start);
  figures.per_second = double(figures.accepted) / figures.seconds;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) {
      return latencies[std::min(latencies.size() - 1, size_t(q * double(latencies.size())))];
    };
    figures.p50_ms = at(0.50);
    figures.p99_ms = at(0.99);
  }
  return figures;
}

const char* Verdict(bool met) { return met ? "ok" : "OVER BUDGET"; }

struct BenchFlags {
  long sessions = 1000000;
  double ingest_seconds = 3;
  std::string sites = "demo-site/sites", site = "demo", keep;
};

bool ParseFlags(int argc, char** argv, BenchFlags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) {
      std::fprintf(stderr, "bench: incomplete flag %s\n%s", arg.c_str(), kUsage);
      return false;
    }
    ++i;
    char* end = nullptr;
    if (arg == "--sessions") {
      flags.sessions = std::strtol(value, &end, 10);
      if (*end != '\0' || flags.sessions < 1 || flags.sessions > 100000000) return false;
    } else if (arg == "--ingest-seconds") {
      flags.ingest_seconds = std::strtod(value, &end);
      if (*end != '\0' || flags.ingest_seconds <= 0 || flags.ingest_seconds > 600) return false;
    } else if (arg == "--sites") {
      flags.sites = value;
    } else if (arg == "--site") {
      flags.site = value;
    } else if (arg == "--keep") {
      flags.keep = value;
    } else {
      std::fprintf(stderr, "bench: unknown flag %s\n%s", arg.c_str(), kUsage);
      return false;
    }
  }
  return true;
}

}  // namespace

int RunBench(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  BenchFlags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string error;
  auto config = LoadSiteConfig(flags.sites, flags.site, error);
  if (!config) {
    std::fprintf(stderr, "bench: %s\n", error.c_str());
    return 1;
  }
  std::string dir = flags.keep;
  if (dir.empty()) {
    char pattern[] = "/tmp/microconv-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::fprintf(stderr, "bench: cannot create a temp directory\n");
      return 1;
    }
    dir = pattern;
  } else {
    std::filesystem::create_directories(dir);
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  SummaryPool pool;
  if (!BuildPool(*config, now_ms, pool, error)) {
    std::fprintf(stderr, "bench: %s\n", error.c_str());
    return 1;
  }
  std::printf("microconv bench: %zu real demo-store summaries in the pool (%d days), temp dir %s\n",
              pool.summaries.size(), kHistoryDays, dir.c_str());
  std::fflush(stdout);
  const unsigned cores = std::thread::hardware_concurrency();
  int status = 0;

  // (a) Durable ingest over HTTP.
  {
    ServeChild serve(dir + "/ingest.sqlite", flags.sites, dir + "/serve-ingest.log");
    if (!serve.Ready()) {
      std::fprintf(stderr, "bench: serve did not start (log: %s/serve-ingest.log)\n", dir.c_str());
      return 1;
    }
    const IngestFigures flat = DriveIngest(serve.port(), pool, 16, flags.ingest_seconds, 0, 1);
    std::printf("ingest, 16 clients flat out, %.1f s: %.0f summaries/s durable "
                "(%llu acked, %llu not), p50 %.2f ms, p99 %.2f ms   budget >= 20000/s: %s\n",
                flat.seconds, flat.per_second, (unsigned long long)flat.accepted,
                (unsigned long long)flat.other, flat.p50_ms, flat.p99_ms,
                Verdict(flat.per_second >= 20000));
    std::fflush(stdout);
    const IngestFigures paced =
        DriveIngest(serve.port(), pool, 32, flags.ingest_seconds, 5000, uint64_t{1} << 40);
    std::printf("ingest paced at 5000/s, %.1f s: %.0f summaries/s (%llu acked, %llu not), "
                "p50 %.2f ms, p99 %.2f ms   budget p99 <= 20 ms: %s\n",
                paced.seconds, paced.per_second, (unsigned long long)paced.accepted,
                (unsigned long long)paced.other, paced.p50_ms, paced.p99_ms,
                Verdict(paced.p99_ms <= 20 && paced.accepted > 0));
    std::fflush(stdout);
    if (flat.per_second < 20000 || paced.p99_ms > 20) status = 3;
  }

  // (b) A report over N sessions put straight into the store.
  const std::string store_path = dir + "/report.sqlite";
  uint32_t first_day = UINT32_MAX, last_day = 0;
  for (uint32_t day : pool.days) {
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
  }
  {
    auto store = OpenStore("sqlite:" + store_path);
    if (!store.ok()) {
      std::fprintf(stderr, "bench: %s\n", store.message().c_str());
      return 1;
    }
    const auto fill_start = Clock::now();
    std::mt19937_64 rng(7);
    std::vector<StoredSummary> batch;
    batch.reserve(kFillBatch);
    for (long i = 0; i < flags.sessions; ++i) {
      StoredSummary stored;
      stored.site = flags.site;
      stored.nonce = rng() | 1;  // random like a browser's; never 0
      stored.seq = 1;
      stored.day = pool.days[size_t(i) % pool.days.size()];
      stored.config_hash = config->hash();
      stored.received_at_ms = now_ms;
      stored.bytes = pool.WithNonce(size_t(i), stored.nonce);
      batch.push_back(std::move(stored));
      if (batch.size() == kFillBatch || i + 1 == flags.sessions) {
        auto put = store.value()->Put(batch);
        if (!put.ok()) {
          std::fprintf(stderr, "bench: fill: %s\n", put.message().c_str());
          return 1;
        }
        batch.clear();
      }
    }
    auto count = store.value()->CountSessions();
    std::printf("fill: %ld sessions put in batches of %zu in %.1f s (%llu stored)\n",
                flags.sessions, kFillBatch, Since(fill_start),
                count.ok() ? (unsigned long long)count.value() : 0ULL);
    std::fflush(stdout);
  }

  // (b) and (c): the report as the collector serves it, from a serve child
  // opened on that store: cold (day aggregates built from 1M sessions), then
  // warm (cached); then the child's peak memory.
  {
    ServeChild serve(store_path, flags.sites, dir + "/serve-report.log");
    if (!serve.Ready()) {
      std::fprintf(stderr, "bench: serve did not start (log: %s/serve-report.log)\n", dir.c_str());
      return 1;
    }
    const double idle_mb = serve.PeakMegabytes();
    httplib::Client client("127.0.0.1", serve.port());
    client.set_read_timeout(300, 0);
    const std::string path = "/api/report/" + flags.site + "?from=" + DateOfDay(first_day) +
                             "&to=" + DateOfDay(last_day);
    for (const char* kind : {"cold (day aggregates built)", "warm (day aggregates cached)"}) {
      const auto start = Clock::now();
      auto res = client.Get(path);
      const double seconds = Since(start);
      if (!res || res->status != 200) {
        std::fprintf(stderr, "bench: GET %s failed\n", path.c_str());
        return 1;
      }
      std::printf("report %s, GET /api/report over %ld sessions (funnels+paths+segments, "
                  "%zu JSON bytes): %.3f s   budget <= 1 s: %s\n",
                  kind, flags.sessions, res->body.size(), seconds, Verdict(seconds <= 1));
      std::fflush(stdout);
      if (seconds > 1) status = 3;
    }
    const double peak_mb = serve.PeakMegabytes();
    std::printf("collector memory: VmHWM %.1f MB after building and serving the report over %ld "
                "sessions (%.1f MB at start)   budget <= 200 MB: %s\n",
                peak_mb, flags.sessions, idle_mb, Verdict(peak_mb > 0 && peak_mb <= 200));
    if (peak_mb > 200) status = 3;
  }
  {
    // The same report in this process, from the store's cached day aggregates.
    auto store = OpenStore("sqlite:" + store_path);
    const auto start = Clock::now();
    auto aggregate = store.ok() ? store.value()->AggregateDays(*config, first_day, last_day)
                                : Result<Aggregate>(store.error(), store.message());
    if (!aggregate.ok()) {
      std::fprintf(stderr, "bench: report: %s\n", aggregate.message().c_str());
      return 1;
    }
    auto report = BuildReport(aggregate.value(), *config);
    if (!report.ok()) {
      std::fprintf(stderr, "bench: report: %s\n", report.message().c_str());
      return 1;
    }
    const std::string json = RenderReportJson(report.value());
    std::printf("report in-process (store + BuildReport + RenderReportJson, cached days) over %llu "
                "sessions: %.3f s\n",
                (unsigned long long)report.value().engagement.sessions, Since(start));
  }
  std::printf("machine: %u hardware threads; %s\n", cores,
              flags.sessions < 1000000 ? "N below the 1,000,000 of the budget" : "N = budget N");
  if (flags.keep.empty()) std::filesystem::remove_all(dir);
  return status;
}

}  // namespace microconv
