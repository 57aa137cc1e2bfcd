#include "tools/cli/bench_clickhouse.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "core/report_json.h"
#include "core/report_query.h"
#include "core/session.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/journey_model.h"
#include "tools/cli/raw_events.h"
#include "tools/load/clickhouse_cluster.h"
#include "tools/store/clickhouse_http.h"
#include "tools/store/clickhouse_store.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDb = "bench";
constexpr size_t kBatch = 20000;  // sessions per INSERT (raw events and summaries)
constexpr int kRuns = 5;          // timed repetitions of each query

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

  // Every session a real visit run through the core; its raw events go to
  // raw_events and its summary through the ClickHouse store's Put.
  JourneyOptions journey;
  journey.spread_ms = int64_t{options.days} * 86400000;
  journey.start_ms = NowMs() - journey.spread_ms;
  std::mt19937_64 rng(20261130);
  std::string raw;
  std::vector<StoredSummary> batch;
  uint64_t raw_rows = 0;
  uint32_t first_day = UINT32_MAX, last_day = 0;
  const auto fill_start = Clock::now();
  double core_seconds = 0;
  for (long i = 0; i < options.sessions; ++i) {
    const auto core_start = Clock::now();
    SimulatedVisit visit = model.value().Next(rng, journey);
    Session session(config, visit.start);
    EventBatch events{std::span<const Event>(visit.events), visit.string_views};
    (void)session.Ingest(events);
    session.Advance(visit.events.empty() ? visit.start.time_ms : visit.events.back().time_ms);
    session.End();
    StoredSummary stored;
    stored.bytes = session.Flush();
    core_seconds += Since(core_start);
    auto verified = VerifySummary(stored.bytes, &config);
    if (!verified.ok()) {
      std::fprintf(stderr, "bench: clickhouse: summary does not verify: %s\n",
                   verified.message().c_str());
      return 1;
    }
    stored.site = config.site();
    stored.nonce = visit.start.nonce;
    stored.seq = verified.value()->seq();
    stored.day = verified.value()->start_minute() / (24 * 60);
    stored.config_hash = config.hash();
    stored.received_at_ms = visit.start.time_ms;
    first_day = std::min(first_day, stored.day);
    last_day = std::max(last_day, stored.day);
    const size_t before = raw.size();
    AppendRawEvents(config, config.site(), visit.start, visit.events, visit.string_views, raw);
    raw_rows += std::count(raw.begin() + static_cast<std::ptrdiff_t>(before), raw.end(), '\n');
    batch.push_back(std::move(stored));
    if (batch.size() == kBatch || i + 1 == options.sessions) {
      Status inserted =
          node.Insert("INSERT INTO " + std::string(kDb) + ".raw_events FORMAT TabSeparated", raw);
      auto put =
          inserted.ok() ? store.Put(batch) : Result<PutOutcome>(inserted.error, inserted.message);
      if (!put.ok()) {
        std::fprintf(stderr, "bench: clickhouse: load: %s\n", put.message().c_str());
        return 1;
      }
      raw.clear();
      batch.clear();
    }
  }
  // Merged parts: windowFunnel reads one sorted part, the fairest case for it.
  (void)node.Query("OPTIMIZE TABLE " + std::string(kDb) + ".raw_events FINAL");
  std::printf(
      "clickhouse: %ld sessions (%llu raw events, %.1f per session) loaded in %.1f s "
      "(core: %.1f us per session)\n",
      options.sessions, (unsigned long long)raw_rows, double(raw_rows) / options.sessions,
      Since(fill_start), core_seconds * 1e6 / options.sessions);
  std::fflush(stdout);

  std::string levels;
  const Spread funnel = Timed(kRuns, [&] {
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
      "%.3f s, max %.3f s (%d runs)\n",
      (unsigned long long)raw_rows, funnel.min, funnel.median, funnel.max, kRuns);

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
  const Spread cold = Timed(1, report);
  const Spread warm = Timed(kRuns, report);
  if (cold.min < 0 || warm.min < 0) {
    std::fprintf(stderr, "bench: clickhouse: report failed\n");
    return 1;
  }
  std::printf(
      "microconv report on the ClickHouse store over %llu sessions: cold (day aggregates "
      "built) %.3f s; warm min %.3f s, median %.3f s, max %.3f s\n",
      (unsigned long long)reported, cold.min, warm.min, warm.median, warm.max);
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
