// What /healthz and /metrics say about the store: damage found by the
// backend's own check (at start and every kIntegrityInterval), a full disk,
// the last failed commit or report read, and unreadable stored sessions,
// logged once per kind whenever their count changes (never once per row).
#ifndef MICROCONV_TOOLS_SERVE_STORE_WATCH_H_
#define MICROCONV_TOOLS_SERVE_STORE_WATCH_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "tools/serve/collector_metrics.h"
#include "tools/store/summary_store.h"

namespace microconv {

// quick_check reads every page: often enough to notice damage within a
// working session, rarely enough to cost little on a big store.
inline constexpr std::chrono::minutes kIntegrityInterval{10};

class StoreWatch {
 public:
  explicit StoreWatch(SummaryStore& store);
  ~StoreWatch();
  StoreWatch(const StoreWatch&) = delete;
  StoreWatch& operator=(const StoreWatch&) = delete;

  // Checks integrity now (so a damaged store is known before serving), then
  // watches in the background until destroyed.
  void Start();

  // Outcomes of the last commit and report read: a failure stands until a
  // later one of the same kind succeeds.
  void NoteIngest(const Status& status);
  void NoteReport(const Status& status);

  // ok, or why the store cannot be trusted now: a reason name
  // ("store_damaged", "disk_full", "store_write_failed", "store_read_failed",
  // "store_not_writable") and the detail.
  struct Verdict {
    std::string reason;  // empty: healthy
    std::string detail;
  };
  Verdict Check();

  // The last integrity check failed: writing more into a damaged file can
  // only make it worse, so ingest answers 503 (the tracker keeps the
  // summary and retries) until the operator repairs and restarts.
  Status Damage();

  // Gauges and counters for /metrics.
  void AppendMetrics(std::vector<CollectorMetrics::Gauge>& out);

 private:
  void Loop();
  void CheckIntegrity();
  void LogUnreadable();

  SummaryStore& store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  Status integrity_;
  uint64_t integrity_checks_ = 0;
  Status last_ingest_;
  Status last_report_;
  UnreadableCounts logged_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_STORE_WATCH_H_
