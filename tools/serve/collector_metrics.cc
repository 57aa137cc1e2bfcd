#include "tools/serve/collector_metrics.h"

#include <cstdio>

namespace microconv {
namespace {

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

void Header(std::string& out, const char* name, const char* help, const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

void CollectorMetrics::CountRequest(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void CollectorMetrics::CountAccepted(uint64_t written, uint64_t ignored_older) {
  std::lock_guard lock(mutex_);
  summaries_written_ += written;
  summaries_ignored_ += ignored_older;
}

void CollectorMetrics::CountRejected(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++rejected_[reason];
}

void CollectorMetrics::ObserveCommit(std::chrono::steady_clock::duration latency, size_t batch_size,
                                     bool ok) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  ++commit_count_;
  if (!ok) ++commit_failures_;
  commit_seconds_ += seconds;
  committed_summaries_ += batch_size;
  for (size_t i = 0; i < kCommitBuckets.size(); ++i) {
    if (seconds <= kCommitBuckets[i]) ++commit_buckets_[i];
  }
}

std::string CollectorMetrics::Render(const std::vector<Gauge>& gauges) {
  std::string out;
  std::lock_guard lock(mutex_);
  Header(out, "microconv_http_requests_total", "HTTP requests by endpoint and status.", "counter");
  for (const auto& [key, count] : requests_) {
    out += "microconv_http_requests_total{endpoint=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + '\n';
  }
  Header(out, "microconv_summaries_accepted_total",
         "Summaries acknowledged with 202, by effect on the store.", "counter");
  out += "microconv_summaries_accepted_total{effect=\"written\"} " +
         std::to_string(summaries_written_) + '\n';
  out += "microconv_summaries_accepted_total{effect=\"older_seq_ignored\"} " +
         std::to_string(summaries_ignored_) + '\n';
  Header(out, "microconv_summaries_rejected_total", "Summaries answered 4xx/5xx, by reason.",
         "counter");
  for (const auto& [reason, count] : rejected_) {
    out += "microconv_summaries_rejected_total{reason=\"" + reason + "\"} " +
           std::to_string(count) + '\n';
  }
  Header(out, "microconv_store_commit_seconds", "Group commit latency (one transaction).",
         "histogram");
  for (size_t i = 0; i < kCommitBuckets.size(); ++i) {
    out += "microconv_store_commit_seconds_bucket{le=\"" + Number(kCommitBuckets[i]) + "\"} " +
           std::to_string(commit_buckets_[i]) + '\n';
  }
  out +=
      "microconv_store_commit_seconds_bucket{le=\"+Inf\"} " + std::to_string(commit_count_) + '\n';
  out += "microconv_store_commit_seconds_sum " + Number(commit_seconds_) + '\n';
  out += "microconv_store_commit_seconds_count " + std::to_string(commit_count_) + '\n';
  Header(out, "microconv_store_commit_failures_total", "Group commits that failed.", "counter");
  out += "microconv_store_commit_failures_total " + std::to_string(commit_failures_) + '\n';
  Header(out, "microconv_store_committed_summaries_total",
         "Summaries written by group commits (sum of batch sizes).", "counter");
  out += "microconv_store_committed_summaries_total " + std::to_string(committed_summaries_) + '\n';
  for (size_t i = 0; i < gauges.size(); ++i) {
    const Gauge& gauge = gauges[i];
    if (i == 0 || gauges[i - 1].name != gauge.name) {
      Header(out, gauge.name.c_str(), gauge.help.c_str(), gauge.type.c_str());
    }
    out += gauge.name;
    if (!gauge.labels.empty()) out += '{' + gauge.labels + '}';
    out += ' ' + Number(gauge.value) + '\n';
  }
  return out;
}

}  // namespace microconv
