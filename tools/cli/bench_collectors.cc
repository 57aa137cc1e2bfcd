#include "tools/cli/bench_collectors.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tools/base/load_average.h"
#include "tools/load/clickhouse_cluster.h"
#include "tools/load/ingest_load.h"
#include "tools/store/accounts.h"
#include "tools/store/clickhouse_store.h"

namespace microconv {
namespace {

// The cluster every collector writes to: two shards, as the integration
// tests run it (one machine each on a real cluster).
constexpr int kShards = 2;

// What one configuration (n collectors) measured.
struct Row {
  int collectors = 0;
  LoadResult flat, paced;
  double collector_us = 0, clickhouse_us = 0, driver_us = 0;  // CPU per summary, flat out
  double commits = 0, committed = 0;  // the collectors' group commits (INSERTs), flat out
  double clickhouse_cpu = 0;          // seconds, flat out
  uint64_t stored = 0;
  std::string load_start, load_end;
};

// CPU seconds of every process that ingest costs, in one sum per kind.
struct CpuSample {
  double collectors = 0, clickhouse = 0, driver = 0;
};

// A counter of a collector's /metrics (summed over its lines), or 0.
double Metric(int port, const std::string& token, const std::string& name) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  auto res = client.Get("/metrics", {{"Authorization", "Bearer " + token}});
  if (!res || res->status != 200) return 0;
  const std::string prefix = name + " ";
  double value = 0;
  for (size_t at = 0; at < res->body.size();) {
    size_t end = res->body.find('\n', at);
    if (end == std::string::npos) end = res->body.size();
    if (res->body.compare(at, prefix.size(), prefix) == 0) {
      value += std::strtod(res->body.c_str() + at + prefix.size(), nullptr);
    }
    at = end + 1;
  }
  return value;
}

// Group commits and summaries committed, summed over the collectors.
std::pair<double, double> Commits(const std::vector<int>& ports, const std::string& token) {
  double commits = 0, committed = 0;
  for (int port : ports) {
    commits += Metric(port, token, "microconv_store_commit_seconds_count");
    committed += Metric(port, token, "microconv_store_committed_summaries_total");
  }
  return {commits, committed};
}

CpuSample SampleCpu(const std::vector<std::unique_ptr<ServeProcess>>& collectors,
                    const ClickHouseCluster& cluster) {
  CpuSample sample;
  for (const auto& c : collectors) sample.collectors += ProcessCpuSeconds(c->pid());
  for (int s = 0; s < kShards; ++s) sample.clickhouse += ProcessCpuSeconds(cluster.pid(s));
  sample.driver = ProcessCpuSeconds(getpid());
  return sample;
}

Status Measure(const CollectorsBenchOptions& options, const ClickHouseCluster& cluster,
               const std::string& token, int n, Row& row) {
  row.collectors = n;
  row.load_start = LoadAverage();
  const std::string db = "collectors_" + std::to_string(n);
  std::vector<std::unique_ptr<ServeProcess>> collectors;
  std::vector<int> ports;
  for (int i = 0; i < n; ++i) {
    ServeOptions serve = options.serve;
    // Collector i speaks to shard i % 2 first, as behind a load balancer
    // each would be configured with its nearest node.
    serve.store = cluster.StoreUrl(i % kShards, db);
    serve.log = options.dir + "/collector-" + std::to_string(n) + "-" + std::to_string(i) + ".log";
    serve.extra.insert(serve.extra.end(),
                       {"--accounts", "sqlite:" + options.dir + "/accounts.sqlite"});
    collectors.push_back(std::make_unique<ServeProcess>(serve));
    if (Status started = collectors.back()->Start(); !started.ok()) return started;
    ports.push_back(collectors.back()->port());
  }
  const uint64_t base = uint64_t(n) << 48;
  LoadOptions load;
  load.ports = ports;
  load.clients = options.connections;
  load.seconds = options.seconds;
  load.make_summary = [&](uint64_t k) { return options.make_summary(base + k); };
  const auto commits_before = Commits(ports, token);
  const CpuSample before = SampleCpu(collectors, cluster);
  row.flat = DriveIngestLoad(load);
  const CpuSample after = SampleCpu(collectors, cluster);
  const auto commits_after = Commits(ports, token);
  row.commits = commits_after.first - commits_before.first;
  row.committed = commits_after.second - commits_before.second;
  row.clickhouse_cpu = after.clickhouse - before.clickhouse;
  if (row.flat.accepted > 0) {
    const double per = 1e6 / double(row.flat.accepted);
    row.collector_us = (after.collectors - before.collectors) * per;
    row.clickhouse_us = (after.clickhouse - before.clickhouse) * per;
    row.driver_us = (after.driver - before.driver) * per;
  }
  load.rate = options.paced_rate;
  load.make_summary = [&](uint64_t k) {
    return options.make_summary(base + (uint64_t{1} << 40) + k);
  };
  row.paced = DriveIngestLoad(load);
  // Every acknowledged summary is in ClickHouse (a 503'd one may be too).
  auto store = ClickHouseStore::Open(cluster.StoreUrl(0, db).substr(13));
  if (!store.ok()) return {store.error(), store.message()};
  auto count = store.value()->CountSessions();
  if (!count.ok()) return {count.error(), count.message()};
  row.stored = count.value();
  row.load_end = LoadAverage();
  if (row.stored < row.flat.accepted + row.paced.accepted) {
    return {Error::kUnavailable, "fewer sessions stored than acknowledged"};
  }
  return {};
}

}  // namespace

