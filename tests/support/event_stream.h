// Recorded event streams: a readable text form of what the tracker feeds
// the core, used by golden files, tests and benchmarks. One event per line:
//
//   # comment
//   start nonce=0x1f2e start_ms=1700000000000 width=1440 pointer=fine
//   start nonce=0x1f2e replay_draw=0xffffffff  (the journey replay draw;
//                                              else NonceReplayDraw(nonce))
//   ua Mozilla/5.0 (X11; Linux x86_64) ... Chrome/120.0 Safari/537.36
//   lang en-US | tz Europe/Berlin | referrer https://... | host shop.example
//   @1200 page /product/42?utm_source=x       (also: page_back, page_spa)
//   @1200 page /blog/post 40                  (the first viewport: 40 % deep)
//   @1500 click 640 120 1280 2400 main>button.buy
//   @1500 click cell=5 640 120 1280 2400 a#buy  (cell 5 of the element's box)
//   @1500 match [data-mc=add-to-cart]          (a configured click selector)
//   @1600 scroll 75 | input | dead main>img
//   @1700 form_start shipping | form_submit shipping
//   @1700 focus shipping name | blur shipping name | change shipping name
//   @1800 visible #reviews 1 | media video q75 | custom wishlist
//   @1900 datalayer purchase | page_hidden | page_visible | advance
//   @1900 datalayer purchase 14990 EUR      (value in cents, currency)
//
// Times are ms after start_ms. A file of several sessions (what `microconv
// replay` reads) starts each with its `start` line.
#ifndef MICROCONV_TESTS_SUPPORT_EVENT_STREAM_H_
#define MICROCONV_TESTS_SUPPORT_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/session.h"
#include "core/status.h"

namespace microconv::testing {

struct EventStream {
  uint64_t nonce = 1;
  // The journey replay draw (core/replay_recorder.h); unset: drawn from
  // the nonce.
  std::optional<uint32_t> replay_draw;
  int64_t start_ms = 1700000000000;
  std::string user_agent, language, time_zone, referrer, host;
  int32_t screen_width = 0;
  bool coarse_pointer = false;
  std::vector<Event> events;
  std::deque<std::string> strings;  // stable storage for string_views
  std::vector<std::string_view> string_views;
  // Indices into `events` after which Advance(event time) is called.
  std::vector<size_t> advances;

  SessionStart Start() const;
  EventBatch Batch() const { return {events, string_views}; }
};

// Parses the text form against a config (selector, form and media names
// resolve to their indices). Errors name the line, counted from
// `first_line` (a stream cut from a longer file keeps the file's numbers).
Result<EventStream> ParseEventStream(std::string_view text, const Config& config,
                                     int first_line = 1);

// Runs a whole stream through a new session (Advance at each `advance`
// line and at the end) and returns the session, not ended.
Session RunSession(const EventStream& stream, const Config& config);
// RunSession, then ends the session and returns the final summary bytes.
std::vector<uint8_t> RunToSummary(const EventStream& stream, const Config& config);
// The object form of summary bytes built by this process (not verified):
// tests read and edit fields through it.
wire::SummaryT UnpackSummary(const std::vector<uint8_t>& bytes);
// The index of the micro-conversion `id` in `config`, -1 when it has none.
int MicroIndex(const Config& config, std::string_view id);

std::string ReadFileOrEmpty(const std::string& path);
bool WriteFile(const std::string& path, std::string_view bytes);

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_EVENT_STREAM_H_
