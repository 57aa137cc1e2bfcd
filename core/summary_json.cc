// The readable rendering of a summary: what golden files, `microconv decode`
// and the playground show. Hand-written (no JSON library) because it also
// runs in the browser; every string in a summary is attacker controlled, so
// escaping and UTF-8 repair happen here, in one place.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/config.h"
#include "core/element_heatmap.h"
#include "core/flatbuffer_view.h"
#include "core/heatmap.h"
#include "core/json_writer.h"
#include "core/ldp.h"
#include "core/replay_timeline.h"
#include "core/summary.h"
#include "core/varint.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

constexpr uint8_t kNoLastField = 0xff;

std::string Hex(uint64_t value, int digits) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xf];
  return out;
}

// "2024-05-01T10:20Z" from minutes since the epoch.
std::string UtcMinute(uint32_t minutes) {
  const uint32_t minute_of_day = minutes % kMinutesPerDay;
  auto two = [](uint32_t v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return DateOfDay(minutes / kMinutesPerDay) + "T" + two(minute_of_day / 60) + ":" +
         two(minute_of_day % 60) + "Z";
}

// Enum names in the rendering's own words (lowercase, stable): the schema's
// identifiers may be renamed, the JSON shown to people should not change.
const char* DeviceName(wire::DeviceClass value) {
  static constexpr const char* kNames[] = {"unknown", "desktop", "mobile", "tablet"};
  const auto index = static_cast<size_t>(value);
  return index < std::size(kNames) ? kNames[index] : "invalid";
}
const char* BrowserName(wire::BrowserFamily value) {
  static constexpr const char* kNames[] = {"unknown", "chrome", "firefox", "safari",
                                           "edge",    "opera",  "samsung", "other"};
  const auto index = static_cast<size_t>(value);
  return index < std::size(kNames) ? kNames[index] : "invalid";
}
const char* OsName(wire::OsFamily value) {
  static constexpr const char* kNames[] = {"unknown", "windows", "macos",    "linux",
                                           "android", "ios",     "chromeos", "other"};
  const auto index = static_cast<size_t>(value);
  return index < std::size(kNames) ? kNames[index] : "invalid";
}
const char* ScreenName(wire::ScreenBucket value) {
  static constexpr const char* kNames[] = {"unknown", "xs", "s", "m", "l", "xl", "xxl"};
  const auto index = static_cast<size_t>(value);
  return index < std::size(kNames) ? kNames[index] : "invalid";
}

// Two-letter code from its packed form, "" for 0 or anything not a letter
// pair (renders stay well formed even for unverified input).
std::string Code(uint16_t packed, bool upper) {
  const int a = packed >> 8;
  const int b = packed & 0xff;
  if (a < 'a' || a > 'z' || b < 'a' || b > 'z') return "";
  const int shift = upper ? 'a' - 'A' : 0;
  return {static_cast<char>(a - shift), static_cast<char>(b - shift)};
}

// Renders ids as config names where the config knows them, as numbers
// otherwise. Every lookup is bounds checked: the summary may have been
// verified without this config.
class Names {
 public:
  Names(const wire::Summary& summary, const Config* config)
      : summary_(summary),
        def_(config != nullptr && !config->bytes().empty() ? &config->def() : nullptr) {}

  void Micro(JsonWriter& json, uint32_t id) const {
    const auto* micros = def_ == nullptr ? nullptr : def_->micros();
    if (micros != nullptr && id < micros->size() && micros->Get(id)->id() != nullptr) {
      json.String(View(micros->Get(id)->id()));
    } else {
      json.Number(id);
    }
  }

  void Funnel(JsonWriter& json, uint32_t id) const {
    const wire::FunnelDef* funnel = FunnelDef(id);
    if (funnel != nullptr && funnel->id() != nullptr) {
      json.String(View(funnel->id()));
    } else {
      json.Number(id);
    }
  }

  void Step(JsonWriter& json, uint32_t funnel_id, uint32_t step) const {
    const wire::FunnelDef* funnel = FunnelDef(funnel_id);
    const auto* steps = funnel == nullptr ? nullptr : funnel->steps();
    if (steps != nullptr && step < steps->size() && steps->Get(step)->label() != nullptr) {
      json.String(View(steps->Get(step)->label()));
    } else {
      json.Number(step);
    }
  }

  // A page id as in PageStat.page: a template, or a literal page path.
  void Page(JsonWriter& json, uint16_t page) const {
    if ((page & kLiteralBit) != 0) {
      const size_t literal = page & ~kLiteralBit;
      if (literal < SizeOf(summary_.literal_pages())) {
        json.String(View(summary_.literal_pages()->Get(literal)));
      } else {
        json.Number(page);
      }
      return;
    }
    const auto* templates = def_ == nullptr ? nullptr : def_->page_templates();
    if (templates != nullptr && page < templates->size()) {
      json.String(View(templates->Get(page)));
    } else {
      json.Number(page);
    }
  }

  // An index into Summary.pages, shown as that page.
  void PageAt(JsonWriter& json, size_t index) const {
    if (index < SizeOf(summary_.pages())) {
      Page(json, summary_.pages()->Get(index)->page());
    } else {
      json.Null();
    }
  }

  void Name(JsonWriter& json, size_t index) const {
    if (index < SizeOf(summary_.names())) {
      json.String(View(summary_.names()->Get(index)));
    } else {
      json.Number(index);
    }
  }

  void Form(JsonWriter& json, uint32_t id) const {
    const wire::FormDef* form = FormDef(id);
    if (form != nullptr && form->id() != nullptr) {
      json.String(View(form->id()));
    } else {
      json.Number(id);
    }
  }

  // A FieldStat.field: a configured field of `form_id`, or a name.
  void Field(JsonWriter& json, uint32_t form_id, uint8_t field) const {
    if ((field & kLiteralFieldBit) != 0) {
      Name(json, field & ~kLiteralFieldBit);
      return;
    }
    const wire::FormDef* form = FormDef(form_id);
    const auto* fields = form == nullptr ? nullptr : form->fields();
    if (fields != nullptr && field < fields->size()) {
      json.String(View(fields->Get(field)));
    } else {
      json.Number(field);
    }
  }

 private:
  const wire::FunnelDef* FunnelDef(uint32_t id) const {
    const auto* funnels = def_ == nullptr ? nullptr : def_->funnels();
    return funnels != nullptr && id < funnels->size() ? funnels->Get(id) : nullptr;
  }
  const wire::FormDef* FormDef(uint32_t id) const {
    const auto* forms = def_ == nullptr ? nullptr : def_->forms();
    return forms != nullptr && id < forms->size() ? forms->Get(id) : nullptr;
  }

  const wire::Summary& summary_;
  const wire::SiteConfig* def_;
};

std::vector<uint32_t> Varints(const flatbuffers::Vector<uint8_t>* bytes) {
  std::vector<uint32_t> values;
  if (!DecodeVarints(BytesOf(bytes), values)) values.clear();
  return values;
}

void RenderDimensions(const wire::Dimensions* dims, JsonWriter& json) {
  const wire::Dimensions unknown;
  const wire::Dimensions& d = dims == nullptr ? unknown : *dims;
  json.BeginObject();
  json.FieldString("device", DeviceName(d.device()));
  json.FieldString("browser", BrowserName(d.browser()));
  json.FieldString("os", OsName(d.os()));
  json.FieldString("screen", ScreenName(d.screen()));
  json.FieldString("language", Code(d.language(), false));
  json.FieldString("country", Code(d.country(), true));
  json.EndObject();
}

void RenderPages(const wire::Summary& s, const Names& names, JsonWriter& json) {
  json.Key("pages");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.pages()); ++i) {
    const wire::PageStat* page = s.pages()->Get(i);
    json.BeginObject(true);
    json.Key("page");
    names.Page(json, page->page());
    json.Field("views", page->views());
    json.FieldSeconds("active_s", page->active_ds());
    json.Field("max_scroll", page->max_scroll());
    json.Field("quick_backs", page->quick_backs());
    json.EndObject();
  }
  json.EndArray();
}

