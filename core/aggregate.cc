#include "core/aggregate.h"

#include <bit>
#include <limits>
#include <type_traits>

#include "core/config.h"

namespace microconv {
namespace {

constexpr uint8_t kMagic[4] = {'M', 'C', 'A', '1'};
constexpr uint64_t kAggregateVersion = 1;
constexpr uint16_t kPageBit = 0x8000;
constexpr uint8_t kLiteralFieldBit = 0x80;
// No next action in this slot (skipped): matches no real action code.
constexpr uint32_t kNoAction = 0xffffffff;

std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->c_str(), s->size());
}

// Reads the next LEB128 varint of the cursor; 0 once the bytes run out
// (verified summaries never do).
uint32_t NextVarint(const uint8_t*& at, const uint8_t* end) {
  uint32_t value = 0;
  for (int shift = 0; at < end && shift < 35; shift += 7) {
    const uint8_t byte = *at++;
    value |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return value;
}

// Two ASCII letters packed a << 8 | b, else 0 (unknown): keeps the
// language and country maps bounded whatever a summary says.
uint16_t ValidCode(uint16_t packed) {
  auto letter = [](unsigned c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return letter(packed >> 8) && letter(packed & 0xff) ? packed : 0;
}

template <size_t N>
SegmentTally& Slot(std::array<SegmentTally, N>& slots, uint8_t value) {
  return slots[value < N ? value : 0];
}

}  // namespace

PageTally& PageTally::operator+=(const PageTally& o) {
  views += o.views;
  sessions += o.sessions;
  entries += o.entries;
  exits += o.exits;
  bounces += o.bounces;
  quick_backs += o.quick_backs;
  active_ds += o.active_ds;
  for (size_t i = 0; i < kScrollBuckets; ++i) scroll[i] += o.scroll[i];
  return *this;
}

Aggregate::Aggregate(const Config& config) : configured_(true), config_hash_(config.hash()) {
  const wire::SiteConfig& def = config.def();
  if (def.micros() != nullptr) {
    micros_.resize(def.micros()->size());
    for (size_t i = 0; i < def.micros()->size() && i < macro_micros_.size(); ++i) {
      macro_micros_[i] = def.micros()->Get(i)->macro();
    }
  }
  if (def.funnels() != nullptr) {
    funnels_.resize(def.funnels()->size());
    for (size_t f = 0; f < def.funnels()->size(); ++f) {
      const auto* steps = def.funnels()->Get(f)->steps();
      const size_t count = steps == nullptr ? 0 : steps->size();
      funnels_[f].steps.resize(count);
      if (count == 0 || f >= macro_funnels_.size()) continue;
      const auto* last = steps->Get(count - 1)->micros();
      if (last == nullptr) continue;
      for (uint8_t micro : *last) {
        if (macro_micros_[micro]) macro_funnels_[f] = true;
      }
    }
  }
  const size_t templates = def.page_templates() == nullptr ? 0 : def.page_templates()->size();
  pages_.resize(templates);
  heat_.resize(templates);
  if (def.forms() != nullptr) {
    forms_.resize(def.forms()->size());
    for (size_t i = 0; i < forms_.size(); ++i) {
      const auto* fields = def.forms()->Get(i)->fields();
      forms_[i].fields.resize(fields == nullptr ? 0 : fields->size());
    }
  }
  selectors_.resize(def.click_selectors() == nullptr ? 0 : def.click_selectors()->size());
  click_selector_.assign(kMaxMicroConversions, kNoSelector);
  if (def.micros() != nullptr) {
    for (size_t i = 0; i < def.micros()->size() && i < kMaxMicroConversions; ++i) {
      const wire::MicroConversionDef* micro =
          def.micros()->Get(static_cast<flatbuffers::uoffset_t>(i));
      if (micro->kind() == wire::MicroKind::Click) click_selector_[i] = micro->target();
    }
  }
}

bool Aggregate::IsConverted(const wire::Summary& summary,
                            const MicroCounts& counts) const noexcept {
  for (uint8_t id : counts.Ids()) {
    if (macro_micros_[id]) return true;
  }
  if (const auto* funnels = summary.funnels()) {
    for (const wire::FunnelProgress* f : *funnels) {
      if ((f->flags() & 1) != 0 && f->funnel() < macro_funnels_.size() &&
          macro_funnels_[f->funnel()]) {
        return true;
      }
    }
  }
  return false;
}

Aggregate::MicroCounts Aggregate::CountMicros(const wire::Summary& summary) noexcept {
  MicroCounts counts;
  auto add = [&counts](uint8_t id, uint32_t n) {
    // Ids past the config's range (possible when verified without a
    // config) are ignored; they would also overrun the count arrays.
    if (n == 0 || id >= kMaxMicroConversions) return;
    if (counts.count[id] == 0) counts.ids[counts.size++] = id;
    counts.count[id] += n;
  };
  if (const auto* steps = summary.path_steps()) {
    for (uint8_t id : *steps) add(id, 1);
  }
  if (const auto* repeats = summary.repeats()) {
    for (const wire::IdCount* c : *repeats) add(c->id(), c->count());
  }
  return counts;
}

Status Aggregate::Add(const wire::Summary& summary) {
  if (!configured_) return {Error::kConfigMismatch, "aggregate has no config"};
  if (summary.config_hash() != config_hash_) {
    return {Error::kConfigMismatch, "summary written for another config"};
  }
  const MicroCounts counts = CountMicros(summary);
  const bool converted = IsConverted(summary, counts);
  const SegmentTally segment{1, converted ? 1u : 0u};
  const wire::SessionFacts facts =
      summary.facts() != nullptr ? *summary.facts() : wire::SessionFacts();
  ++sessions_;
  converters_ += segment.converters;
  page_views_ += facts.page_views();
  const bool bounce = (facts.flags() & 1) != 0;
  bounces_ += bounce;
  truncated_paths_ += (facts.flags() & 2) != 0;
  rage_clicks_ += facts.rage_clicks();
  dead_clicks_ += facts.dead_clicks();
  quick_backs_ += facts.quick_backs();
  duration_.Add(facts.duration_ds());
  active_.Add(facts.active_ds());
  days_[summary.start_minute() / 1440] += DayTally{1, segment.converters, facts.page_views()};

  const auto* literal_names = summary.literal_pages();
  auto page_tally = [&](uint16_t page) -> PageTally* {
    if ((page & kPageBit) == 0) return page < pages_.size() ? &pages_[page] : nullptr;
    const size_t literal = page & ~kPageBit;
    if (literal_names == nullptr || literal >= literal_names->size()) return nullptr;
    PageTally* tally = literal_pages_.Find(View(literal_names->Get(literal)));
    return tally != nullptr ? tally : &literal_pages_.overflow();
  };
  const auto* pages = summary.pages();
  const size_t page_count = pages == nullptr ? 0 : pages->size();
  for (size_t i = 0; i < page_count; ++i) {
    const wire::PageStat* stat = pages->Get(i);
    PageTally* tally = page_tally(stat->page());
    if (tally == nullptr) continue;
    tally->views += stat->views();
    tally->sessions += 1;
    tally->quick_backs += stat->quick_backs();
    tally->active_ds += stat->active_ds();
    tally->scroll[stat->max_scroll() >= 100 ? 10 : stat->max_scroll() / 10] += 1;
    if (i == facts.entry_page()) {
      tally->entries += 1;
      tally->bounces += bounce;
    }
    if (i == facts.exit_page()) tally->exits += 1;
  }

  // Clicks on configured selectors come from the click micro-conversions
  // that name them; a selector shared by two rules counts a session once.
  std::bitset<kMaxMicroConversions> selector_seen;
  for (uint8_t id : counts.Ids()) {
    if (id >= micros_.size()) continue;
    MicroTally& micro = micros_[id];
    micro.sessions += 1;
    micro.occurrences += counts.count[id];
    micro.converters += segment.converters;
    const uint16_t selector = id < click_selector_.size() ? click_selector_[id] : kNoSelector;
    if (selector < selectors_.size()) {
      selectors_[selector].sessions += selector_seen[selector] ? 0 : 1;
      selectors_[selector].clicks += counts.count[id];
      selector_seen[selector] = true;
    }
  }

  const auto* steps = summary.path_steps();
  const std::string_view path =
      steps == nullptr
          ? std::string_view()
          : std::string_view(reinterpret_cast<const char*>(steps->data()), steps->size());
  if (PathTally* tally = paths_.Find(path)) {
    *tally += PathTally{1, segment.converters};
  } else {
    paths_.overflow() += PathTally{1, segment.converters};
  }

  auto add_string = [&](CappedStringMap<SegmentTally>& map, const flatbuffers::String* value) {
    if (SegmentTally* tally = map.Find(View(value))) {
      *tally += segment;
    } else {
      map.overflow() += segment;
    }
  };
  add_string(referrers_, summary.referrer());
  add_string(utm_sources_, summary.utm_source());
  add_string(utm_mediums_, summary.utm_medium());
  add_string(utm_campaigns_, summary.utm_campaign());
  const wire::Dimensions dims = facts.dims();
  Slot(devices_, static_cast<uint8_t>(dims.device())) += segment;
  Slot(browsers_, static_cast<uint8_t>(dims.browser())) += segment;
  Slot(oses_, static_cast<uint8_t>(dims.os())) += segment;
  Slot(screens_, static_cast<uint8_t>(dims.screen())) += segment;
  languages_[ValidCode(dims.language())] += segment;
  countries_[ValidCode(dims.country())] += segment;

  const auto* names = summary.names();
  if (const auto* elements = summary.elements()) {
    for (const wire::ElementStat* e : *elements) {
      if (names == nullptr || e->element() >= names->size()) continue;
      const ElementTally add{1, e->clicks(), e->rage_clicks(), e->dead_clicks()};
      if (ElementTally* tally = elements_.Find(View(names->Get(e->element())))) {
        *tally += add;
      } else {
        elements_.overflow() += add;
      }
    }
  }

  if (const auto* heat = summary.heat()) {
    for (const wire::HeatCell* cell : *heat) {
      if (cell->page() >= page_count || cell->cell() >= kHeatGridCells) continue;
      const uint16_t page = pages->Get(cell->page())->page();
      if ((page & kPageBit) != 0 || page >= heat_.size()) continue;
      std::vector<uint64_t>& grid = heat_[page];
      if (grid.empty()) grid.resize(kHeatGridCells);
      grid[cell->cell()] += cell->count();
    }
  }

  AddFunnels(summary);
  AddForms(summary);
  return {};
}

void Aggregate::AddFunnels(const wire::Summary& summary) {
  const auto* funnels = summary.funnels();
  if (funnels == nullptr) return;
  const auto* times = summary.step_times();
  const uint8_t* at = times == nullptr ? nullptr : times->data();
  const uint8_t* end = times == nullptr ? nullptr : times->data() + times->size();
  for (const wire::FunnelProgress* progress : *funnels) {
    // Offsets from the first reached step, by step; consumed for every
    // funnel so that the next funnel reads its own varints.
    std::array<uint32_t, 32> offset{};
    uint32_t reached = progress->reached();
    uint32_t last_offset = 0;
    for (uint32_t bits = reached & (reached - 1); bits != 0; bits &= bits - 1) {
      const int step = std::countr_zero(bits);
      offset[step] = NextVarint(at, end);
      if (offset[step] > last_offset) last_offset = offset[step];
    }
    if (progress->funnel() >= funnels_.size() || reached == 0) continue;
    FunnelTally& funnel = funnels_[progress->funnel()];
    if ((progress->flags() & 2) != 0) {
      funnel.exclusions += 1;
      continue;
    }
    funnel.entered += 1;
    const bool converted = (progress->flags() & 1) != 0;
    if (converted) {
      funnel.conversions += 1;
      funnel.time_to_convert.Add(last_offset);
    }
    int previous = -1;
    for (uint32_t bits = reached; bits != 0; bits &= bits - 1) {
      const int step = std::countr_zero(bits);
      if (static_cast<size_t>(step) >= funnel.steps.size()) break;
      FunnelStepTally& tally = funnel.steps[step];
      tally.reached += 1;
      // Any-order funnels can reach a later step first: clamp at 0.
      if (previous >= 0) {
        tally.step_time.Add(offset[step] > offset[previous] ? offset[step] - offset[previous] : 0);
      }
      previous = step;
    }
    if (converted) continue;
    IdMap<uint64_t>* next = nullptr;
    const uint8_t furthest = progress->furthest();
    if (furthest == 0) {
      funnel.dropped_before_first += 1;
      next = &funnel.next_before_first;
    } else if (furthest <= funnel.steps.size()) {
      funnel.steps[furthest - 1].drop_off += 1;
      next = &funnel.steps[furthest - 1].next_actions;
    }
    if (next == nullptr) continue;
    const uint16_t actions[3] = {progress->next0(), progress->next1(), progress->next2()};
    const int count = progress->next_count() < 3 ? progress->next_count() : 3;
    const auto* pages = summary.pages();
    uint32_t codes[3] = {kNoAction, kNoAction, kNoAction};
    for (int n = 0; n < count; ++n) {
      uint32_t code = actions[n];
      if ((code & kPageBit) == 0) {
        if (code >= micros_.size()) continue;
      } else {
        // On the wire a page action is a slot of summary.pages; here it is
        // the page template (literal pages are per-summary strings).
        const size_t slot = code & ~kPageBit;
        if (pages == nullptr || slot >= pages->size()) continue;
        const uint16_t page = pages->Get(static_cast<flatbuffers::uoffset_t>(slot))->page();
        const bool is_template = (page & kPageBit) == 0 && page < pages_.size();
        code = is_template ? (kPageBit | page) : kLiteralPageAction;
      }
      // Count each action once per session: compare what is counted, since
      // two slots (two literal pages) can be the same action here.
      bool seen = false;
      for (int m = 0; m < n; ++m) seen |= codes[m] == code;
      codes[n] = code;
      if (!seen) (*next)[code] += 1;
    }
  }
}

void Aggregate::AddForms(const wire::Summary& summary) {
  const auto* forms = summary.forms();
  if (forms == nullptr) return;
  const auto* names = summary.names();
  const auto* fields = summary.fields();
  size_t next_field = 0;
  for (const wire::FormStat* form : *forms) {
    // Each form owns the next field_count entries of summary.fields.
    const size_t first = next_field;
    next_field += form->field_count();
    if (form->form() >= forms_.size()) continue;
    FormTally& tally = forms_[form->form()];
    const bool started = (form->flags() & 1) != 0;
    const bool submitted = (form->flags() & 2) != 0;
    const bool abandoned = started && !submitted;
    tally.started += started;
    tally.submitted += submitted;
    tally.abandoned += abandoned;
    if (fields == nullptr) continue;
    for (size_t i = 0; i < form->field_count() && first + i < fields->size(); ++i) {
      const wire::FieldStat* field = fields->Get(static_cast<flatbuffers::uoffset_t>(first + i));
      const FieldTally add{1, field->focus_count(), field->time_ds(), field->refills(),
                           abandoned && i == form->last_field() ? 1u : 0u};
      FieldTally* target = nullptr;
      if ((field->field() & kLiteralFieldBit) == 0) {
        if (field->field() < tally.fields.size()) target = &tally.fields[field->field()];
      } else {
        const size_t name = field->field() & ~kLiteralFieldBit;
        if (names == nullptr || name >= names->size()) continue;
        // Key: the form index byte, then the name; built on the stack.
        std::array<char, 1 + kMaxAggregateKeyLength> key;
        const std::string_view text = View(names->Get(name));
        const size_t length =
            text.size() < kMaxAggregateKeyLength ? text.size() : kMaxAggregateKeyLength;
        key[0] = static_cast<char>(form->form());
        text.copy(key.data() + 1, length);
        target = literal_fields_.Find(std::string_view(key.data(), length + 1));
        if (target == nullptr) target = &literal_fields_.overflow();
      }
      if (target != nullptr) *target += add;
    }
  }
}

Status Aggregate::Merge(const Aggregate& other) {
  if (&other == this) {
    const Aggregate copy = other;
    return Merge(copy);
  }
  if (!other.configured_) return {};
  if (!configured_) {
    *this = other;
    return {};
  }
  auto same_shape = [&] {
    if (config_hash_ != other.config_hash_ || macro_micros_ != other.macro_micros_ ||
        macro_funnels_ != other.macro_funnels_ || click_selector_ != other.click_selector_ ||
        pages_.size() != other.pages_.size() ||
        heat_.size() != other.heat_.size() || micros_.size() != other.micros_.size() ||
        funnels_.size() != other.funnels_.size() || forms_.size() != other.forms_.size() ||
        selectors_.size() != other.selectors_.size()) {
      return false;
    }
    for (size_t f = 0; f < funnels_.size(); ++f) {
      if (funnels_[f].steps.size() != other.funnels_[f].steps.size()) return false;
    }
    for (size_t f = 0; f < forms_.size(); ++f) {
      if (forms_[f].fields.size() != other.forms_[f].fields.size()) return false;
    }
    return true;
  };
  if (!same_shape()) return {Error::kConfigMismatch, "aggregates built for different configs"};

  sessions_ += other.sessions_;
  converters_ += other.converters_;
  page_views_ += other.page_views_;
  bounces_ += other.bounces_;
  rage_clicks_ += other.rage_clicks_;
  dead_clicks_ += other.dead_clicks_;
  quick_backs_ += other.quick_backs_;
  truncated_paths_ += other.truncated_paths_;
  duration_.Merge(other.duration_);
  active_.Merge(other.active_);
  days_.Merge(other.days_);
  for (size_t i = 0; i < pages_.size(); ++i) pages_[i] += other.pages_[i];
  literal_pages_.Merge(other.literal_pages_);
  for (size_t i = 0; i < micros_.size(); ++i) {
    micros_[i].sessions += other.micros_[i].sessions;
    micros_[i].occurrences += other.micros_[i].occurrences;
    micros_[i].converters += other.micros_[i].converters;
  }
  for (size_t f = 0; f < funnels_.size(); ++f) {
    FunnelTally& mine = funnels_[f];
    const FunnelTally& theirs = other.funnels_[f];
    mine.entered += theirs.entered;
    mine.conversions += theirs.conversions;
    mine.exclusions += theirs.exclusions;
    mine.dropped_before_first += theirs.dropped_before_first;
    mine.next_before_first.Merge(theirs.next_before_first);
    mine.time_to_convert.Merge(theirs.time_to_convert);
    for (size_t s = 0; s < mine.steps.size(); ++s) {
      mine.steps[s].reached += theirs.steps[s].reached;
      mine.steps[s].drop_off += theirs.steps[s].drop_off;
      mine.steps[s].step_time.Merge(theirs.steps[s].step_time);
      mine.steps[s].next_actions.Merge(theirs.steps[s].next_actions);
    }
  }
  paths_.Merge(other.paths_);
  referrers_.Merge(other.referrers_);
  utm_sources_.Merge(other.utm_sources_);
  utm_mediums_.Merge(other.utm_mediums_);
  utm_campaigns_.Merge(other.utm_campaigns_);
  for (size_t i = 0; i < devices_.size(); ++i) devices_[i] += other.devices_[i];
  for (size_t i = 0; i < browsers_.size(); ++i) browsers_[i] += other.browsers_[i];
  for (size_t i = 0; i < oses_.size(); ++i) oses_[i] += other.oses_[i];
  for (size_t i = 0; i < screens_.size(); ++i) screens_[i] += other.screens_[i];
  languages_.Merge(other.languages_);
  countries_.Merge(other.countries_);
  elements_.Merge(other.elements_);
  for (size_t f = 0; f < forms_.size(); ++f) {
    forms_[f].started += other.forms_[f].started;
    forms_[f].submitted += other.forms_[f].submitted;
    forms_[f].abandoned += other.forms_[f].abandoned;
    for (size_t i = 0; i < forms_[f].fields.size(); ++i) {
      forms_[f].fields[i] += other.forms_[f].fields[i];
    }
  }
  literal_fields_.Merge(other.literal_fields_);
  for (size_t p = 0; p < heat_.size(); ++p) {
    if (other.heat_[p].empty()) continue;
    if (heat_[p].empty()) heat_[p].resize(kHeatGridCells);
    for (size_t c = 0; c < kHeatGridCells; ++c) heat_[p][c] += other.heat_[p][c];
  }
  for (size_t i = 0; i < selectors_.size(); ++i) {
    selectors_[i].sessions += other.selectors_[i].sessions;
    selectors_[i].clicks += other.selectors_[i].clicks;
  }
  return {};
}

// --- Serialisation: one field list (VisitAggregate) read by a writer and a
// bounded reader, so the two directions cannot drift apart. ---------------

namespace {

class AggregateWriter {
 public:
  static constexpr bool kReading = false;
  std::vector<uint8_t> out;

  template <typename T>
  bool Num(const T& value) {
    uint64_t v = static_cast<uint64_t>(value);
    while (v >= 0x80) {
      out.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
    return true;
  }
  bool Count(size_t& n, uint64_t /*cap*/) { return Num(n); }
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

  explicit AggregateReader(std::span<const uint8_t> bytes)
      : at_(bytes.data()), end_(at_ + bytes.size()) {}

  template <typename T>
  bool Num(T& value) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (at_ == end_) return Fail(Error::kTruncated, "ends inside a number");
      const uint8_t byte = *at_++;
      if (shift == 63 && byte > 1) return Fail(Error::kVerifyFailed, "number overflows 64 bits");
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        // Minimal encodings only: the bytes stay canonical.
        if (byte == 0 && shift > 0) return Fail(Error::kVerifyFailed, "overlong number");
        break;
      }
    }
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
    if (v > static_cast<uint64_t>(end_ - at_)) return Fail(Error::kTruncated, "count past the end");
    n = static_cast<size_t>(v);
    return true;
  }
  bool Text(std::string& text, size_t cap) {
    size_t n = 0;
    if (!Count(n, cap)) return false;
    text.assign(reinterpret_cast<const char*>(at_), n);
    at_ += n;
    return true;
  }
  bool Magic() {
    if (end_ - at_ < 4 || !std::equal(kMagic, kMagic + 4, at_)) {
      return Fail(Error::kWrongIdentifier, "not an aggregate (magic MCA1)");
    }
    at_ += 4;
    return true;
  }
  bool AtEnd() { return at_ == end_ ? true : Fail(Error::kVerifyFailed, "trailing bytes"); }
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
  const uint8_t* at_;
  const uint8_t* end_;
  Error error_ = Error::kOk;
  const char* message_ = "";
};

