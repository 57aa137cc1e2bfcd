// The browser's view of the core: one EMSCRIPTEN_BINDINGS block of free
// functions over the module's one session (a module instance serves one
// page's tracker). Functions, not an Embind class: the class machinery
// (handles, pointer types, deletion) is most of Embind's JS runtime, and the
// tracker needs none of it (glue 7,105 -> 4,9xx B brotli). Bytes cross the
// boundary as addresses of C++-owned buffers, which JS reads and writes
// through the module's HEAPU8: JS writes a config, snapshot or event batch at
// the address a *Buffer() call returns and then calls the function that
// reads it; a result's size comes back and its bytes stay at Output()'s
// address until the next call, and the JS wrapper (web/tracker/core.js)
// copies what it keeps. No emscripten::val: Embind's JS handle runtime
// (emval) is not in the visitor's glue. No exception, no iostream, no JSON
// parser reach this module; rendering a summary for inspect lives in the
// lazily loaded inspect module (inspect_bindings.cc).
#include <emscripten/bind.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/flatbuffer_view.h"
#include "core/session.h"

namespace microconv {
namespace {

// What the functions below share: the config, the session and the buffers.
struct TrackerCore {
  std::optional<Config> config;
  std::optional<Session> session;  // holds a pointer to *config
  std::vector<uint8_t> input, output;
  std::vector<Event> events;
  // The next batch's strings: `count` little-endian uint32 end offsets, then
  // their UTF-8 bytes back to back (web/tracker/core.js writes them).
  std::vector<uint8_t> string_bytes;
  std::vector<std::string_view> strings;
};

TrackerCore& Core() {
  static auto* core = new TrackerCore();  // never destroyed: lives as long as the page
  return *core;
}

// The address of a buffer (wasm32: 32 bits), for JS's HEAPU8.
uint32_t Address(const void* data) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
}

// The address of `size` bytes for JS to fill before LoadConfig, Restore or
// ContinueJourney.
uint32_t InputBuffer(uint32_t size) {
  std::vector<uint8_t>& input = Core().input;
  input.assign(size, 0);
  return Address(input.data());
}

// The browser build keeps error codes only (MICROCONV_ERROR_CODES_ONLY,
// core/status.h): a failure's message is empty, so its name is all there is
// to say.
std::string Describe(Error error) { return ErrorName(error); }

// Empty string on success, else the error's name.
std::string LoadConfig() {
  TrackerCore& core = Core();
  auto config = Config::FromCompiled(core.input);
  if (!config.ok()) return Describe(config.error());
  // CompileConfig renders them; without them the tracker could capture
  // nothing (a config compiled before they were added to the schema).
  if (View(config.value().def().tracker_settings()).empty()) {
    return Describe(Error::kInvalidConfig);
  }
  core.session.reset();
  core.config = std::move(config).value();
  return "";
}

// Rendered at compile time (core/tracker_settings.h): the module carries
// no JSON writer.
std::string Settings() {
  const TrackerCore& core = Core();
  return core.config ? std::string(View(core.config->def().tracker_settings())) : "{}";
}

// The nonce and the LDP noise seed (random, never sent: core/ldp.h) come
// as two 32-bit halves each: JS numbers cannot hold 64 bits. The replay
// draw (never sent either: core/replay_recorder.h) is one 32-bit random.
bool Start(uint32_t nonce_high, uint32_t nonce_low, uint32_t seed_high, uint32_t seed_low,
           uint32_t replay_draw, double time_ms, const std::string& user_agent,
           const std::string& language, const std::string& time_zone, int32_t screen_width,
           bool coarse_pointer, const std::string& referrer, const std::string& own_host) {
  TrackerCore& core = Core();
  if (!core.config) return false;
  SessionStart start;
  start.nonce = (uint64_t{nonce_high} << 32) | nonce_low;
  start.ldp_seed = (uint64_t{seed_high} << 32) | seed_low;
  start.replay_draw = replay_draw;
  start.time_ms = static_cast<int64_t>(time_ms);
  start.visitor = {user_agent, language, time_zone, screen_width, coarse_pointer};
  start.referrer = referrer;
  start.own_host = own_host;
  core.session.emplace(*core.config, start);
  return true;
}

// Restores the snapshot in the input buffer; "" on success.
std::string Restore() {
  TrackerCore& core = Core();
  if (!core.config) return "no_config";
  auto restored = Session::Restore(*core.config, core.input);
  if (!restored.ok()) return Describe(restored.error());
  core.session.emplace(std::move(restored).value());
  return "";
}

// The address of `count` 32-byte event records for JS to fill
// (core/event.h).
uint32_t EventBuffer(uint32_t count) {
  std::vector<Event>& events = Core().events;
  events.assign(count, Event{});
  return Address(events.data());
}

// The address of `size` bytes for the next batch's strings (see
// TrackerCore::string_bytes).
uint32_t StringBuffer(uint32_t size) {
  std::vector<uint8_t>& bytes = Core().string_bytes;
  bytes.assign(size, 0);
  return Address(bytes.data());
}

// The `count` strings in the string buffer, as views into it. An end offset
// out of order or past the buffer (never written by core.js) ends the list:
// events naming the missing strings read an empty one (EventBatch::String).
void ReadStrings(uint32_t count) {
  TrackerCore& core = Core();
  core.strings.clear();
  const std::vector<uint8_t>& bytes = core.string_bytes;
  const size_t table = size_t{count} * sizeof(uint32_t);
  if (table > bytes.size()) return;
  const auto* text = reinterpret_cast<const char*>(bytes.data() + table);
  const size_t text_size = bytes.size() - table;
  uint32_t start = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t end = 0;
    std::memcpy(&end, bytes.data() + size_t{i} * sizeof(uint32_t), sizeof end);  // little-endian
    if (end < start || end > text_size) return;
    core.strings.emplace_back(text + start, end - start);
    start = end;
  }
}

