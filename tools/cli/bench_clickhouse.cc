#include "tools/cli/bench_clickhouse.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <random>
#include <sstream>
#include <vector>

#include "core/flatbuffer_view.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/session.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/journey_model.h"
#include "tools/cli/raw_events.h"
#include "tools/load/clickhouse_cluster.h"
#include "tools/load/serve_process.h"
#include "tools/store/clickhouse_http.h"
#include "tools/store/clickhouse_row_binary.h"
#include "tools/store/clickhouse_store.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDb = "bench";
// Sessions per INSERT (raw events and summaries). The store's Put names
// them in an IN list, and ClickHouse refuses more than 50,000 AST elements.
constexpr size_t kBatch = 20000;
// Distinct visits run through the core; more sessions are copies of them.
constexpr long kPoolVisits = 50000;
// New sessions of today before each "after today's traffic" report.
constexpr int kNewTrafficSummaries = 1000;

// Days the store's reports rebuilt from their sessions so far.
uint64_t RebuiltDays(const SummaryStore& store) {
  return static_cast<const ClickHouseStore&>(store).DaysRebuilt();
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Spread {
  double min = 0, median = 0, max = 0;
};

Spread Timed(int runs, const std::function<bool()>& run) {
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    if (!run()) return {-1, -1, -1};
    seconds.push_back(Since(start));
  }
  std::sort(seconds.begin(), seconds.end());
  return {seconds.front(), seconds[seconds.size() / 2], seconds.back()};
}

// One pool visit: its summary and raw-event rows, with where their nonces are.
struct PooledVisit {
  std::vector<uint8_t> summary;
  size_t summary_nonce_at = 0;
  uint32_t seq = 0, day = 0;
  int64_t start_ms = 0;
  std::string raw;                   // RowBinary rows of raw_events
  std::vector<size_t> raw_nonce_at;  // one per row
};

// Bytes of every table of the bench database on disk, as ClickHouse counts
// them, and the server's whole data folder.
void PrintDisk(ClickHouseHttp& node, const std::string& shard_dir) {
  auto parts = node.Query(
      "SELECT table, sum(rows), sum(data_compressed_bytes), sum(data_uncompressed_bytes) FROM "
      "system.parts WHERE active AND database = '" +
      std::string(kDb) + "' GROUP BY table ORDER BY table FORMAT TSV");
  uint64_t folder = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(shard_dir + "/data", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) folder += it->file_size(ec);
  }
  std::printf(
      "  disk: ClickHouse data folder %.1f MB; per table (rows, compressed, uncompressed "
      "bytes):\n",
      double(folder) / 1e6);
  if (!parts.ok()) return;
  std::istringstream lines(parts.value());
  for (std::string line; std::getline(lines, line);) std::printf("    %s\n", line.c_str());
}

double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

}  // namespace