void RenderMicros(const wire::Summary& s, const Names& names, JsonWriter& json) {
  json.Key("path");
  json.BeginArray(false);
  const std::vector<uint32_t> deltas = Varints(s.path_deltas());
  uint64_t at_ds = 0;
  for (size_t i = 0; i < SizeOf(s.path_steps()); ++i) {
    if (i < deltas.size()) at_ds += deltas[i];
    json.BeginObject(true);
    json.Key("micro");
    names.Micro(json, s.path_steps()->Get(i));
    json.FieldSeconds("at_s", at_ds);
    json.EndObject();
  }
  json.EndArray();
  json.Key("repeats");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.repeats()); ++i) {
    const wire::IdCount* count = s.repeats()->Get(i);
    json.BeginObject(true);
    json.Key("micro");
    names.Micro(json, count->id());
    json.Field("count", count->count());
    json.EndObject();
  }
  json.EndArray();
}

void RenderFunnels(const wire::Summary& s, const Names& names, JsonWriter& json) {
  const std::vector<uint32_t> step_times = Varints(s.step_times());
  size_t next_time = 0;
  json.Key("funnels");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.funnels()); ++i) {
    const wire::FunnelProgress* funnel = s.funnels()->Get(i);
    json.BeginObject();
    json.Key("funnel");
    names.Funnel(json, funnel->funnel());
    json.FieldBool("converted", HasFlag(funnel->flags(), wire::FunnelFlags::Converted));
    json.FieldBool("excluded", HasFlag(funnel->flags(), wire::FunnelFlags::Excluded));
    json.Field("furthest", funnel->furthest());
    // Reached steps and their times come from one walk over the bits; times
    // are relative to the first reached step, which has none.
    json.Key("reached");
    json.BeginArray(true);
    for (uint32_t step = 0; step < 32; ++step) {
      if ((funnel->reached() >> step & 1) != 0) names.Step(json, funnel->funnel(), step);
    }
    json.EndArray();
    json.Key("step_times_s");
    json.BeginArray(true);
    const int reached = std::popcount(funnel->reached());
    for (int t = 1; t < reached && next_time < step_times.size(); ++t) {
      json.Seconds(step_times[next_time++]);
    }
    json.EndArray();
    json.Key("next");
    json.BeginArray(false);
    const uint16_t next[] = {funnel->next0(), funnel->next1(), funnel->next2()};
    for (uint8_t n = 0; n < funnel->next_count() && n < 3; ++n) {
      json.BeginObject(true);
      if ((next[n] & kLiteralBit) != 0) {
        json.Key("page");
        names.PageAt(json, next[n] & ~kLiteralBit);
      } else {
        json.Key("micro");
        names.Micro(json, next[n]);
      }
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
}

void RenderHeatAndElements(const wire::Summary& s, const Names& names, JsonWriter& json) {
  json.Key("heat");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.heat()); ++i) {
    const wire::HeatCell* cell = s.heat()->Get(i);
    json.BeginObject(true);
    json.Key("page");
    names.PageAt(json, cell->page());
    json.Field("cell", cell->cell());
    json.Field("count", cell->count());
    json.EndObject();
  }
  json.EndArray();

  // Element clicks: the key as the report writes it (6 hex digits).
  json.Key("element_clicks");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.element_clicks()); ++i) {
    const wire::ElementClick* click = s.element_clicks()->Get(i);
    json.BeginObject(true);
    json.FieldString("key", ElementKeyHex(KeyOf(*click)));
    json.Key("page");
    names.PageAt(json, click->page());
    json.Field("cell", CellOf(*click));
    json.Field("count", CountOf(*click));
    json.EndObject();
  }
  json.EndArray();

  json.Key("elements");
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(s.elements()); ++i) {
    const wire::ElementStat* element = s.elements()->Get(i);
    json.BeginObject(true);
    json.Key("element");
    names.Name(json, element->element());
    json.Key("page");
    names.PageAt(json, element->page());
    json.Field("clicks", element->clicks());
    json.Field("rage_clicks", element->rage_clicks());
    json.Field("dead_clicks", element->dead_clicks());
    json.EndObject();
  }
  json.EndArray();
}

