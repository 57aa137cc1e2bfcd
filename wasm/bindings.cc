// The browser's view of the core: one EMSCRIPTEN_BINDINGS block over one
// small class. Bytes cross the boundary as views into C++-owned buffers
// (typed_memory_view): JS writes a config, snapshot or event batch into the
// view returned by a *Buffer() call and then calls the method that reads it;
// results come back as views that stay valid until the next call, and the JS
// wrapper (web/tracker/core.js) copies what it keeps. No exception, no
// iostream, no JSON parser reach this module; rendering a summary for
// inspect lives in the lazily loaded inspect module (inspect_bindings.cc).
#include <emscripten/bind.h>

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/session.h"
#include "core/tracker_settings.h"

namespace microconv {
namespace {

using emscripten::typed_memory_view;
using emscripten::val;

struct IngestOutcome {
  uint32_t consumed = 0;
  bool expired = false;
};

class TrackerCore {
 public:
  // A view of `size` bytes for JS to fill before LoadConfig / Restore.
  val InputBuffer(uint32_t size) {
    input_.assign(size, 0);
    return val(typed_memory_view(input_.size(), input_.data()));
  }

  // Empty string on success, else the error's name.
  std::string LoadConfig() {
    auto config = Config::FromCompiled(input_);
    if (!config.ok()) return Describe(config.error(), config.message());
    session_.reset();
    config_ = std::move(config).value();
    return "";
  }

  std::string Settings() const { return config_ ? RenderTrackerSettingsJson(*config_) : "{}"; }

  // The nonce and the LDP noise seed (random, never sent: core/ldp.h) come
  // as two 32-bit halves each: JS numbers cannot hold 64 bits.
  bool Start(uint32_t nonce_high, uint32_t nonce_low, uint32_t seed_high, uint32_t seed_low,
             double time_ms, const std::string& user_agent, const std::string& language,
             const std::string& time_zone, int32_t screen_width, bool coarse_pointer,
             const std::string& referrer, const std::string& own_host) {
    if (!config_) return false;
    SessionStart start;
    start.nonce = (uint64_t{nonce_high} << 32) | nonce_low;
    start.ldp_seed = (uint64_t{seed_high} << 32) | seed_low;
    start.time_ms = static_cast<int64_t>(time_ms);
    start.visitor = {user_agent, language, time_zone, screen_width, coarse_pointer};
    start.referrer = referrer;
    start.own_host = own_host;
    session_.emplace(*config_, start);
    return true;
  }

  // Restores the snapshot in the input buffer; "" on success.
  std::string Restore() {
    if (!config_) return "no_config";
    auto restored = Session::Restore(*config_, input_);
    if (!restored.ok()) return Describe(restored.error(), restored.message());
    session_.emplace(std::move(restored).value());
    return "";
  }

  // Journey scope (core/journey.h): continues the journey in the input
  // buffer (the previous visit's) in the session just started; "" on success.
  std::string ContinueJourney() {
    if (!session_) return "no_session";
    Status continued = session_->ContinueJourney(input_);
    return continued.ok() ? "" : Describe(continued.error, continued.message);
  }
  // The journey this visit leaves (empty in session scope) and when it ends.
  val Journey() { return Output(session_ ? session_->JourneySnapshot() : std::vector<uint8_t>()); }
  double JourneyEnd() const {
    return session_ ? static_cast<double>(session_->journey_end_ms()) : 0;
  }

  // A view of `count` 32-byte event records for JS to fill (core/event.h).
  val EventBuffer(uint32_t count) {
    events_.assign(count, Event{});
    return val(typed_memory_view(events_.size() * sizeof(Event),
                                 reinterpret_cast<uint8_t*>(events_.data())));
  }

  // Strings referenced by the next batch's events, by index.
  void SetStrings(const val& strings) {
    strings_ = emscripten::vecFromJSArray<std::string>(strings);
  }

  IngestOutcome Ingest(uint32_t count) {
    IngestOutcome outcome;
    if (!session_) return outcome;
    std::vector<std::string_view> views(strings_.begin(), strings_.end());
    EventBatch batch{std::span<const Event>(events_).first(std::min<size_t>(count, events_.size())),
                     views};
    IngestResult result = session_->Ingest(batch);
    outcome.consumed = static_cast<uint32_t>(result.consumed);
    outcome.expired = result.expired;
    return outcome;
  }

  void Advance(double now_ms) {
    if (session_) session_->Advance(static_cast<int64_t>(now_ms));
  }
  bool ExpiredAt(double now_ms) const {
    return !session_ || session_->ExpiredAt(static_cast<int64_t>(now_ms));
  }
  void End() {
    if (session_) session_->End();
  }

  // Result views: valid until the next call that returns one.
  val Flush() { return Output(session_ ? session_->Flush() : std::vector<uint8_t>()); }
  val Preview() { return Output(session_ ? session_->PreviewSummary() : std::vector<uint8_t>()); }
  val Snapshot() { return Output(session_ ? session_->Snapshot() : std::vector<uint8_t>()); }
  // The session's true LDP bits (core/ldp.h order), for the playground to
  // show which of the sent ones were flipped. Never sent.
  val LdpTruth() { return Output(session_ ? session_->LdpTrueBits() : std::vector<uint8_t>()); }

  // Summaries sent so far: the last one's seq (microconv('flush') says it).
  uint32_t Flushes() const { return session_ ? session_->flushes() : 0; }

 private:
  // The browser build keeps error codes only (core/status.h): the message is
  // empty there.
  static std::string Describe(Error error, const std::string& message) {
    return message.empty() ? ErrorName(error) : std::string(ErrorName(error)) + ": " + message;
  }
  val Output(std::vector<uint8_t> bytes) {
    output_ = std::move(bytes);
    return val(typed_memory_view(output_.size(), output_.data()));
  }

  std::optional<Config> config_;
  std::optional<Session> session_;  // holds a pointer to *config_
  std::vector<uint8_t> input_, output_;
  std::vector<Event> events_;
  std::vector<std::string> strings_;
};

EMSCRIPTEN_BINDINGS(microconv) {
  emscripten::value_object<IngestOutcome>("IngestOutcome")
      .field("consumed", &IngestOutcome::consumed)
      .field("expired", &IngestOutcome::expired);
  emscripten::class_<TrackerCore>("TrackerCore")
      .constructor<>()
      .function("inputBuffer", &TrackerCore::InputBuffer)
      .function("loadConfig", &TrackerCore::LoadConfig)
      .function("settings", &TrackerCore::Settings)
      .function("start", &TrackerCore::Start)
      .function("restore", &TrackerCore::Restore)
      .function("continueJourney", &TrackerCore::ContinueJourney)
      .function("journey", &TrackerCore::Journey)
      .function("journeyEnd", &TrackerCore::JourneyEnd)
      .function("eventBuffer", &TrackerCore::EventBuffer)
      .function("setStrings", &TrackerCore::SetStrings)
      .function("ingest", &TrackerCore::Ingest)
      .function("advance", &TrackerCore::Advance)
      .function("expiredAt", &TrackerCore::ExpiredAt)
      .function("end", &TrackerCore::End)
      .function("flush", &TrackerCore::Flush)
      .function("preview", &TrackerCore::Preview)
      .function("snapshot", &TrackerCore::Snapshot)
      .function("ldpTruth", &TrackerCore::LdpTruth)
      .function("flushes", &TrackerCore::Flushes);
}

}  // namespace
}  // namespace microconv
