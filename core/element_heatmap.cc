#include "core/element_heatmap.h"

#include <algorithm>

#include "core/fnv1a.h"
#include "core/summary.h"

namespace microconv {

uint32_t ElementKey(std::string_view element_path) noexcept { return Fnv1a32(element_path) >> 8; }

std::string ElementKeyHex(uint32_t key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(6, '0');
  for (int i = 5; i >= 0; --i, key >>= 4) hex[i] = kDigits[key & 0xf];
  return hex;
}

bool ElementHeatmap::OnClick(std::string_view element_path, int cell, uint8_t page) {
  if (cell < 0 || cell >= kElementGridCells) return false;
  const uint32_t key = ElementKey(element_path);
  // An entry holds up to 16 clicks (the low nibble); a full one is left as
  // is and the next click starts another entry for the same cell.
  auto it = std::find_if(clicks_.begin(), clicks_.end(), [&](const wire::ElementClick& c) {
    return KeyOf(c) == key && c.page() == page && CellOf(c) == cell && CountOf(c) < 16;
  });
  if (it != clicks_.end()) {
    it->mutate_cell_count(static_cast<uint8_t>(it->cell_count() + 1));
    return true;
  }
  if (clicks_.size() >= kMaxElementClicks) return false;
  clicks_.emplace_back(static_cast<uint8_t>(key), static_cast<uint8_t>(key >> 8),
                       static_cast<uint8_t>(key >> 16), page, static_cast<uint8_t>(cell << 4));
  return true;
}

ElementHeatmap ElementHeatmap::Restore(const wire::Summary& summary) {
  ElementHeatmap heatmap;
  if (summary.element_clicks()) {
    for (const wire::ElementClick* click : *summary.element_clicks()) {
      heatmap.clicks_.push_back(*click);
    }
  }
  return heatmap;
}

}  // namespace microconv
