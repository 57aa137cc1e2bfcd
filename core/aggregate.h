// A mergeable partial aggregate of verified session summaries (SPEC sections
// 3 and 7): typically one per site and local day (the site's time zone),
// stored by the collector and merged over a date range before a Report is
// built from it.
//
// Every structure is mergeable: counts, sums, fixed log-scale histograms
// (core/stats.h), dense arrays indexed by config ids, small sorted maps keyed
// by small ids, and capped string-keyed maps (core/capped_string_map.h). Merge is
// associative and commutative, and Add(s) equals Merge of the one-session
// aggregate of s: the serialised bytes are identical whatever the order.
//
// Macro-conversion: a session converted if it did any micro-conversion marked
// `macro` in the config (path occurrences plus repeats), or converted in a funnel whose last
// step contains a macro micro-conversion.
#ifndef MICROCONV_CORE_AGGREGATE_H_
#define MICROCONV_CORE_AGGREGATE_H_

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/capped_string_map.h"
#include "core/config.h"
#include "core/element_heatmap.h"
#include "core/heatmap.h"
#include "core/ldp.h"
#include "core/lift.h"
#include "core/schema/summary_generated.h"
#include "core/stats.h"
#include "core/status.h"

namespace microconv {

// Distinct keys kept per string-keyed map (see core/capped_string_map.h).
inline constexpr size_t kMaxTrackedPaths = 10000;
inline constexpr size_t kMaxTrackedElements = 2000;
inline constexpr size_t kMaxTrackedReferrers = 2000;
inline constexpr size_t kMaxTrackedUtmValues = 1000;
inline constexpr size_t kMaxTrackedLiteralPages = 1000;
inline constexpr size_t kMaxTrackedLiteralFields = 1000;
// (template, device class, element key) rows of the element heatmap.
inline constexpr size_t kMaxTrackedElementHeats = 4000;
inline constexpr size_t kMaxAggregateKeyLength = 256;
inline constexpr size_t kMaxAggregateBytes = 64 * 1024 * 1024;
inline constexpr size_t kHeatGridCells = kGridColumns * kGridRows;
inline constexpr size_t kScrollBuckets = 11;  // 0-9 %, 10-19 %, ..., 90-99 %, 100 %
// Next-action code for a page that matched no template (literal pages are
// per-summary strings, so they are not told apart here).
inline constexpr uint32_t kLiteralPageAction = 0xffff;
inline constexpr uint16_t kNoSelector = 0xffff;

// The key a summary's referrer and UTM values are counted under: the value,
// "" when absent, "(invalid)" for stored text from before the traffic-source
// rules (core/traffic_source.h). Report filters match the same keys.
std::string_view ReferrerKey(const flatbuffers::String* text);
std::string_view UtmKey(const flatbuffers::String* text);
// A packed language or country code as counted: two ASCII letters packed
// a << 8 | b, else 0 (unknown), so the maps stay bounded whatever a summary
// says.
uint16_t ValidSegmentCode(uint16_t packed) noexcept;

// Heat grids are kept per page template and device class
// (wire::DeviceClass: unknown, desktop, mobile, tablet).
inline constexpr size_t kHeatDeviceClasses = 4;

// Orders and revenue (cents of the site's one currency) of a set of
// sessions (core/revenue.h). `buyers`, the sessions with an order, is the
// k-anonymity count of the revenue figures; `other_currency_sessions` that
// of the other-currency orders.
struct RevenueTally {
  uint64_t buyers = 0;
  uint64_t orders = 0;
  uint64_t cents = 0;
  uint64_t other_currency_sessions = 0;
  uint64_t other_currency_orders = 0;
  // One session's figures.
  static RevenueTally Of(const wire::Summary& summary) noexcept;
  RevenueTally& operator+=(const RevenueTally& o) {
    buyers += o.buyers;
    orders += o.orders;
    cents += o.cents;
    other_currency_sessions += o.other_currency_sessions;
    other_currency_orders += o.other_currency_orders;
    return *this;
  }
  RevenueTally& operator-=(const RevenueTally& o) {
    buyers -= o.buyers;
    orders -= o.orders;
    cents -= o.cents;
    other_currency_sessions -= o.other_currency_sessions;
    other_currency_orders -= o.other_currency_orders;
    return *this;
  }
  bool operator==(const RevenueTally&) const = default;
};

// Sessions, macro-converters and revenue per segment value.
struct SegmentTally {
  uint64_t sessions = 0;
  uint64_t converters = 0;
  RevenueTally revenue;
  SegmentTally& operator+=(const SegmentTally& o) {
    sessions += o.sessions;
    converters += o.converters;
    revenue += o.revenue;
    return *this;
  }
  SegmentTally& operator-=(const SegmentTally& o) {
    sessions -= o.sessions;
    converters -= o.converters;
    revenue -= o.revenue;
    return *this;
  }
  bool operator==(const SegmentTally&) const = default;
};

struct DayTally {
  uint64_t sessions = 0;
  uint64_t conversions = 0;  // macro-converted sessions
  uint64_t page_views = 0;
  RevenueTally revenue;
  DayTally& operator+=(const DayTally& o) {
    sessions += o.sessions;
    conversions += o.conversions;
    page_views += o.page_views;
    revenue += o.revenue;
    return *this;
  }
  DayTally& operator-=(const DayTally& o) {
    sessions -= o.sessions;
    conversions -= o.conversions;
    page_views -= o.page_views;
    revenue -= o.revenue;
    return *this;
  }
  bool operator==(const DayTally&) const = default;
};

// Page-sessions by deepest scroll, 10 % buckets (bucket 10: 100 %).
using ScrollTally = std::array<uint64_t, kScrollBuckets>;

struct PageTally {
  uint64_t views = 0;
  uint64_t sessions = 0;
  uint64_t entries = 0;
  uint64_t exits = 0;
  uint64_t bounces = 0;  // single-page sessions that entered here
  uint64_t quick_backs = 0;
  uint64_t active_ds = 0;
  ScrollTally scroll{};
  PageTally& operator+=(const PageTally& o);
  PageTally& operator-=(const PageTally& o);
  bool operator==(const PageTally&) const = default;
};

struct MicroTally {
  uint64_t sessions = 0;     // sessions that did it at least once
  uint64_t occurrences = 0;  // per-session counts (path occurrences plus repeats), summed
  uint64_t converters = 0;   // sessions that did it and macro-converted
  // Its lift baseline (core/lift.h): the sessions in it, their converters,
  // and those of them that did it.
  uint64_t base_sessions = 0;
  uint64_t base_converters = 0;
  uint64_t base_with = 0;
  uint64_t base_with_converters = 0;
  // A call to action's sessions that saw it (core/micro_conversions.h), and
  // those of them that did it (clicked).
  uint64_t cta_seen = 0;
  uint64_t cta_seen_clicked = 0;
  bool operator==(const MicroTally&) const = default;
};

// A sorted flat map from a small integer id to an additive value: cheap
// lookups by binary search, canonical iteration order.
template <typename V>
struct IdMap {
  std::vector<std::pair<uint32_t, V>> entries;

