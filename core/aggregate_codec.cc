// The stored aggregate's binary codec: one field list (VisitAggregate) read
// by a writer and a bounded reader, so the two directions cannot drift apart.
// Stored aggregates are untrusted bytes (tests/fuzz/aggregate_fuzz.cc).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/aggregate.h"
#include "core/varint.h"

namespace microconv {
namespace {

constexpr uint8_t kMagic[4] = {'M', 'C', 'A', '1'};
// 2: heat cells carry their sessions; 3: revenue (total, per day, segment
// and funnel) and heat grids per device class; 4: lift baselines and LDP
// tallies; 5: journey figures; 6: scroll maps per template and device
// class, calls to action seen; 7: element heatmaps. Other versions are
// refused, so a stored day aggregate of another layout is rebuilt from its
// sessions.
constexpr uint64_t kAggregateVersion = 7;

class AggregateWriter {
 public:
  static constexpr bool kReading = false;
  std::vector<uint8_t> out;

  template <typename T>
  bool Num(const T& value) {
    // Most numbers of an aggregate are small (zeros of untouched tallies):
    // one byte, the varint's own encoding of them, without the call.
    const auto v = static_cast<uint64_t>(value);
    if (v < 0x80) {
      out.push_back(static_cast<uint8_t>(v));
    } else {
      AppendVarint(v, out);
    }
    return true;
  }
  bool Count(size_t& n, uint64_t /*cap*/) { return Num(n); }
  // Non-zero entries of a sparse field, gathered in one pass (VisitSparse).
  std::vector<std::pair<size_t, uint64_t>> sparse;
  bool Fail(Error /*error*/, const char* /*message*/) { return false; }
  bool Text(std::string_view text) {
    Num(text.size());
    out.insert(out.end(), text.begin(), text.end());
    return true;
  }
};

class AggregateReader {
 public:
  static constexpr bool kReading = true;

