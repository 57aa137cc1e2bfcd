// Encoding and verification of the session summary. VerifySummary is the one
// gate for untrusted bytes (collector bodies, fuzz input): nothing reads a
// field of a buffer that has not passed it.
#include "core/summary.h"

#include <bit>
#include <string>
#include <string_view>
#include <utility>

#include "core/config.h"
#include "core/event.h"
#include "core/flatbuffer_view.h"
#include "core/heatmap.h"
#include "core/journey.h"
#include "core/ldp.h"
#include "core/page_pattern.h"
#include "core/replay_timeline.h"
#include "core/traffic_source.h"
#include "core/varint.h"
#include "core/wire_ids.h"
#include "flatbuffers/flatbuffers.h"

namespace microconv {
namespace {

// Caps of this file only; the shared ones are in summary.h and config.h.
constexpr uint8_t kMaxNextActions = 3;
constexpr uint8_t kMaxScrollPercent = 100;
constexpr uint8_t kNoLastField = 0xff;
constexpr size_t kHeatGridCells = size_t{kGridColumns} * kGridRows;
// Root offset plus file identifier: anything shorter cannot be a summary.
constexpr size_t kMinSummaryBytes = 8;

Status Fail(Error error, std::string message) { return Status{error, std::move(message)}; }

std::string Num(uint64_t value) { return std::to_string(value); }

std::string Hex32(uint32_t value) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xf];
  return out;
}

// "pages[3].max_scroll": only messages read it, so the browser's codes-only
// build (core/status.h) builds no path either.
std::string At(const char* vector, size_t index, const char* member = nullptr) {
  return MICROCONV_MESSAGE(std::string(vector) + "[" + Num(index) + "]" +
                           (member != nullptr ? std::string(".") + member : std::string()));
}

// `field` is a view: a literal names it, and the codes-only build drops the
// literal with the message instead of building a string from it.
Status TooMany(std::string_view field, size_t size, size_t cap) {
  return Fail(Error::kTooLarge,
              MICROCONV_MESSAGE(std::string(field) + ": " + Num(size) + " > " + Num(cap)));
}

Status IndexOutside(std::string_view field, size_t value, size_t size, const char* what) {
  return Fail(Error::kOutOfRange, MICROCONV_MESSAGE(std::string(field) + ": " + Num(value) +
                                                    " >= " + Num(size) + " " + what));
}

// Counts the 32-bit varints of `bytes`; false if one is malformed or cut off.
bool CountVarints(std::span<const uint8_t> bytes, size_t& count) {
  count = 0;
  for (size_t at = 0; at < bytes.size(); ++count) {
    if (ReadVarint(bytes, at, 32).status != VarintStatus::kOk) return false;
  }
  return true;
}

Status CheckVarintCount(const char* field, const flatbuffers::Vector<uint8_t>* vector,
                        size_t expected) {
  size_t count = 0;
  if (!CountVarints(BytesOf(vector), count)) {
    return Fail(Error::kVerifyFailed, MICROCONV_MESSAGE(std::string(field) + ": malformed varint"));
  }
  if (count != expected) {
    return Fail(count < expected ? Error::kTruncated : Error::kVerifyFailed,
                MICROCONV_MESSAGE(std::string(field) + ": " + Num(count) + " varints, expected " +
                                  Num(expected)));
  }
  return {};
}

// Packed language/country codes are 0 or two lowercase ASCII letters.
bool IsPackedCode(uint16_t code) {
  if (code == 0) return true;
  const int a = code >> 8;
  const int b = code & 0xff;
  return a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z';
}

template <typename Enum>
bool InRange(Enum value) {
  return static_cast<uint8_t>(value) <= static_cast<uint8_t>(Enum::MAX);
}

Status CheckDimensions(const wire::Dimensions* dims) {
  if (dims == nullptr) return {};  // all unknown
  auto bad = [](const char* field, uint32_t value) {
    return Fail(Error::kOutOfRange, MICROCONV_MESSAGE(std::string("dims.") + field + ": " +
                                                      Num(value) + " is not a known value"));
  };
  if (!InRange(dims->device()))
    return bad(MICROCONV_NAME("device"), static_cast<uint8_t>(dims->device()));
  if (!InRange(dims->browser()))
    return bad(MICROCONV_NAME("browser"), static_cast<uint8_t>(dims->browser()));
  if (!InRange(dims->os())) return bad(MICROCONV_NAME("os"), static_cast<uint8_t>(dims->os()));
  if (!InRange(dims->screen()))
    return bad(MICROCONV_NAME("screen"), static_cast<uint8_t>(dims->screen()));
  if (!IsPackedCode(dims->language())) return bad(MICROCONV_NAME("language"), dims->language());
  if (!IsPackedCode(dims->country())) return bad(MICROCONV_NAME("country"), dims->country());
  return {};
}

