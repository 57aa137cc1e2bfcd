#include "tools/store/commit_queue.h"

#include <utility>

namespace microconv {

CommitQueue::CommitQueue(SummaryStore& store, CommitObserver observer)
    : store_(store), observer_(std::move(observer)), writer_([this] { WriterLoop(); }) {}

CommitQueue::~CommitQueue() { Close(); }

Status CommitQueue::Submit(StoredSummary summary) {
  std::unique_lock lock(mutex_);
  if (closing_) return {Error::kUnavailable, "collector shutting down"};
  std::shared_ptr<Batch> batch = pending_;
  batch->items.push_back(std::move(summary));
  batch->dones.emplace_back();
  // The writer sleeps only while nothing is pending: the first summary of
  // a batch wakes it, the others join that batch without a syscall.
  if (batch->items.size() == 1) work_ready_.notify_one();
  batch->done_cv.wait(lock, [&] { return batch->done; });
  return batch->status;
}

void CommitQueue::SubmitAsync(StoredSummary summary, Done done) {
  std::unique_lock lock(mutex_);
  if (closing_) {
    lock.unlock();
    done(Status{Error::kUnavailable, "collector shutting down"}, summary);
    return;
  }
  pending_->items.push_back(std::move(summary));
  pending_->dones.push_back(std::move(done));
  if (pending_->items.size() == 1) work_ready_.notify_one();
}

void CommitQueue::Close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
  }
  work_ready_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void CommitQueue::WriterLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_ready_.wait(lock, [&] { return closing_ || !pending_->items.empty(); });
    if (pending_->items.empty()) {
      if (closing_) return;
      continue;
    }
    std::shared_ptr<Batch> batch = std::exchange(pending_, std::make_shared<Batch>());
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    auto put = store_.Put(batch->items);
    CommitReport report;
    report.ok = put.ok();
    report.batch_size = batch->items.size();
    if (put.ok()) report.outcome = put.value();
    report.latency = std::chrono::steady_clock::now() - start;
    if (observer_) observer_(report);
    const Status status = put.ok() ? Status{} : Status{put.error(), put.message()};
    for (size_t i = 0; i < batch->items.size(); ++i) {
      if (batch->dones[i]) batch->dones[i](status, batch->items[i]);
    }
    lock.lock();
    batch->status = status;
    batch->done = true;
    batch->items = {};  // the blocked handlers only need the status
    // Only this batch's handlers wake (one condition per batch: the
    // handlers of the next batch sleep on).
    batch->done_cv.notify_all();
  }
}

}  // namespace microconv