int RunCollectorsBench(const CollectorsBenchOptions& options) {
  if (ClickHouseServerBinary().empty()) {
    std::printf(
        "collectors: SKIPPED, clickhouse-server is not installed (tools/setup.sh installs it)\n");
    return 0;
  }
  ClickHouseCluster cluster(options.dir + "/collectors", kShards);
  if (Status started = cluster.Start(); !started.ok()) {
    std::fprintf(stderr, "bench: collectors: %s\n", started.message.c_str());
    return 1;
  }
  // An admin token: the collectors' /metrics count their group commits.
  auto accounts = AccountStore::Open("sqlite:" + options.dir + "/accounts.sqlite");
  auto token = accounts.ok() ? accounts.value()->CreateToken("bench", "", TokenScope::kAdmin)
                             : Result<std::string>(accounts.error(), accounts.message());
  if (!token.ok()) {
    std::fprintf(stderr, "bench: collectors: token: %s\n", token.message().c_str());
    return 1;
  }
  std::vector<Row> rows;
  for (int n = 1; n <= options.collectors; ++n) {
    Row row;
    if (Status measured = Measure(options, cluster, token.value(), n, row); !measured.ok()) {
      std::fprintf(stderr, "bench: collectors: %d: %s\n", n, measured.message.c_str());
      return 1;
    }
    std::printf(
        "ingest through %d collector(s) on %d ClickHouse shards, %d connections flat out, %.1f s: "
        "%.0f summaries/s durable (%llu acked, %llu not), p50 %.2f ms, p99 %.2f ms; %.0f INSERTs "
        "(group commits), %.1f summaries each, ClickHouse CPU %.1f ms per INSERT; CPU per "
        "summary: collectors %.1f us, ClickHouse %.1f us, load driver %.1f us; paced at %.0f/s: "
        "%.0f/s, p99 %.2f ms   budget p99 <= %.0f ms: %s; %llu sessions stored (>= acked); load "
        "%s -> %s\n",
        n, kShards, options.connections, row.flat.seconds, row.flat.per_second,
        (unsigned long long)row.flat.accepted,
        (unsigned long long)(row.flat.rejected + row.flat.failed), row.flat.p50_ms, row.flat.p99_ms,
        row.commits, row.commits > 0 ? row.committed / row.commits : 0,
        row.commits > 0 ? row.clickhouse_cpu * 1000 / row.commits : 0, row.collector_us,
        row.clickhouse_us, row.driver_us, options.paced_rate, row.paced.per_second,
        row.paced.p99_ms, options.ack_budget_ms,
        row.paced.p99_ms <= options.ack_budget_ms && row.paced.accepted > 0 ? "ok" : "OVER BUDGET",
        (unsigned long long)row.stored, row.load_start.c_str(), row.load_end.c_str());
    std::fflush(stdout);
    rows.push_back(row);
  }
  std::printf("collectors side by side (flat out; one machine, so they share its cores):\n");
  for (const Row& row : rows) {
    std::printf(
        "  %d: %7.0f summaries/s (%.2fx of 1), p99 %.1f ms flat out, %.1f ms at %.0f/s; "
        "CPU %.1f us per summary (collectors %.1f + ClickHouse %.1f)\n",
        row.collectors, row.flat.per_second,
        rows.front().flat.per_second > 0 ? row.flat.per_second / rows.front().flat.per_second : 0,
        row.flat.p99_ms, row.paced.p99_ms, options.paced_rate, row.collector_us + row.clickhouse_us,
        row.collector_us, row.clickhouse_us);
  }
  return 0;
}

}  // namespace microconv
