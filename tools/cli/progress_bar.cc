#include "tools/cli/progress_bar.h"

#include <cstdio>

namespace microconv {

void DrawProgressBar(size_t done, size_t total, std::string_view unit, std::string_view extra,
                     bool finished) {
  constexpr int kWidth = 30;
  const int filled =
      total == 0 ? kWidth : static_cast<int>((done < total ? done : total) * kWidth / total);
  std::fprintf(stderr, "\r[%.*s%.*s] %zu/%zu %.*s%s%.*s%s", filled,
               "##############################", kWidth - filled, "------------------------------",
               done, total, static_cast<int>(unit.size()), unit.data(), extra.empty() ? "" : ", ",
               static_cast<int>(extra.size()), extra.data(), finished ? "\n" : "");
}

}  // namespace microconv