  explicit AggregateReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  template <typename T>
  bool Num(T& value) {
    const VarintRead read = ReadVarint(bytes_, at_, 64);
    if (read.status == VarintStatus::kTruncated) {
      return Fail(Error::kTruncated, "ends inside a number");
    }
    if (read.status == VarintStatus::kOverflow) {
      return Fail(Error::kVerifyFailed, "number overflows 64 bits");
    }
    // Minimal encodings only: the bytes stay canonical.
    if (!read.minimal) return Fail(Error::kVerifyFailed, "overlong number");
    const uint64_t v = read.value;
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return Fail(Error::kOutOfRange, "number out of range");
    }
    value = static_cast<T>(v);
    return true;
  }
  // A count of elements that take at least one byte each.
  bool Count(size_t& n, uint64_t cap) {
    uint64_t v = 0;
    if (!Num(v)) return false;
    if (v > cap) return Fail(Error::kOutOfRange, "count above its cap");
    if (v > bytes_.size() - at_) return Fail(Error::kTruncated, "count past the end");
    n = static_cast<size_t>(v);
    return true;
  }
  bool Text(std::string& text, size_t cap) {
    size_t n = 0;
    if (!Count(n, cap)) return false;
    text.assign(reinterpret_cast<const char*>(bytes_.data() + at_), n);
    at_ += n;
    return true;
  }
  bool Magic() {
    if (bytes_.size() - at_ < 4 || !std::equal(kMagic, kMagic + 4, bytes_.data() + at_)) {
      return Fail(Error::kWrongIdentifier, "not an aggregate (magic MCA1)");
    }
    at_ += 4;
    return true;
  }
  bool AtEnd() {
    return at_ == bytes_.size() ? true : Fail(Error::kVerifyFailed, "trailing bytes");
  }
  bool Fail(Error error, const char* message) {
    if (error_ == Error::kOk) {
      error_ = error;
      message_ = message;
    }
    return false;
  }
  Error error() const { return error_; }
  const char* message() const { return message_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
  Error error_ = Error::kOk;
  const char* message_ = "";
};

template <typename A, typename T>
bool VisitTally(A& a, T& t) {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, uint64_t>) {
    return a.Num(t);
  } else if constexpr (std::is_same_v<U, RevenueTally>) {
    return a.Num(t.buyers) && a.Num(t.orders) && a.Num(t.cents) &&
           a.Num(t.other_currency_sessions) && a.Num(t.other_currency_orders);
  } else if constexpr (std::is_same_v<U, PathTally>) {
    return a.Num(t.sessions) && a.Num(t.converters);
  } else if constexpr (std::is_same_v<U, SegmentTally>) {
    return a.Num(t.sessions) && a.Num(t.converters) && VisitTally(a, t.revenue);
  } else if constexpr (std::is_same_v<U, DayTally>) {
    return a.Num(t.sessions) && a.Num(t.conversions) && a.Num(t.page_views) &&
           VisitTally(a, t.revenue);
  } else if constexpr (std::is_same_v<U, PageTally>) {
    if (!(a.Num(t.views) && a.Num(t.sessions) && a.Num(t.entries) && a.Num(t.exits) &&
          a.Num(t.bounces) && a.Num(t.quick_backs) && a.Num(t.active_ds))) {
      return false;
    }
    for (auto& s : t.scroll) {
      if (!a.Num(s)) return false;
    }
    return true;
  } else if constexpr (std::is_same_v<U, MicroTally>) {
    return a.Num(t.sessions) && a.Num(t.occurrences) && a.Num(t.converters) &&
           a.Num(t.base_sessions) && a.Num(t.base_converters) && a.Num(t.base_with) &&
           a.Num(t.base_with_converters) && a.Num(t.cta_seen) && a.Num(t.cta_seen_clicked);
  } else if constexpr (std::is_same_v<U, ElementTally>) {
    return a.Num(t.sessions) && a.Num(t.clicks) && a.Num(t.rage_clicks) && a.Num(t.dead_clicks);
  } else if constexpr (std::is_same_v<U, FieldTally>) {
    return a.Num(t.sessions) && a.Num(t.focus_count) && a.Num(t.time_ds) && a.Num(t.refills) &&
           a.Num(t.last_before_abandon);
  } else if constexpr (std::is_same_v<U, ElementHeatTally>) {
    if (!(a.Num(t.sessions) && a.Num(t.clicks))) return false;
    for (auto& cell : t.cells) {
      if (!(a.Num(cell.clicks) && a.Num(cell.sessions))) return false;
    }
    return true;
  } else if constexpr (std::is_same_v<U, SelectorTally>) {
    return a.Num(t.sessions) && a.Num(t.clicks);
  } else {
    static_assert(std::is_same_v<U, void>, "no field list for this type");
  }
}

// Sparse: the number of non-zero entries of [0, size), then (index delta,
// value) for each; histograms and heat grids. `get(i)` reads entry i when
// writing, `set(i, value)` stores it when reading.
template <typename A, typename Get, typename Set>
bool VisitSparse(A& a, size_t size, Get get, Set set, const char* bad_entry) {
  size_t n = 0;
  if constexpr (!A::kReading) {
    a.sparse.clear();
    for (size_t i = 0; i < size; ++i) {
      const uint64_t value = get(i);
      if (value != 0) a.sparse.emplace_back(i, value);
    }
    a.Num(a.sparse.size());
    size_t previous = 0;
    for (const auto& [i, value] : a.sparse) {
      a.Num(i - previous);
      a.Num(value);
      previous = i + 1;
    }
    return true;
  } else {
    if (!a.Count(n, size)) return false;
    size_t at = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t delta = 0;
      uint64_t value = 0;
      if (!a.Num(delta) || !a.Num(value)) return false;
      if (delta >= size - at || value == 0) return a.Fail(Error::kVerifyFailed, bad_entry);
      at += delta;
      set(at, value);
      ++at;
    }
    return true;
  }
}