// A PageStat.page value: a template id (checked against a config later) or a
// literal page that must exist in this summary.
Status CheckPageId(std::string_view field, uint16_t page, size_t literal_count) {
  if ((page & kLiteralBit) == 0) return {};
  const size_t literal = page & ~kLiteralBit;
  if (literal >= literal_count)
    return IndexOutside(field, literal, literal_count, MICROCONV_NAME("literal_pages"));
  return {};
}

}  // namespace

Status CheckTrafficSource(const wire::Summary& s) {
  if (s.referrer() != nullptr && !IsReferrerHost(s.referrer()->string_view())) {
    return Fail(Error::kOutOfRange, MICROCONV_MESSAGE("referrer: not a host name"));
  }
  const std::pair<const char*, const flatbuffers::String*> utm[] = {
      {MICROCONV_NAME("utm_source"), s.utm_source()},
      {MICROCONV_NAME("utm_medium"), s.utm_medium()},
      {MICROCONV_NAME("utm_campaign"), s.utm_campaign()}};
  for (const auto& [field, value] : utm) {
    if (value != nullptr && !IsUtmValue(value->string_view())) {
      return Fail(Error::kOutOfRange,
                  MICROCONV_MESSAGE(std::string(field) + ": not a valid utm value"));
    }
  }
  return {};
}