void RenderForms(const wire::Summary& s, const Names& names, JsonWriter& json) {
  json.Key("forms");
  json.BeginArray(false);
  size_t next_field = 0;
  for (size_t i = 0; i < SizeOf(s.forms()); ++i) {
    const wire::FormStat* form = s.forms()->Get(i);
    const size_t first = next_field;
    // Verified summaries own exactly their fields; clamp for any other.
    const size_t available = SizeOf(s.fields()) - std::min(first, SizeOf(s.fields()));
    const size_t count = std::min<size_t>(form->field_count(), available);
    next_field += count;
    json.BeginObject();
    json.Key("form");
    names.Form(json, form->form());
    json.FieldBool("started", HasFlag(form->flags(), wire::FormFlags::Started));
    json.FieldBool("submitted", HasFlag(form->flags(), wire::FormFlags::Submitted));
    json.Key("last_field");
    if (form->last_field() != kNoLastField && form->last_field() < count) {
      names.Field(json, form->form(), s.fields()->Get(first + form->last_field())->field());
    } else {
      json.Null();
    }
    json.Key("fields");
    json.BeginArray(false);
    for (size_t f = first; f < first + count; ++f) {
      const wire::FieldStat* field = s.fields()->Get(f);
      json.BeginObject(true);
      json.Key("field");
      names.Field(json, form->form(), field->field());
      json.Field("focus_count", field->focus_count());
      json.Field("refills", field->refills());
      json.FieldSeconds("time_s", field->time_ds());
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
}

void RenderStrings(std::string_view key,
                   const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* strings,
                   JsonWriter& json) {
  json.Key(key);
  json.BeginArray(false);
  for (size_t i = 0; i < SizeOf(strings); ++i) json.String(View(strings->Get(i)));
  json.EndArray();
}

void OptionalString(std::string_view key, const flatbuffers::String* text, JsonWriter& json) {
  json.Key(key);
  if (text == nullptr) {
    json.Null();
  } else {
    json.String(View(text));
  }
}

}  // namespace

// An LDP summary's randomized bits (core/ldp.h), named with a config:
// {"micro": id, "sent": 0|1} then {"funnel": id, "step": label, "sent": 0|1};
// by position without one. Absent from exact summaries.
void RenderLdp(const wire::Summary& s, const Config* config, const Names& names, JsonWriter& json) {
  if (s.ldp_epsilon() == 0.0f) return;
  json.Key("ldp");
  json.BeginObject();
  json.FieldFixed("epsilon", s.ldp_epsilon(), 2);
  const auto* bytes = s.ldp_bits();
  const std::span<const uint8_t> bits =
      bytes == nullptr ? std::span<const uint8_t>() : std::span(bytes->data(), bytes->size());
  const bool named = config != nullptr && !config->bytes().empty();
  const size_t count = named ? LdpBitCount(*config) : bits.size() * 8;
  const auto* micros = named ? config->def().micros() : nullptr;
  const size_t micro_count = micros == nullptr ? 0 : micros->size();
  json.Key("bits");
  json.BeginArray(false);
  size_t funnel = 0, first = micro_count;
  for (size_t i = 0; i < count; ++i) {
    json.BeginObject(true);
    if (!named) {
      json.Field("bit", i);
    } else if (i < micro_count) {
      json.Key("micro");
      names.Micro(json, static_cast<uint32_t>(i));
    } else {
      while (LdpFunnelBit(*config, funnel + 1) <= i) ++funnel;
      first = LdpFunnelBit(*config, funnel);
      json.Key("funnel");
      names.Funnel(json, static_cast<uint32_t>(funnel));
      json.Key("step");
      names.Step(json, static_cast<uint32_t>(funnel), static_cast<uint32_t>(i - first));
    }
    json.Field("sent", LdpBit(bits, i) ? 1u : 0u);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

namespace {

// Journey scope (core/journey.h): the visit's index, the days to a
// conversion, and per funnel the steps first reached in this visit.
// Absent in session scope.
void RenderJourney(const wire::Summary& s, const Names& names, JsonWriter& json) {
  if (s.journey_visit() == 0) return;
  json.Key("journey");
  json.BeginObject();
  json.Field("visit", s.journey_visit());
  json.Field("day", s.journey_day());
  json.Key("funnels");
  json.BeginArray(false);
  if (s.journey_steps() != nullptr) {
    for (const wire::JourneyStep* step : *s.journey_steps()) {
      json.BeginObject(true);
      json.Key("funnel");
      names.Funnel(json, step->funnel());
      json.Key("first_reached");
      json.BeginArray(true);
      for (uint32_t bits = step->first_reached(); bits != 0; bits &= bits - 1) {
        names.Step(json, step->funnel(), static_cast<uint32_t>(std::countr_zero(bits)));
      }
      json.EndArray();
      json.FieldBool("converted", HasFlag(step->flags(), wire::FunnelFlags::Converted));
      json.EndObject();
    }
  }
  json.EndArray();
  json.EndObject();
}

// Journey replay (core/replay_timeline.h), decoded: each entry's time since
// the session's start and what it refers to, named from the summary's
// tables. Absent unless the session was sampled; a timeline that does not
// decode shows its entries up to the fault and "valid": false.
void RenderReplay(const wire::Summary& s, const Names& names, JsonWriter& json) {
  if (s.replay() == nullptr) return;
  std::vector<ReplayEntry> entries;
  const bool valid = DecodeReplay(BytesOf(s.replay()), entries);
  json.Key("replay");
  json.BeginObject();
  json.FieldBool("valid", valid);
  json.Field("bytes", s.replay()->size());
  json.Key("entries");
  json.BeginArray(false);
  for (const ReplayEntry& e : entries) {
    json.BeginObject(true);
    json.FieldSeconds("t_s", e.time_tenths);
    json.FieldString("kind", kReplayKindNames[static_cast<size_t>(e.kind)]);
    switch (e.kind) {
      case ReplayKind::kPage:
        json.Key("page");
        names.PageAt(json, e.a);
        break;
      case ReplayKind::kConversion:
        json.Key("micro");
        names.Micro(json, e.a);
        break;
      case ReplayKind::kClick:
      case ReplayKind::kRageClick:
      case ReplayKind::kDeadClick:
        json.Key("element");
        if (e.a == 0) {
          json.Null();
        } else {
          names.Name(json, e.a - 1);
        }
        if (e.kind == ReplayKind::kClick) {
          json.Field("row", e.b / kGridColumns);
          json.Field("column", e.b % kGridColumns);
        }
        break;
      case ReplayKind::kScroll:
        json.Field("depth", e.a);
        break;
      case ReplayKind::kFieldFocus:
      case ReplayKind::kFieldLeave:
        json.Key("field");
        names.Name(json, e.a);
        break;
      case ReplayKind::kTruncated:
        break;
    }
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

}  // namespace

std::string RenderSummaryJson(const wire::Summary& s, const Config* config) {
  const Names names(s, config);
  JsonWriter json;
  json.BeginObject();
  json.Field("version", s.version());
  json.FieldString("site", View(s.site()));
  json.FieldString("config_hash", Hex(s.config_hash(), 8));
  json.FieldString("nonce", Hex(s.nonce(), 16));  // 64 bits: a JSON number would lose digits
  json.Field("seq", s.seq());
  json.Field("start_minute", s.start_minute());
  json.FieldString("start_utc", UtcMinute(s.start_minute()));
  const wire::SessionFacts facts = s.facts() ? *s.facts() : wire::SessionFacts();
  json.FieldSeconds("duration_s", facts.duration_ds());
  json.FieldSeconds("active_s", facts.active_ds());
  json.Key("dims");
  RenderDimensions(&facts.dims(), json);
  json.Key("flags");
  json.BeginObject(true);
  json.FieldBool("bounce", HasFlag(facts.flags(), wire::FactFlags::Bounce));
  json.FieldBool("path_truncated", HasFlag(facts.flags(), wire::FactFlags::PathTruncated));
  json.FieldBool("ended", HasFlag(facts.flags(), wire::FactFlags::Ended));
  json.EndObject();
  json.Key("entry_page");
  names.PageAt(json, facts.entry_page());
  json.Key("exit_page");
  names.PageAt(json, facts.exit_page());
  json.Field("page_views", facts.page_views());
  json.Field("rage_clicks", facts.rage_clicks());
  json.Field("dead_clicks", facts.dead_clicks());
  json.Field("quick_backs", facts.quick_backs());
  json.Field("revenue_cents", s.revenue_cents());
  json.Field("orders", s.orders());
  json.Field("other_currency_orders", s.other_currency_orders());
  RenderPages(s, names, json);
  RenderMicros(s, names, json);
  RenderFunnels(s, names, json);
  RenderHeatAndElements(s, names, json);
  RenderForms(s, names, json);
  RenderStrings("names", s.names(), json);
  RenderStrings("literal_pages", s.literal_pages(), json);
  OptionalString("referrer", s.referrer(), json);
  OptionalString("utm_source", s.utm_source(), json);
  OptionalString("utm_medium", s.utm_medium(), json);
  OptionalString("utm_campaign", s.utm_campaign(), json);
  RenderLdp(s, config, names, json);
  RenderJourney(s, names, json);
  if (SizeOf(s.cta_seen()) > 0) {
    // Calls to action seen (>= 1 s visible); absent when none was.
    json.Key("cta_seen");
    json.BeginArray(true);
    for (uint8_t micro : *s.cta_seen()) names.Micro(json, micro);
    json.EndArray();
  }
  RenderReplay(s, names, json);
  json.EndObject();
  return std::move(json).Take();
}

}  // namespace microconv
