#include "tools/cli/raw_events.h"

#include <algorithm>
#include <cstdio>

namespace microconv {
namespace {

void AppendField(std::string_view text, std::string& tsv) {
  for (char c : text) {
    switch (c) {
      case '\t':
        tsv += "\\t";
        break;
      case '\n':
        tsv += "\\n";
        break;
      case '\\':
        tsv += "\\\\";
        break;
      default:
        tsv.push_back(c);
    }
  }
}

std::string_view NameAt(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
                        uint16_t index) {
  if (list == nullptr || index >= list->size()) return "";
  return list->Get(index)->string_view();
}

std::string_view FormId(const Config& config, uint16_t index) {
  const auto* forms = config.def().forms();
  if (forms == nullptr || index >= forms->size()) return "";
  return forms->Get(index)->id()->string_view();
}

// The event's name in the event-stream text form (tests/support/event_stream.h).
std::string_view EventName(const Event& e) {
  switch (e.type) {
    case EventType::kPageView:
      return e.a == static_cast<uint16_t>(Navigation::kHistoryBack) ? "page_back"
             : e.a == static_cast<uint16_t>(Navigation::kSpaRoute)  ? "page_spa"
                                                                    : "page";
    case EventType::kClick:
      return "click";
    case EventType::kSelectorMatch:
      return "match";
    case EventType::kScroll:
      return "scroll";
    case EventType::kFormStart:
      return "form_start";
    case EventType::kFormSubmit:
      return "form_submit";
    case EventType::kFieldFocus:
      return "focus";
    case EventType::kFieldBlur:
      return "blur";
    case EventType::kFieldChange:
      return "change";
    case EventType::kElementVisible:
      return "visible";
    case EventType::kMedia:
      return "media";
    case EventType::kCustom:
      return "custom";
    case EventType::kDataLayer:
      return "datalayer";
    case EventType::kDeadClick:
      return "dead";
    case EventType::kVisibility:
      return e.b ? "page_visible" : "page_hidden";
    case EventType::kInput:
      return "input";
    default:
      return "";
  }
}

std::string SqlQuoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

namespace {

// One raw-event row, what both formats below write.
struct RawEventRow {
  int64_t at_ms = 0;
  std::string_view event, page, target;
};

// Calls `row` for each tracker event of the session, in order.
template <typename RowFn>
void ForEachRawEvent(const Config& config, const SessionStart& start, std::span<const Event> events,
                     std::span<const std::string_view> strings, RowFn&& row) {
  const auto& def = config.def();
  auto text = [&](uint32_t index) {
    return index < strings.size() ? strings[index] : std::string_view();
  };
  std::string_view page;
  for (const Event& e : events) {
    const std::string_view name = EventName(e);
    if (name.empty()) continue;  // markers, not tracker events
    std::string_view target;
    switch (e.type) {
      case EventType::kPageView:
        page = text(e.str).substr(0, text(e.str).find_first_of("?#"));
        break;
      case EventType::kClick:
      case EventType::kCustom:
      case EventType::kDataLayer:
      case EventType::kDeadClick:
        target = text(e.str);
        break;
      case EventType::kSelectorMatch:
        target = NameAt(def.click_selectors(), e.a);
        break;
      case EventType::kFormStart:
      case EventType::kFormSubmit:
        target = FormId(config, e.a);
        break;
      case EventType::kFieldFocus:
      case EventType::kFieldBlur:
      case EventType::kFieldChange:
        target = text(e.str);
        break;
      case EventType::kElementVisible:
        target = NameAt(def.visibility_selectors(), e.a);
        break;
      case EventType::kMedia:
        target = NameAt(def.media_selectors(), e.a);
        break;
      default:
        break;
    }
    row(RawEventRow{std::clamp<int64_t>(e.time_ms - start.time_ms, 0, UINT32_MAX), name, page,
                    target});
  }
}

}  // namespace

void AppendRawEvents(const Config& config, std::string_view site, const SessionStart& start,
                     std::span<const Event> events, std::span<const std::string_view> strings,
                     std::string& tsv) {
  ForEachRawEvent(config, start, events, strings, [&](const RawEventRow& row) {
    AppendField(site, tsv);
    char numbers[48];
    std::snprintf(numbers, sizeof numbers, "\t%llu\t%lld\t",
                  static_cast<unsigned long long>(start.nonce), static_cast<long long>(row.at_ms));
    tsv += numbers;
    tsv += row.event;
    tsv.push_back('\t');
    AppendField(row.page, tsv);
    tsv.push_back('\t');
    AppendField(row.target, tsv);
    tsv.push_back('\n');
  });
}

void AppendRawEventRows(const Config& config, std::string_view site, const SessionStart& start,
                        std::span<const Event> events, std::span<const std::string_view> strings,
                        RowBinaryWriter& rows, std::vector<size_t>* nonce_offsets) {
  ForEachRawEvent(config, start, events, strings, [&](const RawEventRow& row) {
    rows.String(site);
    if (nonce_offsets != nullptr) nonce_offsets->push_back(rows.bytes().size());
    rows.Int(start.nonce);
    rows.Int(static_cast<uint32_t>(row.at_ms));
    rows.String(row.event);
    rows.String(row.page);
    rows.String(row.target);
  });
}

Result<std::string> WindowFunnelSql(const Config& config, std::string_view funnel_id,
                                    std::string_view db) {
  const auto& def = config.def();
  const wire::FunnelDef* funnel = nullptr;
  for (size_t i = 0; def.funnels() && i < def.funnels()->size(); ++i) {
    if (def.funnels()->Get(i)->id()->string_view() == funnel_id) funnel = def.funnels()->Get(i);
  }
  if (funnel == nullptr || funnel->steps() == nullptr) {
    return {Error::kOutOfRange, "no funnel " + std::string(funnel_id)};
  }
  auto page_condition = [](const wire::MicroConversionDef& micro) -> std::string {
    if (micro.page() == nullptr) return "1";
    std::string pattern(micro.page()->string_view());
    switch (micro.page_match()) {
      case wire::PageMatch::Exact:
        return "page = " + SqlQuoted(pattern);
      case wire::PageMatch::Prefix:
        return "substring(page, 1, " + std::to_string(pattern.size()) + ") = " + SqlQuoted(pattern);
      default: {
        // :param and * stand for any text: LIKE's %.
        std::string like;
        for (size_t i = 0; i < pattern.size(); ++i) {
          if (pattern[i] == '*') {
            like += '%';
          } else if (pattern[i] == ':') {
            like += '%';
            while (i + 1 < pattern.size() && pattern[i + 1] != '/') ++i;
          } else if (pattern[i] == '%' || pattern[i] == '_') {
            like += std::string("\\\\") + pattern[i];
          } else {
            like += pattern[i];
          }
        }
        return "page LIKE " + SqlQuoted(like);
      }
    }
  };
  std::string conditions;
  for (const wire::FunnelStepDef* step : *funnel->steps()) {
    if (step->optional() || step->micros() == nullptr) continue;
    std::string any;
    for (uint8_t index : *step->micros()) {
      if (def.micros() == nullptr || index >= def.micros()->size()) {
        return {Error::kOutOfRange, "funnel step names an unknown micro-conversion"};
      }
      const wire::MicroConversionDef& micro = *def.micros()->Get(index);
      std::string condition;
      switch (micro.kind()) {
        case wire::MicroKind::PageView:
          condition = "event IN ('page', 'page_back', 'page_spa') AND " + page_condition(micro);
          break;
        case wire::MicroKind::Click:
          condition = "event = 'match' AND target = " +
                      SqlQuoted(NameAt(def.click_selectors(), micro.target()));
          break;
        case wire::MicroKind::FormStart:
        case wire::MicroKind::FormSubmit:
          condition = std::string("event = '") +
                      (micro.kind() == wire::MicroKind::FormStart ? "form_start" : "form_submit") +
                      "' AND target = " + SqlQuoted(FormId(config, micro.target()));
          break;
        case wire::MicroKind::CustomEvent:
        case wire::MicroKind::DataLayer:
          condition = std::string("event = '") +
                      (micro.kind() == wire::MicroKind::CustomEvent ? "custom" : "datalayer") +
                      "' AND target = " +
                      SqlQuoted(micro.event() ? micro.event()->string_view() : std::string_view());
          break;
        default:
          return {Error::kOutOfRange, "micro-conversion " + micro.id()->str() +
                                          ": its kind has no raw-event condition here"};
      }
      any += (any.empty() ? "(" : " OR (") + condition + ")";
    }
    conditions += ", " + any;
  }
  // The funnel's window, or the session timeout when it has none.
  const uint32_t window_ms = funnel->window_ms() ? funnel->window_ms() : def.session_timeout_ms();
  return "SELECT level, count() FROM (SELECT nonce, windowFunnel(" + std::to_string(window_ms) +
         ")(at_ms" + conditions + ") AS level FROM " + std::string(db) +
         ".raw_events GROUP BY nonce) GROUP BY level ORDER BY level FORMAT TSV";
}

}  // namespace microconv