  V& operator[](uint32_t id);
  void Merge(const IdMap& other);
  // Takes `value` back from `id`; an emptied entry goes (ids are not capped).
  void Subtract(uint32_t id, const V& value);
  void Unmerge(const IdMap& other);
  bool operator==(const IdMap&) const = default;
};

struct FunnelStepTally {
  uint64_t reached = 0;         // sessions with this step's reached bit
  uint64_t drop_off = 0;        // not converted, furthest == step + 1
  DurationHistogram step_time;  // ds from the previous reached step
  // Drop-offs after this step: sessions by next action (micro id, or
  // kLiteralBit | template, or kLiteralPageAction).
  IdMap<uint64_t> next_actions;
  bool operator==(const FunnelStepTally&) const = default;
};

struct FunnelTally {
  uint64_t entered = 0;  // reached at least one step, not excluded
  uint64_t conversions = 0;
  uint64_t exclusions = 0;            // excluded sessions: left out of the step figures
  uint64_t dropped_before_first = 0;  // entered, not converted, furthest == 0
  IdMap<uint64_t> next_before_first;
  DurationHistogram time_to_convert;  // ds from the first to the last reached step
  RevenueTally revenue;               // of the sessions that converted
  std::vector<FunnelStepTally> steps;
  bool operator==(const FunnelTally&) const = default;
};

struct PathTally {
  uint64_t sessions = 0;
  uint64_t converters = 0;
  PathTally& operator+=(const PathTally& o) {
    sessions += o.sessions;
    converters += o.converters;
    return *this;
  }
  PathTally& operator-=(const PathTally& o) {
    sessions -= o.sessions;
    converters -= o.converters;
    return *this;
  }
  bool operator==(const PathTally&) const = default;
};

struct ElementTally {
  uint64_t sessions = 0;
  uint64_t clicks = 0;
  uint64_t rage_clicks = 0;
  uint64_t dead_clicks = 0;
  ElementTally& operator+=(const ElementTally& o) {
    sessions += o.sessions;
    clicks += o.clicks;
    rage_clicks += o.rage_clicks;
    dead_clicks += o.dead_clicks;
    return *this;
  }
  ElementTally& operator-=(const ElementTally& o) {
    sessions -= o.sessions;
    clicks -= o.clicks;
    rage_clicks -= o.rage_clicks;
    dead_clicks -= o.dead_clicks;
    return *this;
  }
  bool operator==(const ElementTally&) const = default;
};

struct FieldTally {
  uint64_t sessions = 0;  // sessions that focused it
  uint64_t focus_count = 0;
  uint64_t time_ds = 0;
  uint64_t refills = 0;
  uint64_t last_before_abandon = 0;  // abandoned forms whose last field it was
  FieldTally& operator+=(const FieldTally& o) {
    sessions += o.sessions;
    focus_count += o.focus_count;
    time_ds += o.time_ds;
    refills += o.refills;
    last_before_abandon += o.last_before_abandon;
    return *this;
  }
  FieldTally& operator-=(const FieldTally& o) {
    sessions -= o.sessions;
    focus_count -= o.focus_count;
    time_ds -= o.time_ds;
    refills -= o.refills;
    last_before_abandon -= o.last_before_abandon;
    return *this;
  }
  bool operator==(const FieldTally&) const = default;
};

struct FormTally {
  uint64_t started = 0;
  uint64_t submitted = 0;
  uint64_t abandoned = 0;          // started and not submitted (in the latest summary)
  std::vector<FieldTally> fields;  // configured fields, by index
  bool operator==(const FormTally&) const = default;
};

// One heat-map grid cell: clicks, and the sessions that clicked there (the
// cell's k-anonymity count: one visitor's many clicks are still one).
struct HeatTally {
  uint64_t clicks = 0;
  uint64_t sessions = 0;
  HeatTally& operator+=(const HeatTally& o) {
    clicks += o.clicks;
    sessions += o.sessions;
    return *this;
  }
  HeatTally& operator-=(const HeatTally& o) {
    clicks -= o.clicks;
    sessions -= o.sessions;
    return *this;
  }
  bool operator==(const HeatTally&) const = default;
};

// Clicks on one element of one template from one device class (element
// heatmap): the element's sessions and clicks, and per cell of its box the
// clicks and the sessions that clicked there.
struct ElementHeatTally {
  uint64_t sessions = 0;
  uint64_t clicks = 0;
  std::array<HeatTally, kElementGridCells> cells{};
  ElementHeatTally& operator+=(const ElementHeatTally& o) {
    sessions += o.sessions;
    clicks += o.clicks;
    for (size_t c = 0; c < cells.size(); ++c) cells[c] += o.cells[c];
    return *this;
  }
  ElementHeatTally& operator-=(const ElementHeatTally& o) {
    sessions -= o.sessions;
    clicks -= o.clicks;
    for (size_t c = 0; c < cells.size(); ++c) cells[c] -= o.cells[c];
    return *this;
  }
  bool operator==(const ElementHeatTally&) const = default;
};

// The key of an ElementHeatTally: 6 bytes, template (big-endian 16 bits),
// device class, element key (big-endian 24 bits), so that the map's
// canonical order groups rows by template and class.
std::string ElementHeatKey(uint16_t page_template, uint8_t device_class, uint32_t element_key);
struct ElementHeatKeyParts {
  uint16_t page_template;
  uint8_t device_class;
  uint32_t element_key;
};
// False for a key of another shape (stored bytes are untrusted).
bool ParseElementHeatKey(std::string_view key, ElementHeatKeyParts& parts);

struct SelectorTally {
  uint64_t sessions = 0;
  uint64_t clicks = 0;
  bool operator==(const SelectorTally&) const = default;
};

// Journey scope figures (core/journey.h), counted in one sparse map keyed
// by JourneyKey(figure, funnel, value):
//  kVisits (funnel 0): visits by their index in the journey, 1..8 (index 1:
//    journeys started);
//  kReached: per funnel step (value), journeys that first reached it;
//  kVisitsToConvert / kDaysToConvert: per funnel, converted journeys by the
//    index of their converting visit / by whole days since their first one.
enum class JourneyFigure : uint8_t { kVisits = 0, kReached, kVisitsToConvert, kDaysToConvert };
constexpr uint32_t JourneyKey(JourneyFigure figure, uint8_t funnel, uint16_t value) noexcept {
  return uint32_t{static_cast<uint8_t>(figure)} << 24 | uint32_t{funnel} << 16 | value;
}
inline constexpr uint32_t kMaxJourneyKey = JourneyKey(JourneyFigure::kDaysToConvert, 0xff, 0xffff);

class Aggregate {
 public:
  // An empty aggregate with no config: the identity of Merge (merging into
  // it adopts the other side's config).
  Aggregate() = default;
  // An empty aggregate for summaries written with `config`.
  explicit Aggregate(const Config& config);

