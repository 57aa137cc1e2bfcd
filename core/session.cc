#include "core/session.h"

#include <algorithm>

#include "core/flatbuffer_write.h"
#include "core/ldp.h"
#include "core/page_pattern.h"
#include "core/summary.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

// The path of a URL path-and-query without query or fragment: what page
// rules match against. Never leaves the browser as is.
std::string_view PathOnly(std::string_view path_and_query) {
  size_t end = path_and_query.find_first_of("?#");
  std::string_view path = path_and_query.substr(0, end);
  return path.empty() ? std::string_view("/") : path;
}

}  // namespace

Session::Session(const Config& config, int64_t start_ms)
    : config_(&config), micros_(config), forms_(config, start_ms), revenue_(config) {}

Session::Session(const Config& config, const SessionStart& start)
    : Session(config, SaneTime(start.time_ms)) {
  nonce_ = start.nonce;
  ldp_seed_ = start.ldp_seed;
  dims_ = DimensionsOf(start.visitor);
  referrer_ = ReferrerDomain(start.referrer, start.own_host);
  start_ms_ = last_ms_ = last_input_ms_ = tick_ms_ = end_ms_ = page_start_ms_ =
      SaneTime(start.time_ms);
  const auto* funnels = config.def().funnels();
  for (size_t i = 0; funnels && i < funnels->size(); ++i) {
    funnels_.emplace_back(*funnels->Get(i), static_cast<uint8_t>(i));
  }
  if (JourneyDays(config) != 0) journey_ = JourneyTracker(config, start_ms_);
  if (ReplaySampled(config, start.replay_draw)) replay_ = ReplayRecorder::Sampled();
}

uint32_t Session::ReplayTenths(int64_t t) const noexcept {
  return static_cast<uint32_t>(std::clamp<int64_t>((t - start_ms_) / 100, 0, UINT32_MAX));
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
    ExtendEnd();
    ++result.consumed;
  }
  return result;
}

void Session::Advance(int64_t now_ms) {
  Tick(std::max(SaneTime(now_ms), last_ms_));
  ExtendEnd();
}

void Session::ExtendEnd() {
  int64_t end = hidden_
                    ? last_ms_
                    : std::max(last_ms_, std::min(tick_ms_, last_input_ms_ + kActiveAfterInputMs));
  end_ms_ = std::max(end_ms_, end);
}

// Time passes: active time, element dwell timers, time-on-page rules.
void Session::Tick(int64_t t) {
  if (!hidden_ && t > tick_ms_) {
    int64_t active_until = std::min(t, last_input_ms_ + kActiveAfterInputMs);
    if (active_until > tick_ms_) {
      end_ms_ = std::max(end_ms_, active_until);
      // Active time never exceeds the visit: after a restore, whose end is
      // only known to the decisecond, up to 99 ms could otherwise count twice.
      int64_t room = std::max<int64_t>(end_ms_ - start_ms_ - active_ms_, 0);
      int64_t added = std::min(active_until - tick_ms_, room);
      active_ms_ = Saturate32(active_ms_ + static_cast<uint64_t>(added));
      if (current_page_ >= 0) {
        pages_[current_page_].active_ms =
            Saturate32(pages_[current_page_].active_ms + static_cast<uint64_t>(added));
      }
    }
  }
  tick_ms_ = std::max(tick_ms_, t);
  FiredMicros fired;
  micros_.Tick(t, current_page_ >= 0, page_start_ms_, current_path_, fired);
  Record(fired, t);
}

