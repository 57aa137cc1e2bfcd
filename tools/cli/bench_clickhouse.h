// The ClickHouse side of `microconv bench` (issue 12): windowFunnel over the
// raw events of the same sessions microconv summarises, and microconv's
// report on the ClickHouse store, printed beside microconv's own report
// time.
#ifndef MICROCONV_TOOLS_CLI_BENCH_CLICKHOUSE_H_
#define MICROCONV_TOOLS_CLI_BENCH_CLICKHOUSE_H_

#include <string>

#include "core/config.h"

namespace microconv {

struct ClickHouseBenchOptions {
  long sessions = 1000000;  // demo-store visits, each run through the core
  int days = 30;            // sessions start within the last `days` days
  int repeats = 5;          // timed runs of windowFunnel, the warm report, traffic + report
  std::string dir;          // temp folder for the server
  // microconv's warm report over the same number of sessions, measured by
  // the caller (seconds; <= 0: unknown), for the side-by-side ratio.
  double microconv_report_seconds = 0;
};

// Starts a one-shard ClickHouse in `options.dir`, loads the sessions, prints
// the figures. 0: done, 1: could not run, 3: microconv < 50x faster than
// windowFunnel. Prints a SKIPPED line and returns 0 when clickhouse-server
// is not installed.
int RunClickHouseBench(const Config& config, const ClickHouseBenchOptions& options);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_BENCH_CLICKHOUSE_H_