  // Adds one verified summary. kConfigMismatch when it was written for
  // another config; ids outside the config are ignored.
  [[nodiscard]] Status Add(const wire::Summary& summary) { return Fold(summary, false); }
  // Takes back an earlier Add of the same summary (a re-flushed session's
  // previous version), exactly: every figure is a sum (counts, histogram
  // buckets and sums, heat cells with their sessions, revenue), and a capped
  // map takes a key back from where the cap rule put it. Emptied entries of
  // id maps, and of string maps below their cap, go, so Add then Remove
  // gives back the same bytes; at a string map's cap an emptied key stays
  // (the cap rule needs every key ever added) and reports skip it.
  [[nodiscard]] Status Remove(const wire::Summary& summary) { return Fold(summary, true); }
  // kConfigMismatch when the two aggregates were built for different configs.
  [[nodiscard]] Status Merge(const Aggregate& other) { return MergeSigned(other, false); }
  // Takes back an earlier Merge(other) (or the Adds that built `other`).
  [[nodiscard]] Status Unmerge(const Aggregate& other) { return MergeSigned(other, true); }

  // Canonical bytes: equal aggregates give equal bytes. Format: "MCA1", a
  // version varint, then LEB128 varints (strings length-prefixed) in the one
  // field order of VisitAggregate (aggregate_codec.cc); maps in key order,
  // histograms and heat grids sparse. Compact, and with no alignment or
  // vtables it needs no FlatBuffers Verifier: the bounded reader is the check.
  std::vector<uint8_t> Serialize() const;
  // Reads untrusted bytes: size cap, magic, version, every length and id
  // bounded, keys strictly increasing, nothing read past the end.
  static Result<Aggregate> Deserialize(std::span<const uint8_t> bytes);

