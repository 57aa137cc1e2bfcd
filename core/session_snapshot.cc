// Session <-> snapshot bytes (core/schema/snapshot.fbs). The snapshot lives in
// the visitor's own storage, but storage is writable by any script of the
// page, so a snapshot is verified as strictly as a summary from the network.
#include <bit>

#include "core/flatbuffer_write.h"
#include "core/schema/snapshot_generated.h"
#include "core/session.h"
#include "core/summary.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

inline constexpr uint8_t kSnapshotVersion = 1;
inline constexpr size_t kMaxSnapshotBytes = 64 * 1024;

Result<Session> Corrupt(const char* why) {
  return {Error::kCorruptSnapshot, MICROCONV_MESSAGE(why)};
}

template <typename T>
size_t SizeOf(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}

// The verified snapshot of `config` in `bytes`, or why not.
Result<const wire::Snapshot*> VerifiedSnapshot(const Config& config,
                                               std::span<const uint8_t> bytes) {
  const Result<const wire::Snapshot*> corrupt{Error::kCorruptSnapshot, ""};
  if (bytes.size() < 8 || bytes.size() > kMaxSnapshotBytes) return corrupt;
  if (!wire::SnapshotBufferHasIdentifier(bytes.data())) return corrupt;
  flatbuffers::Verifier::Options options;
  options.max_depth = 8;
  options.max_tables = 1024;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!wire::VerifySnapshotBuffer(verifier)) return corrupt;
  const wire::Snapshot* snap = wire::GetSnapshot(bytes.data());
  if (snap->version() != kSnapshotVersion) return corrupt;
  if (snap->config_hash() != config.hash())
    return {Error::kConfigMismatch, MICROCONV_MESSAGE("snapshot of another config")};
  return snap;
}

