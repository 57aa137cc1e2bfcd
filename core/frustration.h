// Frustration signals of one session (SPEC section 5): rage clicks (a burst
// of clicks in one spot of one page), dead clicks (the tracker saw nothing happen),
// quick backs (straight back from a page barely looked at), and the
// elements they happened on.
#ifndef MICROCONV_CORE_FRUSTRATION_H_
#define MICROCONV_CORE_FRUSTRATION_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/element_names.h"
#include "core/schema/snapshot_generated.h"
#include "core/schema/summary_generated.h"
#include "core/session_units.h"
#include "core/status.h"

namespace microconv {

inline constexpr int64_t kRageWindowMs = 1000;
inline constexpr int32_t kRageRadiusPx = 30;
inline constexpr int kRageClicks = 3;

struct FrustrationState {
  struct Element {
    uint16_t name;  // index into the session's NameTable
    uint8_t page;   // slot in the summary's pages
    uint16_t clicks = 0, rage = 0, dead = 0;
  };
  struct ClickMark {
    int64_t time_ms = 0;
    int32_t x = 0, y = 0;
    bool valid = false;
  };
  std::vector<Element> elements;
  uint16_t rage_clicks = 0, dead_clicks = 0, quick_backs = 0;
  std::array<ClickMark, kRageClicks - 1> recent_clicks{};  // newest first
  bool in_rage = false;
};

class FrustrationTracker {
 public:
  // A click at document position (x, y) on `element` (empty: unnamed) of
  // the page in slot `page` (-1: a page over the caps).
  void OnClick(int32_t x, int32_t y, std::string_view element, int page, int64_t t,
               NameTable& names);
  void OnDeadClick(std::string_view element, int page, NameTable& names);
  void OnQuickBack() noexcept { state_.quick_backs = Saturate16(state_.quick_backs + 1u); }
  // A new page (or SPA route) starts no burst from the clicks before it:
  // three quick clicks at the same spot through three pages (a tile, a
  // product card, "Add to cart") are navigation, not rage.
  void OnPageView() noexcept {
    state_.recent_clicks = {};
    state_.in_rage = false;
  }

  // Summary `elements`: the elements with any frustration; calm elements
  // are never sent. The facts' counts are state()'s.
  std::vector<wire::ElementStat> SummaryElements(SentNames& names) const;
  // This tracker's part of the snapshot's engine table (written before it).
  struct Saved {
    flatbuffers::Offset<flatbuffers::Vector<const wire::ClickMark*>> clicks;
    bool in_rage;
    void AddTo(wire::EngineStateBuilder& engine) const {
      engine.add_clicks(clicks);
      engine.add_in_rage(in_rage);
    }
  };
  Saved Save(int64_t start_ms, flatbuffers::FlatBufferBuilder& fbb) const;
  Status Restore(const wire::Summary& summary, const wire::EngineState& engine, SessionSpan span);

  const FrustrationState& state() const noexcept { return state_; }

 private:
  int ElementIndex(std::string_view element, int page, NameTable& names);

  FrustrationState state_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_FRUSTRATION_H_
