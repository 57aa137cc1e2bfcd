#include "core/aggregate.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/calendar.h"
#include "core/config.h"
#include "core/flatbuffer_view.h"
#include "core/traffic_source.h"
#include "core/varint.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

// No next action in this slot (skipped): matches no real action code.
constexpr uint32_t kNoAction = 0xffffffff;

template <size_t N>
SegmentTally& Slot(std::array<SegmentTally, N>& slots, uint8_t value) {
  return slots[value < N ? value : 0];
}

// Adds `value` to `into`, or takes it back.
template <typename T>
void Put(T& into, const T& value, bool remove) {
  if (remove) {
    into -= value;
  } else {
    into += value;
  }
}

template <typename V>
void PutKey(CappedStringMap<V>& map, std::string_view key, const V& value, bool remove) {
  if (remove) {
    map.Subtract(key, value);
  } else {
    map.ValueOrOverflow(key) += value;
  }
}

template <typename V>
void PutId(IdMap<V>& map, uint32_t id, const V& value, bool remove) {
  if (remove) {
    map.Subtract(id, value);
  } else {
    map[id] += value;
  }
}

}  // namespace

RevenueTally RevenueTally::Of(const wire::Summary& summary) noexcept {
  return {summary.orders() > 0 ? 1u : 0u, summary.orders(), summary.revenue_cents(),
          summary.other_currency_orders() > 0 ? 1u : 0u, summary.other_currency_orders()};
}

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

PageTally& PageTally::operator-=(const PageTally& o) {
  views -= o.views;
  sessions -= o.sessions;
  entries -= o.entries;
  exits -= o.exits;
  bounces -= o.bounces;
  quick_backs -= o.quick_backs;
  active_ds -= o.active_ds;
  for (size_t i = 0; i < kScrollBuckets; ++i) scroll[i] -= o.scroll[i];
  return *this;
}

// Stored sessions from before the traffic-source rules (core/traffic_source.h)
// may hold any text: it is counted under one label, never shown.
constexpr std::string_view kInvalidValue = "(invalid)";

