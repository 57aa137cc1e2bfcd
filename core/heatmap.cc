#include "core/heatmap.h"

#include "core/session_units.h"
#include "core/summary.h"

namespace microconv {

void Heatmap::OnClick(int32_t x, int32_t y, int32_t width, int32_t height, uint8_t page) {
  uint16_t cell = HeatCellOf(x, y, width, height);
  auto it = std::find_if(cells_.begin(), cells_.end(), [&](const wire::HeatCell& c) {
    return c.page() == page && c.cell() == cell;
  });
  if (it != cells_.end()) {
    it->mutate_count(Saturate8(it->count() + 1u));
  } else if (cells_.size() < kMaxHeatCells) {
    cells_.emplace_back(page, 1, cell);
  }
}

Heatmap Heatmap::Restore(const wire::Summary& summary) {
  Heatmap heatmap;
  if (summary.heat()) {
    for (const wire::HeatCell* cell : *summary.heat()) heatmap.cells_.push_back(*cell);
  }
  return heatmap;
}

}  // namespace microconv
