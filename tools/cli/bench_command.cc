// microconv bench: the collector budgets of issue 4, measured on this
// machine and printed beside the budgets.
//  (a) durable ingest: a `microconv serve` child on 127.0.0.1 with a temp
//      SQLite file, driven over HTTP by tools/load (as the integration tests):
//      flat out for throughput, then paced at 5,000/s for the p99 ack;
//  (b) a report over N stored sessions put straight into a temp store in big
//      batches, served by a serve child: cold (day aggregates built) and
//      warm (cached);
//  (c) that serve child's peak memory (VmHWM) after serving the report.
// Exit code 3 when a budget is missed, so scripts can tell.
// Every summary is a real one: demo-store visits run through a Session; the
// store is filled from a pool of them with fresh nonces and varied days.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/report.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/session.h"
#include "core/summary.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/bench_clickhouse.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/journey_model.h"
#include "tools/cli/store_range.h"
#include "tools/load/ingest_load.h"
#include "tools/load/serve_process.h"
#include "tools/store/accounts.h"
#include "tools/store/report_runner.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: microconv bench [--sessions 1000000] [--sites demo-site/sites] [--site demo]\n"
    "         [--ingest-seconds 3] [--keep DIR] [--clickhouse] [--clickhouse-sessions N]\n"
    "Measures ingest, report and memory budgets with a temp store and a serve child;\n"
    "exits 3 when a budget is missed. --clickhouse: also windowFunnel and the ClickHouse\n"
    "store over N sessions (default --sessions; tools/cli/bench_clickhouse.h).\n";

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

// A serve child on `store` for the bench: no rate limit (one source
// address posts everything), the pool's kHistoryDays of history accepted,
// SIGTERM and 10 s to drain at the end.
ServeOptions BenchServe(const std::string& store, const std::string& sites,
                        const std::string& log) {
  ServeOptions options;
  options.binary = SelfExecutable();
  options.store = "sqlite:" + store;
  options.sites = sites;
  options.log = log;
  options.extra = {"--rate", "0", "--history-hours", std::to_string((kHistoryDays + 1) * 24)};
  options.stop_grace_ms = 10000;
  return options;
}

// `clients` keep-alive posters for `seconds` (paced at `rate` when > 0),
// each post a pool summary with a fresh nonce.
LoadResult DriveIngest(int port, const SummaryPool& pool, int clients, double seconds, double rate,
                       uint64_t nonce_base) {
  LoadOptions options;
  options.port = port;
  options.clients = clients;
  options.seconds = seconds;
  options.rate = rate;
  options.make_summary = [&](uint64_t k) { return pool.WithNonce(k, nonce_base + k); };
  return DriveIngestLoad(options);
}

const char* Verdict(bool met) { return met ? "ok" : "OVER BUDGET"; }

struct BenchFlags {
  long sessions = 1000000;
  double ingest_seconds = 3;
  std::string sites = "demo-site/sites", site = "demo", keep;
  bool help = false;
  bool clickhouse = false;
  long clickhouse_sessions = 0;  // 0: --sessions
};

Result<BenchFlags> ParseFlags(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv,
                            {{"--sessions"},
                             {"--ingest-seconds"},
                             {"--sites"},
                             {"--site"},
                             {"--keep"},
                             {"--clickhouse", false},
                             {"--clickhouse-sessions"}});
  if (!flags.ok()) return {flags.error(), flags.message()};
  BenchFlags bench;
  bench.help = flags.value().help();
  auto sessions = flags.value().Int("--sessions", bench.sessions, 1, 100000000);
  if (!sessions.ok()) return {sessions.error(), sessions.message()};
  auto seconds = flags.value().Number("--ingest-seconds", bench.ingest_seconds, 0.001, 600);
  if (!seconds.ok()) return {seconds.error(), seconds.message()};
  bench.sessions = static_cast<long>(sessions.value());
  bench.ingest_seconds = seconds.value();
  bench.sites = flags.value().Get("--sites", bench.sites);
  bench.site = flags.value().Get("--site", bench.site);
  bench.keep = flags.value().Get("--keep");
  bench.clickhouse = flags.value().Has("--clickhouse");
  auto clickhouse_sessions =
      flags.value().Int("--clickhouse-sessions", bench.sessions, 1, 100000000);
  if (!clickhouse_sessions.ok())
    return {clickhouse_sessions.error(), clickhouse_sessions.message()};
  bench.clickhouse_sessions = static_cast<long>(clickhouse_sessions.value());
  return bench;
}

}  // namespace

