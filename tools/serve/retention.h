// serve --retention-days N: the store keeps the last N days (today, UTC,
// included). Pruned once when the collector starts and then every day, on
// a thread of its own: never on the ingest path, and one day per store
// transaction (SummaryStore::DeleteDaysBefore), so a commit waits little.
#ifndef MICROCONV_TOOLS_SERVE_RETENTION_H_
#define MICROCONV_TOOLS_SERVE_RETENTION_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "tools/store/summary_store.h"

namespace microconv {

class Retention {
 public:
  static constexpr std::chrono::hours kInterval{24};

  // days 0: off (Start does nothing).
  Retention(SummaryStore& store, uint32_t days) : store_(store), days_(days) {}
  ~Retention() { Stop(); }
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  void Start();
  // Waits for a prune in progress to finish.
  void Stop();

 private:
  void PruneOnce();

  SummaryStore& store_;
  const uint32_t days_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_RETENTION_H_
