// Session <-> snapshot bytes (core/schema/snapshot.fbs). The snapshot lives in
// the visitor's own storage, but storage is writable by any script of the
// page, so a snapshot is verified as strictly as a summary from the network.
#include <bit>

#include "core/schema/snapshot_generated.h"
#include "core/session.h"
#include "core/summary.h"

namespace microconv {
namespace {

inline constexpr uint8_t kSnapshotVersion = 1;
inline constexpr size_t kMaxSnapshotBytes = 64 * 1024;

// One entry per set bit of `bits`, in bit order.
std::vector<uint32_t> PackOffsets(uint32_t bits, const std::array<uint32_t, 32>& offsets) {
  std::vector<uint32_t> out;
  for (int i = 0; i < 32; ++i) {
    if (bits & (1u << i)) out.push_back(offsets[i]);
  }
  return out;
}

bool UnpackOffsets(uint32_t bits, const flatbuffers::Vector<uint32_t>* packed,
                   std::array<uint32_t, 32>& offsets) {
  size_t count = packed ? packed->size() : 0;
  if (count != static_cast<size_t>(std::popcount(bits))) return false;
  size_t next = 0;
  for (int i = 0; i < 32; ++i) {
    if (bits & (1u << i)) offsets[i] = packed->Get(static_cast<flatbuffers::uoffset_t>(next++));
  }
  return true;
}

Result<Session> Corrupt(const char* why) { return {Error::kCorruptSnapshot, why}; }

template <typename T>
size_t SizeOf(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}

}  // namespace

std::vector<uint8_t> Session::Snapshot() const {
  wire::SnapshotT snap;
  snap.version = kSnapshotVersion;
  snap.config_hash = config_->hash();
  snap.summary = PreviewSummary();
  auto engine = std::make_unique<wire::EngineStateT>();
  engine->start_ms = start_ms_;
  engine->last_ms = last_ms_;
  engine->last_input_ms = last_input_ms_;
  engine->seq = seq_;
  engine->hidden = hidden_;
  engine->current_page = static_cast<int16_t>(current_page_);
  engine->page_start_ms = page_start_ms_;
  engine->current_path = current_path_;
  for (size_t byte = 0; byte < 32; ++byte) {
    uint8_t bits = 0;
    for (size_t bit = 0; bit < 8; ++bit) bits |= fired_on_page_[byte * 8 + bit] ? (1u << bit) : 0;
    engine->fired.push_back(bits);
  }
  while (!engine->fired.empty() && engine->fired.back() == 0) engine->fired.pop_back();
  engine->active_ms = active_ms_;
  for (const PageEntry& page : pages_) engine->page_active_ms.push_back(page.active_ms);
  for (const ClickMark& mark : recent_clicks_) {
    if (mark.valid) engine->clicks.emplace_back(static_cast<uint32_t>(mark.time_ms - start_ms_), mark.x, mark.y);
  }
  engine->in_rage = in_rage_;
  for (const VisibleTimer& timer : visible_) {
    engine->visible.emplace_back(timer.selector, 0, static_cast<uint32_t>(timer.since_ms - start_ms_));
  }
  engine->focus_form = static_cast<int16_t>(focus_form_);
  engine->focus_field = static_cast<int16_t>(focus_field_);
  engine->focus_since_ms = focus_since_ms_;
  for (const FormEntry& form : forms_) {
    uint64_t changed = 0;
    for (size_t i = 0; i < form.fields.size(); ++i) {
      if (form.fields[i].changes) changed |= uint64_t{1} << i;
    }
    engine->field_changed.push_back(static_cast<uint32_t>(changed));
    engine->field_changed.push_back(static_cast<uint32_t>(changed >> 32));
  }
  for (const FunnelTracker& funnel : funnels_) {
    const FunnelState& st = funnel.state();
    auto out = std::make_unique<wire::FunnelSnapshotT>();
    out->funnel = st.funnel;
    out->reached = st.reached;
    out->furthest = st.furthest;
    out->converted = st.converted;
    out->excluded = st.excluded;
    out->step_offset_ms = PackOffsets(st.reached, st.step_offset_ms);
    out->attempt_reached = st.attempt_reached;
    out->attempt_start_ms = st.attempt_start_ms;
    out->attempt_last_ms = st.attempt_last_ms;
    out->attempt_offset_ms = PackOffsets(st.attempt_reached, st.attempt_offset_ms);
    out->next.assign(st.next.begin(), st.next.begin() + st.next_count);
    engine->funnels.push_back(std::move(out));
  }
  for (const PathStep& step : path_) engine->path_offset_ms.push_back(step.offset_ms);
  snap.engine = std::move(engine);

  flatbuffers::FlatBufferBuilder fbb(1024);
  wire::FinishSnapshotBuffer(fbb, wire::Snapshot::Pack(fbb, &snap));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

Result<Session> Session::Restore(const Config& config, std::span<const uint8_t> bytes) {
  if (bytes.size() < 8 || bytes.size() > kMaxSnapshotBytes) return Corrupt("snapshot size");
  if (!wire::SnapshotBufferHasIdentifier(bytes.data())) return Corrupt("not a snapshot");
  flatbuffers::Verifier::Options options;
  options.max_depth = 8;
  options.max_tables = 1024;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!wire::VerifySnapshotBuffer(verifier)) return Corrupt("snapshot failed verification");
  const wire::Snapshot* snap = wire::GetSnapshot(bytes.data());
  if (snap->version() != kSnapshotVersion) return Corrupt("snapshot version");
  if (snap->config_hash() != config.hash()) return {Error::kConfigMismatch, "snapshot of another config"};
  const wire::EngineState* engine = snap->engine();
  if (!snap->summary() || !engine) return Corrupt("snapshot incomplete");
  auto verified = VerifySummary({snap->summary()->data(), snap->summary()->size()}, &config);
  if (!verified.ok()) return Corrupt("snapshot summary failed verification");
  const wire::Summary& s = *verified.value();

  // Every engine time lies within [start, last] and in the JS clock's range,
  // so no later arithmetic on them can overflow.
  auto in_session = [&](int64_t t) { return t >= engine->start_ms() && t <= engine->last_ms(); };
  if (engine->start_ms() < 0 || engine->last_ms() > kMaxTimeMs || engine->start_ms() > engine->last_ms() ||
      !in_session(engine->last_input_ms()) || !in_session(engine->page_start_ms()) ||
      !in_session(engine->focus_since_ms())) {
    return Corrupt("engine times");
  }

  Session session;
  session.config_ = &config;
  session.nonce_ = s.nonce();
  session.seq_ = engine->seq();
  session.ended_ = s.facts() && (s.facts()->flags() & 4) != 0;
  const wire::SessionFacts facts = s.facts() ? *s.facts() : wire::SessionFacts();
  session.dims_ = facts.dims();
  auto str = [](const flatbuffers::String* v) { return v ? v->str() : std::string(); };
  session.referrer_ = str(s.referrer());
  session.utm_source_ = str(s.utm_source());
  session.utm_medium_ = str(s.utm_medium());
  session.utm_campaign_ = str(s.utm_campaign());
  session.start_ms_ = engine->start_ms();
  session.last_ms_ = engine->last_ms();
  session.last_input_ms_ = engine->last_input_ms();
  session.tick_ms_ = engine->last_ms();
  session.hidden_ = engine->hidden();
  session.active_ms_ = engine->active_ms();
  session.page_views_ = facts.page_views();

  size_t page_count = SizeOf(s.pages());
  if (SizeOf(engine->page_active_ms()) != page_count) return Corrupt("page times");
  for (size_t i = 0; i < page_count; ++i) {
    const wire::PageStat* p = s.pages()->Get(static_cast<flatbuffers::uoffset_t>(i));
    session.pages_.push_back(
        PageEntry{p->page(), p->views(), engine->page_active_ms()->Get(static_cast<flatbuffers::uoffset_t>(i)),
                  p->max_scroll(), p->quick_backs()});
  }
  if (s.literal_pages()) {
    for (const auto* literal : *s.literal_pages()) session.literal_pages_.push_back(literal->str());
  }
  if (engine->current_page() < -1 || engine->current_page() >= static_cast<int>(page_count)) {
    return Corrupt("current page");
  }
  session.current_page_ = engine->current_page();
  session.page_start_ms_ = engine->page_start_ms();
  session.current_path_ = str(engine->current_path());
  if (SizeOf(engine->fired()) > 32) return Corrupt("fired set");
  for (size_t byte = 0; byte < SizeOf(engine->fired()); ++byte) {
    uint8_t bits = engine->fired()->Get(static_cast<flatbuffers::uoffset_t>(byte));
    for (size_t bit = 0; bit < 8; ++bit) session.fired_on_page_[byte * 8 + bit] = (bits >> bit) & 1;
  }

  // A micro-conversion's count: its occurrences in the path plus repeats.
  if (s.repeats()) {
    for (const wire::IdCount* c : *s.repeats()) session.micro_counts_[c->id()] = c->count();
  }
  size_t steps = SizeOf(s.path_steps());
  if (SizeOf(engine->path_offset_ms()) != steps) return Corrupt("path offsets");
  for (size_t i = 0; i < steps; ++i) {
    auto at = static_cast<flatbuffers::uoffset_t>(i);
    uint8_t micro = s.path_steps()->Get(at);
    session.micro_counts_[micro] = static_cast<uint8_t>(std::min(session.micro_counts_[micro] + 1, 0xff));
    session.path_.push_back({micro, engine->path_offset_ms()->Get(at)});
  }
  session.path_truncated_ = (facts.flags() & 2) != 0;

  const auto* funnel_defs = config.def().funnels();
  size_t funnel_count = SizeOf(funnel_defs);
  if (SizeOf(engine->funnels()) != funnel_count) return Corrupt("funnel count");
  for (size_t i = 0; i < funnel_count; ++i) {
    const wire::FunnelSnapshot* f = engine->funnels()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const wire::FunnelDef* def = funnel_defs->Get(static_cast<flatbuffers::uoffset_t>(i));
    uint64_t step_mask = def->steps() ? (uint64_t{1} << def->steps()->size()) - 1 : 0;
    FunnelState st;
    st.funnel = static_cast<uint8_t>(i);
    st.reached = f->reached();
    st.furthest = f->furthest();
    st.converted = f->converted();
    st.excluded = f->excluded();
    st.attempt_reached = f->attempt_reached();
    st.attempt_start_ms = f->attempt_start_ms();
    st.attempt_last_ms = f->attempt_last_ms();
    if (f->funnel() != i || (st.attempt_reached && (!in_session(st.attempt_start_ms) ||
                                                    !in_session(st.attempt_last_ms))) || (st.reached & ~step_mask) || (st.attempt_reached & ~step_mask) ||
        st.furthest > kMaxFunnelSteps || SizeOf(f->next()) > st.next.size() ||
        !UnpackOffsets(st.reached, f->step_offset_ms(), st.step_offset_ms) ||
        !UnpackOffsets(st.attempt_reached, f->attempt_offset_ms(), st.attempt_offset_ms)) {
      return Corrupt("funnel state");
    }
    for (size_t n = 0; n < SizeOf(f->next()); ++n) {
      const uint16_t code = f->next()->Get(static_cast<flatbuffers::uoffset_t>(n));
      // What VerifySummary will check: a page slot of the pages above, or a
      // configured micro-conversion (found by tests/fuzz/snapshot_fuzz.cc).
      const bool page = (code & kLiteralBit) != 0;
      if (page ? (code & ~kLiteralBit) >= page_count : code >= config.micro_count()) {
        return Corrupt("funnel next action");
      }
      st.next[n] = code;
    }
    st.next_count = static_cast<uint8_t>(SizeOf(f->next()));
    session.funnels_.emplace_back(*def, st);
  }

  if (s.heat()) {
    for (const wire::HeatCell* cell : *s.heat()) session.heat_.push_back(*cell);
  }
  // Only frustrated elements were sent, so only they come back: clicks on
  // other elements before this page load are forgotten (elements are per
  // page, so this only matters when a visitor returns to a page).
  if (s.names()) {
    for (const auto* name : *s.names()) session.names_.push_back(name->str());
  }
  if (s.elements()) {
    for (const wire::ElementStat* e : *s.elements()) {
      session.elements_.push_back(ElementEntry{e->element(), e->page(), e->clicks(), e->rage_clicks(), e->dead_clicks()});
    }
  }
  session.rage_clicks_ = facts.rage_clicks();
  session.dead_clicks_ = facts.dead_clicks();
  session.quick_backs_ = facts.quick_backs();
  size_t click_count = SizeOf(engine->clicks());
  if (click_count > session.recent_clicks_.size()) return Corrupt("clicks");
  for (size_t i = 0; i < click_count; ++i) {
    const wire::ClickMark* mark = engine->clicks()->Get(static_cast<flatbuffers::uoffset_t>(i));
    int64_t time_ms = engine->start_ms() + mark->offset_ms();
    if (!in_session(time_ms)) return Corrupt("click time");
    session.recent_clicks_[i] = {time_ms, mark->x(), mark->y(), true};
  }
  session.in_rage_ = engine->in_rage();

  size_t form_count = SizeOf(s.forms());
  if (SizeOf(engine->field_changed()) != 2 * form_count) return Corrupt("form state");
  size_t next_field = 0;
  for (size_t i = 0; i < form_count; ++i) {
    const wire::FormStat* f = s.forms()->Get(static_cast<flatbuffers::uoffset_t>(i));
    auto word = [&](size_t k) { return uint64_t{engine->field_changed()->Get(static_cast<flatbuffers::uoffset_t>(k))}; };
    uint64_t changed = word(2 * i) | word(2 * i + 1) << 32;
    FormEntry form{f->form(), (f->flags() & 1) != 0, (f->flags() & 2) != 0,
                   static_cast<int16_t>(f->last_field() == 0xff ? -1 : f->last_field()), {}};
    size_t field_count = f->field_count();
    if (form.last_field >= static_cast<int>(field_count) || field_count > 64 ||
        next_field + field_count > SizeOf(s.fields())) {
      return Corrupt("form fields");
    }
    for (size_t k = 0; k < field_count; ++k) {
      const wire::FieldStat* field = s.fields()->Get(static_cast<flatbuffers::uoffset_t>(next_field++));
      // Refills are changes beyond the first; whether there was a first is
      // the engine's bit.
      uint16_t changes = (changed >> k) & 1 ? static_cast<uint16_t>(field->refills() + 1) : 0;
      uint16_t key = field->field() & kLiteralFieldBit ? static_cast<uint16_t>(kLiteralBit | (field->field() & 0x7f))
                                                       : field->field();
      form.fields.push_back(FieldEntry{key, field->focus_count(), changes,
                                       static_cast<uint32_t>(field->time_ds()) * 100});
    }
    session.forms_.push_back(std::move(form));
  }
  session.focus_form_ = engine->focus_form();
  session.focus_field_ = engine->focus_field();
  session.focus_since_ms_ = engine->focus_since_ms();
  if (session.focus_form_ >= static_cast<int>(form_count) || session.focus_form_ < -1 ||
      (session.focus_form_ >= 0 &&
       (session.focus_field_ < 0 ||
        session.focus_field_ >= static_cast<int>(session.forms_[session.focus_form_].fields.size())))) {
    return Corrupt("focus");
  }
  if (session.focus_form_ < 0) session.focus_field_ = -1;

  const auto* visibility = config.def().visibility_selectors();
  if (engine->visible()) {
    for (const wire::VisibleTimer* timer : *engine->visible()) {
      int64_t since_ms = engine->start_ms() + timer->since_offset_ms();
      if (!visibility || timer->selector() >= visibility->size() || !in_session(since_ms)) {
        return Corrupt("visibility timer");
      }
      session.visible_.push_back({timer->selector(), since_ms});
    }
  }
  return session;
}

}  // namespace microconv