  bool configured() const noexcept { return configured_; }
  uint32_t config_hash() const noexcept { return config_hash_; }
  bool IsMacro(uint8_t micro) const noexcept { return macro_micros_[micro]; }

  uint64_t sessions() const noexcept { return sessions_; }
  uint64_t converters() const noexcept { return converters_; }
  uint64_t page_views() const noexcept { return page_views_; }
  uint64_t bounces() const noexcept { return bounces_; }
  uint64_t rage_clicks() const noexcept { return rage_clicks_; }
  uint64_t dead_clicks() const noexcept { return dead_clicks_; }
  uint64_t quick_backs() const noexcept { return quick_backs_; }
  uint64_t truncated_paths() const noexcept { return truncated_paths_; }
  const RevenueTally& revenue() const noexcept { return revenue_; }
  const DurationHistogram& duration() const noexcept { return duration_; }
  const DurationHistogram& active() const noexcept { return active_; }
  const IdMap<DayTally>& days() const noexcept { return days_; }
  const std::vector<PageTally>& pages() const noexcept { return pages_; }
  const CappedStringMap<PageTally>& literal_pages() const noexcept { return literal_pages_; }
  const std::vector<MicroTally>& micros() const noexcept { return micros_; }
  const std::vector<FunnelTally>& funnels() const noexcept { return funnels_; }
  const CappedStringMap<PathTally>& paths() const noexcept { return paths_; }
  const CappedStringMap<SegmentTally>& referrers() const noexcept { return referrers_; }
  const CappedStringMap<SegmentTally>& utm_sources() const noexcept { return utm_sources_; }
  const CappedStringMap<SegmentTally>& utm_mediums() const noexcept { return utm_mediums_; }
  const CappedStringMap<SegmentTally>& utm_campaigns() const noexcept { return utm_campaigns_; }
  std::span<const SegmentTally> devices() const noexcept { return devices_; }
  std::span<const SegmentTally> browsers() const noexcept { return browsers_; }
  std::span<const SegmentTally> oses() const noexcept { return oses_; }
  std::span<const SegmentTally> screens() const noexcept { return screens_; }
  const IdMap<SegmentTally>& languages() const noexcept { return languages_; }
  const IdMap<SegmentTally>& countries() const noexcept { return countries_; }
  const CappedStringMap<ElementTally>& elements() const noexcept { return elements_; }
  const std::vector<FormTally>& forms() const noexcept { return forms_; }
  // Unconfigured fields, keyed by the form index byte followed by the name.
  const CappedStringMap<FieldTally>& literal_fields() const noexcept { return literal_fields_; }
  // Per template and device class, at template * kHeatDeviceClasses +
  // device: empty, or kHeatGridCells click sums.
  const std::vector<std::vector<HeatTally>>& heat() const noexcept { return heat_; }
  // Per template and device class, indexed as heat(): page-sessions by
  // deepest scroll (the scroll map of one device class; pages() holds
  // every class's).
  const std::vector<ScrollTally>& scroll() const noexcept { return scroll_; }
  // Element heatmap rows, keyed by ElementHeatKey; what the cap leaves out
  // is in its overflow().
  const CappedStringMap<ElementHeatTally>& element_heat() const noexcept { return element_heat_; }
  const std::vector<SelectorTally>& selectors() const noexcept { return selectors_; }
  // Local differential privacy sessions (core/ldp.h), kept apart from every
  // exact figure above: per epsilon (keyed by the float's bit pattern), the
  // sessions and their randomized bit counts.
  const IdMap<LdpTally>& ldp() const noexcept { return ldp_; }
  // Journey scope figures (JourneyKey above); empty without journey visits.
  const IdMap<uint64_t>& journeys() const noexcept { return journeys_; }

