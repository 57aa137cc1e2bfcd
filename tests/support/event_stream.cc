#include "tests/support/event_stream.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "core/replay_recorder.h"
#include "core/revenue.h"

namespace microconv::testing {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits off the first space-separated word.
std::string_view NextWord(std::string_view& rest) {
  rest = Trim(rest);
  size_t end = rest.find(' ');
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : Trim(rest.substr(end));
  return word;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out, int base = 10) {
  if (base == 16 && text.starts_with("0x")) text.remove_prefix(2);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

int IndexIn(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
            std::string_view name) {
  for (size_t i = 0; list && i < list->size(); ++i) {
    if (list->Get(static_cast<flatbuffers::uoffset_t>(i))->string_view() == name)
      return static_cast<int>(i);
  }
  return -1;
}

int FormIndex(const Config& config, std::string_view id) {
  const auto* forms = config.def().forms();
  for (size_t i = 0; forms && i < forms->size(); ++i) {
    if (forms->Get(static_cast<flatbuffers::uoffset_t>(i))->id()->string_view() == id)
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

SessionStart EventStream::Start() const {
  SessionStart start;
  start.nonce = nonce;
  start.replay_draw = replay_draw ? *replay_draw : NonceReplayDraw(nonce);
  start.time_ms = start_ms;
  start.visitor.user_agent = user_agent;
  start.visitor.language = language;
  start.visitor.time_zone = time_zone;
  start.visitor.screen_width = screen_width;
  start.visitor.coarse_pointer = coarse_pointer;
  start.referrer = referrer;
  start.own_host = host;
  return start;
}

Result<EventStream> ParseEventStream(std::string_view text, const Config& config, int first_line) {
  EventStream stream;
  int line_number = first_line - 1;
  auto fail = [&](const std::string& why) {
    return Result<EventStream>(Error::kOutOfRange,
                               "line " + std::to_string(line_number) + ": " + why);
  };
  auto intern = [&](std::string_view s) {
    stream.strings.emplace_back(s);
    stream.string_views.push_back(stream.strings.back());
    return static_cast<uint32_t>(stream.string_views.size() - 1);
  };
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    std::string_view rest = line;
    std::string_view word = NextWord(rest);
    if (word == "start") {
      while (!rest.empty()) {
        std::string_view kv = NextWord(rest);
        size_t eq = kv.find('=');
        std::string_view key = kv.substr(0, eq),
                         value = eq == std::string_view::npos ? "" : kv.substr(eq + 1);
        bool ok = true;
        if (key == "nonce")
          ok = ParseNumber(value, stream.nonce, 16);
        else if (key == "replay_draw")
          ok = ParseNumber(value, stream.replay_draw.emplace(), 16);
        else if (key == "start_ms")
          ok = ParseNumber(value, stream.start_ms);
        else if (key == "width")
          ok = ParseNumber(value, stream.screen_width);
        else if (key == "pointer")
          stream.coarse_pointer = value == "coarse";
        else
          ok = false;
        if (!ok) return fail("bad start field " + std::string(kv));
      }
      continue;
    }
    if (word == "ua") {
      stream.user_agent = rest;
      continue;
    }
    if (word == "lang") {
      stream.language = rest;
      continue;
    }
    if (word == "tz") {
      stream.time_zone = rest;
      continue;
    }
    if (word == "referrer") {
      stream.referrer = rest;
      continue;
    }
    if (word == "host") {
      stream.host = rest;
      continue;
    }
    if (word.empty() || word.front() != '@')
      return fail("expected @time, got " + std::string(word));
    int64_t offset = 0;
    if (!ParseNumber(word.substr(1), offset)) return fail("bad time");
    Event e;
    e.time_ms = stream.start_ms + offset;
    std::string_view kind = NextWord(rest);
    const auto& def = config.def();
    if (kind == "page" || kind == "page_back" || kind == "page_spa") {
      e.type = EventType::kPageView;
      e.a = static_cast<uint16_t>(kind == "page_back"  ? Navigation::kHistoryBack
                                  : kind == "page_spa" ? Navigation::kSpaRoute
                                                       : Navigation::kPageLoad);
      // page PATH [VISIBLE%]: how deep the first viewport reaches.
      e.str = intern(NextWord(rest));
      if (!rest.empty()) {
        uint32_t depth = 0;
        if (!ParseNumber(NextWord(rest), depth) || depth > 100) return fail("bad page depth");
        e.b = static_cast<uint8_t>(depth);
      }
    } else if (kind == "click") {
      e.type = EventType::kClick;
      // click [cell=N] X Y W H ELEMENT: N is the cell of the element's box
      // (0..15) the tracker read, sent as a = 1 + N.
      if (rest.starts_with("cell=")) {
        uint32_t cell = 0;
        if (!ParseNumber(NextWord(rest).substr(5), cell) ||
            cell >= kElementGridSide * kElementGridSide) {
          return fail("bad click cell");
        }
        e.a = static_cast<uint16_t>(1 + cell);
      }
      if (!ParseNumber(NextWord(rest), e.x) || !ParseNumber(NextWord(rest), e.y) ||
          !ParseNumber(NextWord(rest), e.w) || !ParseNumber(NextWord(rest), e.h)) {
        return fail("click needs x y width height element");
      }
      e.str = intern(rest);
    } else if (kind == "match") {
      int selector = IndexIn(def.click_selectors(), rest);
      if (selector < 0) return fail("unknown click selector " + std::string(rest));
      e.type = EventType::kSelectorMatch;
      e.a = static_cast<uint16_t>(selector);
    } else if (kind == "scroll") {
      e.type = EventType::kScroll;
      if (!ParseNumber(rest, e.a)) return fail("bad scroll percent");
    } else if (kind == "form_start" || kind == "form_submit") {
      int form = FormIndex(config, rest);
      if (form < 0) return fail("unknown form " + std::string(rest));
      e.type = kind == "form_start" ? EventType::kFormStart : EventType::kFormSubmit;
      e.a = static_cast<uint16_t>(form);
    } else if (kind == "focus" || kind == "blur" || kind == "change") {
      int form = FormIndex(config, NextWord(rest));
      if (form < 0) return fail("unknown form");
      e.type = kind == "focus"  ? EventType::kFieldFocus
               : kind == "blur" ? EventType::kFieldBlur
                                : EventType::kFieldChange;
      e.a = static_cast<uint16_t>(form);
      e.str = intern(rest);
    } else if (kind == "visible") {
      std::string_view selector = NextWord(rest);
      int index = IndexIn(def.visibility_selectors(), selector);
      if (index < 0) return fail("unknown visibility selector");
      e.type = EventType::kElementVisible;
      e.a = static_cast<uint16_t>(index);
      e.b = rest == "1" ? 1 : 0;
    } else if (kind == "media") {
      int index = IndexIn(def.media_selectors(), NextWord(rest));
      if (index < 0) return fail("unknown media selector");
      static constexpr std::string_view kMilestones[] = {"play", "q25", "q50", "q75", "ended"};
      int milestone = -1;
      for (int i = 0; i < 5; ++i) {
        if (rest == kMilestones[i]) milestone = i;
      }
      if (milestone < 0) return fail("unknown media event");
      e.type = EventType::kMedia;
      e.a = static_cast<uint16_t>(index);
      e.b = static_cast<uint8_t>(milestone);
    } else if (kind == "custom") {
      e.type = EventType::kCustom;
      e.str = intern(rest);
    } else if (kind == "datalayer") {
      // datalayer NAME [CENTS [CURRENCY]]: a purchase's value as the tracker
      // passes it (core/event.h).
      e.type = EventType::kDataLayer;
      e.str = intern(NextWord(rest));
      if (!rest.empty()) {
        int64_t cents = 0;
        if (!ParseNumber(NextWord(rest), cents)) return fail("bad datalayer value");
        e.b = kDataLayerHasValue;
        e.x = static_cast<int32_t>(cents);
        if (!rest.empty()) e.y = static_cast<int32_t>(PackCurrency(NextWord(rest)));
      }
    } else if (kind == "dead") {
      e.type = EventType::kDeadClick;
      e.str = intern(rest);
    } else if (kind == "page_hidden" || kind == "page_visible") {
      e.type = EventType::kVisibility;
      e.b = kind == "page_visible" ? 1 : 0;
    } else if (kind == "input") {
      e.type = EventType::kInput;
    } else if (kind == "advance") {
      if (stream.events.empty()) return fail("advance before any event");
      // Advance needs a time: record it as an input-free marker.
      e.type = EventType::kNone;
      stream.advances.push_back(stream.events.size());
    } else {
      return fail("unknown event " + std::string(kind));
    }
    stream.events.push_back(e);
  }
  return stream;
}

Session RunSession(const EventStream& stream, const Config& config) {
  Session session(config, stream.Start());
  EventBatch batch = stream.Batch();
  size_t from = 0;
  auto run_until = [&](size_t end) {
    EventBatch part{batch.events.subspan(from, end - from), batch.strings};
    IngestResult result = session.Ingest(part);
    from += result.consumed;
  };
  for (size_t advance : stream.advances) {
    run_until(advance + 1);
    session.Advance(stream.events[advance].time_ms);
  }
  run_until(stream.events.size());
  if (!stream.events.empty()) session.Advance(stream.events.back().time_ms);
  return session;
}

std::vector<uint8_t> RunToSummary(const EventStream& stream, const Config& config) {
  Session session = RunSession(stream, config);
  session.End();
  return session.Flush();
}

int MicroIndex(const Config& config, std::string_view id) {
  const auto* micros = config.def().micros();
  for (size_t i = 0; micros != nullptr && i < micros->size(); ++i) {
    if (micros->Get(static_cast<flatbuffers::uoffset_t>(i))->id()->string_view() == id)
      return static_cast<int>(i);
  }
  return -1;
}

wire::SummaryT UnpackSummary(const std::vector<uint8_t>& bytes) {
  wire::SummaryT object;
  wire::GetSummary(bytes.data())->UnPackTo(&object);
  return object;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

bool WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace microconv::testing
