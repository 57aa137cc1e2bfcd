#include "core/session.h"

#include <algorithm>
#include <cstdlib>

#include "core/heatmap.h"
#include "core/page_pattern.h"
#include "core/summary.h"

namespace microconv {
namespace {

// The path of a URL path-and-query without query or fragment: what page
// rules match against. Never leaves the browser as is.
std::string_view PathOnly(std::string_view path_and_query) {
  size_t end = path_and_query.find_first_of("?#");
  std::string_view path = path_and_query.substr(0, end);
  return path.empty() ? std::string_view("/") : path;
}

uint16_t Saturate16(uint64_t v) { return static_cast<uint16_t>(std::min<uint64_t>(v, 0xffff)); }
uint8_t Saturate8(uint64_t v) { return static_cast<uint8_t>(std::min<uint64_t>(v, 0xff)); }
uint32_t Deciseconds(int64_t ms) {
  return static_cast<uint32_t>(std::clamp<int64_t>(ms, 0, int64_t{0xffffffff} * 100) / 100);
}

// Times come from a JS clock (a double of ms): anything outside
// [0, 2^53] is garbage, and clamping keeps all time arithmetic overflow-free.
int64_t SaneTime(int64_t ms) { return std::clamp<int64_t>(ms, 0, kMaxTimeMs); }

}  // namespace

Session::Session(const Config& config, const SessionStart& start)
    : config_(&config),
      nonce_(start.nonce),
      dims_(DimensionsOf(start.visitor)),
      referrer_(ReferrerDomain(start.referrer, start.own_host)),
      start_ms_(SaneTime(start.time_ms)),
      last_ms_(start_ms_),
      last_input_ms_(start_ms_),
      tick_ms_(start_ms_),
      page_start_ms_(start_ms_),
      focus_since_ms_(start_ms_) {
  const auto* funnels = config.def().funnels();
  for (size_t i = 0; funnels && i < funnels->size(); ++i) {
    funnels_.emplace_back(*funnels->Get(i), static_cast<uint8_t>(i));
  }
}

bool Session::ExpiredAt(int64_t now_ms) const noexcept {
  return SaneTime(now_ms) - last_ms_ > static_cast<int64_t>(config_->def().session_timeout_ms());
}

IngestResult Session::Ingest(const EventBatch& batch) {
  IngestResult result;
  for (const Event& event : batch.events) {
    if (ExpiredAt(event.time_ms)) {
      result.expired = true;
      return result;
    }
    // Clocks go backwards (NTP, manual changes, events queued out of
    // order): the session's time never does.
    int64_t t = std::max(SaneTime(event.time_ms), last_ms_);
    Tick(t);
    Handle(event, t, batch);
    last_ms_ = t;
    ++result.consumed;
  }
  return result;
}

void Session::Advance(int64_t now_ms) {
  Tick(std::max(SaneTime(now_ms), last_ms_));
}

// Time passes: active time, element dwell timers, time-on-page rules.
void Session::Tick(int64_t t) {
  if (!hidden_ && t > tick_ms_) {
    int64_t active_until = std::min(t, last_input_ms_ + kActiveAfterInputMs);
    if (active_until > tick_ms_) {
      auto added = static_cast<uint32_t>(active_until - tick_ms_);
      active_ms_ += added;
      if (current_page_ >= 0) pages_[current_page_].active_ms += added;
    }
  }
  tick_ms_ = std::max(tick_ms_, t);

  for (size_t i = 0; i < visible_.size();) {
    if (t - visible_[i].since_ms >= kVisibleDwellMs) {
      FireAll(config_->VisibleMicros(visible_[i].selector), t, /*once_per_page=*/true);
      visible_.erase(visible_.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  if (current_page_ >= 0) {
    for (uint8_t micro : config_->TimeOnPageMicros()) {
      if (fired_on_page_[micro]) continue;
      uint32_t seconds = config_->def().micros()->Get(micro)->threshold();
      if (t - page_start_ms_ >= static_cast<int64_t>(seconds) * 1000 &&
          config_->PageFilterMatches(micro, current_path_)) {
        fired_on_page_[micro] = true;
        Fire(micro, t);
      }
    }
  }
}

void Session::Handle(const Event& event, int64_t t, const EventBatch& batch) {
  switch (event.type) {
    case EventType::kPageView:
      last_input_ms_ = t;
      OnPageView(batch.String(event.str), event.a == static_cast<uint16_t>(Navigation::kHistoryBack), t);
      break;
    case EventType::kClick:
      last_input_ms_ = t;
      OnClick(event, batch.String(event.str), t);
      break;
    case EventType::kSelectorMatch: {
      uint16_t selector = event.a;
      const auto* selectors = config_->def().click_selectors();
      if (!selectors || selector >= selectors->size()) break;
      for (uint8_t micro : config_->ClickMicros(selector)) {
        if (config_->PageFilterMatches(micro, current_path_)) Fire(micro, t);
      }
      break;
    }
    case EventType::kScroll: {
      last_input_ms_ = t;
      if (current_page_ < 0) break;
      uint8_t percent = static_cast<uint8_t>(std::min<uint16_t>(event.a, 100));
      PageEntry& page = pages_[current_page_];
      page.max_scroll = std::max(page.max_scroll, percent);
      for (uint8_t micro : config_->ScrollMicros()) {
        if (!fired_on_page_[micro] && percent >= config_->def().micros()->Get(micro)->threshold() &&
            config_->PageFilterMatches(micro, current_path_)) {
          fired_on_page_[micro] = true;
          Fire(micro, t);
        }
      }
      break;
    }
    case EventType::kFormStart:
    case EventType::kFormSubmit: {
      last_input_ms_ = t;
      FormEntry* form = FormAt(event.a);
      if (!form) break;
      bool submit = event.type == EventType::kFormSubmit;
      if (submit) {
        CloseFocus(t);
        form->submitted = true;
      }
      form->started = true;
      FireAll(submit ? config_->FormSubmitMicros(event.a) : config_->FormStartMicros(event.a), t,
              /*once_per_page=*/false);
      break;
    }
    case EventType::kFieldFocus:
    case EventType::kFieldBlur:
    case EventType::kFieldChange:
      last_input_ms_ = t;
      OnField(event, batch.String(event.str), t);
      break;
    case EventType::kElementVisible: {
      const auto* selectors = config_->def().visibility_selectors();
      if (!selectors || event.a >= selectors->size()) break;
      auto it = std::find_if(visible_.begin(), visible_.end(),
                             [&](const VisibleTimer& v) { return v.selector == event.a; });
      if (event.b && it == visible_.end()) {
        visible_.push_back({event.a, t});
      } else if (!event.b && it != visible_.end()) {
        visible_.erase(it);  // left view before the dwell time: not seen
      }
      break;
    }
    case EventType::kMedia: {
      const auto* selectors = config_->def().media_selectors();
      if (!selectors || event.a >= selectors->size()) break;
      for (uint8_t micro : config_->MediaMicros(event.a)) {
        // Reaching a later milestone implies the earlier ones (seeking).
        if (!fired_on_page_[micro] &&
            event.b >= static_cast<uint8_t>(config_->def().micros()->Get(micro)->media_event())) {
          fired_on_page_[micro] = true;
          Fire(micro, t);
        }
      }
      break;
    }
    case EventType::kCustom:
    case EventType::kDataLayer: {
      std::string_view name = batch.String(event.str);
      auto micros = event.type == EventType::kCustom ? config_->CustomMicros()
                                                       : config_->DataLayerMicros();
      for (uint8_t micro : micros) {
        const auto* expected = config_->def().micros()->Get(micro)->event();
        if (expected && expected->string_view() == name &&
            config_->PageFilterMatches(micro, current_path_)) {
          Fire(micro, t);
        }
      }
      break;
    }
    case EventType::kDeadClick: {
      ++dead_clicks_;
      int index = ElementIndex(batch.String(event.str));
      if (index >= 0) ++elements_[index].dead;
      break;
    }
    case EventType::kVisibility:
      hidden_ = event.b == 0;
      if (!hidden_) last_input_ms_ = t;  // coming back counts as attention
      break;
    case EventType::kInput:
      last_input_ms_ = t;
      break;
    case EventType::kNone:
      break;
  }
}

void Session::OnPageView(std::string_view url_path, bool back, int64_t t) {
  std::string_view path = PathOnly(url_path);
  if (page_views_ == 0) {
    utm_source_ = UtmParameter(url_path, "source");
    utm_medium_ = UtmParameter(url_path, "medium");
    utm_campaign_ = UtmParameter(url_path, "campaign");
  }
  // Came straight back from a page it barely looked at: a quick back.
  if (back && current_page_ >= 0 && t - page_start_ms_ < kQuickBackMs) {
    pages_[current_page_].quick_backs = Saturate8(pages_[current_page_].quick_backs + 1u);
    quick_backs_ = Saturate16(quick_backs_ + 1u);
  }
  CloseFocus(t);
  visible_.clear();
  fired_on_page_.reset();
  page_views_ = Saturate16(page_views_ + 1u);

  uint16_t id;
  int template_index = config_->MatchTemplate(path);
  if (template_index >= 0) {
    id = static_cast<uint16_t>(template_index);
  } else {
    std::string literal = SanitizePath(path);
    auto it = std::find(literal_pages_.begin(), literal_pages_.end(), literal);
    if (it == literal_pages_.end() && literal_pages_.size() >= kMaxPages) {
      id = 0xffff;  // over the cap: counted in page_views only
    } else {
      if (it == literal_pages_.end()) it = literal_pages_.insert(it, std::move(literal));
      id = static_cast<uint16_t>(kLiteralBit | (it - literal_pages_.begin()));
    }
  }
  auto page = std::find_if(pages_.begin(), pages_.end(), [&](const PageEntry& p) { return p.page == id; });
  if (id == 0xffff || (page == pages_.end() && pages_.size() >= kMaxPages)) {
    current_page_ = -1;
  } else {
    if (page == pages_.end()) page = pages_.insert(page, PageEntry{id});
    page->views = Saturate16(page->views + 1u);
    current_page_ = static_cast<int>(page - pages_.begin());
  }
  page_start_ms_ = t;
  current_path_.assign(path.substr(0, 512));
  // Next actions after a drop-off name pages by their slot in `pages`.
  if (current_page_ >= 0) {
    for (FunnelTracker& funnel : funnels_) funnel.OnPage(static_cast<uint16_t>(current_page_), t);
  }
  for (uint8_t micro : config_->PageViewMicros()) {
    if (config_->PageFilterMatches(micro, current_path_)) Fire(micro, t);
  }
}

void Session::OnClick(const Event& event, std::string_view element, int64_t t) {
  if (current_page_ >= 0) {
    uint16_t cell = HeatCellOf(event.x, event.y, event.w, event.h);
    auto page = static_cast<uint8_t>(current_page_);
    auto it = std::find_if(heat_.begin(), heat_.end(),
                           [&](const wire::HeatCell& c) { return c.page() == page && c.cell() == cell; });
    if (it != heat_.end()) {
      it->mutate_count(Saturate8(it->count() + 1u));
    } else if (heat_.size() < kMaxHeatCells) {
      heat_.emplace_back(page, 1, cell);
    }
  }
  int index = ElementIndex(element);
  if (index >= 0) elements_[index].clicks = Saturate16(elements_[index].clicks + 1u);

  // Rage: kRageClicks clicks within kRageWindowMs and kRageRadiusPx of the
  // newest. One burst counts once, however long it goes on.
  int near = 1;
  for (const ClickMark& mark : recent_clicks_) {
    if (mark.valid && t - mark.time_ms <= kRageWindowMs &&
        std::abs(int64_t{mark.x} - event.x) <= kRageRadiusPx && std::abs(int64_t{mark.y} - event.y) <= kRageRadiusPx) {
      ++near;
    }
  }
  if (near >= kRageClicks) {
    if (!in_rage_) {
      in_rage_ = true;
      rage_clicks_ = Saturate16(rage_clicks_ + 1u);
      if (index >= 0) ++elements_[index].rage;
    }
  } else if (near == 1) {
    in_rage_ = false;
  }
  for (size_t i = recent_clicks_.size() - 1; i > 0; --i) recent_clicks_[i] = recent_clicks_[i - 1];
  recent_clicks_[0] = {t, event.x, event.y, true};
}

void Session::OnField(const Event& event, std::string_view field_name, int64_t t) {
  FormEntry* form = FormAt(event.a);
  if (!form || field_name.empty()) return;
  // Configured fields travel as their index; others as a capped name.
  uint16_t key = 0xffff;
  const auto* form_def = config_->def().forms()->Get(event.a);
  if (const auto* fields = form_def->fields()) {
    for (size_t i = 0; i < fields->size(); ++i) {
      if (fields->Get(i)->string_view() == field_name) key = static_cast<uint16_t>(i);
    }
  }
  if (key == 0xffff) {
    int name = NameIndex(field_name);
    if (name < 0) return;
    key = static_cast<uint16_t>(kLiteralBit | name);
  }
  auto it = std::find_if(form->fields.begin(), form->fields.end(),
                         [&](const FieldEntry& f) { return f.field == key; });
  if (it == form->fields.end()) {
    if (form->fields.size() >= kMaxFormFields) return;
    it = form->fields.insert(it, FieldEntry{key});
  }
  int slot = static_cast<int>(it - form->fields.begin());
  int form_slot = static_cast<int>(form - forms_.data());
  switch (event.type) {
    case EventType::kFieldFocus:
      CloseFocus(t);
      it->focus_count = Saturate16(it->focus_count + 1u);
      form->last_field = static_cast<int16_t>(slot);
      form->started = true;
      focus_form_ = form_slot;
      focus_field_ = slot;
      focus_since_ms_ = t;
      break;
    case EventType::kFieldBlur:
      if (focus_form_ == form_slot && focus_field_ == slot) CloseFocus(t);
      break;
    default:  // kFieldChange: a second change of the same field is a refill
      it->changes = Saturate16(it->changes + 1u);
      break;
  }
}

void Session::CloseFocus(int64_t t) {
  if (focus_form_ < 0) return;
  FieldEntry& field = forms_[focus_form_].fields[focus_field_];
  field.time_ms += static_cast<uint32_t>(std::clamp<int64_t>(t - focus_since_ms_, 0, 3600000));
  focus_form_ = focus_field_ = -1;
}

Session::FormEntry* Session::FormAt(uint16_t form) {
  const auto* forms = config_->def().forms();
  if (!forms || form >= forms->size()) return nullptr;
  for (FormEntry& entry : forms_) {
    if (entry.form == form) return &entry;
  }
  // Forms are few (configured ones only); pointers into forms_ stay valid
  // because focus is tracked by slot, not pointer.
  forms_.push_back(FormEntry{static_cast<uint8_t>(form), false, false, -1, {}});
  return &forms_.back();
}

int Session::NameIndex(std::string_view name) {
  name = name.substr(0, kMaxElementNameLength);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  if (names_.size() >= kMaxElements * 2) return -1;
  names_.emplace_back(name);
  return static_cast<int>(names_.size() - 1);
}

int Session::ElementIndex(std::string_view element) {
  if (element.empty() || current_page_ < 0) return -1;
  auto page = static_cast<uint8_t>(current_page_);
  element = element.substr(0, kMaxElementNameLength);
  for (size_t i = 0; i < elements_.size(); ++i) {
    if (elements_[i].page == page && names_[elements_[i].name] == element) return static_cast<int>(i);
  }
  if (elements_.size() >= kMaxElements) return -1;
  int name = NameIndex(element);
  if (name < 0) return -1;
  elements_.push_back(ElementEntry{static_cast<uint16_t>(name), page});
  return static_cast<int>(elements_.size() - 1);
}

void Session::FireAll(std::span<const uint8_t> micros, int64_t t, bool once_per_page) {
  for (uint8_t micro : micros) {
    if (!config_->PageFilterMatches(micro, current_path_)) continue;
    if (once_per_page) {
      if (fired_on_page_[micro]) continue;
      fired_on_page_[micro] = true;
    }
    Fire(micro, t);
  }
}

void Session::Fire(uint8_t micro, int64_t t) {
  if (micro_counts_[micro] < 0xff) ++micro_counts_[micro];
  if (path_.empty() || path_.back().micro != micro) {
    if (path_.size() < kMaxPathSteps) {
      path_.push_back({micro, static_cast<uint32_t>(std::max<int64_t>(t - start_ms_, 0))});
    } else {
      path_truncated_ = true;
    }
  }
  for (FunnelTracker& funnel : funnels_) funnel.OnMicro(micro, t);
}

wire::SummaryT Session::BuildSummary() const {
  wire::SummaryT s;
  s.version = kSummaryVersion;
  s.site = std::string(config_->site());
  s.config_hash = config_->hash();
  s.nonce = nonce_;
  s.seq = seq_ + 1;
  s.start_minute = static_cast<uint32_t>(start_ms_ / 60000);
  bool bounce = page_views_ <= 1 && path_.empty();
  // The visit lasts to its last event, or while the page stays visible to
  // the end of its active time: never shorter than the active time itself.
  const int64_t end_ms =
      hidden_ ? last_ms_ : std::max(last_ms_, std::min(tick_ms_, last_input_ms_ + kActiveAfterInputMs));
  // The entry page is the first page entry created; the exit page the
  // current one.
  s.facts = std::make_unique<wire::SessionFacts>(
      Deciseconds(end_ms - start_ms_), Deciseconds(active_ms_), page_views_, rage_clicks_, dead_clicks_,
      quick_backs_, dims_,
      static_cast<uint8_t>((bounce ? 1 : 0) | (path_truncated_ ? 2 : 0) | (ended_ ? 4 : 0)), 0,
      current_page_ >= 0 ? static_cast<uint8_t>(current_page_) : 0);
  for (const PageEntry& p : pages_) {
    s.pages.emplace_back(p.page, p.views, Saturate16(p.active_ms / 100), p.max_scroll, p.quick_backs);
  }
  s.literal_pages = literal_pages_;

  std::array<uint8_t, kMaxMicroConversions> in_path{};
  uint32_t previous_ds = 0;
  for (const PathStep& step : path_) {
    s.path_steps.push_back(step.micro);
    uint32_t offset_ds = step.offset_ms / 100;
    AppendVarint(offset_ds - previous_ds, s.path_deltas);
    previous_ds = offset_ds;
    ++in_path[step.micro];
  }
  for (size_t micro = 0; micro < micro_counts_.size(); ++micro) {
    if (micro_counts_[micro] > in_path[micro]) {
      s.repeats.emplace_back(static_cast<uint8_t>(micro), static_cast<uint8_t>(micro_counts_[micro] - in_path[micro]));
    }
  }
  for (const FunnelTracker& funnel : funnels_) {
    if (!funnel.started()) continue;
    s.funnels.push_back(funnel.Progress());
    funnel.AppendStepTimes(s.step_times);
  }
  s.heat = heat_;

  // Names travel only when something sent refers to them: frustrated
  // elements and unconfigured form fields.
  std::vector<int> sent_name(names_.size(), -1);
  auto name_id = [&](uint16_t internal) {
    if (sent_name[internal] < 0) {
      sent_name[internal] = static_cast<int>(s.names.size());
      s.names.push_back(names_[internal]);
    }
    return static_cast<uint16_t>(sent_name[internal]);
  };
  for (const FormEntry& form : forms_) {
    s.forms.emplace_back(form.form, static_cast<uint8_t>((form.started ? 1 : 0) | (form.submitted ? 2 : 0)),
                         form.last_field >= 0 ? static_cast<uint8_t>(form.last_field) : 0xff,
                         static_cast<uint8_t>(form.fields.size()));
    for (const FieldEntry& f : form.fields) {
      auto field = static_cast<uint8_t>(f.field & kLiteralBit ? kLiteralFieldBit | name_id(f.field & ~kLiteralBit)
                                                              : f.field);
      s.fields.emplace_back(field, Saturate8(f.focus_count), Saturate8(f.changes > 1 ? f.changes - 1u : 0u), 0,
                            Saturate16(f.time_ms / 100));
    }
  }
  for (const ElementEntry& e : elements_) {
    if (e.rage == 0 && e.dead == 0) continue;
    s.elements.emplace_back(name_id(e.name), Saturate8(e.clicks), Saturate8(e.rage), Saturate8(e.dead), e.page);
  }
  s.referrer = referrer_;
  s.utm_source = utm_source_;
  s.utm_medium = utm_medium_;
  s.utm_campaign = utm_campaign_;
  return s;
}

std::vector<uint8_t> Session::PreviewSummary() const { return EncodeSummary(BuildSummary()); }

std::vector<uint8_t> Session::Flush() {
  std::vector<uint8_t> bytes = PreviewSummary();
  ++seq_;
  return bytes;
}

}  // namespace microconv
