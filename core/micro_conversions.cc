#include "core/micro_conversions.h"

#include <algorithm>

#include "core/flatbuffer_write.h"

namespace microconv {

void MicroConversionRules::Fire(uint8_t micro, FiredMicros& fired) {
  if (state_.counts[micro] < 0xff) ++state_.counts[micro];
  fired.push_back(micro);
}

void MicroConversionRules::FireOncePerPage(uint8_t micro, FiredMicros& fired) {
  state_.fired_on_page[micro] = true;
  Fire(micro, fired);
}

void MicroConversionRules::FireAll(std::span<const uint8_t> micros, std::string_view page_path,
                                   bool once_per_page, FiredMicros& fired) {
  for (uint8_t micro : micros) {
    if (!config_->PageFilterMatches(micro, page_path)) continue;
    if (!once_per_page) {
      Fire(micro, fired);
    } else if (!state_.fired_on_page[micro]) {
      FireOncePerPage(micro, fired);
    }
  }
}

void MicroConversionRules::OnPageView(std::string_view page_path, FiredMicros& fired) {
  state_.visible.clear();
  state_.fired_on_page.reset();
  FireAll(config_->PageViewMicros(), page_path, /*once_per_page=*/false, fired);
}

void MicroConversionRules::OnSelectorMatch(uint16_t selector, std::string_view page_path,
                                           FiredMicros& fired) {
  const auto* selectors = config_->def().click_selectors();
  if (!selectors || selector >= selectors->size()) return;
  FireAll(config_->ClickMicros(selector), page_path, /*once_per_page=*/false, fired);
}

void MicroConversionRules::OnScroll(uint8_t percent, std::string_view page_path,
                                    FiredMicros& fired) {
  for (uint8_t micro : config_->ScrollMicros()) {
    if (!state_.fired_on_page[micro] &&
        percent >= config_->def().micros()->Get(micro)->threshold() &&
        config_->PageFilterMatches(micro, page_path)) {
      FireOncePerPage(micro, fired);
    }
  }
}

void MicroConversionRules::OnForm(uint16_t form, bool submit, std::string_view page_path,
                                  FiredMicros& fired) {
  FireAll(submit ? config_->FormSubmitMicros(form) : config_->FormStartMicros(form), page_path,
          /*once_per_page=*/false, fired);
}

void MicroConversionRules::OnElementVisible(uint16_t selector, bool visible, int64_t t) {
  const auto* selectors = config_->def().visibility_selectors();
  if (!selectors || selector >= selectors->size()) return;
  auto it = std::find_if(
      state_.visible.begin(), state_.visible.end(),
      [&](const MicroConversionState::VisibleTimer& v) { return v.selector == selector; });
  if (visible && it == state_.visible.end()) {
    state_.visible.push_back({selector, t});
  } else if (!visible && it != state_.visible.end()) {
    state_.visible.erase(it);  // left view before the dwell time: not seen
  }
}

void MicroConversionRules::OnMedia(uint16_t selector, uint8_t milestone, FiredMicros& fired) {
  const auto* selectors = config_->def().media_selectors();
  if (!selectors || selector >= selectors->size()) return;
  for (uint8_t micro : config_->MediaMicros(selector)) {
    // Reaching a later milestone implies the earlier ones (seeking).
    if (!state_.fired_on_page[micro] &&
        milestone >= static_cast<uint8_t>(config_->def().micros()->Get(micro)->media_event())) {
      FireOncePerPage(micro, fired);
    }
  }
}

void MicroConversionRules::OnNamedEvent(EventType type, std::string_view name,
                                        std::string_view page_path, FiredMicros& fired) {
  auto micros = type == EventType::kCustom ? config_->CustomMicros() : config_->DataLayerMicros();
  for (uint8_t micro : micros) {
    const auto* expected = config_->def().micros()->Get(micro)->event();
    if (expected && expected->string_view() == name &&
        config_->PageFilterMatches(micro, page_path)) {
      Fire(micro, fired);
    }
  }
}

void MicroConversionRules::Tick(int64_t t, bool on_page, int64_t page_start_ms,
                                std::string_view page_path, FiredMicros& fired) {
  for (size_t i = 0; i < state_.visible.size();) {
    if (t - state_.visible[i].since_ms >= kVisibleDwellMs) {
      FireAll(config_->VisibleMicros(state_.visible[i].selector), page_path, /*once_per_page=*/true,
              fired);
      for (uint8_t cta : config_->CallsToActionSeenBy(state_.visible[i].selector)) {
        if (config_->PageFilterMatches(cta, page_path)) state_.cta_seen[cta] = true;
      }
      state_.visible.erase(state_.visible.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  if (!on_page) return;
  for (uint8_t micro : config_->TimeOnPageMicros()) {
    if (state_.fired_on_page[micro]) continue;
    uint32_t seconds = config_->def().micros()->Get(micro)->threshold();
    if (t - page_start_ms >= static_cast<int64_t>(seconds) * 1000 &&
        config_->PageFilterMatches(micro, page_path)) {
      FireOncePerPage(micro, fired);
    }
  }
}

std::vector<wire::IdCount> MicroConversionRules::Repeats(
    const std::array<uint8_t, kMaxMicroConversions>& in_path) const {
  std::vector<wire::IdCount> repeats;
  for (size_t micro = 0; micro < state_.counts.size(); ++micro) {
    if (state_.counts[micro] > in_path[micro]) {
      repeats.emplace_back(static_cast<uint8_t>(micro),
                           static_cast<uint8_t>(state_.counts[micro] - in_path[micro]));
    }
  }
  return repeats;
}

std::vector<uint8_t> MicroConversionRules::CtaSeen() const {
  std::vector<uint8_t> seen;
  for (size_t micro = 0; micro < state_.cta_seen.size(); ++micro) {
    if (state_.cta_seen[micro]) seen.push_back(static_cast<uint8_t>(micro));
  }
  return seen;
}

MicroConversionRules::Saved MicroConversionRules::Save(int64_t start_ms,
                                                       flatbuffers::FlatBufferBuilder& fbb) const {
  std::vector<uint8_t> fired;
  for (size_t byte = 0; byte < 32; ++byte) {
    uint8_t bits = 0;
    for (size_t bit = 0; bit < 8; ++bit)
      bits |= state_.fired_on_page[byte * 8 + bit] ? (1u << bit) : 0;
    fired.push_back(bits);
  }
  while (!fired.empty() && fired.back() == 0) fired.pop_back();
  std::vector<wire::VisibleTimer> visible;
  for (const MicroConversionState::VisibleTimer& timer : state_.visible) {
    visible.emplace_back(timer.selector, 0, static_cast<uint32_t>(timer.since_ms - start_ms));
  }
  return {VectorOrNull(fbb, fired), StructsOrNull(fbb, visible)};
}

Status MicroConversionRules::Restore(const wire::Summary& summary, const wire::EngineState& engine,
                                     SessionSpan span) {
  size_t fired_bytes = engine.fired() ? engine.fired()->size() : 0;
  if (fired_bytes > 32) return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("fired set")};
  for (size_t byte = 0; byte < fired_bytes; ++byte) {
    uint8_t bits = engine.fired()->Get(static_cast<flatbuffers::uoffset_t>(byte));
    for (size_t bit = 0; bit < 8; ++bit) state_.fired_on_page[byte * 8 + bit] = (bits >> bit) & 1;
  }
  // A micro-conversion's count: its occurrences in the path plus repeats.
  if (summary.repeats()) {
    for (const wire::IdCount* c : *summary.repeats()) state_.counts[c->id()] = c->count();
  }
  if (summary.path_steps()) {
    for (uint8_t micro : *summary.path_steps()) {
      state_.counts[micro] = static_cast<uint8_t>(std::min(state_.counts[micro] + 1, 0xff));
    }
  }
  if (summary.cta_seen()) {
    for (uint8_t micro : *summary.cta_seen()) {
      if (!config_->IsCallToAction(micro)) {
        return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("call to action seen")};
      }
      state_.cta_seen[micro] = true;
    }
  }
  const auto* visibility = config_->def().visibility_selectors();
  if (engine.visible()) {
    for (const wire::VisibleTimer* timer : *engine.visible()) {
      int64_t since_ms = span.start_ms + timer->since_offset_ms();
      if (!visibility || timer->selector() >= visibility->size() || !span.Contains(since_ms)) {
        return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("visibility timer")};
      }
      state_.visible.push_back({timer->selector(), since_ms});
    }
  }
  return {};
}

}  // namespace microconv
