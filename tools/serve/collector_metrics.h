// The collector's Prometheus metrics (GET /metrics, text format 0.0.4):
// requests by endpoint and status, summaries accepted and rejected by
// reason, store commit latency and batch size, plus gauges (and the store's
// own counters) read at scrape.
#ifndef MICROCONV_TOOLS_SERVE_COLLECTOR_METRICS_H_
#define MICROCONV_TOOLS_SERVE_COLLECTOR_METRICS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace microconv {

class CollectorMetrics {
 public:
  void CountRequest(const std::string& endpoint, int status);
  void CountAccepted(uint64_t written, uint64_t ignored_older);
  void CountRejected(const std::string& reason);
  void ObserveCommit(std::chrono::steady_clock::duration latency, size_t batch_size, bool ok);

  // Gauges are passed in (name, help, value) so their owners stay the
  // source of truth.
  struct Gauge {
    Gauge(std::string name_, std::string help_, double value_, std::string type_ = "gauge",
          std::string labels_ = "")
        : name(std::move(name_)),
          help(std::move(help_)),
          value(value_),
          type(std::move(type_)),
          labels(std::move(labels_)) {}
    std::string name;
    std::string help;
    double value = 0;
    std::string type;    // "gauge" or "counter"
    std::string labels;  // 'kind="x"'; series of one name come together
  };
  std::string Render(const std::vector<Gauge>& gauges);

 private:
  // Upper bounds in seconds of the commit latency histogram.
  static constexpr std::array<double, 12> kCommitBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                            0.05,   0.1,   0.25,  0.5,   1,    5};

  std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t summaries_written_ = 0;
  uint64_t summaries_ignored_ = 0;
  std::map<std::string, uint64_t> rejected_;
  std::array<uint64_t, kCommitBuckets.size()> commit_buckets_{};
  uint64_t commit_count_ = 0;
  uint64_t commit_failures_ = 0;
  double commit_seconds_ = 0;
  uint64_t committed_summaries_ = 0;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_COLLECTOR_METRICS_H_
