#include "tools/load/ingest_load.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace microconv {

LoadResult DriveIngestLoad(const LoadOptions& options) {
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> next_index{0};
  std::mutex mutex;
  LoadResult result;
  std::vector<double> latencies_ms;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.emplace_back([&] {
      httplib::Client cli(options.host, options.port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_read_timeout(10, 0);
      std::vector<double> mine;
      uint64_t accepted = 0, rejected = 0, failed = 0;
      while (Clock::now() < deadline && !(options.stop && options.stop->load())) {
        const uint64_t index = next_index.fetch_add(1);
        if (options.rate > 0) {
          const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(double(index) / options.rate));
          if (due >= deadline) break;
          std::this_thread::sleep_until(due);
        }
        const std::vector<uint8_t> body = options.make_summary(index);
        const auto sent = Clock::now();
        auto res = cli.Post("/api/collect", reinterpret_cast<const char*>(body.data()), body.size(),
                            "text/plain");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (!res) {
          ++failed;
          // The server may be gone (kill -9 tests): do not spin.
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        if (res->status == 202) {
          ++accepted;
          mine.push_back(ms);
          if (options.on_accepted) options.on_accepted(index);
        } else {
          ++rejected;
        }
      }
      std::lock_guard lock(mutex);
      result.accepted += accepted;
      result.rejected += rejected;
      result.failed += failed;
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& client : clients) client.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.per_second = result.seconds > 0 ? double(result.accepted) / result.seconds : 0;
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto at = [&](double q) {
      return latencies_ms[std::min(latencies_ms.size() - 1,
                                   static_cast<size_t>(q * double(latencies_ms.size())))];
    };
    result.p50_ms = at(0.50);
    result.p99_ms = at(0.99);
    result.max_ms = latencies_ms.back();
  }
  return result;
}

}  // namespace microconv