// Ingests the first `count` records of the event buffer, whose strings are
// the first `string_count` of the string buffer: the events consumed, times
// two, plus one if the session expired before one of them
// (web/tracker/core.js unpacks it; one number crosses, not an object).
uint32_t Ingest(uint32_t count, uint32_t string_count) {
  TrackerCore& core = Core();
  if (!core.session) return 0;
  ReadStrings(string_count);
  EventBatch batch{
      std::span<const Event>(core.events).first(std::min<size_t>(count, core.events.size())),
      core.strings};
  IngestResult result = core.session->Ingest(batch);
  return static_cast<uint32_t>(result.consumed) << 1 | (result.expired ? 1 : 0);
}

void Advance(double now_ms) {
  if (Core().session) Core().session->Advance(static_cast<int64_t>(now_ms));
}
bool ExpiredAt(double now_ms) {
  return !Core().session || Core().session->ExpiredAt(static_cast<int64_t>(now_ms));
}
void End() {
  if (Core().session) Core().session->End();
}

// A result: its size; its bytes stay at OutputAddress() until the next call
// that returns one.
uint32_t Output(std::vector<uint8_t> bytes) {
  std::vector<uint8_t>& output = Core().output;
  output = std::move(bytes);
  return static_cast<uint32_t>(output.size());
}
uint32_t OutputAddress() { return Address(Core().output.data()); }
// Journey scope (core/journey.h): continues the journey in the input
// buffer (the previous visit's) in the session just started; "" on success.
std::string ContinueJourney() {
  TrackerCore& core = Core();
  if (!core.session) return "no_session";
  Status continued = core.session->ContinueJourney(core.input);
  return continued.ok() ? "" : Describe(continued.error);
}

// The journey this visit leaves (empty in session scope) and when it ends.
uint32_t Journey() {
  return Output(Core().session ? Core().session->JourneySnapshot() : std::vector<uint8_t>());
}

double JourneyEnd() {
  return Core().session ? static_cast<double>(Core().session->journey_end_ms()) : 0;
}

uint32_t Flush() {
  return Output(Core().session ? Core().session->Flush() : std::vector<uint8_t>());
}
uint32_t Preview() {
  return Output(Core().session ? Core().session->PreviewSummary() : std::vector<uint8_t>());
}
uint32_t Snapshot() {
  return Output(Core().session ? Core().session->Snapshot() : std::vector<uint8_t>());
}
// The session's true LDP bits (core/ldp.h order), for the playground to
// show which of the sent ones were flipped. Never sent.
uint32_t LdpTruth() {
  return Output(Core().session ? Core().session->LdpTrueBits() : std::vector<uint8_t>());
}

// Summaries sent so far: the last one's seq (microconv('flush') says it).
uint32_t Flushes() { return Core().session ? Core().session->flushes() : 0; }

EMSCRIPTEN_BINDINGS(microconv) {
  using emscripten::function;
  function("inputBuffer", &InputBuffer);
  function("loadConfig", &LoadConfig);
  function("settings", &Settings);
  function("start", &Start);
  function("restore", &Restore);
  function("continueJourney", &ContinueJourney);
  function("journey", &Journey);
  function("journeyEnd", &JourneyEnd);
  function("eventBuffer", &EventBuffer);
  function("stringBuffer", &StringBuffer);
  function("ingest", &Ingest);
  function("advance", &Advance);
  function("expiredAt", &ExpiredAt);
  function("end", &End);
  function("output", &OutputAddress);
  function("flush", &Flush);
  function("preview", &Preview);
  function("snapshot", &Snapshot);
  function("ldpTruth", &LdpTruth);
  function("flushes", &Flushes);
}

}  // namespace
}  // namespace microconv