uint16_t ValidSegmentCode(uint16_t packed) noexcept {
  auto letter = [](unsigned c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return letter(packed >> 8) && letter(packed & 0xff) ? packed : 0;
}

std::string_view ReferrerKey(const flatbuffers::String* text) {
  const std::string_view value = View(text);
  return value.empty() || IsReferrerHost(value) ? value : kInvalidValue;
}

std::string_view UtmKey(const flatbuffers::String* text) {
  const std::string_view value = View(text);
  return value.empty() || IsUtmValue(value) ? value : kInvalidValue;
}

Aggregate::Aggregate(const Config& config)
    : configured_(true), config_hash_(config.hash()), zone_(config.time_zone_rules()) {
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
  heat_.resize(templates * kHeatDeviceClasses);
  scroll_.resize(templates * kHeatDeviceClasses);
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
  lift_base_.resize(micros_.size());
  for (size_t i = 0; i < lift_base_.size(); ++i) {
    lift_base_[i] = LiftBaselineOf(config, static_cast<uint8_t>(i));
  }
}

void Aggregate::AddLift(const wire::Summary& summary, const MicroCounts& counts, bool converted,
                        bool remove) {
  std::bitset<kMaxMicroConversions> did;
  for (uint8_t id : counts.Ids()) did[id] = true;
  for (size_t m = 0; m < micros_.size() && m < lift_base_.size(); ++m) {
    const LiftBaseline& base = lift_base_[m];
    bool in_base = base.funnel < 0;
    if (!in_base && summary.funnels() != nullptr) {
      for (const wire::FunnelProgress* f : *summary.funnels()) {
        if (f->funnel() == base.funnel && ((f->reached() >> base.step) & 1u) != 0) in_base = true;
      }
    }
    if (!in_base) continue;
    MicroTally& micro = micros_[m];
    const uint64_t conv = converted ? 1 : 0;
    Put(micro.base_sessions, uint64_t{1}, remove);
    Put(micro.base_converters, conv, remove);
    if (did[m]) {
      Put(micro.base_with, uint64_t{1}, remove);
      Put(micro.base_with_converters, conv, remove);
    }
  }
}

void Aggregate::AddLdp(const wire::Summary& summary, bool remove) {
  LdpTally one;
  one.sessions = 1;
  const auto* bits = summary.ldp_bits();
  const size_t count = bits == nullptr ? 0 : bits->size() * 8;
  const std::span<const uint8_t> view =
      bits == nullptr ? std::span<const uint8_t>() : std::span(bits->data(), bits->size());
  for (size_t i = 0; i < count; ++i) {
    if (LdpBit(view, i)) {
      one.ones.resize(i + 1, 0);
      one.ones[i] = 1;
    }
  }
  // The float's bits as the key (memcpy: Emscripten 3.1.6's libc++ has no
  // std::bit_cast).
  const float epsilon = summary.ldp_epsilon();
  uint32_t key = 0;
  std::memcpy(&key, &epsilon, sizeof key);
  PutId(ldp_, key, one, remove);
}

bool Aggregate::IsConverted(const wire::Summary& summary,
                            const MicroCounts& counts) const noexcept {
  for (uint8_t id : counts.Ids()) {
    if (macro_micros_[id]) return true;
  }
  if (const auto* funnels = summary.funnels()) {
    for (const wire::FunnelProgress* f : *funnels) {
      if (HasFlag(f->flags(), wire::FunnelFlags::Converted) &&
          f->funnel() < macro_funnels_.size() && macro_funnels_[f->funnel()]) {
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

Status Aggregate::Fold(const wire::Summary& summary, bool remove) {
  if (!configured_) return {Error::kConfigMismatch, "aggregate has no config"};
  if (summary.config_hash() != config_hash_) {
    return {Error::kConfigMismatch, "summary written for another config"};
  }
  if (summary.ldp_epsilon() != 0.0f) {
    AddLdp(summary, remove);
    return {};
  }
  const MicroCounts counts = CountMicros(summary);
  const bool converted = IsConverted(summary, counts);
  const RevenueTally revenue = RevenueTally::Of(summary);
  const SegmentTally segment{1, converted ? 1u : 0u, revenue};
  const wire::SessionFacts facts =
      summary.facts() != nullptr ? *summary.facts() : wire::SessionFacts();
  auto put = [remove](auto& into, const auto& value) { Put(into, value, remove); };
  auto put_key = [remove](auto& map, std::string_view key, const auto& value) {
    PutKey(map, key, value, remove);
  };
  auto put_duration = [remove](DurationHistogram& h, uint32_t ds) {
    if (remove) {
      h.Remove(ds);
    } else {
      h.Add(ds);
    }
  };
  put(sessions_, uint64_t{1});
  put(converters_, segment.converters);
  put(revenue_, revenue);
  put(page_views_, uint64_t{facts.page_views()});
  const bool bounce = HasFlag(facts.flags(), wire::FactFlags::Bounce);
  put(bounces_, uint64_t{bounce});
  put(truncated_paths_, uint64_t{HasFlag(facts.flags(), wire::FactFlags::PathTruncated)});
  put(rage_clicks_, uint64_t{facts.rage_clicks()});
  put(dead_clicks_, uint64_t{facts.dead_clicks()});
  put(quick_backs_, uint64_t{facts.quick_backs()});
  put_duration(duration_, facts.duration_ds());
  put_duration(active_, facts.active_ds());
  const uint32_t day = zone_ != nullptr ? zone_->DayOfMinute(summary.start_minute())
                                        : summary.start_minute() / kMinutesPerDay;
  PutId(days_, day, DayTally{1, segment.converters, facts.page_views(), revenue}, remove);
  AddJourney(summary, remove);

  // Heat grids and scroll maps are kept per device class.
  const size_t device_class = static_cast<size_t>(facts.dims().device()) < kHeatDeviceClasses
                                  ? static_cast<size_t>(facts.dims().device())
                                  : 0;
  const auto* literal_names = summary.literal_pages();
  const auto* pages = summary.pages();
  const size_t page_count = pages == nullptr ? 0 : pages->size();
  for (size_t i = 0; i < page_count; ++i) {
    const wire::PageStat* stat = pages->Get(i);
    PageTally tally;
    tally.views = stat->views();
    tally.sessions = 1;
    tally.quick_backs = stat->quick_backs();
    tally.active_ds = stat->active_ds();
    const size_t scroll_bucket = stat->max_scroll() >= 100 ? 10 : stat->max_scroll() / 10;
    tally.scroll[scroll_bucket] = 1;
    if (i == facts.entry_page()) {
      tally.entries = 1;
      tally.bounces = bounce;
    }
    if (i == facts.exit_page()) tally.exits = 1;
    const uint16_t page = stat->page();
    if ((page & kLiteralBit) == 0) {
      if (page < pages_.size()) {
        put(pages_[page], tally);
        put(scroll_[page * kHeatDeviceClasses + device_class][scroll_bucket], uint64_t{1});
      }
      continue;
    }
    const size_t literal = page & ~kLiteralBit;
    if (literal_names == nullptr || literal >= literal_names->size()) continue;
    put_key(literal_pages_, View(literal_names->Get(literal)), tally);
  }

  // Clicks on configured selectors come from the click micro-conversions
  // that name them; a selector shared by two rules counts a session once.
  std::bitset<kMaxMicroConversions> selector_seen;
  for (uint8_t id : counts.Ids()) {
    if (id >= micros_.size()) continue;
    MicroTally& micro = micros_[id];
    put(micro.sessions, uint64_t{1});
    put(micro.occurrences, uint64_t{counts.count[id]});
    put(micro.converters, segment.converters);
    const uint16_t selector = id < click_selector_.size() ? click_selector_[id] : kNoSelector;
    if (selector < selectors_.size()) {
      put(selectors_[selector].sessions, uint64_t{selector_seen[selector] ? 0u : 1u});
      put(selectors_[selector].clicks, uint64_t{counts.count[id]});
      selector_seen[selector] = true;
    }
  }

  // Calls to action seen, and whether the same session clicked them.
  if (const auto* seen = summary.cta_seen()) {
    for (uint8_t id : *seen) {
      if (id >= micros_.size()) continue;
      put(micros_[id].cta_seen, uint64_t{1});
      put(micros_[id].cta_seen_clicked, uint64_t{counts.count[id] > 0});
    }
  }

  const auto* steps = summary.path_steps();
  const std::string_view path =
      steps == nullptr
          ? std::string_view()
          : std::string_view(reinterpret_cast<const char*>(steps->data()), steps->size());
  put_key(paths_, path, PathTally{1, segment.converters});

  put_key(referrers_, ReferrerKey(summary.referrer()), segment);
  put_key(utm_sources_, UtmKey(summary.utm_source()), segment);
  put_key(utm_mediums_, UtmKey(summary.utm_medium()), segment);
  put_key(utm_campaigns_, UtmKey(summary.utm_campaign()), segment);
  const wire::Dimensions dims = facts.dims();
  put(Slot(devices_, static_cast<uint8_t>(dims.device())), segment);
  put(Slot(browsers_, static_cast<uint8_t>(dims.browser())), segment);
  put(Slot(oses_, static_cast<uint8_t>(dims.os())), segment);
  put(Slot(screens_, static_cast<uint8_t>(dims.screen())), segment);
  PutId(languages_, ValidSegmentCode(dims.language()), segment, remove);
  PutId(countries_, ValidSegmentCode(dims.country()), segment, remove);

  const auto* names = summary.names();
  if (const auto* elements = summary.elements()) {
    for (const wire::ElementStat* e : *elements) {
      if (names == nullptr || e->element() >= names->size()) continue;
      put_key(elements_, View(names->Get(e->element())),
              ElementTally{1, e->clicks(), e->rage_clicks(), e->dead_clicks()});
    }
  }

  if (const auto* heat = summary.heat()) {
    // A session counts once per cell, however its summary lists the cell.
    std::vector<uint32_t> seen;
    for (const wire::HeatCell* cell : *heat) {
      if (cell->page() >= page_count || cell->cell() >= kHeatGridCells) continue;
      const uint16_t page = pages->Get(cell->page())->page();
      if ((page & kLiteralBit) != 0 || page >= pages_.size()) continue;
      std::vector<HeatTally>& grid = heat_[page * kHeatDeviceClasses + device_class];
      if (grid.empty()) grid.resize(kHeatGridCells);
      const uint32_t key = uint32_t{page} * kHeatGridCells + cell->cell();
      const bool first = std::find(seen.begin(), seen.end(), key) == seen.end();
      if (first) seen.push_back(key);
      put(grid[cell->cell()], HeatTally{cell->count(), first ? 1u : 0u});
    }
  }

  if (const auto* clicks = summary.element_clicks()) {
    // Entries of one element are summed first: a session counts once per
    // element and once per cell, however many entries hold its clicks.
    std::vector<std::pair<std::string, ElementHeatTally>> rows;
    for (const wire::ElementClick* click : *clicks) {
      if (click->page() >= page_count) continue;
      const uint16_t page = pages->Get(click->page())->page();
      if ((page & kLiteralBit) != 0 || page >= pages_.size()) continue;
      std::string key = ElementHeatKey(page, static_cast<uint8_t>(device_class), KeyOf(*click));
      auto row =
          std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == key; });
      if (row == rows.end()) row = rows.insert(rows.end(), {std::move(key), ElementHeatTally{}});
      const int count = CountOf(*click);
      HeatTally& cell = row->second.cells[CellOf(*click)];
      row->second.sessions = 1;
      row->second.clicks += count;
      cell.clicks += count;
      cell.sessions = 1;
    }
    for (const auto& [key, tally] : rows) put_key(element_heat_, key, tally);
  }

  AddFunnels(summary, revenue, remove);
  AddForms(summary, remove);
  AddLift(summary, counts, converted, remove);
  return {};
}

void Aggregate::AddFunnels(const wire::Summary& summary, const RevenueTally& revenue, bool remove) {
  auto put = [remove](auto& into, const auto& value) { Put(into, value, remove); };
  const auto* funnels = summary.funnels();
  if (funnels == nullptr) return;
  const std::span<const uint8_t> step_times = BytesOf(summary.step_times());
  size_t at = 0;
  for (const wire::FunnelProgress* progress : *funnels) {
    // Offsets from the first reached step, by step; consumed for every
    // funnel so that the next funnel reads its own varints.
    std::array<uint32_t, 32> offset{};
    uint32_t reached = progress->reached();
    uint32_t last_offset = 0;
    for (uint32_t bits = reached & (reached - 1); bits != 0; bits &= bits - 1) {
      const int step = std::countr_zero(bits);
      // 0 once the bytes run out (verified summaries never do).
      const VarintRead time = ReadVarint(step_times, at, 32);
      offset[step] = time.status == VarintStatus::kOk ? static_cast<uint32_t>(time.value) : 0;
      if (offset[step] > last_offset) last_offset = offset[step];
    }
    if (progress->funnel() >= funnels_.size() || reached == 0) continue;
    FunnelTally& funnel = funnels_[progress->funnel()];
    if (HasFlag(progress->flags(), wire::FunnelFlags::Excluded)) {
      put(funnel.exclusions, uint64_t{1});
      continue;
    }
    put(funnel.entered, uint64_t{1});
    const bool converted = HasFlag(progress->flags(), wire::FunnelFlags::Converted);
    if (converted) {
      put(funnel.conversions, uint64_t{1});
      remove ? funnel.time_to_convert.Remove(last_offset) : funnel.time_to_convert.Add(last_offset);
      put(funnel.revenue, revenue);
    }
    int previous = -1;
    for (uint32_t bits = reached; bits != 0; bits &= bits - 1) {
      const int step = std::countr_zero(bits);
      if (static_cast<size_t>(step) >= funnel.steps.size()) break;
      FunnelStepTally& tally = funnel.steps[step];
      put(tally.reached, uint64_t{1});
      // Any-order funnels can reach a later step first: clamp at 0.
      if (previous >= 0) {
        const uint32_t ds = offset[step] > offset[previous] ? offset[step] - offset[previous] : 0;
        remove ? tally.step_time.Remove(ds) : tally.step_time.Add(ds);
      }
      previous = step;
    }
    if (converted) continue;
    IdMap<uint64_t>* next = nullptr;
    const uint8_t furthest = progress->furthest();
    if (furthest == 0) {
      put(funnel.dropped_before_first, uint64_t{1});
      next = &funnel.next_before_first;
    } else if (furthest <= funnel.steps.size()) {
      put(funnel.steps[furthest - 1].drop_off, uint64_t{1});
      next = &funnel.steps[furthest - 1].next_actions;
    }
    if (next == nullptr) continue;
    const uint16_t actions[3] = {progress->next0(), progress->next1(), progress->next2()};
    const int count = progress->next_count() < 3 ? progress->next_count() : 3;
    const auto* pages = summary.pages();
    uint32_t codes[3] = {kNoAction, kNoAction, kNoAction};
    for (int n = 0; n < count; ++n) {
      uint32_t code = actions[n];
      if ((code & kLiteralBit) == 0) {
        if (code >= micros_.size()) continue;
      } else {
        // On the wire a page action is a slot of summary.pages; here it is
        // the page template (literal pages are per-summary strings).
        const size_t slot = code & ~kLiteralBit;
        if (pages == nullptr || slot >= pages->size()) continue;
        const uint16_t page = pages->Get(static_cast<flatbuffers::uoffset_t>(slot))->page();
        const bool is_template = (page & kLiteralBit) == 0 && page < pages_.size();
        code = is_template ? (kLiteralBit | page) : kLiteralPageAction;
      }
      // Count each action once per session: compare what is counted, since
      // two slots (two literal pages) can be the same action here.
      bool seen = false;
      for (int m = 0; m < n; ++m) seen |= codes[m] == code;
      codes[n] = code;
      if (!seen) PutId(*next, code, uint64_t{1}, remove);
    }
  }
}

void Aggregate::AddForms(const wire::Summary& summary, bool remove) {
  auto put = [remove](auto& into, const auto& value) { Put(into, value, remove); };
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
    const bool started = HasFlag(form->flags(), wire::FormFlags::Started);
    const bool submitted = HasFlag(form->flags(), wire::FormFlags::Submitted);
    const bool abandoned = started && !submitted;
    put(tally.started, uint64_t{started});
    put(tally.submitted, uint64_t{submitted});
    put(tally.abandoned, uint64_t{abandoned});
    if (fields == nullptr) continue;
    for (size_t i = 0; i < form->field_count() && first + i < fields->size(); ++i) {
      const wire::FieldStat* field = fields->Get(static_cast<flatbuffers::uoffset_t>(first + i));
      const FieldTally add{1, field->focus_count(), field->time_ds(), field->refills(),
                           abandoned && i == form->last_field() ? 1u : 0u};
      if ((field->field() & kLiteralFieldBit) == 0) {
        if (field->field() < tally.fields.size()) put(tally.fields[field->field()], add);
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
        PutKey(literal_fields_, std::string_view(key.data(), length + 1), add, remove);
      }
    }
  }
}

void Aggregate::AddJourney(const wire::Summary& summary, bool remove) {
  const uint8_t visit = summary.journey_visit();
  if (visit == 0) return;
  auto count = [&](JourneyFigure figure, uint8_t funnel, uint16_t value) {
    PutId(journeys_, JourneyKey(figure, funnel, value), uint64_t{1}, remove);
  };
  count(JourneyFigure::kVisits, 0, visit);
  if (summary.journey_steps() == nullptr) return;
  for (const wire::JourneyStep* step : *summary.journey_steps()) {
    for (uint32_t bits = step->first_reached(); bits != 0; bits &= bits - 1) {
      count(JourneyFigure::kReached, step->funnel(), static_cast<uint16_t>(std::countr_zero(bits)));
    }
    if (HasFlag(step->flags(), wire::FunnelFlags::Converted)) {
      count(JourneyFigure::kVisitsToConvert, step->funnel(), visit);
      count(JourneyFigure::kDaysToConvert, step->funnel(), summary.journey_day());
    }
  }
}

Status Aggregate::MergeSigned(const Aggregate& other, bool remove) {
  if (&other == this) {
    const Aggregate copy = other;
    return MergeSigned(copy, remove);
  }
  if (!other.configured_) return {};
  if (!configured_) {
    if (remove) return {Error::kConfigMismatch, "nothing to take back from"};
    *this = other;
    return {};
  }
  auto same_shape = [&] {
    if (config_hash_ != other.config_hash_ || macro_micros_ != other.macro_micros_ ||
        macro_funnels_ != other.macro_funnels_ || click_selector_ != other.click_selector_ ||
        lift_base_ != other.lift_base_ || pages_.size() != other.pages_.size() ||
        heat_.size() != other.heat_.size() || scroll_.size() != other.scroll_.size() ||
        micros_.size() != other.micros_.size() || funnels_.size() != other.funnels_.size() ||
        forms_.size() != other.forms_.size() || selectors_.size() != other.selectors_.size()) {
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
  auto put = [remove](auto& into, const auto& value) { Put(into, value, remove); };
  auto put_map = [remove](auto& into, const auto& value) {
    if (remove) {
      into.Unmerge(value);
    } else {
      into.Merge(value);
    }
  };

  put(sessions_, other.sessions_);
  put(converters_, other.converters_);
  put(revenue_, other.revenue_);
  put(page_views_, other.page_views_);
  put(bounces_, other.bounces_);
  put(rage_clicks_, other.rage_clicks_);
  put(dead_clicks_, other.dead_clicks_);
  put(quick_backs_, other.quick_backs_);
  put(truncated_paths_, other.truncated_paths_);
  put_map(duration_, other.duration_);
  put_map(active_, other.active_);
  put_map(days_, other.days_);
  for (size_t i = 0; i < pages_.size(); ++i) put(pages_[i], other.pages_[i]);
  put_map(literal_pages_, other.literal_pages_);
  for (size_t i = 0; i < micros_.size(); ++i) {
    put(micros_[i].sessions, other.micros_[i].sessions);
    put(micros_[i].occurrences, other.micros_[i].occurrences);
    put(micros_[i].converters, other.micros_[i].converters);
    put(micros_[i].base_sessions, other.micros_[i].base_sessions);
    put(micros_[i].base_converters, other.micros_[i].base_converters);
    put(micros_[i].base_with, other.micros_[i].base_with);
    put(micros_[i].base_with_converters, other.micros_[i].base_with_converters);
    put(micros_[i].cta_seen, other.micros_[i].cta_seen);
    put(micros_[i].cta_seen_clicked, other.micros_[i].cta_seen_clicked);
  }
  for (size_t f = 0; f < funnels_.size(); ++f) {
    FunnelTally& mine = funnels_[f];
    const FunnelTally& theirs = other.funnels_[f];
    put(mine.entered, theirs.entered);
    put(mine.conversions, theirs.conversions);
    put(mine.exclusions, theirs.exclusions);
    put(mine.dropped_before_first, theirs.dropped_before_first);
    put_map(mine.next_before_first, theirs.next_before_first);
    put_map(mine.time_to_convert, theirs.time_to_convert);
    put(mine.revenue, theirs.revenue);
    for (size_t s = 0; s < mine.steps.size(); ++s) {
      put(mine.steps[s].reached, theirs.steps[s].reached);
      put(mine.steps[s].drop_off, theirs.steps[s].drop_off);
      put_map(mine.steps[s].step_time, theirs.steps[s].step_time);
      put_map(mine.steps[s].next_actions, theirs.steps[s].next_actions);
    }
  }
  put_map(paths_, other.paths_);
  put_map(referrers_, other.referrers_);
  put_map(utm_sources_, other.utm_sources_);
  put_map(utm_mediums_, other.utm_mediums_);
  put_map(utm_campaigns_, other.utm_campaigns_);
  for (size_t i = 0; i < devices_.size(); ++i) put(devices_[i], other.devices_[i]);
  for (size_t i = 0; i < browsers_.size(); ++i) put(browsers_[i], other.browsers_[i]);
  for (size_t i = 0; i < oses_.size(); ++i) put(oses_[i], other.oses_[i]);
  for (size_t i = 0; i < screens_.size(); ++i) put(screens_[i], other.screens_[i]);
  put_map(languages_, other.languages_);
  put_map(countries_, other.countries_);
  put_map(elements_, other.elements_);
  for (size_t f = 0; f < forms_.size(); ++f) {
    put(forms_[f].started, other.forms_[f].started);
    put(forms_[f].submitted, other.forms_[f].submitted);
    put(forms_[f].abandoned, other.forms_[f].abandoned);
    for (size_t i = 0; i < forms_[f].fields.size(); ++i) {
      put(forms_[f].fields[i], other.forms_[f].fields[i]);
    }
  }
  put_map(literal_fields_, other.literal_fields_);
  for (size_t p = 0; p < heat_.size(); ++p) {
    if (other.heat_[p].empty()) continue;
    if (heat_[p].empty()) heat_[p].resize(kHeatGridCells);
    for (size_t c = 0; c < kHeatGridCells; ++c) put(heat_[p][c], other.heat_[p][c]);
  }
  for (size_t p = 0; p < scroll_.size(); ++p) {
    for (size_t b = 0; b < kScrollBuckets; ++b) put(scroll_[p][b], other.scroll_[p][b]);
  }
  put_map(element_heat_, other.element_heat_);
  for (size_t i = 0; i < selectors_.size(); ++i) {
    put(selectors_[i].sessions, other.selectors_[i].sessions);
    put(selectors_[i].clicks, other.selectors_[i].clicks);
  }
  put_map(ldp_, other.ldp_);
  put_map(journeys_, other.journeys_);
  return {};
}

std::string ElementHeatKey(uint16_t page_template, uint8_t device_class, uint32_t element_key) {
  return {static_cast<char>(page_template >> 8), static_cast<char>(page_template),
          static_cast<char>(device_class),       static_cast<char>(element_key >> 16),
          static_cast<char>(element_key >> 8),   static_cast<char>(element_key)};
}

bool ParseElementHeatKey(std::string_view key, ElementHeatKeyParts& parts) {
  if (key.size() != 6) return false;
  auto byte = [&](size_t i) { return uint32_t{static_cast<uint8_t>(key[i])}; };
  parts = {static_cast<uint16_t>(byte(0) << 8 | byte(1)), static_cast<uint8_t>(byte(2)),
           byte(3) << 16 | byte(4) << 8 | byte(5)};
  return parts.device_class < kHeatDeviceClasses;
}

}  // namespace microconv
