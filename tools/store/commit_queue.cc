#include "tools/store/commit_queue.h"

#include <utility>

namespace microconv {

CommitQueue::CommitQueue(SummaryStore& store, CommitObserver observer)
    : store_(store), observer_(std::move(observer)), writer_([this] { WriterLoop(); }) {
  if (store_.DefersSync()) syncer_ = std::thread([this] { SyncerLoop(); });
}

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
    if (closing_ && !writer_.joinable() && !syncer_.joinable()) return;
    closing_ = true;
  }
  work_ready_.notify_one();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(mutex_);
    writer_done_ = true;
  }
  unsynced_ready_.notify_one();
  if (syncer_.joinable()) syncer_.join();
}

void CommitQueue::WriterLoop() {
  const bool defers_sync = store_.DefersSync();
  std::unique_lock lock(mutex_);
  while (true) {
    work_ready_.wait(lock, [&] { return closing_ || !pending_->items.empty(); });
    if (pending_->items.empty()) {
      if (closing_) return;
      continue;
    }
    std::shared_ptr<Batch> batch = std::exchange(pending_, std::make_shared<Batch>());
    lock.unlock();
    batch->start = std::chrono::steady_clock::now();
    auto put = defers_sync ? store_.PutUnsynced(batch->items) : store_.Put(batch->items);
    CommitReport& report = batch->report;
    report.ok = put.ok();
    report.batch_size = batch->items.size();
    if (put.ok()) report.outcome = put.value();
    if (defers_sync && put.ok()) {
      // Durable once the syncer's next flush returns; this thread writes
      // the next batch meanwhile.
      lock.lock();
      unsynced_.push_back(std::move(batch));
      unsynced_ready_.notify_one();
      continue;
    }
    Finish(*batch, put.ok() ? Status{} : Status{put.error(), put.message()});
    lock.lock();
  }
}

void CommitQueue::SyncerLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    unsynced_ready_.wait(lock, [&] { return writer_done_ || !unsynced_.empty(); });
    if (unsynced_.empty()) return;  // the writer is done and nothing is left
    // Every batch here was committed before this flush begins: one
    // fdatasync makes them all durable.
    std::vector<std::shared_ptr<Batch>> batches = std::exchange(unsynced_, {});
    lock.unlock();
    const Status synced = store_.SyncCommitted();
    for (const auto& batch : batches) {
      if (!synced.ok()) batch->report.ok = false;
      Finish(*batch, synced);
    }
    lock.lock();
  }
}

void CommitQueue::Finish(Batch& batch, const Status& status) {
  batch.report.latency = std::chrono::steady_clock::now() - batch.start;
  if (observer_) observer_(batch.report);
  for (size_t i = 0; i < batch.items.size(); ++i) {
    if (batch.dones[i]) batch.dones[i](status, batch.items[i]);
  }
  std::lock_guard lock(mutex_);
  batch.status = status;
  batch.done = true;
  batch.items = {};  // the blocked handlers only need the status
  // Only this batch's handlers wake (one condition per batch: the
  // handlers of the next batch sleep on).
  batch.done_cv.notify_all();
}

}  // namespace microconv
