#include "tools/serve/retention.h"

#include "core/calendar.h"
#include "tools/base/wall_clock.h"
#include "tools/serve/event_log.h"

namespace microconv {

void Retention::Start() {
  if (days_ == 0 || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      PruneOnce();
      lock.lock();
      wake_.wait_for(lock, kInterval, [this] { return stopping_; });
    }
  });
}

void Retention::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::PruneOnce() {
  const uint32_t first_kept = FirstKeptDay(Today(), days_);
  auto deleted = store_.DeleteDaysBefore(first_kept);
  if (!deleted.ok()) {
    LogEvent("retention: prune failed (next try in a day): " + deleted.message());
    return;
  }
  LogEvent("retention: deleted " + DeletedRowsText(deleted.value()) + " before " +
           DateOfDay(first_kept) + " (--retention-days " + std::to_string(days_) + ")");
}

}  // namespace microconv