  // Same config and same figures (what the serialised bytes say).
  bool operator==(const Aggregate& other) const { return Serialize() == other.Serialize(); }

 private:
  template <typename Archive, typename Self>
  friend bool VisitAggregate(Archive& archive, Self& self);

  // A summary's micro-conversion counts: path occurrences plus repeats.
  struct MicroCounts {
    std::array<uint32_t, kMaxMicroConversions> count{};
    std::array<uint8_t, kMaxMicroConversions> ids;  // ids with a count, first seen first
    size_t size = 0;
    std::span<const uint8_t> Ids() const noexcept { return {ids.data(), size}; }
  };
  static MicroCounts CountMicros(const wire::Summary& summary) noexcept;
  // Add (remove false) or Remove (true): one code path, so the two cannot
  // disagree on what a summary contributes.
  Status Fold(const wire::Summary& summary, bool remove);
  Status MergeSigned(const Aggregate& other, bool remove);
  bool IsConverted(const wire::Summary& summary, const MicroCounts& counts) const noexcept;
  // `revenue`: the session's, summed into each funnel it converted.
  void AddFunnels(const wire::Summary& summary, const RevenueTally& revenue, bool remove);
  void AddForms(const wire::Summary& summary, bool remove);
  void AddLift(const wire::Summary& summary, const MicroCounts& counts, bool converted,
               bool remove);
  // An LDP summary: only its randomized bits, into ldp_.
  void AddLdp(const wire::Summary& summary, bool remove);
  // A journey-scope visit's journey fields, into journeys_.
  void AddJourney(const wire::Summary& summary, bool remove);

