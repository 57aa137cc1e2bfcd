// Group commit in front of a SummaryStore: request handlers hand over their
// verified summary; one writer thread takes everything pending, writes it
// with one Put (one transaction, one fsync), then tells the handlers of
// that batch, which answer 202 only now. Throughput grows with the number
// of concurrent posters while each summary still waits for its own durable
// commit: the ingest route hands over with SubmitAsync, so a waiting
// summary holds no thread and a batch takes every summary that arrived
// while the previous one was being written (under load, hundreds).
#ifndef MICROCONV_TOOLS_STORE_COMMIT_QUEUE_H_
#define MICROCONV_TOOLS_STORE_COMMIT_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/store/summary_store.h"

namespace microconv {

class CommitQueue {
 public:
  // Called on the writer thread after every commit attempt.
  struct CommitReport {
    bool ok = false;
    size_t batch_size = 0;
    PutOutcome outcome;
    std::chrono::steady_clock::duration latency{};
  };
  using CommitObserver = std::function<void(const CommitReport&)>;

  explicit CommitQueue(SummaryStore& store, CommitObserver observer = nullptr);
  // Close()s.
  ~CommitQueue();

  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Blocks until the batch holding `summary` is committed. ok means durable.
  // After Close() it fails at once without storing.
  [[nodiscard]] Status Submit(StoredSummary summary);

  // Hands `summary` over and returns at once; `done` runs on the writer
  // thread when its batch was committed (ok: durable) or failed, with the
  // summary (its bytes still held). After Close() it runs at once with an
  // error, on the caller's thread.
  using Done = std::function<void(const Status& status, const StoredSummary& summary)>;
  void SubmitAsync(StoredSummary summary, Done done);

  // Stops accepting, commits everything already submitted, joins the writer.
  void Close();

 private:
  struct Batch {
    std::vector<StoredSummary> items;
    std::vector<Done> dones;  // one per item; empty for Submit's
    bool done = false;
    Status status;
    std::condition_variable done_cv;
  };

  void WriterLoop();

  SummaryStore& store_;
  CommitObserver observer_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::shared_ptr<Batch> pending_ = std::make_shared<Batch>();
  bool closing_ = false;
  std::thread writer_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_COMMIT_QUEUE_H_
