// Per-source-address token buckets for the ingest path (abuse limit).
// Memory only: the key is a salted hash of the address, so even the process
// keeps no address text, and nothing here is ever stored or logged.
#ifndef MICROCONV_TOOLS_SERVE_RATE_LIMITER_H_
#define MICROCONV_TOOLS_SERVE_RATE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace microconv {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_second` tokens refill each second up to `burst`; per_second <= 0
  // turns limiting off.
  RateLimiter(double per_second, double burst);

  // Takes one token for this address; false when its bucket is empty.
  bool Allow(std::string_view address, Clock::time_point now);

  size_t tracked();

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  // Drops buckets that have refilled completely: they carry no state.
  void SweepLocked(Clock::time_point now);

  const double per_second_;
  const double burst_;
  const uint64_t salt_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, Bucket> buckets_;
  Clock::time_point last_sweep_{};
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_RATE_LIMITER_H_
