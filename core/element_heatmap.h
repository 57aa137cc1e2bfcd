// Element heatmaps (issue 13 point 4): clicks keyed by the clicked element
// and a coarse cell of its box, so the dashboard can draw them over the
// live page by finding each element again, aligned on every screen size and
// layout. A click the tracker read no box for stays on the document grid
// (core/heatmap.h), as do clicks past the entry cap.
#ifndef MICROCONV_CORE_ELEMENT_HEATMAP_H_
#define MICROCONV_CORE_ELEMENT_HEATMAP_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/schema/summary_generated.h"
#include "core/summary.h"

namespace microconv {

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

  // What a flush carries: the entries of the pages in slots `current` and
  // `previous` (the session's last two pages viewed; -1 none), or null when
  // they have none; the final flush (the session ended) carries all (Saved). Each page's entries
  // are cumulative, so every page's final entries ride in at least two flushes (its own and the
  // next page's) and a single lost beacon still loses nothing; the collector keeps the other pages'
  // entries from the stored version (MergeElementClicks). Sending every page's entries in every
  // flush repeated each 3-byte key in each later beacon: the demo journey's wire went over its
  // 2,000 B budget by that alone (ARCHITECTURE.md).
  flatbuffers::Offset<flatbuffers::Vector<const wire::ElementClick*>> SentClicks(
      flatbuffers::FlatBufferBuilder& fbb, int current, int previous) const;
  // What the snapshot keeps: every entry (null when none).
  flatbuffers::Offset<flatbuffers::Vector<const wire::ElementClick*>> Saved(
      flatbuffers::FlatBufferBuilder& fbb) const {
    return size_ == 0 ? 0 : fbb.CreateVectorOfStructs(clicks_.data(), size_);
  }

  std::span<const wire::ElementClick> clicks() const noexcept { return {clicks_.data(), size_}; }

 private:
  // A fixed array, not a vector: no growth code in the visitor's module.
  std::array<wire::ElementClick, kMaxElementClicks> clicks_;
  uint8_t size_ = 0;
};

// The collector's half of SentClicks: `next`, a newer flush of the session
// stored as `stored` (both verified), with the entries of every page `next`
// carries none for kept from `stored`, as long as that page is in `next`'s
// pages and the entries stay within kMaxElementClicks (a forged flush gains
// nothing). Empty when `next` needs nothing added: it is stored as sent.
// Everything else is copied unchanged.
std::vector<uint8_t> MergeElementClicks(const wire::Summary& stored, const wire::Summary& next);

}  // namespace microconv

#endif  // MICROCONV_CORE_ELEMENT_HEATMAP_H_