  // Shape, from the config.
  bool configured_ = false;
  uint32_t config_hash_ = 0;
  std::bitset<256> macro_micros_;
  std::bitset<kMaxFunnels> macro_funnels_;  // funnels whose last step is macro
  // Micro id -> click selector of a click micro-conversion (kNoSelector
  // otherwise): selector clicks are counted from these micro-conversions.
  std::vector<uint16_t> click_selector_;
  // Micro id -> its lift baseline (core/lift.h), from the config.
  std::vector<LiftBaseline> lift_base_;
  // The site's zone its days are counted in (null: UTC); from the config,
  // not serialised (the config hash names the zone).
  std::shared_ptr<const TimeZone> zone_;

  uint64_t sessions_ = 0;
  uint64_t converters_ = 0;
  uint64_t page_views_ = 0;
  uint64_t bounces_ = 0;
  uint64_t rage_clicks_ = 0;
  uint64_t dead_clicks_ = 0;
  uint64_t quick_backs_ = 0;
  uint64_t truncated_paths_ = 0;
  RevenueTally revenue_;
  DurationHistogram duration_;
  DurationHistogram active_;
  IdMap<DayTally> days_;
  std::vector<PageTally> pages_;
  CappedStringMap<PageTally> literal_pages_{kMaxTrackedLiteralPages};
  std::vector<MicroTally> micros_;
  std::vector<FunnelTally> funnels_;
  CappedStringMap<PathTally> paths_{kMaxTrackedPaths};
  CappedStringMap<SegmentTally> referrers_{kMaxTrackedReferrers};
  CappedStringMap<SegmentTally> utm_sources_{kMaxTrackedUtmValues};
  CappedStringMap<SegmentTally> utm_mediums_{kMaxTrackedUtmValues};
  CappedStringMap<SegmentTally> utm_campaigns_{kMaxTrackedUtmValues};
  std::array<SegmentTally, 4> devices_{};
  std::array<SegmentTally, 8> browsers_{};
  std::array<SegmentTally, 8> oses_{};
  std::array<SegmentTally, 7> screens_{};
  IdMap<SegmentTally> languages_;
  IdMap<SegmentTally> countries_;
  CappedStringMap<ElementTally> elements_{kMaxTrackedElements};
  std::vector<FormTally> forms_;
  CappedStringMap<FieldTally> literal_fields_{kMaxTrackedLiteralFields};
  std::vector<std::vector<HeatTally>> heat_;
  std::vector<ScrollTally> scroll_;
  CappedStringMap<ElementHeatTally> element_heat_{kMaxTrackedElementHeats};
  std::vector<SelectorTally> selectors_;
  IdMap<LdpTally> ldp_;
  IdMap<uint64_t> journeys_;
};

// --- Template implementations. ---------------------------------------------

template <typename V>
V& IdMap<V>::operator[](uint32_t id) {
  auto it = std::lower_bound(entries.begin(), entries.end(), id,
                             [](const auto& entry, uint32_t key) { return entry.first < key; });
  if (it == entries.end() || it->first != id) it = entries.insert(it, {id, V{}});
  return it->second;
}

template <typename V>
void IdMap<V>::Subtract(uint32_t id, const V& value) {
  auto it = std::lower_bound(entries.begin(), entries.end(), id,
                             [](const auto& entry, uint32_t key) { return entry.first < key; });
  if (it == entries.end() || it->first != id) it = entries.insert(it, {id, V{}});
  it->second -= value;
  if (it->second == V{}) entries.erase(it);
}

template <typename V>
void IdMap<V>::Unmerge(const IdMap& other) {
  if (&other == this) {
    entries.clear();
    return;
  }
  for (const auto& [id, value] : other.entries) Subtract(id, value);
}

template <typename V>
void IdMap<V>::Merge(const IdMap& other) {
  if (&other == this) {
    const IdMap copy = other;
    Merge(copy);
    return;
  }
  for (const auto& [id, value] : other.entries) (*this)[id] += value;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_AGGREGATE_H_