int RunClickHouseBench(const Config& config, const ClickHouseBenchOptions& options) {
  if (ClickHouseServerBinary().empty()) {
    std::printf(
        "clickhouse: SKIPPED, clickhouse-server is not installed (tools/setup.sh installs it)\n");
    return 0;
  }
  auto model = JourneyModel::ForDemoStore(config);
  if (!model.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", model.message().c_str());
    return 1;
  }
  auto funnel_sql = WindowFunnelSql(config, "purchase", kDb);
  if (!funnel_sql.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", funnel_sql.message().c_str());
    return 1;
  }
  ClickHouseCluster cluster(options.dir, 1);
  if (Status started = cluster.Start(); !started.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", started.message.c_str());
    return 1;
  }
  auto opened = ClickHouseStore::Open(cluster.StoreUrl(0, kDb).substr(13));
  if (!opened.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", opened.message().c_str());
    return 1;
  }
  SummaryStore& store = *opened.value();
  ClickHouseHttp node("127.0.0.1", cluster.http_port(0), "max_query_size=67108864");
  const std::string table = [] {
    std::string sql = kRawEventsTableSql;
    return sql.replace(sql.find("{db}"), 4, kDb);
  }();
  if (auto created = node.Query(table); !created.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", created.message().c_str());
    return 1;
  }
  if (Status recorded = store.RecordCurrentConfig(config, NowMs()); !recorded.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", recorded.message.c_str());
    return 1;
  }

  // A pool of real visits run through the core once (summary and raw events
  // of each); the store is filled with copies under fresh random nonces (8
  // bytes patched in the summary and in each raw-event row), so both engines
  // hold the very same sessions. Running the core per session cost more than
  // ClickHouse's inserts: the loading path now spends its time in ClickHouse.
  JourneyOptions journey;
  journey.spread_ms = int64_t{options.days} * 86400000;
  journey.start_ms = NowMs() - journey.spread_ms;
  std::mt19937_64 rng(20261130);
  const auto pool_start = Clock::now();
  const size_t pool_size = static_cast<size_t>(std::min<long>(options.sessions, kPoolVisits));
  std::vector<PooledVisit> pool;
  pool.reserve(pool_size);
  for (size_t v = 0; v < pool_size; ++v) {
    SimulatedVisit visit = model.value().Next(rng, journey);
    Session session(config, visit.start);
    EventBatch events{std::span<const Event>(visit.events), visit.string_views};
    (void)session.Ingest(events);
    session.Advance(visit.events.empty() ? visit.start.time_ms : visit.events.back().time_ms);
    session.End();
    PooledVisit pooled;
    pooled.summary = session.Flush();
    auto verified = VerifySummary(pooled.summary, &config);
    if (!verified.ok()) {
      std::fprintf(stderr, "bench: clickhouse: summary does not verify: %s\n",
                   verified.message().c_str());
      return 1;
    }
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(verified.value());
    const uint8_t* nonce_field = table->GetAddressOf(wire::Summary::VT_NONCE);
    if (nonce_field == nullptr) continue;  // random nonces: always present
    pooled.summary_nonce_at = static_cast<size_t>(nonce_field - pooled.summary.data());
    pooled.seq = verified.value()->seq();
    pooled.day = verified.value()->start_minute() / (24 * 60);
    pooled.start_ms = visit.start.time_ms;
    RowBinaryWriter raw;
    AppendRawEventRows(config, config.site(), visit.start, visit.events, visit.string_views, raw,
                       &pooled.raw_nonce_at);
    pooled.raw = std::move(raw.bytes());
    pool.push_back(std::move(pooled));
  }
  if (pool.empty()) {
    std::fprintf(stderr, "bench: clickhouse: no usable visits\n");
    return 1;
  }
  uint32_t first_day = UINT32_MAX, last_day = 0;
  for (const PooledVisit& v : pool) {
    first_day = std::min(first_day, v.day);
    last_day = std::max(last_day, v.day);
  }
  std::printf("clickhouse: pool of %zu real demo-store visits run through the core in %.1f s\n",
              pool.size(), Since(pool_start));
  std::fflush(stdout);

  // A copy of pool visit `v` as a new session: its summary and raw events.
  auto copy = [&](const PooledVisit& v, uint64_t nonce, std::string& raw) {
    StoredSummary stored;
    stored.bytes = v.summary;
    std::memcpy(stored.bytes.data() + v.summary_nonce_at, &nonce, sizeof nonce);
    stored.site = config.site();
    stored.nonce = nonce;
    stored.seq = v.seq;
    stored.day = v.day;
    stored.config_hash = config.hash();
    stored.received_at_ms = v.start_ms;
    const size_t at = raw.size();
    raw += v.raw;
    for (size_t offset : v.raw_nonce_at)
      std::memcpy(raw.data() + at + offset, &nonce, sizeof nonce);
    return stored;
  };
  // Raw events and summaries go in at once, on two connections: ClickHouse
  // parses and writes one while the store's Put reads seqs and writes the
  // other (2 cores).
  const std::string raw_insert = "INSERT INTO " + std::string(kDb) + ".raw_events FORMAT RowBinary";
  std::string raw;
  std::vector<StoredSummary> batch;
  uint64_t raw_rows = 0, today_sessions = 0, yesterday_sessions = 0;
  double raw_seconds = 0, put_seconds = 0;
  const double server_cpu_before = ProcessCpuSeconds(cluster.pid(0));
  const double bench_cpu_before = ProcessCpuSeconds(getpid());
  const auto fill_start = Clock::now();
  for (long i = 0; i < options.sessions; ++i) {
    const PooledVisit& v = pool[static_cast<size_t>(i) % pool.size()];
    batch.push_back(copy(v, rng() | 1, raw));
    raw_rows += v.raw_nonce_at.size();
    today_sessions += v.day == last_day;
    yesterday_sessions += v.day + 1 == last_day;
    if (batch.size() == kBatch || i + 1 == options.sessions) {
      auto inserted = std::async(std::launch::async, [&] {
        const auto start = Clock::now();
        Status done = node.Insert(raw_insert, raw);
        raw_seconds += Since(start);
        return done;
      });
      const auto put_start = Clock::now();
      auto put = store.Put(batch);
      put_seconds += Since(put_start);
      Status raw_done = inserted.get();
      if (!raw_done.ok()) put = Result<PutOutcome>(raw_done.error, raw_done.message);
      if (!put.ok()) {
        std::fprintf(stderr, "bench: clickhouse: load: %s\n", put.message().c_str());
        return 1;
      }
      raw.clear();
      batch.clear();
    }
  }
  const double fill_seconds = Since(fill_start);
  // Merged parts: windowFunnel reads one sorted part, the fairest case for it.
  const auto optimize_start = Clock::now();
  (void)node.Query("OPTIMIZE TABLE " + std::string(kDb) + ".raw_events FINAL");
  const double optimize_seconds = Since(optimize_start);
  // The copies are whole sessions: every row arrived, each under its own
  // session's nonce (a wrong nonce offset would merge or garble sessions).
  auto loaded = node.Query("SELECT count(), uniqExact(nonce) FROM " + std::string(kDb) +
                           ".raw_events FORMAT TSV");
  const std::string expected =
      std::to_string(raw_rows) + "\t" + std::to_string(options.sessions) + "\n";
  if (!loaded.ok() || loaded.value() != expected) {
    std::fprintf(stderr, "bench: clickhouse: raw events loaded: %s, expected %s",
                 loaded.ok() ? loaded.value().c_str() : loaded.message().c_str(), expected.c_str());
    return 1;
  }
  std::printf(
      "clickhouse: %ld sessions (%llu raw events, %.1f per session) loaded in %.1f s, %.1f us "
      "per session (raw events insert %.1f s, summaries Put %.1f s, side by side in batches of "
      "%zu; CPU: ClickHouse %.1f s, bench %.1f s), then OPTIMIZE FINAL of the raw events %.1f s\n",
      options.sessions, (unsigned long long)raw_rows, double(raw_rows) / options.sessions,
      fill_seconds, fill_seconds * 1e6 / options.sessions, raw_seconds, put_seconds, kBatch,
      ProcessCpuSeconds(cluster.pid(0)) - server_cpu_before,
      ProcessCpuSeconds(getpid()) - bench_cpu_before, optimize_seconds);
  PrintDisk(node, cluster.dir(0));
  std::printf("  ClickHouse server memory after the load: VmHWM %.0f MB\n",
              ProcessPeakMegabytes(cluster.pid(0)));
  std::fflush(stdout);

  std::string levels;
  const Spread funnel = Timed(options.repeats, [&] {
    auto answer = node.Query(funnel_sql.value());
    if (answer.ok()) levels = answer.value();
    return answer.ok();
  });
  if (funnel.min < 0) {
    std::fprintf(stderr, "bench: clickhouse: windowFunnel failed\n");
    return 1;
  }
  std::printf(
      "clickhouse windowFunnel, demo purchase funnel over %llu raw events: min %.3f s, median "
      "%.3f s, max %.3f s (%d runs); ClickHouse server VmHWM %.0f MB\n",
      (unsigned long long)raw_rows, funnel.min, funnel.median, funnel.max, options.repeats,
      ProcessPeakMegabytes(cluster.pid(0)));

  // microconv's report on the ClickHouse store over the very same sessions:
  // cold (every day aggregate built from the summaries), then warm.
  const std::string from = DateOfDay(first_day), to = DateOfDay(last_day);
  const ReportParam range[] = {{"from", from}, {"to", to}};
  auto request = ParseReportQuery(range, config, last_day);
  if (!request.ok()) {
    std::fprintf(stderr, "bench: clickhouse: %s\n", request.message().c_str());
    return 1;
  }
  uint64_t reported = 0;
  auto report = [&] {
    // Rendered too, as the SQLite figure it is compared with.
    auto built = RunReportRequest(store, config, request.value());
    if (!built.ok()) return false;
    reported = built.value().engagement.sessions;
    return !RenderReportJson(built.value()).empty();
  };
  const double bench_mb_before = ProcessPeakMegabytes(getpid());
  const uint64_t rebuilt_before_cold = RebuiltDays(store);
  // What a report leaves running after it answered (the cache save, a long
  // chain's compaction) is finished before the next timed step, as it is
  // when reports are seconds apart, and timed itself for the cold report.
  auto settle = [&] { static_cast<ClickHouseStore&>(store).WaitForBackground(); };
  const Spread cold = Timed(1, report);
  const Spread cold_background = Timed(1, [&] {
    settle();
    return true;
  });
  const uint64_t cold_rebuilt = RebuiltDays(store) - rebuilt_before_cold;
  const double bench_mb_cold = ProcessPeakMegabytes(getpid());
  const Spread warm = Timed(options.repeats, report);
  if (cold.min < 0 || warm.min < 0) {
    std::fprintf(stderr, "bench: clickhouse: report failed\n");
    return 1;
  }
  std::printf(
      "microconv report on the ClickHouse store over %llu sessions: cold (no day aggregate "
      "cached yet; %llu of %u days rebuilt from their sessions) %.3f s (%.1f us per session), "
      "then %.3f s of cache saves and compaction after it answered; warm min %.3f s, median %.3f "
      "s, max %.3f s\n",
      (unsigned long long)reported, (unsigned long long)cold_rebuilt, last_day - first_day + 1,
      cold.min, cold.min * 1e6 / double(std::max<uint64_t>(reported, 1)), cold_background.min,
      warm.min, warm.median, warm.max);
  // Live traffic changes today: new sessions of the pool's last day through
  // the store's Put, then the first report after them (that day rebuilt
  // from its sessions). Today is as full as the clock says (early in the
  // day it holds few sessions), so the same is measured on yesterday, a
  // whole day: what today costs by its evening.
  auto after_traffic = [&](uint32_t day, uint64_t day_sessions, const char* name) {
    std::vector<size_t> of_day;
    for (size_t v = 0; v < pool.size(); ++v) {
      if (pool[v].day == day) of_day.push_back(v);
    }
    // Each repeat: the new sessions' Put, the report after it, then the
    // same sessions flushed again (seq + 1: the Put reads and takes back
    // each previous version) and the report after that.
    std::vector<double> seconds, puts, reflush_seconds, reflush_puts;
    // The store's phases of each report below (both kinds), and the rest
    // of the report's time: the config versions' read, BuildReport, JSON.
    std::vector<double> phase_days, phase_chains, phase_check, phase_rebuild, phase_store,
        phase_rest;
    auto phases_of = [&](double report_seconds) {
      const ClickHouseStore::ReportPhases p =
          static_cast<ClickHouseStore&>(store).LastReportPhases();
      phase_days.push_back(p.days);
      phase_chains.push_back(p.chains);
      phase_check.push_back(p.check);
      phase_rebuild.push_back(p.rebuild);
      phase_store.push_back(p.total);
      phase_rest.push_back(report_seconds - p.total);
    };
    const uint64_t rebuilt_before = RebuiltDays(store);
    for (int r = 0; r < options.repeats && !of_day.empty(); ++r) {
      batch.clear();
      raw.clear();
      for (int k = 0; k < kNewTrafficSummaries; ++k) {
        batch.push_back(copy(pool[of_day[static_cast<size_t>(k) % of_day.size()]], rng() | 1, raw));
      }
      const Spread put = Timed(1, [&] { return store.Put(batch).ok(); });
      const Spread one = Timed(1, report);
      settle();
      if (put.min < 0 || one.min < 0) return false;
      puts.push_back(put.min);
      seconds.push_back(one.min);
      phases_of(one.min);
      for (StoredSummary& s : batch) ++s.seq;
      const Spread reput = Timed(1, [&] { return store.Put(batch).ok(); });
      const Spread again = Timed(1, report);
      settle();
      if (reput.min < 0 || again.min < 0) return false;
      reflush_puts.push_back(reput.min);
      reflush_seconds.push_back(again.min);
      phases_of(again.min);
    }
    if (seconds.empty()) return true;
    auto spread = [](std::vector<double>& v) {
      std::sort(v.begin(), v.end());
      return Spread{v.front(), v[v.size() / 2], v.back()};
    };
    const Spread first = spread(seconds), second = spread(reflush_seconds);
    const Spread put = spread(puts), reput = spread(reflush_puts);
    const bool within = first.median <= 0.1 && second.median <= 0.1;
    std::printf(
        "  after %d new summaries of %s (%zu repeats, a day of %llu+ sessions): min %.3f s, "
        "median %.3f s, max %.3f s; after the same sessions re-flushed: min %.3f s, median %.3f "
        "s, max %.3f s; days rebuilt from their sessions: %llu   budget <= 0.1 s: %s\n"
        "    their Put: new min %.1f / median %.1f / max %.1f us per summary, re-flushed min %.1f "
        "/ median %.1f / max %.1f us per summary\n",
        kNewTrafficSummaries, name, seconds.size(), (unsigned long long)day_sessions, first.min,
        first.median, first.max, second.min, second.median, second.max,
        (unsigned long long)(RebuiltDays(store) - rebuilt_before), within ? "ok" : "OVER BUDGET",
        put.min * 1e6 / kNewTrafficSummaries, put.median * 1e6 / kNewTrafficSummaries,
        put.max * 1e6 / kNewTrafficSummaries, reput.min * 1e6 / kNewTrafficSummaries,
        reput.median * 1e6 / kNewTrafficSummaries, reput.max * 1e6 / kNewTrafficSummaries);
    const Spread days = spread(phase_days), chains = spread(phase_chains),
                 check = spread(phase_check), rebuild = spread(phase_rebuild),
                 in_store = spread(phase_store), rest = spread(phase_rest);
    std::printf(
        "    where those %zu reports went (min / median / max ms): marks + cached blobs + stale "
        "days' deltas %.1f / %.1f / %.1f, chains checked (marks + claims again) and merged %.1f / "
        "%.1f / %.1f (of it the claims query, the marks read beside it, %.1f / %.1f / %.1f), days "
        "rebuilt "
        "%.1f / %.1f / %.1f; the store in all %.1f / %.1f / %.1f; the "
        "rest (config versions, BuildReport, JSON) %.1f / %.1f / %.1f\n",
        phase_store.size(), days.min * 1e3, days.median * 1e3, days.max * 1e3, chains.min * 1e3,
        chains.median * 1e3, chains.max * 1e3, check.min * 1e3, check.median * 1e3, check.max * 1e3,
        rebuild.min * 1e3, rebuild.median * 1e3, rebuild.max * 1e3, in_store.min * 1e3,
        in_store.median * 1e3, in_store.max * 1e3, rest.min * 1e3, rest.median * 1e3,
        rest.max * 1e3);
    std::fflush(stdout);
    return true;
  };
  if (!after_traffic(last_day, today_sessions, "today") ||
      !after_traffic(last_day - 1, yesterday_sessions, "yesterday, a whole day")) {
    std::fprintf(stderr, "bench: clickhouse: new traffic or its report failed\n");
    return 1;
  }
  std::printf(
      "  memory: this process (pool of %zu visits included) VmHWM %.0f MB before the reports, "
      "%.0f MB after the cold one, %.0f MB at the end; ClickHouse server VmHWM %.0f MB\n",
      pool.size(), bench_mb_before, bench_mb_cold, ProcessPeakMegabytes(getpid()),
      ProcessPeakMegabytes(cluster.pid(0)));
  PrintDisk(node, cluster.dir(0));
  int status = 0;
  auto ratio = [&](const char* what, double seconds) {
    const double times = funnel.median / seconds;
    std::printf("  %s: %.4f s, %.1fx faster than windowFunnel (median)   budget >= 50x: %s\n", what,
                seconds, times, times >= 50 ? "ok" : "OVER BUDGET");
    if (times < 50) status = 3;
  };
  std::printf("side by side over %ld sessions:\n", options.sessions);
  ratio("microconv report, ClickHouse store, warm (median)", warm.median);
  if (options.microconv_report_seconds > 0) {
    ratio("microconv report, SQLite store, warm (from above)", options.microconv_report_seconds);
  }
  std::printf("  load average (1 min) at the end: %.2f\n", LoadAverage());
  return status;
}

}  // namespace microconv
