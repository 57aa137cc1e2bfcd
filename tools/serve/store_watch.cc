#include "tools/serve/store_watch.h"

#include "tools/serve/event_log.h"

namespace microconv {
namespace {

// How often unreadable-session counts are compared with what was logged.
constexpr std::chrono::seconds kLogInterval{2};

}  // namespace

StoreWatch::StoreWatch(SummaryStore& store) : store_(store) {}

StoreWatch::~StoreWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreWatch::Start() {
  CheckIntegrity();
  thread_ = std::thread([this] { Loop(); });
}

void StoreWatch::Loop() {
  auto next_check = std::chrono::steady_clock::now() + kIntegrityInterval;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kLogInterval, [this] { return stopping_; })) {
    lock.unlock();
    LogUnreadable();
    if (std::chrono::steady_clock::now() >= next_check) {
      CheckIntegrity();
      next_check = std::chrono::steady_clock::now() + kIntegrityInterval;
    }
    lock.lock();
  }
}

void StoreWatch::CheckIntegrity() {
  Status status = store_.CheckIntegrity();
  std::lock_guard lock(mutex_);
  ++integrity_checks_;
  if (!status.ok() && status.message != integrity_.message) {
    LogEvent("store: integrity check failed: " + status.message);
  } else if (status.ok() && !integrity_.ok()) {
    LogEvent("store: integrity check passes again");
  }
  integrity_ = std::move(status);
}

void StoreWatch::LogUnreadable() {
  const UnreadableCounts counts = store_.Unreadable();
  std::lock_guard lock(mutex_);
  for (const auto& [kind, count] : counts) {
    if (logged_[kind] == count) continue;
    logged_[kind] = count;
    LogEvent("store: " + std::to_string(count) + " unreadable stored sessions (" + kind +
             ") met so far; left out of reports and counted in their unreadable_sessions");
  }
}

Status StoreWatch::Damage() {
  std::lock_guard lock(mutex_);
  return integrity_;
}

void StoreWatch::NoteIngest(const Status& status) {
  std::lock_guard lock(mutex_);
  last_ingest_ = status;
}

void StoreWatch::NoteReport(const Status& status) {
  std::lock_guard lock(mutex_);
  last_report_ = status;
}

StoreWatch::Verdict StoreWatch::Check() {
  {
    std::lock_guard lock(mutex_);
    if (!integrity_.ok()) return {"store_damaged", integrity_.message};
  }
  if (Status space = store_.CheckSpace(); !space.ok()) return {"disk_full", space.message};
  {
    std::lock_guard lock(mutex_);
    if (!last_ingest_.ok()) return {"store_write_failed", last_ingest_.message};
    if (!last_report_.ok()) return {"store_read_failed", last_report_.message};
  }
  if (Status writable = store_.CheckWritable(); !writable.ok()) {
    return {"store_not_writable", writable.message};
  }
  return {};
}

void StoreWatch::AppendMetrics(std::vector<CollectorMetrics::Gauge>& out) {
  const Verdict verdict = Check();
  const UnreadableCounts counts = store_.Unreadable();
  std::lock_guard lock(mutex_);
  out.push_back({"microconv_store_healthy", "1 when /healthz would answer 200.",
                 verdict.reason.empty() ? 1.0 : 0.0});
  out.push_back({"microconv_store_damaged", "1 when the last integrity check found damage.",
                 integrity_.ok() ? 0.0 : 1.0});
  out.push_back({"microconv_store_disk_full", "1 when the store's disk has too little room.",
                 verdict.reason == "disk_full" ? 1.0 : 0.0});
  out.push_back({"microconv_store_integrity_checks", "Integrity checks run since start.",
                 double(integrity_checks_)});
  const char* unreadable_help =
      "Stored sessions that failed verification when a day was rebuilt, by kind.";
  if (counts.empty()) {
    out.push_back({"microconv_store_unreadable_sessions_total", unreadable_help, 0, "counter"});
  }
  for (const auto& [kind, count] : counts) {
    out.push_back({"microconv_store_unreadable_sessions_total", unreadable_help, double(count),
                   "counter", "kind=\"" + kind + "\""});
  }
}

}  // namespace microconv