template <typename A, typename T>
bool VisitTally(A& a, T& t) {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, uint64_t>) {
    return a.Num(t);
  } else if constexpr (std::is_same_v<U, SegmentTally> || std::is_same_v<U, PathTally>) {
    return a.Num(t.sessions) && a.Num(t.converters);
  } else if constexpr (std::is_same_v<U, DayTally>) {
    return a.Num(t.sessions) && a.Num(t.conversions) && a.Num(t.page_views);
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
    return a.Num(t.sessions) && a.Num(t.occurrences) && a.Num(t.converters);
  } else if constexpr (std::is_same_v<U, ElementTally>) {
    return a.Num(t.sessions) && a.Num(t.clicks) && a.Num(t.rage_clicks) && a.Num(t.dead_clicks);
  } else if constexpr (std::is_same_v<U, FieldTally>) {
    return a.Num(t.sessions) && a.Num(t.focus_count) && a.Num(t.time_ds) && a.Num(t.refills) &&
           a.Num(t.last_before_abandon);
  } else if constexpr (std::is_same_v<U, SelectorTally>) {
    return a.Num(t.sessions) && a.Num(t.clicks);
  } else {
    static_assert(std::is_same_v<U, void>, "no field list for this type");
  }
}

// Sparse: (bucket delta, count) for non-empty buckets, then the sum.
template <typename A, typename H>
bool VisitHistogram(A& a, H& h) {
  size_t n = 0;
  if constexpr (!A::kReading) {
    for (size_t b = 0; b < DurationHistogram::kBuckets; ++b) n += h.count(b) != 0;
    a.Num(n);
    size_t previous = 0;
    for (size_t b = 0; b < DurationHistogram::kBuckets; ++b) {
      if (h.count(b) == 0) continue;
      a.Num(b - previous);
      a.Num(h.count(b));
      previous = b + 1;
    }
    return a.Num(h.sum());
  } else {
    if (!a.Count(n, DurationHistogram::kBuckets)) return false;
    size_t bucket = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t delta = 0;
      uint64_t count = 0;
      if (!a.Num(delta) || !a.Num(count)) return false;
      if (delta >= DurationHistogram::kBuckets - bucket || count == 0) {
        return a.Fail(Error::kVerifyFailed, "bad histogram bucket");
      }
      bucket += delta;
      h.AddToBucket(bucket, count);
      ++bucket;
    }
    uint64_t sum = 0;
    if (!a.Num(sum)) return false;
    h.set_sum(sum);
    return true;
  }
}