namespace {

// Journey replay (core/replay_timeline.h): it decodes and every index lies
// in the summary's tables; micro-conversion ids below `micros` (the
// config's count when known, else the id space).
Status CheckReplay(const wire::Summary& s, size_t micros) {
  if (s.replay() == nullptr) return {};
  std::vector<ReplayEntry> entries;
  if (!DecodeReplay({s.replay()->data(), s.replay()->size()}, entries)) {
    return Fail(Error::kVerifyFailed,
                MICROCONV_MESSAGE("replay: does not decode (entry " + Num(entries.size()) + ")"));
  }
  const size_t pages = SizeOf(s.pages()), names = SizeOf(s.names());
  for (size_t i = 0; i < entries.size(); ++i) {
    const ReplayEntry& e = entries[i];
    size_t limit = 0;  // a must be below it
    const char* what = "";
    switch (e.kind) {
      case ReplayKind::kPage:
        limit = pages, what = MICROCONV_NAME("pages");
        break;
      case ReplayKind::kConversion:
        limit = micros, what = MICROCONV_NAME("micros");
        break;
      case ReplayKind::kClick:
        if (e.b >= kGridColumns * kGridRows) {
          return IndexOutside(At(MICROCONV_NAME("replay"), i, MICROCONV_NAME("cell")), e.b,
                              kGridColumns * kGridRows, MICROCONV_NAME("cells"));
        }
        [[fallthrough]];
      case ReplayKind::kRageClick:
      case ReplayKind::kDeadClick:
        limit = names + 1, what = MICROCONV_NAME("names + 1");
        break;
      case ReplayKind::kScroll:
        limit = 101, what = MICROCONV_NAME("percent + 1");
        break;
      case ReplayKind::kFieldFocus:
      case ReplayKind::kFieldLeave:
        limit = names, what = MICROCONV_NAME("names");
        break;
      case ReplayKind::kTruncated:
        limit = 1;
        break;
    }
    if (e.a >= limit) return IndexOutside(At(MICROCONV_NAME("replay"), i), e.a, limit, what);
  }
  return {};
}

// What `exact` asks: no LDP field at all.
Status CheckNotLdp(const wire::Summary& s) {
  if (s.ldp_epsilon() != 0.0f) {
    return Fail(Error::kConfigMismatch,
                MICROCONV_MESSAGE("ldp_epsilon: an exact summary expected"));
  }
  if (SizeOf(s.ldp_bits()) != 0) {
    return Fail(Error::kVerifyFailed, MICROCONV_MESSAGE("ldp_bits: without ldp_epsilon"));
  }
  return {};
}

// An LDP summary (core/ldp.h) carries its epsilon, the randomized bits and
// no behaviour field: one that did would give the true bits away, so the
// collector refuses it rather than store it.
Status CheckLdpStructure(const wire::Summary& s) {
  const float epsilon = s.ldp_epsilon();
  if (epsilon == 0.0f) return CheckNotLdp(s);
  // Written so that NaN fails too.
  if (!(epsilon >= kMinLdpEpsilon && epsilon <= kMaxLdpEpsilon)) {
    return Fail(Error::kOutOfRange, MICROCONV_MESSAGE("ldp_epsilon: outside 0.1..10"));
  }
  if (SizeOf(s.ldp_bits()) > kMaxLdpBitBytes) {
    return TooMany(MICROCONV_NAME("ldp_bits"), SizeOf(s.ldp_bits()), kMaxLdpBitBytes);
  }
  const wire::SessionFacts facts = s.facts() ? *s.facts() : wire::SessionFacts();
  const bool behaviour =
      SizeOf(s.pages()) + SizeOf(s.path_steps()) + SizeOf(s.path_deltas()) + SizeOf(s.repeats()) +
              SizeOf(s.funnels()) + SizeOf(s.step_times()) + SizeOf(s.heat()) + SizeOf(s.forms()) +
              SizeOf(s.fields()) + SizeOf(s.elements()) + SizeOf(s.names()) +
              SizeOf(s.literal_pages()) + SizeOf(s.journey_steps()) + SizeOf(s.cta_seen()) +
              SizeOf(s.replay()) + (s.replay() != nullptr) + SizeOf(s.element_clicks()) +
              s.journey_visit() !=
          0 ||
      s.revenue_cents() != 0 || s.orders() != 0 || s.other_currency_orders() != 0 ||
      facts.duration_ds() != 0 || facts.active_ds() != 0 || facts.page_views() != 0 ||
      facts.rage_clicks() != 0 || facts.dead_clicks() != 0 || facts.quick_backs() != 0 ||
      facts.entry_page() != 0 || facts.exit_page() != 0 ||
      facts.flags() != wire::FactFlags::Ended ||
      // The session's one summary (core/ldp.h): a second would show which
      // answers changed; seq would count page hides.
      s.seq() != 0;
  if (behaviour) {
    return Fail(Error::kVerifyFailed,
                MICROCONV_MESSAGE("ldp_epsilon: an LDP summary carries behaviour fields, a seq or "
                                  "no Ended flag"));
  }
  return {};
}

Status CheckLdpAgainstConfig(const wire::Summary& s, const Config& config, bool exact) {
  const float epsilon = exact ? 0.0f : LdpEpsilon(config);
  if (s.ldp_epsilon() != epsilon) {
    // Either way round: an exact summary for a site that promised LDP is
    // data the site owner said it would not collect.
    return Fail(Error::kConfigMismatch,
                MICROCONV_MESSAGE("ldp_epsilon: not the config's privacy.ldp_epsilon"));
  }
  if (epsilon == 0.0f) return {};
  const size_t count = LdpBitCount(config);
  if (SizeOf(s.ldp_bits()) != (count + 7) / 8) {
    return Fail(Error::kVerifyFailed, MICROCONV_MESSAGE("ldp_bits: " + Num(SizeOf(s.ldp_bits())) +
                                                        " bytes for " + Num(count) + " bits"));
  }
  if (count % 8 != 0 && (s.ldp_bits()->Get(count / 8) >> (count % 8)) != 0) {
    return Fail(Error::kVerifyFailed, MICROCONV_MESSAGE("ldp_bits: bits past the config's"));
  }
  return {};
}

Status CheckStructure(const wire::Summary& s) {
  if (s.version() == 0) return Fail(Error::kVerifyFailed, MICROCONV_MESSAGE("version: missing"));
  if (s.version() > kSummaryVersion) {
    return Fail(Error::kUnsupportedVersion,
                MICROCONV_MESSAGE("version: " + Num(s.version()) + " > " + Num(kSummaryVersion)));
  }
  const wire::SessionFacts facts = s.facts() ? *s.facts() : wire::SessionFacts();
  if (Status st = CheckDimensions(&facts.dims()); !st.ok()) return st;

  const size_t page_count = SizeOf(s.pages());
  const size_t name_count = SizeOf(s.names());
  const size_t literal_count = SizeOf(s.literal_pages());
  if (page_count > kMaxPages) return TooMany(MICROCONV_NAME("pages"), page_count, kMaxPages);
  if (SizeOf(s.path_steps()) > kMaxPathSteps) {
    return TooMany(MICROCONV_NAME("path_steps"), SizeOf(s.path_steps()), kMaxPathSteps);
  }
  if (SizeOf(s.heat()) > kMaxHeatCells)
    return TooMany(MICROCONV_NAME("heat"), SizeOf(s.heat()), kMaxHeatCells);
  if (SizeOf(s.element_clicks()) > kMaxElementClicks) {
    return TooMany(MICROCONV_NAME("element_clicks"), SizeOf(s.element_clicks()), kMaxElementClicks);
  }
  // Every order is at most kMaxOrderCents: more revenue is a forged figure.
  if (s.revenue_cents() > uint64_t{s.orders()} * kMaxOrderCents) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("revenue_cents: " + Num(s.revenue_cents()) + " > orders " +
                                  Num(s.orders()) + " x " + Num(kMaxOrderCents)));
  }
  if (SizeOf(s.elements()) > kMaxElements) {
    return TooMany(MICROCONV_NAME("elements"), SizeOf(s.elements()), kMaxElements);
  }
  if (SizeOf(s.funnels()) > kMaxFunnels) {
    return TooMany(MICROCONV_NAME("funnels"), SizeOf(s.funnels()), kMaxFunnels);
  }
  if (SizeOf(s.forms()) > kMaxForms) {
    return TooMany(MICROCONV_NAME("forms"), SizeOf(s.forms()), kMaxForms);
  }
  if (SizeOf(s.repeats()) > kMaxMicroConversions) {
    return TooMany(MICROCONV_NAME("repeats"), SizeOf(s.repeats()), kMaxMicroConversions);
  }
  if (SizeOf(s.cta_seen()) > kMaxMicroConversions) {
    return TooMany(MICROCONV_NAME("cta_seen"), SizeOf(s.cta_seen()), kMaxMicroConversions);
  }
  // Names are frustrated elements plus unconfigured fields; fields index
  // them with 7 bits, which this cap keeps in reach. Literal pages are
  // indexed by 15 bits: the overall size cap keeps them far below.
  if (name_count > 2 * kMaxElements)
    return TooMany(MICROCONV_NAME("names"), name_count, 2 * kMaxElements);
  if (Status st = CheckReplay(s, kMaxMicroConversions); !st.ok()) return st;

  // With no page visited, entry and exit must stay 0.
  if (page_count == 0 ? facts.entry_page() != 0 : facts.entry_page() >= page_count) {
    return IndexOutside(MICROCONV_NAME("facts.entry_page"), facts.entry_page(), page_count,
                        MICROCONV_NAME("pages"));
  }
  if (page_count == 0 ? facts.exit_page() != 0 : facts.exit_page() >= page_count) {
    return IndexOutside(MICROCONV_NAME("facts.exit_page"), facts.exit_page(), page_count,
                        MICROCONV_NAME("pages"));
  }

  if (s.pages() != nullptr) {
    for (size_t i = 0; i < page_count; ++i) {
      const wire::PageStat* page = s.pages()->Get(i);
      if (page->max_scroll() > kMaxScrollPercent) {
        return Fail(Error::kOutOfRange, MICROCONV_MESSAGE(At("pages", i, "max_scroll") + ": " +
                                                          Num(page->max_scroll()) + " > 100"));
      }
      if (Status st = CheckPageId(At(MICROCONV_NAME("pages"), i, MICROCONV_NAME("page")),
                                  page->page(), literal_count);
          !st.ok()) {
        return st;
      }
    }
  }
  if (s.heat() != nullptr) {
    for (size_t i = 0; i < s.heat()->size(); ++i) {
      const wire::HeatCell* cell = s.heat()->Get(i);
      if (cell->page() >= page_count) {
        return IndexOutside(At(MICROCONV_NAME("heat"), i, MICROCONV_NAME("page")), cell->page(),
                            page_count, MICROCONV_NAME("pages"));
      }
      if (cell->cell() >= kHeatGridCells) {
        return IndexOutside(At(MICROCONV_NAME("heat"), i, MICROCONV_NAME("cell")), cell->cell(),
                            kHeatGridCells, MICROCONV_NAME("grid cells"));
      }
    }
  }
  if (s.element_clicks() != nullptr) {
    for (size_t i = 0; i < s.element_clicks()->size(); ++i) {
      const wire::ElementClick* click = s.element_clicks()->Get(i);
      if (click->page() >= page_count) {
        return IndexOutside(At(MICROCONV_NAME("element_clicks"), i, MICROCONV_NAME("page")),
                            click->page(), page_count, MICROCONV_NAME("pages"));
      }
    }
  }
  if (s.elements() != nullptr) {
    for (size_t i = 0; i < s.elements()->size(); ++i) {
      const wire::ElementStat* element = s.elements()->Get(i);
      if (element->page() >= page_count) {
        return IndexOutside(At(MICROCONV_NAME("elements"), i, MICROCONV_NAME("page")),
                            element->page(), page_count, MICROCONV_NAME("pages"));
      }
      if (element->element() >= name_count) {
        return IndexOutside(At(MICROCONV_NAME("elements"), i, MICROCONV_NAME("element")),
                            element->element(), name_count, MICROCONV_NAME("names"));
      }
    }
  }
  if (s.names() != nullptr) {
    for (size_t i = 0; i < name_count; ++i) {
      const size_t length = s.names()->Get(i)->size();
      if (length > kMaxElementNameLength) {
        return TooMany(At(MICROCONV_NAME("names"), i), length, kMaxElementNameLength);
      }
    }
  }
  if (s.literal_pages() != nullptr) {
    for (size_t i = 0; i < literal_count; ++i) {
      const size_t length = s.literal_pages()->Get(i)->size();
      if (length > kMaxPathLength) {
        return TooMany(At(MICROCONV_NAME("literal_pages"), i), length, kMaxPathLength);
      }
    }
  }

  size_t step_time_count = 0;
  if (s.funnels() != nullptr) {
    for (size_t i = 0; i < s.funnels()->size(); ++i) {
      const wire::FunnelProgress* funnel = s.funnels()->Get(i);
      if (funnel->next_count() > kMaxNextActions) {
        return Fail(Error::kOutOfRange,
                    MICROCONV_MESSAGE(At("funnels", i, "next_count") + ": " +
                                      Num(funnel->next_count()) + " > " + Num(kMaxNextActions)));
      }
      if (funnel->furthest() > kMaxFunnelSteps) {
        return Fail(Error::kOutOfRange,
                    MICROCONV_MESSAGE(At("funnels", i, "furthest") + ": " +
                                      Num(funnel->furthest()) + " > " + Num(kMaxFunnelSteps)));
      }
      const uint16_t next[] = {funnel->next0(), funnel->next1(), funnel->next2()};
      for (uint8_t n = 0; n < funnel->next_count(); ++n) {
        // Micro ids are bytes; pages are slots of `pages`.
        if ((next[n] & kLiteralBit) == 0 && next[n] > 0xff) {
          return Fail(Error::kOutOfRange,
                      MICROCONV_MESSAGE(At("funnels", i, "next") + Num(n) + ": " + Num(next[n]) +
                                        " is not a micro or page id"));
        }
        if ((next[n] & kLiteralBit) != 0 && (next[n] & ~kLiteralBit) >= page_count) {
          return IndexOutside(MICROCONV_MESSAGE(At("funnels", i, "next") + Num(n)),
                              next[n] & ~kLiteralBit, page_count, MICROCONV_NAME("pages"));
        }
      }
      if (funnel->reached() != 0) step_time_count += std::popcount(funnel->reached()) - 1;
    }
  }

  // Each form owns the next field_count entries of `fields`, exactly.
  size_t fields_claimed = 0;
  if (s.forms() != nullptr) {
    for (size_t i = 0; i < s.forms()->size(); ++i) {
      const wire::FormStat* form = s.forms()->Get(i);
      const size_t field_count = form->field_count();
      if (field_count > kMaxFormFields) {
        return TooMany(At(MICROCONV_NAME("forms"), i, MICROCONV_NAME("field_count")), field_count,
                       kMaxFormFields);
      }
      if (form->last_field() != kNoLastField && form->last_field() >= field_count) {
        return IndexOutside(At(MICROCONV_NAME("forms"), i, MICROCONV_NAME("last_field")),
                            form->last_field(), field_count, MICROCONV_NAME("fields"));
      }
      fields_claimed += field_count;
    }
  }
  if (fields_claimed != SizeOf(s.fields())) {
    return Fail(Error::kVerifyFailed,
                MICROCONV_MESSAGE("fields: " + Num(SizeOf(s.fields())) + " entries, forms claim " +
                                  Num(fields_claimed)));
  }
  for (size_t f = 0; f < SizeOf(s.fields()); ++f) {
    const uint8_t field = s.fields()->Get(f)->field();
    if ((field & kLiteralFieldBit) != 0 && (field & ~kLiteralFieldBit) >= name_count) {
      return IndexOutside(At(MICROCONV_NAME("fields"), f, MICROCONV_NAME("field")),
                          field & ~kLiteralFieldBit, name_count, MICROCONV_NAME("names"));
    }
  }

  if (Status st =
          CheckVarintCount(MICROCONV_NAME("path_deltas"), s.path_deltas(), SizeOf(s.path_steps()));
      !st.ok()) {
    return st;
  }
  return CheckVarintCount(MICROCONV_NAME("step_times"), s.step_times(), step_time_count);
}