// Sparse buckets, then the sum.
template <typename A, typename H>
bool VisitHistogram(A& a, H& h) {
  auto get = [&h](size_t b) { return h.count(b); };
  auto set = [&h](size_t b, uint64_t count) {
    if constexpr (A::kReading) h.AddToBucket(b, count);
  };
  if (!VisitSparse(a, DurationHistogram::kBuckets, get, set, "bad histogram bucket")) return false;
  uint64_t sum = h.sum();
  if (!a.Num(sum)) return false;
  if constexpr (A::kReading) h.set_sum(sum);
  return true;
}

// The element count of `v`, at most `cap`; reading resizes `v` to it.
template <typename A, typename V>
bool VisitSize(A& a, V& v, size_t cap) {
  size_t n = v.size();
  if (!a.Count(n, cap)) return false;
  if constexpr (A::kReading) v.resize(n);
  return true;
}

template <typename A, typename V>
bool VisitVector(A& a, V& v, size_t cap) {
  if (!VisitSize(a, v, cap)) return false;
  for (auto& item : v) {
    if (!VisitTally(a, item)) return false;
  }
  return true;
}

template <typename A, typename M>
bool VisitIdMap(A& a, M& map, uint32_t max_id) {
  size_t n = map.entries.size();
  if (!a.Count(n, uint64_t{max_id} + 1)) return false;
  if constexpr (A::kReading) map.entries.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto& [id, value] = map.entries[i];
    if (!a.Num(id)) return false;
    if constexpr (A::kReading) {
      if (id > max_id || (i > 0 && id <= map.entries[i - 1].first)) {
        return a.Fail(Error::kVerifyFailed, "id map keys out of order or range");
      }
    }
    if (!VisitTally(a, value)) return false;
  }
  return true;
}

template <typename A, typename M>
bool VisitStringMap(A& a, M& map) {
  if constexpr (!A::kReading) {
    const auto sorted = map.Sorted();
    size_t n = sorted.size();
    a.Count(n, map.cap());
    for (const auto& [key, value] : sorted) {
      a.Text(key);
      VisitTally(a, *value);
    }
  } else {
    size_t n = 0;
    if (!a.Count(n, map.cap())) return false;
    map.Reserve(n);
    std::string key, previous;
    for (size_t i = 0; i < n; ++i) {
      if (!a.Text(key, kMaxAggregateKeyLength)) return false;
      if (i > 0 && key <= previous) return a.Fail(Error::kVerifyFailed, "keys out of order");
      auto* value = map.Find(key);
      if (value == nullptr || !VisitTally(a, *value)) return false;
      previous.swap(key);
    }
  }
  return VisitTally(a, map.overflow());
}

}  // namespace

// Click micro-conversion -> its selector: sparse, in id order.
template <typename A, typename Map>
bool VisitClickSelectors(A& a, Map& map) {
  if constexpr (A::kReading) {
    map.assign(kMaxMicroConversions, kNoSelector);
    size_t n = 0;
    if (!a.Count(n, kMaxMicroConversions)) return false;
    size_t previous = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t id = 0;
      uint16_t selector = 0;
      if (!a.Num(id) || !a.Num(selector)) return false;
      if (id >= kMaxMicroConversions || (i > 0 && id <= previous) || selector >= kMaxSelectors) {
        return a.Fail(Error::kVerifyFailed, "bad click selector map");
      }
      map[id] = selector;
      previous = id;
    }
    return true;
  } else {
    size_t n = 0;
    for (uint16_t selector : map) n += selector != kNoSelector;
    a.Count(n, kMaxMicroConversions);
    for (size_t id = 0; id < map.size(); ++id) {
      if (map[id] == kNoSelector) continue;
      a.Num(id);
      a.Num(map[id]);
    }
    return true;
  }
}