template <typename A, typename V>
bool VisitVector(A& a, V& v, size_t cap) {
  size_t n = v.size();
  if (!a.Count(n, cap)) return false;
  if constexpr (A::kReading) v.resize(n);
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
        a.Num(self.quick_backs_) && a.Num(self.truncated_paths_) &&
        VisitHistogram(a, self.duration_) && VisitHistogram(a, self.active_) &&
        VisitIdMap(a, self.days_, std::numeric_limits<uint32_t>::max()) &&
        VisitVector(a, self.pages_, kMaxPageTemplates) && VisitStringMap(a, self.literal_pages_) &&
        VisitVector(a, self.micros_, kMaxMicroConversions))) {
    return false;
  }
  size_t funnels = self.funnels_.size();
  if (!a.Count(funnels, kMaxFunnels)) return false;
  if constexpr (A::kReading) self.funnels_.resize(funnels);
  for (auto& funnel : self.funnels_) {
    if (!(a.Num(funnel.entered) && a.Num(funnel.conversions) && a.Num(funnel.exclusions) &&
          a.Num(funnel.dropped_before_first) && VisitIdMap(a, funnel.next_before_first, 0xffff) &&
          VisitHistogram(a, funnel.time_to_convert))) {
      return false;
    }
    size_t steps = funnel.steps.size();
    if (!a.Count(steps, kMaxFunnelSteps)) return false;
    if constexpr (A::kReading) funnel.steps.resize(steps);
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
  size_t forms = self.forms_.size();
  if (!a.Count(forms, kMaxForms)) return false;
  if constexpr (A::kReading) self.forms_.resize(forms);
  for (auto& form : self.forms_) {
    if (!(a.Num(form.started) && a.Num(form.submitted) && a.Num(form.abandoned) &&
          VisitVector(a, form.fields, kMaxFormFields))) {
      return false;
    }
  }
  if (!VisitStringMap(a, self.literal_fields_)) return false;
  size_t grids = self.heat_.size();
  if (!a.Count(grids, kMaxPageTemplates)) return false;
  if constexpr (A::kReading) {
    if (grids != self.pages_.size()) return a.Fail(Error::kVerifyFailed, "heat and pages differ");
    self.heat_.resize(grids);
  }
  for (auto& grid : self.heat_) {
    // Sparse: (cell delta, clicks) for non-empty cells.
    size_t n = 0;
    if constexpr (!A::kReading) {
      for (uint64_t c : grid) n += c != 0;
      a.Num(n);
      size_t previous = 0;
      for (size_t c = 0; c < grid.size(); ++c) {
        if (grid[c] == 0) continue;
        a.Num(c - previous);
        a.Num(grid[c]);
        previous = c + 1;
      }
    } else {
      if (!a.Count(n, kHeatGridCells)) return false;
      if (n > 0) grid.resize(kHeatGridCells);
      size_t cell = 0;
      for (size_t i = 0; i < n; ++i) {
        size_t delta = 0;
        uint64_t clicks = 0;
        if (!a.Num(delta) || !a.Num(clicks)) return false;
        if (delta >= kHeatGridCells - cell || clicks == 0) {
          return a.Fail(Error::kVerifyFailed, "bad heat cell");
        }
        cell += delta;
        grid[cell++] = clicks;
      }
    }
  }
  return VisitVector(a, self.selectors_, kMaxSelectors);
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
  if (version > kAggregateVersion) {
    return {Error::kUnsupportedVersion, "aggregate written by a newer version"};
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
