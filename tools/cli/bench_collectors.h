// `microconv bench --collectors N` (issue 12, "ingest that scales with
// collectors"): durable ingest through 1, then 2, ... N stateless
// collectors on one two-shard ClickHouse cluster, driven by the same load
// spread over them as a load balancer would spread browsers, printed side by
// side: summaries/s, p99 acknowledgement, and CPU per summary ingested of
// the collectors, the ClickHouse servers and the load driver.
#ifndef MICROCONV_TOOLS_CLI_BENCH_COLLECTORS_H_
#define MICROCONV_TOOLS_CLI_BENCH_COLLECTORS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/load/serve_process.h"

namespace microconv {

struct CollectorsBenchOptions {
  int collectors = 2;         // measured with 1, 2, ... collectors
  double seconds = 3;         // each flat-out and each paced run
  int connections = 256;      // keep-alive connections, spread over the collectors
  double paced_rate = 5000;   // summaries/s of the p99 run
  double ack_budget_ms = 20;  // the p99 budget at paced_rate
  std::string dir;            // temp folder: the cluster's shards, logs, accounts
  // A collector as the bench starts it (binary, sites, extra flags); the
  // store, log and accounts are set per collector.
  ServeOptions serve;
  // Summary bytes for post k, with a nonce never used before.
  std::function<std::vector<uint8_t>(uint64_t k)> make_summary;
};

// 0: measured (budgets are printed, not enforced: the figures show scaling),
// 1: could not run. Prints a SKIPPED line and returns 0 when
// clickhouse-server is not installed.
int RunCollectorsBench(const CollectorsBenchOptions& options);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_BENCH_COLLECTORS_H_