template <typename A, typename Self>
bool VisitAggregate(A& a, Self& self) {
  uint8_t configured = self.configured_;
  if (!a.Num(configured)) return false;
  if (configured > 1) return a.Fail(Error::kVerifyFailed, "bad configured flag");
  if constexpr (A::kReading) self.configured_ = configured == 1;
  for (size_t word = 0; word < 4; ++word) {
    uint64_t bits = 0;
    for (size_t i = 0; i < 64; ++i) bits |= uint64_t{self.macro_micros_[word * 64 + i]} << i;
    if (!a.Num(bits)) return false;
    if constexpr (A::kReading) {
      for (size_t i = 0; i < 64; ++i) self.macro_micros_[word * 64 + i] = (bits >> i) & 1;
    }
  }
  uint64_t funnel_bits = self.macro_funnels_.to_ullong();
  if (!a.Num(self.config_hash_) || !a.Num(funnel_bits) ||
      !VisitClickSelectors(a, self.click_selector_)) {
    return false;
  }
  if constexpr (A::kReading) {
    if (funnel_bits >> kMaxFunnels != 0) return a.Fail(Error::kOutOfRange, "bad funnel bits");
    self.macro_funnels_ = std::bitset<kMaxFunnels>(funnel_bits);
  }
  if (!(a.Num(self.sessions_) && a.Num(self.converters_) && a.Num(self.page_views_) &&
        a.Num(self.bounces_) && a.Num(self.rage_clicks_) && a.Num(self.dead_clicks_) &&
        a.Num(self.quick_backs_) && a.Num(self.truncated_paths_) && VisitTally(a, self.revenue_) &&
        VisitHistogram(a, self.duration_) && VisitHistogram(a, self.active_) &&
        VisitIdMap(a, self.days_, std::numeric_limits<uint32_t>::max()) &&
        VisitVector(a, self.pages_, kMaxPageTemplates) && VisitStringMap(a, self.literal_pages_) &&
        VisitVector(a, self.micros_, kMaxMicroConversions))) {
    return false;
  }
  if (!VisitSize(a, self.funnels_, kMaxFunnels)) return false;
  for (auto& funnel : self.funnels_) {
    if (!(a.Num(funnel.entered) && a.Num(funnel.conversions) && a.Num(funnel.exclusions) &&
          a.Num(funnel.dropped_before_first) && VisitIdMap(a, funnel.next_before_first, 0xffff) &&
          VisitHistogram(a, funnel.time_to_convert) && VisitTally(a, funnel.revenue))) {
      return false;
    }
    if (!VisitSize(a, funnel.steps, kMaxFunnelSteps)) return false;
    for (auto& step : funnel.steps) {
      if (!(a.Num(step.reached) && a.Num(step.drop_off) && VisitHistogram(a, step.step_time) &&
            VisitIdMap(a, step.next_actions, 0xffff))) {
        return false;
      }
    }
  }
  if (!(VisitStringMap(a, self.paths_) && VisitStringMap(a, self.referrers_) &&
        VisitStringMap(a, self.utm_sources_) && VisitStringMap(a, self.utm_mediums_) &&
        VisitStringMap(a, self.utm_campaigns_))) {
    return false;
  }
  auto visit_slots = [&a](auto& slots) {
    for (auto& slot : slots) {
      if (!VisitTally(a, slot)) return false;
    }
    return true;
  };
  if (!(visit_slots(self.devices_) && visit_slots(self.browsers_) && visit_slots(self.oses_) &&
        visit_slots(self.screens_))) {
    return false;
  }
  if (!(VisitIdMap(a, self.languages_, 0xffff) && VisitIdMap(a, self.countries_, 0xffff) &&
        VisitStringMap(a, self.elements_))) {
    return false;
  }
  if (!VisitSize(a, self.forms_, kMaxForms)) return false;
  for (auto& form : self.forms_) {
    if (!(a.Num(form.started) && a.Num(form.submitted) && a.Num(form.abandoned) &&
          VisitVector(a, form.fields, kMaxFormFields))) {
      return false;
    }
  }
  if (!VisitStringMap(a, self.literal_fields_)) return false;
  size_t grids = self.heat_.size();
  if (!a.Count(grids, kMaxPageTemplates * kHeatDeviceClasses)) return false;
  if constexpr (A::kReading) {
    if (grids != self.pages_.size() * kHeatDeviceClasses) {
      return a.Fail(Error::kVerifyFailed, "heat and pages differ");
    }
    self.heat_.resize(grids);
  }
  for (auto& grid : self.heat_) {
    if constexpr (!A::kReading) {
      // What VisitSparse writes for an all-zero grid, without walking its
      // cells: most grids (pages x device classes) of a day's delta are
      // empty, and the walk was nearly all of a small aggregate's encoding.
      if (grid.empty()) {
        a.Num(size_t{0});
        a.Num(size_t{0});
        continue;
      }
    }
    // Per-cell clicks, then per-cell sessions; a grid stays empty until a
    // cell has clicks.
    auto clicks = [&grid](size_t c) { return c < grid.size() ? grid[c].clicks : uint64_t{0}; };
    auto sessions = [&grid](size_t c) { return c < grid.size() ? grid[c].sessions : uint64_t{0}; };
    auto set_clicks = [&](size_t c, uint64_t value) {
      if constexpr (A::kReading) {
        if (grid.empty()) grid.resize(kHeatGridCells);
        grid[c].clicks = value;
      }
    };
    auto set_sessions = [&](size_t c, uint64_t value) {
      if constexpr (A::kReading) {
        if (grid.empty()) grid.resize(kHeatGridCells);
        grid[c].sessions = value;
      }
    };
    if (!VisitSparse(a, kHeatGridCells, clicks, set_clicks, "bad heat cell") ||
        !VisitSparse(a, kHeatGridCells, sessions, set_sessions, "bad heat cell")) {
      return false;
    }
    if constexpr (A::kReading) {
      // Every clicked cell has 1..clicks sessions, and only clicked cells do.
      for (const HeatTally& cell : grid) {
        if ((cell.clicks == 0) != (cell.sessions == 0) || cell.sessions > cell.clicks) {
          return a.Fail(Error::kVerifyFailed, "bad heat cell");
        }
      }
    }
  }
  // Scroll maps: one per heat grid (template x device class), sparse.
  size_t maps = self.scroll_.size();
  if (!a.Count(maps, kMaxPageTemplates * kHeatDeviceClasses)) return false;
  if constexpr (A::kReading) {
    if (maps != self.pages_.size() * kHeatDeviceClasses) {
      return a.Fail(Error::kVerifyFailed, "scroll maps and pages differ");
    }
    self.scroll_.resize(maps);
  }
  for (auto& map : self.scroll_) {
    auto get = [&map](size_t b) { return map[b]; };
    auto set = [&map](size_t b, uint64_t count) {
      if constexpr (A::kReading) map[b] = count;
    };
    if (!VisitSparse(a, kScrollBuckets, get, set, "bad scroll bucket")) return false;
  }
  if constexpr (A::kReading) {
    // A template's scroll maps split its page-sessions by device class.
    for (size_t p = 0; p < self.pages_.size(); ++p) {
      for (size_t b = 0; b < kScrollBuckets; ++b) {
        uint64_t split = 0;
        for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
          split += self.scroll_[p * kHeatDeviceClasses + d][b];
        }
        if (split != self.pages_[p].scroll[b]) {
          return a.Fail(Error::kVerifyFailed, "scroll maps and pages differ");
        }
      }
    }
  }
  if (!VisitStringMap(a, self.element_heat_)) return false;
  if constexpr (A::kReading) {
    for (const auto& [key, row] : self.element_heat_.Sorted()) {
      ElementHeatKeyParts parts;
      uint64_t clicks = 0;
      bool cells_ok = true;
      for (const HeatTally& cell : row->cells) {
        clicks += cell.clicks;
        cells_ok &= (cell.clicks == 0) == (cell.sessions == 0) && cell.sessions <= row->sessions;
      }
      if (!ParseElementHeatKey(key, parts) || parts.page_template >= self.pages_.size() ||
          row->sessions == 0 || clicks != row->clicks || !cells_ok) {
        return a.Fail(Error::kVerifyFailed, "bad element heat row");
      }
    }
  }
  if (!VisitVector(a, self.selectors_, kMaxSelectors)) return false;
  // Lift baselines, one per micro-conversion: funnel + 1 and step + 1 (0:
  // every session), then required_step.
  size_t bases = self.lift_base_.size();
  if (!a.Count(bases, kMaxMicroConversions)) return false;
  if constexpr (A::kReading) {
    if (bases != self.micros_.size()) return a.Fail(Error::kVerifyFailed, "lift and micros differ");
    self.lift_base_.resize(bases);
  }
  for (auto& base : self.lift_base_) {
    uint32_t funnel = static_cast<uint32_t>(base.funnel + 1);
    uint32_t step = static_cast<uint32_t>(base.step + 1);
    uint8_t required = base.required_step ? 1 : 0;
    if (!(a.Num(funnel) && a.Num(step) && a.Num(required))) return false;
    if constexpr (A::kReading) {
      if (funnel > self.funnels_.size() || (funnel == 0) != (step == 0) || required > 1 ||
          (funnel > 0 && step > self.funnels_[funnel - 1].steps.size())) {
        return a.Fail(Error::kOutOfRange, "bad lift baseline");
      }
      base = {static_cast<int>(funnel) - 1, static_cast<int>(step) - 1, required == 1};
    }
  }
  // LDP tallies: per epsilon key, sessions then the bit counts.
  size_t groups = self.ldp_.entries.size();
  if (!a.Count(groups, 64)) return false;
  if constexpr (A::kReading) self.ldp_.entries.resize(groups);
  uint32_t previous = 0;
  for (size_t g = 0; g < groups; ++g) {
    auto& [key, tally] = self.ldp_.entries[g];
    if (!(a.Num(key) && a.Num(tally.sessions) && VisitVector(a, tally.ones, kMaxLdpBitBytes * 8))) {
      return false;
    }
    if constexpr (A::kReading) {
      if ((g > 0 && key <= previous) || tally.sessions == 0) {
        return a.Fail(Error::kVerifyFailed, "bad ldp tally");
      }
      for (uint64_t ones : tally.ones) {
        if (ones > tally.sessions) return a.Fail(Error::kVerifyFailed, "bad ldp tally");
      }
      if (!tally.ones.empty() && tally.ones.back() == 0) {
        return a.Fail(Error::kVerifyFailed, "bad ldp tally");
      }
    }
    previous = key;
  }
  return VisitIdMap(a, self.journeys_, kMaxJourneyKey);
}

std::vector<uint8_t> Aggregate::Serialize() const {
  AggregateWriter writer;
  writer.out.assign(kMagic, kMagic + 4);
  writer.Num(kAggregateVersion);
  VisitAggregate(writer, *this);
  return std::move(writer.out);
}

Result<Aggregate> Aggregate::Deserialize(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxAggregateBytes) return {Error::kTooLarge, "aggregate above the size cap"};
  AggregateReader reader(bytes);
  uint64_t version = 0;
  if (!reader.Magic() || !reader.Num(version)) {
    return {reader.error(), std::string("aggregate: ") + reader.message()};
  }
  if (version != kAggregateVersion) {
    return {Error::kUnsupportedVersion, "aggregate written by another version"};
  }
  Aggregate aggregate;
  if (!VisitAggregate(reader, aggregate) || !reader.AtEnd()) {
    return {reader.error(), std::string("aggregate: ") + reader.message()};
  }
  if (!aggregate.configured_ && aggregate.sessions_ != 0) {
    return {Error::kVerifyFailed, "aggregate: sessions without a config"};
  }
  return aggregate;
}

}  // namespace microconv
