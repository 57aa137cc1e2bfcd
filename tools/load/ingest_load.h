// Drives a running collector with N concurrent keep-alive posting clients
// for T seconds and reports summaries/s and acknowledgement latency
// percentiles: `microconv bench`, the integration tests (kill -9 under load)
// and microconv_ingest_load all use it.
#ifndef MICROCONV_TOOLS_LOAD_INGEST_LOAD_H_
#define MICROCONV_TOOLS_LOAD_INGEST_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace microconv {

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  // Several collectors behind one load (as a load balancer would spread
  // browsers): connection i posts to ports[i % size]; empty: `port` only.
  std::vector<int> ports;
  int clients = 8;
  double seconds = 2;
  // > 0: post k is sent no earlier than start + k / rate (an open-loop
  // schedule), so latency is measured at that offered load; 0: flat out.
  double rate = 0;
  // Summary bytes for post number `index` (unique across clients).
  std::function<std::vector<uint8_t>(uint64_t index)> make_summary;
  // Optional: set to true from outside to stop early.
  const std::atomic<bool>* stop = nullptr;
  // Optional: called with the index of every post answered 202.
  std::function<void(uint64_t index)> on_accepted;
};

struct LoadResult {
  uint64_t accepted = 0;  // 202
  uint64_t rejected = 0;  // any other status
  uint64_t failed = 0;    // no HTTP answer (connection error)
  double seconds = 0;
  double per_second = 0;  // accepted / seconds
  double p50_ms = 0;      // acknowledgement latency of accepted posts
  double p99_ms = 0;
  double max_ms = 0;
};

LoadResult DriveIngestLoad(const LoadOptions& options);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_LOAD_INGEST_LOAD_H_
