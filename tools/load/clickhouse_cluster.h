// Local clickhouse-server processes (Debian's package, run as an ordinary
// user) forming one cluster on 127.0.0.1: what the ClickHouse store tests
// and `microconv bench` start. Each shard gets its own folder under `dir`,
// free ports and a config copied from /etc/clickhouse-server with its paths
// and ports rewritten, plus a remote_servers entry naming every shard.
#ifndef MICROCONV_TOOLS_LOAD_CLICKHOUSE_CLUSTER_H_
#define MICROCONV_TOOLS_LOAD_CLICKHOUSE_CLUSTER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace microconv {

// The clickhouse-server executable, or "" when it is not installed.
std::string ClickHouseServerBinary();

class ClickHouseCluster {
 public:
  // `cluster` is the remote_servers name (the store's default: "microconv").
  ClickHouseCluster(std::string dir, int shards, std::string cluster = "microconv");
  ~ClickHouseCluster();  // SIGKILL to every server still running
  ClickHouseCluster(const ClickHouseCluster&) = delete;
  ClickHouseCluster& operator=(const ClickHouseCluster&) = delete;

  // Writes the configs and starts every shard; ok once each answers a
  // query over HTTP (60 s at most: a shared 2-core machine is slow).
  Status Start();
  // SIGKILL (a crash) or SIGTERM (a clean stop) to one shard, waited for.
  void Stop(int shard, bool hard);
  // Starts a stopped shard again on the same ports and folder.
  Status Restart(int shard);

  int http_port(int shard) const { return shards_[shard].http_port; }
  pid_t pid(int shard) const { return shards_[shard].pid; }
  // The shard's folder (data, logs, config).
  const std::string& dir(int shard) const { return shards_[shard].dir; }
  // The --store value of a collector talking to `shard`: that node first,
  // then every other (the store creates its tables on each listed node).
  std::string StoreUrl(int shard, const std::string& db) const;

 private:
  struct Shard {
    int http_port = 0, tcp_port = 0, interserver_port = 0;
    std::string dir;
    pid_t pid = -1;
  };
  Status Launch(Shard& shard);
  Status WaitReady(Shard& shard);

  std::string dir_, cluster_;
  std::vector<Shard> shards_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_LOAD_CLICKHOUSE_CLUSTER_H_
