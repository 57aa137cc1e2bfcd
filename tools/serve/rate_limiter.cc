#include "tools/serve/rate_limiter.h"

#include <algorithm>
#include <random>

namespace microconv {
namespace {

constexpr size_t kSweepAbove = 100000;

uint64_t AddressKey(std::string_view address, uint64_t salt) {
  uint64_t h = 0xcbf29ce484222325ull ^ salt;  // FNV-1a 64, salted per process
  for (unsigned char c : address) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second),
      burst_(std::max(burst, 1.0)),
      salt_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

bool RateLimiter::Allow(std::string_view address, Clock::time_point now) {
  if (per_second_ <= 0) return true;
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kSweepAbove && now - last_sweep_ > std::chrono::seconds(1)) {
    SweepLocked(now);
  }
  auto [it, fresh] = buckets_.try_emplace(AddressKey(address, salt_));
  Bucket& bucket = it->second;
  if (fresh) {
    bucket.tokens = burst_;
  } else {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
  }
  bucket.updated = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

void RateLimiter::SweepLocked(Clock::time_point now) {
  last_sweep_ = now;
  std::erase_if(buckets_, [&](const auto& item) {
    const double elapsed = std::chrono::duration<double>(now - item.second.updated).count();
    return item.second.tokens + elapsed * per_second_ >= burst_;
  });
}

size_t RateLimiter::tracked() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace microconv