// The snapshot of `engine` (and of `summary`, empty for a journey's).
std::vector<uint8_t> Finish(flatbuffers::FlatBufferBuilder& fbb, uint32_t config_hash,
                            flatbuffers::Offset<flatbuffers::Vector<uint8_t>> summary,
                            flatbuffers::Offset<wire::EngineState> engine) {
  wire::FinishSnapshotBuffer(
      fbb, wire::CreateSnapshot(fbb, kSnapshotVersion, config_hash, summary, engine));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace

std::vector<uint8_t> Session::JourneySnapshot() const {
  if (!journey_.active()) return {};
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto journey = journey_.Save(fbb);
  wire::EngineStateBuilder engine(fbb);
  engine.add_journey(journey);
  return Finish(fbb, config_->hash(), 0, engine.Finish());
}

Status Session::ContinueJourney(std::span<const uint8_t> previous) {
  if (!journey_.active()) return {};
  auto snap = VerifiedSnapshot(*config_, previous);
  if (!snap.ok()) return {snap.error(), snap.message()};
  const wire::EngineState* engine = snap.value()->engine();
  if (engine == nullptr || engine->journey() == nullptr) {
    return {Error::kCorruptSnapshot, MICROCONV_MESSAGE("no journey")};
  }
  // A journey from the future (clock set back) does not continue.
  auto restored = JourneyTracker::Restore(*config_, *engine->journey(), start_ms_);
  if (!restored.ok()) return {restored.error(), restored.message()};
  journey_.Continue(restored.value(), start_ms_);
  return {};
}

std::vector<uint8_t> Session::Snapshot() const {
  flatbuffers::FlatBufferBuilder fbb(1024);
  // The exact summary: the snapshot stays on the device, and a restore
  // needs everything (the LDP form is derived from it at each flush).
  const auto summary = fbb.CreateVector(BuildSummary(Purpose::kSnapshot));
  // Children first: a FlatBuffers table is written after what it points to.
  const auto current_path = StringOrNull(fbb, current_path_);
  std::vector<uint32_t> page_active_ms;
  for (const PageEntry& page : pages_) page_active_ms.push_back(page.active_ms);
  const auto page_active = VectorOrNull(fbb, page_active_ms);
  const MicroConversionRules::Saved micros = micros_.Save(start_ms_, fbb);
  const FrustrationTracker::Saved frustration = frustration_.Save(start_ms_, fbb);
  const FormTracker::Saved forms = forms_.Save(fbb);
  std::vector<flatbuffers::Offset<wire::FunnelSnapshot>> funnel_list;
  for (const FunnelTracker& funnel : funnels_)
    funnel_list.push_back(funnel.Snapshot(fbb, start_ms_));
  const auto funnels = VectorOrNull(fbb, funnel_list);
  std::vector<uint32_t> path_offsets;
  for (const PathStep& step : path_) path_offsets.push_back(step.offset_ms);
  const auto path_offset_ms = VectorOrNull(fbb, path_offsets);
  const auto journey = journey_.active() ? journey_.Save(fbb) : 0;

  wire::EngineStateBuilder engine(fbb);
  engine.add_start_ms(start_ms_);
  engine.add_last_ms(last_ms_);
  engine.add_tick_ms(tick_ms_);
  engine.add_last_input_ms(last_input_ms_);
  engine.add_seq(seq_);
  engine.add_ldp_seed(ldp_seed_);
  engine.add_hidden(hidden_);
  engine.add_current_page(static_cast<int16_t>(current_page_));
  engine.add_previous_page(static_cast<int16_t>(previous_page_));
  engine.add_page_start_ms(page_start_ms_);
  engine.add_current_path(current_path);
  engine.add_active_ms(active_ms_);
  engine.add_page_active_ms(page_active);
  micros.AddTo(engine);
  frustration.AddTo(engine);
  forms.AddTo(engine);
  engine.add_funnels(funnels);
  engine.add_path_offset_ms(path_offset_ms);
  engine.add_journey(journey);
  return Finish(fbb, config_->hash(), summary, engine.Finish());
}

Result<Session> Session::Restore(const Config& config, std::span<const uint8_t> bytes) {
  auto verified_snap = VerifiedSnapshot(config, bytes);
  if (!verified_snap.ok()) {
    return {verified_snap.error(), verified_snap.message().empty()
                                       ? MICROCONV_MESSAGE("snapshot failed verification")
                                       : verified_snap.message()};
  }
  const wire::Snapshot* snap = verified_snap.value();
  const wire::EngineState* engine = snap->engine();
  if (!snap->summary() || !engine) return Corrupt(MICROCONV_NAME("snapshot incomplete"));
  auto verified =
      VerifySummary({snap->summary()->data(), snap->summary()->size()}, &config, /*exact=*/true);
  if (!verified.ok()) return Corrupt(MICROCONV_NAME("snapshot summary failed verification"));
  const wire::Summary& s = *verified.value();

  // Every engine time lies within [start, last] and in the JS clock's range,
  // so no later arithmetic on them can overflow.
  const SessionSpan span{engine->start_ms(), engine->last_ms()};
  auto in_session = [&](int64_t t) { return span.Contains(t); };
  if (engine->start_ms() < 0 || engine->last_ms() > kMaxTimeMs ||
      engine->start_ms() > engine->last_ms() || !in_session(engine->last_input_ms()) ||
      !in_session(engine->page_start_ms())) {
    return Corrupt(MICROCONV_NAME("engine times"));
  }

  Session session(config);
  session.nonce_ = s.nonce();
  session.seq_ = engine->seq();
  session.ldp_seed_ = engine->ldp_seed();
  session.ended_ = s.facts() && HasFlag(s.facts()->flags(), wire::FactFlags::Ended);
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
  session.hidden_ = engine->hidden();
  session.active_ms_ = engine->active_ms();
  // The visit's end: the duration sent (exact to the decisecond) and the
  // active time bound it from below, so the duration never goes down.
  const int64_t sent_end_ms = engine->start_ms() + int64_t{facts.duration_ds()} * 100;
  session.end_ms_ =
      std::clamp<int64_t>(std::max(sent_end_ms, engine->start_ms() + int64_t{engine->active_ms()}),
                          engine->last_ms(), kMaxTimeMs);
  // The clock: every time a tracker recorded is at most this.
  const int64_t clock_ms = std::max(engine->last_ms(), engine->tick_ms());
  if (clock_ms > kMaxTimeMs) return Corrupt(MICROCONV_NAME("clock"));
  session.tick_ms_ = std::max(session.end_ms_, clock_ms);
  session.page_views_ = facts.page_views();

  size_t page_count = SizeOf(s.pages());
  if (SizeOf(engine->page_active_ms()) != page_count) return Corrupt(MICROCONV_NAME("page times"));
  for (size_t i = 0; i < page_count; ++i) {
    const wire::PageStat* p = s.pages()->Get(static_cast<flatbuffers::uoffset_t>(i));
    session.pages_.push_back(
        PageEntry{p->page(), p->views(),
                  engine->page_active_ms()->Get(static_cast<flatbuffers::uoffset_t>(i)),
                  p->max_scroll(), p->quick_backs()});
  }
  if (s.literal_pages()) {
    for (const auto* literal : *s.literal_pages()) session.literal_pages_.push_back(literal->str());
  }
  for (int slot : {int{engine->current_page()}, int{engine->previous_page()}}) {
    if (slot < -1 || slot >= static_cast<int>(page_count))
      return Corrupt(MICROCONV_NAME("current page"));
  }
  session.current_page_ = engine->current_page();
  session.previous_page_ = engine->previous_page();
  session.page_start_ms_ = engine->page_start_ms();
  session.current_path_ = str(engine->current_path());

  size_t steps = SizeOf(s.path_steps());
  if (SizeOf(engine->path_offset_ms()) != steps) return Corrupt(MICROCONV_NAME("path offsets"));
  for (size_t i = 0; i < steps; ++i) {
    auto at = static_cast<flatbuffers::uoffset_t>(i);
    session.path_.push_back({s.path_steps()->Get(at), engine->path_offset_ms()->Get(at)});
  }
  session.path_truncated_ = HasFlag(facts.flags(), wire::FactFlags::PathTruncated);

  // Each tracker restores its own part; the first that objects wins.
  session.names_ = NameTable::Restore(s);
  session.heatmap_ = Heatmap::Restore(s);
  session.element_heatmap_ = ElementHeatmap::Restore(s);
  if (!session.replay_.Restore(s)) return Corrupt(MICROCONV_NAME("replay"));
  session.revenue_.Restore(s);
  for (Status restored :
       {session.micros_.Restore(s, *engine, span), session.forms_.Restore(s, *engine, span),
        session.frustration_.Restore(s, *engine, span)}) {
    if (!restored.ok()) return {restored.error, restored.message};
  }

  const auto* funnel_defs = config.def().funnels();
  size_t funnel_count = SizeOf(funnel_defs);
  if (SizeOf(engine->funnels()) != funnel_count) return Corrupt(MICROCONV_NAME("funnel count"));
  for (size_t i = 0; i < funnel_count; ++i) {
    const wire::FunnelSnapshot* f = engine->funnels()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const wire::FunnelDef* def = funnel_defs->Get(static_cast<flatbuffers::uoffset_t>(i));
    auto funnel =
        FunnelTracker::Restore(*def, static_cast<uint8_t>(i), *f, engine->start_ms(), clock_ms);
    if (!funnel.ok()) return Corrupt(MICROCONV_NAME("funnel state"));
    const FunnelState& st = funnel.value().state();
    for (size_t n = 0; n < st.next_count; ++n) {
      // What VerifySummary will check: a page slot of the pages above, or a
      // configured micro-conversion (found by tests/fuzz/snapshot_fuzz.cc).
      const uint16_t code = st.next[n];
      const bool page = (code & kLiteralBit) != 0;
      if (page ? (code & ~kLiteralBit) >= page_count : code >= config.micro_count()) {
        return Corrupt(MICROCONV_NAME("funnel next action"));
      }
    }
    session.funnels_.push_back(std::move(funnel).value());
  }
  // Journey scope carries the journey; session scope never does.
  if ((engine->journey() != nullptr) != (JourneyDays(config) != 0))
    return Corrupt(MICROCONV_NAME("journey"));
  if (engine->journey() != nullptr) {
    auto journey = JourneyTracker::Restore(config, *engine->journey(), clock_ms);
    if (!journey.ok()) return Corrupt(MICROCONV_NAME("journey state"));
    session.journey_ = std::move(journey).value();
  }

  return session;
}

}  // namespace microconv
