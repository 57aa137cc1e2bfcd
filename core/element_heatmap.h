// Element heatmaps (issue 13 point 4): clicks keyed by the clicked element
// and a coarse cell of its box, so the dashboard can draw them over the
// live page by finding each element again, aligned on every screen size and
// layout. A click the tracker read no box for stays on the document grid
// (core/heatmap.h), as do clicks past the entry cap.
#ifndef MICROCONV_CORE_ELEMENT_HEATMAP_H_
#define MICROCONV_CORE_ELEMENT_HEATMAP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// Whether this build's sessions record element clicks. The visitor's Wasm
// module is built with MICROCONV_NO_ELEMENT_CLICKS (wasm/CMakeLists.txt)
// and its tracker reads no boxes yet: the served-size and journey wire
// budgets have no room for them (ARCHITECTURE.md, "Element heatmaps").
// Native hosts (`microconv replay`, `simulate`) record them.
#ifdef MICROCONV_NO_ELEMENT_CLICKS
inline constexpr bool kRecordsElementClicks = false;
#else
inline constexpr bool kRecordsElementClicks = true;
#endif

// The element box's cells: kElementGridSide (core/event.h) squared.
inline constexpr int kElementGridCells = kElementGridSide * kElementGridSide;
// The element key of an element path: the top 24 bits of FNV-1a 32 of its
// bytes. Two clicked elements of one template share a key with probability
// 2^-24 per pair (about 0.3 % that any two of 300 do). The dashboard's twin is
// web/tracker/element_path.js elementKey; tests/e2e prove they agree on the live page.
uint32_t ElementKey(std::string_view element_path) noexcept;
// A key as reports and the dashboard write it: 6 lowercase hex digits.
std::string ElementKeyHex(uint32_t key);

inline uint32_t KeyOf(const wire::ElementClick& click) noexcept {
  return click.key0() | uint32_t{click.key1()} << 8 | uint32_t{click.key2()} << 16;
}
inline int CellOf(const wire::ElementClick& click) noexcept { return click.cell_count() >> 4; }
inline int CountOf(const wire::ElementClick& click) noexcept {
  return (click.cell_count() & 0x0f) + 1;
}

// One session's element clicks (summary `element_clicks`, which is also the
// snapshot: a restored session continues from what it sent).
class ElementHeatmap {
 public:
  // A click on `element_path` in cell `cell` (0..15) of its box on the page
  // in slot `page`. False when the entries are full: the caller puts the
  // click on the document grid instead.
  bool OnClick(std::string_view element_path, int cell, uint8_t page);

  static ElementHeatmap Restore(const wire::Summary& summary);

  const std::vector<wire::ElementClick>& clicks() const noexcept { return clicks_; }

 private:
  std::vector<wire::ElementClick> clicks_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_ELEMENT_HEATMAP_H_
