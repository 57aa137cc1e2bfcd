#include "tools/base/wall_clock.h"

#include <chrono>

namespace microconv {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint32_t Today() { return static_cast<uint32_t>(NowMs() / (24LL * 60 * 60 * 1000)); }

}  // namespace microconv
