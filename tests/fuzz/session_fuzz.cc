// Fuzz target for the session engine over random event streams: the input
// chooses event batches (types, times that jump or go backwards, strings,
// positions), the tracker's Advance, snapshot/restore points and flushes.
// Beyond "no crash": every flushed summary verifies, no field a site owner
// adds up goes down between flushes (duration, active time, page views,
// micro-conversion counts, funnel progress, frustration, heat), active time
// never exceeds duration, and the engine always accepts its own snapshot.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/config.h"
#include "tests/support/random_session.h"

namespace {

using microconv::Config;

const Config& FuzzConfig() {
  static const Config config = [] {
    auto bytes = microconv::CompileConfig(microconv::testing::RandomSessionConfigDef());
    if (!bytes.ok()) std::abort();
    auto loaded = Config::FromCompiled(bytes.value());
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value();
  }();
  return config;
}

// Choices read from the fuzz input, little-endian as wide as the range
// needs; the session ends where the input does.
class InputChoices {
 public:
  InputChoices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Done() const noexcept { return at_ >= size_; }
  uint32_t Below(uint32_t n) {
    uint32_t value = 0;
    for (uint64_t range = 1; range < n && at_ < size_; range <<= 8)
      value = value << 8 | data_[at_++];
    return value % n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  InputChoices choices(data, size);
  microconv::testing::RandomSessionPlayer player(FuzzConfig(), choices);
  const std::string broken = player.Play(1 << 16);
  if (!broken.empty()) {
    std::fprintf(stderr, "session_fuzz: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