// Journey fields (core/journey.h): only in journey scope, where every visit
// has its index; per funnel in increasing order, only steps the funnel has,
// never empty; days only where a journey converted, at most journey_days.
Status CheckJourney(const wire::Summary& s, const Config& config) {
  const uint16_t days = JourneyDays(config);
  const size_t count = SizeOf(s.journey_steps());
  if (days == 0) {
    if (s.journey_visit() != 0 || s.journey_day() != 0 || count != 0) {
      return Fail(Error::kConfigMismatch, MICROCONV_MESSAGE("journey_*: only in journey scope"));
    }
    return {};
  }
  if (s.journey_visit() < 1 || s.journey_visit() > kMaxJourneyVisit) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("journey_visit: " + Num(s.journey_visit()) + " outside 1..8"));
  }
  bool converted = false;
  for (size_t i = 0; i < count; ++i) {
    const wire::JourneyStep* step = s.journey_steps()->Get(i);
    const size_t funnel = step->funnel();
    const size_t steps = funnel < config.funnel_count()
                             ? SizeOf(config.def().funnels()->Get(step->funnel())->steps())
                             : 0;
    const uint64_t allowed = steps >= 32 ? 0xffffffffu : (uint64_t{1} << steps) - 1;
    const bool step_converted = HasFlag(step->flags(), wire::FunnelFlags::Converted);
    converted |= step_converted;
    if (steps == 0 || (i > 0 && funnel <= s.journey_steps()->Get(i - 1)->funnel()) ||
        (step->first_reached() & ~allowed) != 0 ||
        (step->flags() & ~wire::FunnelFlags::Converted) != wire::FunnelFlags::NONE ||
        (step->first_reached() == 0 && !step_converted) || step->pad() != 0) {
      return Fail(Error::kOutOfRange, MICROCONV_MESSAGE(At("journey_steps", i) + ": invalid"));
    }
  }
  if (s.journey_day() > (converted ? days : 0)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("journey_day: " + Num(s.journey_day()) +
                                  (converted ? " > journey_days" : " without a conversion")));
  }
  return {};
}