void Session::Handle(const Event& event, int64_t t, const EventBatch& batch) {
  FiredMicros fired;
  switch (event.type) {
    case EventType::kPageView:
      last_input_ms_ = t;
      OnPageView(batch.String(event.str),
                 event.a == static_cast<uint16_t>(Navigation::kHistoryBack), t);
      // The first viewport counts as reached: a page nobody scrolls still
      // has a depth. Only scrolling fires scroll-depth rules.
      if (current_page_ >= 0) {
        PageEntry& page = pages_[current_page_];
        page.max_scroll = std::max(page.max_scroll, std::min<uint8_t>(event.b, 100));
      }
      return;
    case EventType::kClick:
      last_input_ms_ = t;
      OnClick(event, batch.String(event.str), t);
      break;
    case EventType::kSelectorMatch:
      micros_.OnSelectorMatch(event.a, current_path_, fired);
      break;
    case EventType::kScroll: {
      last_input_ms_ = t;
      if (current_page_ < 0) break;
      auto percent = static_cast<uint8_t>(std::min<uint16_t>(event.a, 100));
      PageEntry& page = pages_[current_page_];
      page.max_scroll = std::max(page.max_scroll, percent);
      micros_.OnScroll(percent, current_path_, fired);
      replay_.OnScroll(ReplayTenths(t), static_cast<uint8_t>(current_page_), page.max_scroll);
      break;
    }
    case EventType::kFormStart:
    case EventType::kFormSubmit: {
      last_input_ms_ = t;
      bool submit = event.type == EventType::kFormSubmit;
      if (forms_.OnStartOrSubmit(event.a, submit, t))
        micros_.OnForm(event.a, submit, current_path_, fired);
      break;
    }
    case EventType::kFieldFocus:
    case EventType::kFieldBlur:
    case EventType::kFieldChange: {
      last_input_ms_ = t;
      const std::string_view field = batch.String(event.str);
      forms_.OnField(event.type, event.a, field, t, names_);
      // Of configured forms only, and never a change (a value being typed):
      // the timeline keeps focus and leave.
      const auto* forms = config_->def().forms();
      if (replay_.sampled() && event.type != EventType::kFieldChange && !field.empty() && forms &&
          event.a < forms->size()) {
        replay_.OnField(ReplayTenths(t), event.type == EventType::kFieldFocus, names_.Index(field));
      }
      break;
    }
    case EventType::kElementVisible:
      micros_.OnElementVisible(event.a, event.b != 0, t);
      break;
    case EventType::kMedia:
      micros_.OnMedia(event.a, event.b, fired);
      break;
    case EventType::kCustom:
      micros_.OnNamedEvent(event.type, batch.String(event.str), current_path_, fired);
      break;
    case EventType::kDataLayer: {
      const bool valued = revenue_.OnDataLayer(event, batch.String(event.str));
      micros_.OnNamedEvent(event.type, batch.String(event.str), current_path_, fired);
      Record(fired, t, valued);
      return;
    }
    case EventType::kDeadClick:
      frustration_.OnDeadClick(batch.String(event.str), current_page_, names_);
      if (replay_.sampled() && current_page_ >= 0)
        replay_.OnDeadClick(ReplayTenths(t), ElementName(batch.String(event.str)));
      break;
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
  Record(fired, t);
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
    frustration_.OnQuickBack();
  }
  forms_.CloseFocus(t);
  frustration_.OnPageView();
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
  auto page =
      std::find_if(pages_.begin(), pages_.end(), [&](const PageEntry& p) { return p.page == id; });
  int slot = -1;
  if (id != 0xffff && (page != pages_.end() || pages_.size() < kMaxPages)) {
    if (page == pages_.end()) page = pages_.insert(page, PageEntry{id});
    page->views = Saturate16(page->views + 1u);
    slot = static_cast<int>(page - pages_.begin());
  }
  if (current_page_ >= 0 && slot != current_page_) previous_page_ = current_page_;
  current_page_ = slot;
  page_start_ms_ = t;
  current_path_.assign(path.substr(0, 512));
  if (current_page_ >= 0) replay_.OnPage(ReplayTenths(t), static_cast<uint8_t>(current_page_));
  // Next actions after a drop-off name pages by their slot in `pages`.
  if (current_page_ >= 0) {
    for (FunnelTracker& funnel : funnels_) funnel.OnPage(static_cast<uint16_t>(current_page_), t);
  }
  FiredMicros fired;
  micros_.OnPageView(current_path_, fired);
  Record(fired, t);
}

