// The concurrency limit of session scans (issue 12): a filtered or
// broken-down report reads every stored session of its range
// (tools/store/filtered_report.h, up to kMaxScannedSessions each), a CPU
// cost an anonymous reader of a public site can repeat at will. At most
// `limit` run at once; a report that finds none free is refused (503 with
// Retry-After) instead of queueing, so the day-aggregate reports and the
// ingest keep their cores.
#ifndef MICROCONV_TOOLS_SERVE_SCAN_SLOTS_H_
#define MICROCONV_TOOLS_SERVE_SCAN_SLOTS_H_

#include <atomic>

namespace microconv {

// A dashboard reader who changes the filter while a scan runs leaves it
// running (the aborted fetch does not stop it): room for that, while the
// scans together take at most a few cores' seconds. `--max-scans` sets it.
inline constexpr int kDefaultMaxScans = 4;

class ScanSlots {
 public:
  explicit ScanSlots(int limit) : limit_(limit) {}

  // A slot taken from `slots` (none when `slots` is null or all are
  // taken), given back when it goes out of scope.
  class Slot {
   public:
    explicit Slot(ScanSlots* slots) : owner_(slots != nullptr && slots->Take() ? slots : nullptr) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->running_.fetch_sub(1, std::memory_order_release);
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    ScanSlots* owner_;
  };

  int limit() const { return limit_; }

 private:
  bool Take() {
    int running = running_.load(std::memory_order_relaxed);
    do {
      if (running >= limit_) return false;
    } while (!running_.compare_exchange_weak(running, running + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed));
    return true;
  }

  const int limit_;
  std::atomic<int> running_{0};
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SCAN_SLOTS_H_