// Every id the summary uses must exist in the config it claims to follow.
Status CheckAgainstConfig(const wire::Summary& s, const Config& config, bool exact) {
  // A default-constructed Config has no definition to compare with.
  if (config.bytes().empty())
    return Fail(Error::kConfigMismatch, MICROCONV_MESSAGE("config: empty"));
  const std::string_view site = s.site() == nullptr
                                    ? std::string_view()
                                    : std::string_view(s.site()->c_str(), s.site()->size());
  if (site != config.site())
    return Fail(Error::kConfigMismatch, MICROCONV_MESSAGE("site: not the config's site"));
  if (s.config_hash() != config.hash()) {
    return Fail(Error::kConfigMismatch, MICROCONV_MESSAGE("config_hash: " + Hex32(s.config_hash()) +
                                                          " != " + Hex32(config.hash())));
  }
  if (Status st = CheckLdpAgainstConfig(s, config, exact); !st.ok()) return st;

  const wire::SiteConfig& def = config.def();
  const size_t micros = config.micro_count();
  // Only a sampling config's sessions carry a timeline.
  if (s.replay() != nullptr && !(def.privacy() && def.privacy()->replay_sample_rate() > 0)) {
    return Fail(Error::kConfigMismatch,
                MICROCONV_MESSAGE("replay: the config's privacy.replay_sample_rate is 0"));
  }
  if (Status st = CheckReplay(s, micros); !st.ok()) return st;
  const size_t funnels = config.funnel_count();
  const size_t templates = config.template_count();
  const size_t forms = SizeOf(def.forms());

  if (s.pages() != nullptr) {
    for (size_t i = 0; i < s.pages()->size(); ++i) {
      const uint16_t page = s.pages()->Get(i)->page();
      if ((page & kLiteralBit) == 0 && page >= templates) {
        return IndexOutside(At(MICROCONV_NAME("pages"), i, MICROCONV_NAME("page")), page, templates,
                            MICROCONV_NAME("page templates"));
      }
    }
  }
  if (s.repeats() != nullptr) {
    for (size_t i = 0; i < s.repeats()->size(); ++i) {
      const uint8_t id = s.repeats()->Get(i)->id();
      if (id >= micros)
        return IndexOutside(At(MICROCONV_NAME("repeats"), i, MICROCONV_NAME("id")), id, micros,
                            MICROCONV_NAME("micros"));
    }
  }
  if (s.path_steps() != nullptr) {
    for (size_t i = 0; i < s.path_steps()->size(); ++i) {
      const uint8_t id = s.path_steps()->Get(i);
      if (id >= micros)
        return IndexOutside(At(MICROCONV_NAME("path_steps"), i), id, micros,
                            MICROCONV_NAME("micros"));
    }
  }
  if (s.cta_seen() != nullptr) {
    for (size_t i = 0; i < s.cta_seen()->size(); ++i) {
      const uint8_t id = s.cta_seen()->Get(i);
      if (id >= micros)
        return IndexOutside(At(MICROCONV_NAME("cta_seen"), i), id, micros,
                            MICROCONV_NAME("micros"));
      if (!config.IsCallToAction(id)) {
        return Fail(Error::kOutOfRange,
                    MICROCONV_MESSAGE(At("cta_seen", i) + ": not a call to action"));
      }
      if (i > 0 && id <= s.cta_seen()->Get(i - 1)) {
        return Fail(Error::kVerifyFailed,
                    MICROCONV_MESSAGE(At("cta_seen", i) + ": not increasing"));
      }
    }
  }
  if (s.funnels() != nullptr) {
    for (size_t i = 0; i < s.funnels()->size(); ++i) {
      const wire::FunnelProgress* progress = s.funnels()->Get(i);
      if (progress->funnel() >= funnels) {
        return IndexOutside(At(MICROCONV_NAME("funnels"), i, MICROCONV_NAME("funnel")),
                            progress->funnel(), funnels, MICROCONV_NAME("funnels"));
      }
      const wire::FunnelDef* funnel =
          def.funnels() == nullptr ? nullptr : def.funnels()->Get(progress->funnel());
      const size_t steps = funnel == nullptr ? 0 : SizeOf(funnel->steps());
      const uint64_t allowed = steps >= 32 ? 0xffffffffu : (uint64_t{1} << steps) - 1;
      if ((progress->reached() & ~allowed) != 0) {
        return Fail(Error::kOutOfRange, MICROCONV_MESSAGE(At("funnels", i, "reached") + ": " +
                                                          Hex32(progress->reached()) +
                                                          " has bits >= " + Num(steps) + " steps"));
      }
      if (progress->furthest() > steps) {
        return Fail(Error::kOutOfRange,
                    MICROCONV_MESSAGE(At("funnels", i, "furthest") + ": " +
                                      Num(progress->furthest()) + " > " + Num(steps) + " steps"));
      }
      const uint16_t next[] = {progress->next0(), progress->next1(), progress->next2()};
      for (uint8_t n = 0; n < progress->next_count(); ++n) {
        if ((next[n] & kLiteralBit) == 0 && next[n] >= micros) {
          return IndexOutside(MICROCONV_MESSAGE(At("funnels", i, "next") + Num(n)), next[n], micros,
                              MICROCONV_NAME("micros"));
        }
      }
    }
  }
  if (Status st = CheckJourney(s, config); !st.ok()) return st;
  size_t next_field = 0;
  if (s.forms() != nullptr) {
    for (size_t i = 0; i < s.forms()->size(); ++i) {
      const wire::FormStat* form = s.forms()->Get(i);
      if (form->form() >= forms) {
        return IndexOutside(At(MICROCONV_NAME("forms"), i, MICROCONV_NAME("form")), form->form(),
                            forms, MICROCONV_NAME("forms"));
      }
      const size_t configured = SizeOf(def.forms()->Get(form->form())->fields());
      for (size_t f = 0; f < form->field_count(); ++f, ++next_field) {
        const uint8_t field = s.fields()->Get(next_field)->field();
        if ((field & kLiteralFieldBit) == 0 && field >= configured) {
          return IndexOutside(At(MICROCONV_NAME("fields"), next_field, MICROCONV_NAME("field")),
                              field, configured, "configured fields");
        }
      }
    }
  }
  return {};
}

}  // namespace