void Session::OnClick(const Event& event, std::string_view element, int64_t t) {
  // Keyed by the element when the tracker read its box; else (and past the
  // element entries' cap) on the document grid.
  if (current_page_ >= 0) {
    const auto page = static_cast<uint8_t>(current_page_);
    const bool keyed =
        event.a > 0 && !element.empty() && element_heatmap_.OnClick(element, event.a - 1, page);
    if (!keyed) heatmap_.OnClick(event.x, event.y, event.w, event.h, page);
  }
  const uint16_t rage_before = frustration_.state().rage_clicks;
  frustration_.OnClick(event.x, event.y, element, current_page_, t, names_);
  // Clicks on a page over the caps have no page slot to be played over.
  if (!replay_.sampled() || current_page_ < 0) return;
  const int name = ElementName(element);
  replay_.OnClick(ReplayTenths(t), name, HeatCellOf(event.x, event.y, event.w, event.h));
  if (frustration_.state().rage_clicks != rage_before) replay_.OnRageClick(ReplayTenths(t), name);
}

int Session::ElementName(std::string_view element) {
  return element.empty() ? -1 : names_.Index(element);
}

void Session::Record(const FiredMicros& fired, int64_t t, bool valued_by_event) {
  revenue_.OnFired(*config_, fired, valued_by_event);
  for (uint8_t micro : fired) {
    if (path_.empty() || path_.back().micro != micro) {
      if (path_.size() < kMaxPathSteps) {
        path_.push_back({micro, static_cast<uint32_t>(std::max<int64_t>(t - start_ms_, 0))});
      } else {
        path_truncated_ = true;
      }
    }
    for (FunnelTracker& funnel : funnels_) funnel.OnMicro(micro, t);
    journey_.OnMicro(micro, t);
    replay_.OnConversion(ReplayTenths(t), micro);
  }
}

