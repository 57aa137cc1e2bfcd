// The coarse document-relative click grid (SPEC section 5). Cells are
// relative to the document's size so that one grid fits every screen and
// page length; the dashboard scales it over the live page.
#ifndef MICROCONV_CORE_HEATMAP_H_
#define MICROCONV_CORE_HEATMAP_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/schema/summary_generated.h"

namespace microconv {

inline constexpr int kGridColumns = 16;
inline constexpr int kGridRows = 32;

// The grid cell of a click at (x, y) in a document of `width` x `height`
// CSS px; positions outside the document are clamped to its edge.
inline uint16_t HeatCellOf(int32_t x, int32_t y, int32_t width, int32_t height) noexcept {
  auto scaled = [](int64_t v, int64_t size, int cells) {
    if (size <= 0) return 0;
    return static_cast<int>(std::clamp<int64_t>(v * cells / size, 0, cells - 1));
  };
  return static_cast<uint16_t>(scaled(y, height, kGridRows) * kGridColumns +
                               scaled(x, width, kGridColumns));
}

// One session's clicks per page and grid cell (summary `heat` = cells(),
// capped at kMaxHeatCells). The summary carries all of it, so it is also
// the snapshot.
class Heatmap {
 public:
  // A click at (x, y) in a `width` x `height` document on the page in slot
  // `page` of the summary's pages.
  void OnClick(int32_t x, int32_t y, int32_t width, int32_t height, uint8_t page);

  static Heatmap Restore(const wire::Summary& summary);

  const std::vector<wire::HeatCell>& cells() const noexcept { return cells_; }

 private:
  std::vector<wire::HeatCell> cells_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_HEATMAP_H_