std::vector<uint8_t> EncodeSummary(const wire::SummaryT& summary) {
  flatbuffers::FlatBufferBuilder builder(1024);
  wire::FinishSummaryBuffer(builder, wire::Summary::Pack(builder, &summary));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

Status CheckSessionStart(const wire::Summary& summary, int64_t now_ms, StartWindow window) {
  const int64_t now_minute = now_ms / 60000;
  const int64_t start = summary.start_minute();
  if (start < now_minute - window.max_age_minutes) {
    return Fail(
        Error::kOutOfRange,
        MICROCONV_MESSAGE("start_minute: " + Num(summary.start_minute()) + " is more than " +
                          Num(window.max_age_minutes) + " minutes before the collector's clock"));
  }
  if (start > now_minute + window.max_lead_minutes) {
    return Fail(
        Error::kOutOfRange,
        MICROCONV_MESSAGE("start_minute: " + Num(summary.start_minute()) + " is more than " +
                          Num(window.max_lead_minutes) + " minutes after the collector's clock"));
  }
  return {};
}

Result<const wire::Summary*> VerifySummary(std::span<const uint8_t> bytes, const Config* config,
                                           bool exact) {
  if (bytes.size() > kMaxSummaryBytes) {
    return {Error::kTooLarge, MICROCONV_MESSAGE("summary: " + Num(bytes.size()) + " bytes > " +
                                                Num(kMaxSummaryBytes))};
  }
  if (bytes.size() < kMinSummaryBytes) {
    return {Error::kTruncated,
            MICROCONV_MESSAGE("summary: " + Num(bytes.size()) + " bytes is too short")};
  }
  // The builder pads every buffer to a multiple of its alignment (>= 4); a
  // cut inside the trailing padding would otherwise still verify.
  if (bytes.size() % sizeof(flatbuffers::uoffset_t) != 0) {
    return {Error::kTruncated,
            MICROCONV_MESSAGE("summary: " + Num(bytes.size()) + " bytes is not a multiple of 4")};
  }
  if (!wire::SummaryBufferHasIdentifier(bytes.data())) {
    return {Error::kWrongIdentifier, MICROCONV_MESSAGE("summary: file identifier is not MCS1")};
  }
  // The buffer length bounds every read (this FlatBuffers version has no
  // Options::max_size; the size cap above plays that part).
  flatbuffers::Verifier::Options options;
  options.max_depth = 8;
  options.max_tables = 512;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!wire::VerifySummaryBuffer(verifier)) {
    return {Error::kVerifyFailed,
            MICROCONV_MESSAGE("summary: FlatBuffers verifier rejected the bytes")};
  }
  const wire::Summary* summary = wire::GetSummary(bytes.data());
  if (Status st = CheckStructure(*summary); !st.ok()) return {st.error, std::move(st.message)};
  // An exact-only caller (the browser's snapshot restore, its one call)
  // needs no LDP structure check: the module then carries none.
  Status ldp = exact ? CheckNotLdp(*summary) : CheckLdpStructure(*summary);
  if (!ldp.ok()) return {ldp.error, std::move(ldp.message)};
  if (config != nullptr) {
    if (Status st = CheckAgainstConfig(*summary, *config, exact); !st.ok()) {
      return {st.error, std::move(st.message)};
    }
  }
  return summary;
}

Status CheckSummaryAgainstConfig(const wire::Summary& summary, const Config& config) {
  return CheckAgainstConfig(summary, config, false);
}

}  // namespace microconv