int RunBench(int argc, char** argv) {
  auto parsed = ParseFlags(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "bench: %s\n%s", parsed.message().c_str(), kUsage);
    return 2;
  }
  const BenchFlags& flags = parsed.value();
  if (flags.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto loaded = LoadSiteConfig(flags.sites, flags.site);
  if (!loaded.ok()) {
    std::fprintf(stderr, "bench: %s\n", loaded.message().c_str());
    return 1;
  }
  std::string error;
  const Config* config = &loaded.value();
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
  const int64_t now_ms = NowMs();
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
    ServeProcess serve(BenchServe(dir + "/ingest.sqlite", flags.sites, dir + "/serve-ingest.log"));
    if (Status started = serve.Start(); !started.ok()) {
      std::fprintf(stderr, "bench: %s\n", started.message.c_str());
      return 1;
    }
    const LoadResult flat = DriveIngest(serve.port(), pool, 16, flags.ingest_seconds, 0, 1);
    std::printf(
        "ingest, 16 clients flat out, %.1f s: %.0f summaries/s durable "
        "(%llu acked, %llu not), p50 %.2f ms, p99 %.2f ms   budget >= 20000/s: %s\n",
        flat.seconds, flat.per_second, (unsigned long long)flat.accepted,
        (unsigned long long)(flat.rejected + flat.failed), flat.p50_ms, flat.p99_ms,
        Verdict(flat.per_second >= 20000));
    std::fflush(stdout);
    const LoadResult paced =
        DriveIngest(serve.port(), pool, 32, flags.ingest_seconds, 5000, uint64_t{1} << 40);
    std::printf(
        "ingest paced at 5000/s, %.1f s: %.0f summaries/s (%llu acked, %llu not), "
        "p50 %.2f ms, p99 %.2f ms   budget p99 <= 20 ms: %s\n",
        paced.seconds, paced.per_second, (unsigned long long)paced.accepted,
        (unsigned long long)(paced.rejected + paced.failed), paced.p50_ms, paced.p99_ms,
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
    ServeProcess serve(BenchServe(store_path, flags.sites, dir + "/serve-report.log"));
    if (Status started = serve.Start(); !started.ok()) {
      std::fprintf(stderr, "bench: %s\n", started.message.c_str());
      return 1;
    }
    const double idle_mb = serve.PeakMegabytes();
    httplib::Client client("127.0.0.1", serve.port());
    client.set_read_timeout(300, 0);
    // Reports need credentials: a read token of the site, as a script would.
    auto accounts = AccountStore::Open("sqlite:" + store_path);
    auto token = accounts.ok()
                     ? accounts.value()->CreateToken("bench", flags.site, TokenScope::kRead)
                     : Result<std::string>(accounts.error(), accounts.message());
    if (!token.ok()) {
      std::fprintf(stderr, "bench: token: %s\n", token.message().c_str());
      return 1;
    }
    client.set_default_headers({{"Authorization", "Bearer " + token.value()}});
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
      std::printf(
          "report %s, GET /api/report over %ld sessions (funnels+paths+segments, "
          "%zu JSON bytes): %.3f s   budget <= 1 s: %s\n",
          kind, flags.sessions, res->body.size(), seconds, Verdict(seconds <= 1));
      std::fflush(stdout);
      if (seconds > 1) status = 3;
    }
    const double peak_mb = serve.PeakMegabytes();
    std::printf(
        "collector memory: VmHWM %.1f MB after building and serving the report over %ld "
        "sessions (%.1f MB at start)   budget <= 200 MB: %s\n",
        peak_mb, flags.sessions, idle_mb, Verdict(peak_mb > 0 && peak_mb <= 200));
    if (peak_mb > 200) status = 3;
  }
  double report_seconds = 0;
  {
    // The same report in this process, from the store's cached day aggregates.
    auto store = OpenStore("sqlite:" + store_path);
    if (!store.ok()) {
      std::fprintf(stderr, "bench: report: %s\n", store.message().c_str());
      return 1;
    }
    const auto start = Clock::now();
    const std::string from = DateOfDay(first_day), to = DateOfDay(last_day);
    const ReportParam range[] = {{"from", from}, {"to", to}};
    auto request = ParseReportQuery(range, *config, last_day);
    auto report = request.ok() ? RunReportRequest(*store.value(), *config, request.value())
                               : Result<Report>(request.error(), request.message());
    if (!report.ok()) {
      std::fprintf(stderr, "bench: report: %s\n", report.message().c_str());
      return 1;
    }
    const std::string json = RenderReportJson(report.value());
    report_seconds = Since(start);
    std::printf(
        "report in-process (store + BuildReport + RenderReportJson, cached days) over %llu "
        "sessions: %.3f s\n",
        (unsigned long long)report.value().engagement.sessions, report_seconds);
  }
  if (flags.clickhouse) {
    ClickHouseBenchOptions clickhouse{flags.clickhouse_sessions, kHistoryDays, dir, 0};
    if (flags.clickhouse_sessions == flags.sessions)
      clickhouse.microconv_report_seconds = report_seconds;
    const int clickhouse_status = RunClickHouseBench(*config, clickhouse);
    if (clickhouse_status != 0) status = clickhouse_status;
  }
  std::printf("machine: %u hardware threads; %s\n", cores,
              flags.sessions < 1000000 ? "N below the 1,000,000 of the budget" : "N = budget N");
  if (flags.keep.empty()) std::filesystem::remove_all(dir);
  return status;
}

}  // namespace microconv