std::vector<uint8_t> Session::BuildSummary(Purpose purpose) const {
  flatbuffers::FlatBufferBuilder fbb(1024);
  // Children are written in the schema's field order and the table by the
  // generated CreateSummary, as the object API's Pack did: the bytes did not
  // change when the visitor's module stopped carrying that API
  // (core/flatbuffer_write.h).
  const auto site = StringOrNull(fbb, config_->site());
  std::vector<wire::PageStat> pages;
  for (const PageEntry& p : pages_) {
    pages.emplace_back(p.page, p.views, Saturate16(p.active_ms / 100), p.max_scroll, p.quick_backs);
  }
  const auto page_stats = StructsOrNull(fbb, pages);
  std::array<uint8_t, kMaxMicroConversions> in_path{};
  std::vector<uint8_t> path_steps, path_deltas;
  uint32_t previous_ds = 0;
  for (const PathStep& step : path_) {
    path_steps.push_back(step.micro);
    uint32_t offset_ds = step.offset_ms / 100;
    AppendVarint(offset_ds - previous_ds, path_deltas);
    previous_ds = offset_ds;
    ++in_path[step.micro];
  }
  const auto steps = VectorOrNull(fbb, path_steps);
  const auto deltas = VectorOrNull(fbb, path_deltas);
  const auto repeats = StructsOrNull(fbb, micros_.Repeats(in_path));
  std::vector<wire::FunnelProgress> progress;
  std::vector<uint8_t> step_times;
  for (const FunnelTracker& funnel : funnels_) {
    if (!funnel.started()) continue;
    progress.push_back(funnel.Progress());
    funnel.AppendStepTimes(step_times);
  }
  const auto funnels = StructsOrNull(fbb, progress);
  const auto times = VectorOrNull(fbb, step_times);
  const auto heat = StructsOrNull(fbb, heatmap_.cells());
  // Every page's once the session has ended: its final flush, which a host
  // may send alone (`microconv replay`, `simulate --final-only`).
  const auto element_clicks = purpose == Purpose::kSnapshot || ended_
                                  ? element_heatmap_.Saved(fbb)
                                  : element_heatmap_.SentClicks(fbb, current_page_, previous_page_);
  // Names travel only when something sent refers to them: unconfigured form
  // fields, then frustrated elements.
  std::vector<std::string> sent;
  SentNames sent_names(names_, sent);
  const FormTracker::Rows form_rows = forms_.SummaryRows(sent_names);
  const auto forms = StructsOrNull(fbb, form_rows.forms);
  const auto fields = StructsOrNull(fbb, form_rows.fields);
  const auto elements = StructsOrNull(fbb, frustration_.SummaryElements(sent_names));
  // Elements and fields only the timeline names come last in `names`.
  const std::vector<uint8_t> replay_bytes = replay_.SummaryBytes(sent_names);
  const auto names = StringsOrNull(fbb, sent);
  const auto literal_pages = StringsOrNull(fbb, literal_pages_);
  const auto referrer = StringOrNull(fbb, referrer_);
  const auto utm_source = StringOrNull(fbb, utm_source_);
  const auto utm_medium = StringOrNull(fbb, utm_medium_);
  const auto utm_campaign = StringOrNull(fbb, utm_campaign_);
  const JourneyTracker::Fields journey = journey_.SummaryFields(start_ms_);
  const auto journey_steps = StructsOrNull(fbb, journey.steps);
  const auto cta_seen = VectorOrNull(fbb, micros_.CtaSeen());
  // Present, even empty, iff sampled: a restore learns the sampling here.
  const auto replay = replay_.sampled() ? fbb.CreateVector(replay_bytes) : 0;

  const bool bounce = page_views_ <= 1 && path_.empty();
  const FrustrationState& frustration = frustration_.state();
  // The entry page is the first page entry created; the exit page the
  // current one.
  const wire::SessionFacts facts(Deciseconds(end_ms_ - start_ms_), Deciseconds(active_ms_),
                                 page_views_, frustration.rage_clicks, frustration.dead_clicks,
                                 frustration.quick_backs, dims_,
                                 FlagIf(bounce, wire::FactFlags::Bounce) |
                                     FlagIf(path_truncated_, wire::FactFlags::PathTruncated) |
                                     FlagIf(ended_, wire::FactFlags::Ended),
                                 0, current_page_ >= 0 ? static_cast<uint8_t>(current_page_) : 0);
  wire::FinishSummaryBuffer(
      fbb, wire::CreateSummary(fbb, kSummaryVersion, site, config_->hash(), nonce_, seq_ + 1,
                               static_cast<uint32_t>(start_ms_ / 60000), &facts, page_stats, steps,
                               deltas, repeats, funnels, times, heat, forms, fields, elements,
                               names, literal_pages, referrer, utm_source, utm_medium, utm_campaign,
                               revenue_.revenue_cents(), revenue_.orders(),
                               revenue_.other_currency_orders(), 0.0f, 0, journey.visit,
                               journey.day, journey_steps, cta_seen, replay, element_clicks));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

std::vector<uint8_t> Session::PreviewSummary() const {
  std::vector<uint8_t> exact = BuildSummary();
  const float epsilon = LdpEpsilon(*config_);
  if (epsilon <= 0) return exact;
  return StripToLdp(*wire::GetSummary(exact.data()), *config_, ldp_seed_, epsilon);
}

std::vector<uint8_t> Session::LdpTrueBits() const {
  const std::vector<uint8_t> exact = BuildSummary();
  return microconv::LdpTrueBits(*wire::GetSummary(exact.data()), *config_);
}

std::vector<uint8_t> Session::Flush() {
  // An LDP session's one summary waits for its end (core/ldp.h).
  if (!ended_ && LdpEpsilon(*config_) > 0) return {};
  std::vector<uint8_t> bytes = PreviewSummary();
  ++seq_;
  return bytes;
}

}  // namespace microconv
