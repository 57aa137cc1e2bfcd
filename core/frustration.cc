#include "core/frustration.h"

#include <cstdlib>

#include "core/flatbuffer_write.h"
#include "core/summary.h"

namespace microconv {

int FrustrationTracker::ElementIndex(std::string_view element, int page, NameTable& names) {
  if (element.empty() || page < 0) return -1;
  auto slot = static_cast<uint8_t>(page);
  element = element.substr(0, kMaxElementNameLength);
  std::vector<FrustrationState::Element>& elements = state_.elements;
  for (size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].page == slot && names[elements[i].name] == element) return static_cast<int>(i);
  }
  if (elements.size() >= kMaxElements) return -1;
  int name = names.Index(element);
  if (name < 0) return -1;
  elements.push_back(FrustrationState::Element{static_cast<uint16_t>(name), slot});
  return static_cast<int>(elements.size() - 1);
}

void FrustrationTracker::OnClick(int32_t x, int32_t y, std::string_view element, int page,
                                 int64_t t, NameTable& names) {
  int index = ElementIndex(element, page, names);
  if (index >= 0) state_.elements[index].clicks = Saturate16(state_.elements[index].clicks + 1u);

  // Rage: kRageClicks clicks within kRageWindowMs and kRageRadiusPx of the
  // newest. One burst counts once, however long it goes on.
  int near = 1;
  for (const FrustrationState::ClickMark& mark : state_.recent_clicks) {
    if (mark.valid && t - mark.time_ms <= kRageWindowMs &&
        std::abs(int64_t{mark.x} - x) <= kRageRadiusPx &&
        std::abs(int64_t{mark.y} - y) <= kRageRadiusPx) {
      ++near;
    }
  }
  if (near >= kRageClicks) {
    if (!state_.in_rage) {
      state_.in_rage = true;
      state_.rage_clicks = Saturate16(state_.rage_clicks + 1u);
      if (index >= 0) state_.elements[index].rage = Saturate16(state_.elements[index].rage + 1u);
    }
  } else if (near == 1) {
    state_.in_rage = false;
  }
  auto& recent = state_.recent_clicks;
  for (size_t i = recent.size() - 1; i > 0; --i) recent[i] = recent[i - 1];
  recent[0] = {t, x, y, true};
}

void FrustrationTracker::OnDeadClick(std::string_view element, int page, NameTable& names) {
  state_.dead_clicks = Saturate16(state_.dead_clicks + 1u);
  int index = ElementIndex(element, page, names);
  if (index >= 0) state_.elements[index].dead = Saturate16(state_.elements[index].dead + 1u);
}

std::vector<wire::ElementStat> FrustrationTracker::SummaryElements(SentNames& names) const {
  std::vector<wire::ElementStat> elements;
  for (const FrustrationState::Element& e : state_.elements) {
    if (e.rage == 0 && e.dead == 0) continue;
    elements.emplace_back(names.Id(e.name), Saturate8(e.clicks), Saturate8(e.rage),
                          Saturate8(e.dead), e.page);
  }
  return elements;
}

FrustrationTracker::Saved FrustrationTracker::Save(int64_t start_ms,
                                                   flatbuffers::FlatBufferBuilder& fbb) const {
  std::vector<wire::ClickMark> clicks;
  for (const FrustrationState::ClickMark& mark : state_.recent_clicks) {
    if (mark.valid)
      clicks.emplace_back(static_cast<uint32_t>(mark.time_ms - start_ms), mark.x, mark.y);
  }
  return {StructsOrNull(fbb, clicks), state_.in_rage};
}

Status FrustrationTracker::Restore(const wire::Summary& summary, const wire::EngineState& engine,
                                   SessionSpan span) {
  // Only frustrated elements were sent, so only they come back: clicks on
  // other elements before this page load are forgotten (elements are per
  // page, so this only matters when a visitor returns to a page).
  if (summary.elements()) {
    for (const wire::ElementStat* e : *summary.elements()) {
      state_.elements.push_back(FrustrationState::Element{e->element(), e->page(), e->clicks(),
                                                          e->rage_clicks(), e->dead_clicks()});
    }
  }
  if (summary.facts()) {
    state_.rage_clicks = summary.facts()->rage_clicks();
    state_.dead_clicks = summary.facts()->dead_clicks();
    state_.quick_backs = summary.facts()->quick_backs();
  }
  size_t click_count = engine.clicks() ? engine.clicks()->size() : 0;
  if (click_count > state_.recent_clicks.size())
    return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("clicks")};
  for (size_t i = 0; i < click_count; ++i) {
    const wire::ClickMark* mark = engine.clicks()->Get(static_cast<flatbuffers::uoffset_t>(i));
    int64_t time_ms = span.start_ms + mark->offset_ms();
    if (!span.Contains(time_ms)) return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("click time")};
    state_.recent_clicks[i] = {time_ms, mark->x(), mark->y(), true};
  }
  state_.in_rage = engine.in_rage();
  return {};
}

}  // namespace microconv
