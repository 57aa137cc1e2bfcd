#include "core/config_history.h"

#include <algorithm>
#include <bit>
#include <string_view>
#include <utility>

#include "core/flatbuffer_view.h"
#include "core/summary.h"
#include "core/varint.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

template <typename T>
std::string_view StringAt(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
                          T index) {
  return list != nullptr && index < list->size() ? View(list->Get(index)) : std::string_view();
}

// A micro-conversion's rule as named facts, so edits can be compared and
// described field by field. Targets are named by what they point at (the
// selector or form id), not by their index in the config.
struct MicroRule {
  std::string kind, page, target, event;
  uint32_t threshold = 0;
  int media_event = 0;
  bool macro = false;
  // "Seen but not clicked" is counted only for calls to action: a flip starts
  // or ends that row on the day, which the owner must be able to see.
  bool cta = false;
};

MicroRule RuleOf(const wire::SiteConfig& def, const wire::MicroConversionDef& m) {
  MicroRule rule;
  rule.kind = wire::EnumNameMicroKind(m.kind());
  rule.page = std::string(View(m.page()));
  if (!rule.page.empty())
    rule.page += std::string(" (") + wire::EnumNamePageMatch(m.page_match()) + ")";
  switch (m.kind()) {
    case wire::MicroKind::Click:
      rule.target = StringAt(def.click_selectors(), m.target());
      break;
    case wire::MicroKind::ElementVisible:
      rule.target = StringAt(def.visibility_selectors(), m.target());
      break;
    case wire::MicroKind::Media:
      rule.target = StringAt(def.media_selectors(), m.target());
      rule.media_event = static_cast<int>(m.media_event());
      break;
    case wire::MicroKind::FormStart:
    case wire::MicroKind::FormSubmit:
      if (def.forms() != nullptr && m.target() < def.forms()->size()) {
        rule.target = View(def.forms()->Get(m.target())->id());
      }
      break;
    default:
      break;
  }
  rule.event = std::string(View(m.event()));
  rule.threshold = m.threshold();
  rule.macro = m.macro();
  rule.cta = m.cta_visible() > 0;
  return rule;
}

// What changed between two rules of one id, for people; empty when equal.
std::string DescribeRuleChange(const MicroRule& a, const MicroRule& b) {
  std::vector<std::string> parts;
  auto field = [&](const char* name, const std::string& x, const std::string& y) {
    if (x != y) parts.push_back(std::string(name) + " " + Quote(x) + " -> " + Quote(y));
  };
  field("kind", a.kind, b.kind);
  field("target", a.target, b.target);
  field("page", a.page, b.page);
  field("event", a.event, b.event);
  if (a.threshold != b.threshold) {
    parts.push_back("threshold " + std::to_string(a.threshold) + " -> " +
                    std::to_string(b.threshold));
  }
  if (a.media_event != b.media_event) parts.push_back("media event changed");
  if (a.macro != b.macro) parts.push_back(b.macro ? "now a goal" : "no longer a goal");
  if (a.cta != b.cta) {
    parts.push_back(b.cta ? "now a call to action" : "no longer a call to action");
  }
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

std::string MicroIdAt(const wire::SiteConfig& def, uint8_t index) {
  return def.micros() != nullptr && index < def.micros()->size()
             ? std::string(View(def.micros()->Get(index)->id()))
             : std::string();
}

// A funnel step's identity: its micro-conversion ids (an OR, so sorted),
// whether it is optional, and its window. Labels are not part of it.
std::string StepKey(const wire::SiteConfig& def, const wire::FunnelStepDef& step) {
  std::vector<std::string> ids;
  for (uint8_t micro : BytesOf(step.micros())) ids.push_back(MicroIdAt(def, micro));
  std::sort(ids.begin(), ids.end());
  std::string key;
  for (const std::string& id : ids) key += id + '\x1f';
  key += step.optional() ? "?" : "!";
  key += std::to_string(step.window_ms());
  return key;
}

std::vector<std::string> StepKeys(const wire::SiteConfig& def, const wire::FunnelDef& funnel) {
  std::vector<std::string> keys;
  if (funnel.steps() == nullptr) return keys;
  for (const wire::FunnelStepDef* step : *funnel.steps()) keys.push_back(StepKey(def, *step));
  return keys;
}

std::vector<std::string> ExclusionIds(const wire::SiteConfig& def, const wire::FunnelDef& f) {
  std::vector<std::string> ids;
  for (uint8_t micro : BytesOf(f.exclusions())) ids.push_back(MicroIdAt(def, micro));
  std::sort(ids.begin(), ids.end());
  return ids;
}

// What changed in a funnel's rule, for people; empty when it is the same.
std::string DescribeFunnelChange(const wire::SiteConfig& da, const wire::FunnelDef& a,
                                 const wire::SiteConfig& db, const wire::FunnelDef& b) {
  std::vector<std::string> parts;
  const auto keys_a = StepKeys(da, a), keys_b = StepKeys(db, b);
  auto label = [](const wire::FunnelDef& f, size_t i) {
    return Quote(View(f.steps()->Get(static_cast<flatbuffers::uoffset_t>(i))->label()));
  };
  bool added_or_removed = false;
  for (size_t i = 0; i < keys_b.size(); ++i) {
    if (std::find(keys_a.begin(), keys_a.end(), keys_b[i]) == keys_a.end()) {
      parts.push_back("added " + label(b, i));
      added_or_removed = true;
    }
  }
  for (size_t i = 0; i < keys_a.size(); ++i) {
    if (std::find(keys_b.begin(), keys_b.end(), keys_a[i]) == keys_b.end()) {
      parts.push_back("removed " + label(a, i));
      added_or_removed = true;
    }
  }
  if (!added_or_removed && keys_a != keys_b) parts.push_back("steps reordered");
  if (a.mode() != b.mode()) {
    parts.push_back(std::string("mode ") + wire::EnumNameFunnelMode(a.mode()) + " -> " +
                    wire::EnumNameFunnelMode(b.mode()));
  }
  if (a.window_ms() != b.window_ms()) parts.push_back("window changed");
  if (ExclusionIds(da, a) != ExclusionIds(db, b)) parts.push_back("exclusions changed");
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

template <typename Def>
int IndexById(const flatbuffers::Vector<flatbuffers::Offset<Def>>* list, std::string_view id) {
  if (list == nullptr) return -1;
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    if (View(list->Get(i)->id()) == id) return static_cast<int>(i);
  }
  return -1;
}

int IndexOfString(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
                  std::string_view text) {
  if (list == nullptr) return -1;
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    if (View(list->Get(i)) == text) return static_cast<int>(i);
  }
  return -1;
}

bool SameFunnelRule(const wire::SiteConfig& da, const wire::FunnelDef& a,
                    const wire::SiteConfig& db, const wire::FunnelDef& b) {
  return DescribeFunnelChange(da, a, db, b).empty();
}

// Whether the ids both lists share appear in another order.
template <typename Def>
bool Reordered(const flatbuffers::Vector<flatbuffers::Offset<Def>>* a,
               const flatbuffers::Vector<flatbuffers::Offset<Def>>* b) {
  int last = -1;
  if (a == nullptr) return false;
  for (const Def* item : *a) {
    const int at = IndexById(b, View(item->id()));
    if (at < 0) continue;
    if (at < last) return true;
    last = at;
  }
  return false;
}

}  // namespace

const char* ChangeKindName(ChangeKind kind) noexcept {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kRuleChanged:
      return "rule_changed";
    case ChangeKind::kStepsChanged:
      return "steps_changed";
    case ChangeKind::kRelabeled:
      return "relabeled";
    case ChangeKind::kReordered:
      return "reordered";
  }
  return "?";
}

bool ChangesHistory(ChangeKind kind) noexcept {
  return kind != ChangeKind::kRelabeled && kind != ChangeKind::kReordered;
}

std::vector<ConfigChange> DiffConfigs(const Config& before, const Config& after, uint32_t day) {
  std::vector<ConfigChange> changes;
  const wire::SiteConfig& a = before.def();
  const wire::SiteConfig& b = after.def();
  auto add = [&](bool funnel, std::string_view id, ChangeKind kind, std::string what) {
    changes.push_back({day, funnel, std::string(id), kind, std::move(what), false});
  };
  for (flatbuffers::uoffset_t i = 0; i < after.micro_count(); ++i) {
    const wire::MicroConversionDef& m = *b.micros()->Get(i);
    const int old = IndexById(a.micros(), View(m.id()));
    if (old < 0) {
      add(false, View(m.id()), ChangeKind::kAdded, "added " + Quote(View(m.label())));
      continue;
    }
    const wire::MicroConversionDef& o = *a.micros()->Get(old);
    std::string what = DescribeRuleChange(RuleOf(a, o), RuleOf(b, m));
    if (!what.empty()) {
      add(false, View(m.id()), ChangeKind::kRuleChanged, std::move(what));
      changes.back().reused = o.kind() != m.kind();
    }
    if (View(o.label()) != View(m.label())) {
      add(false, View(m.id()), ChangeKind::kRelabeled,
          "label " + Quote(View(o.label())) + " -> " + Quote(View(m.label())));
    }
  }
  for (flatbuffers::uoffset_t i = 0; i < before.micro_count(); ++i) {
    const std::string_view id = View(a.micros()->Get(i)->id());
    if (IndexById(b.micros(), id) < 0) {
      add(false, id, ChangeKind::kRemoved, "removed " + Quote(View(a.micros()->Get(i)->label())));
    }
  }
  if (Reordered(a.micros(), b.micros())) {
    add(false, "", ChangeKind::kReordered, "micro-conversions reordered");
  }
  for (flatbuffers::uoffset_t i = 0; i < after.funnel_count(); ++i) {
    const wire::FunnelDef& f = *b.funnels()->Get(i);
    const int old = IndexById(a.funnels(), View(f.id()));
    if (old < 0) {
      add(true, View(f.id()), ChangeKind::kAdded, "added " + Quote(View(f.label())));
      continue;
    }
    const wire::FunnelDef& o = *a.funnels()->Get(old);
    std::string what = DescribeFunnelChange(a, o, b, f);
    const bool steps_changed = !what.empty();
    if (steps_changed) add(true, View(f.id()), ChangeKind::kStepsChanged, std::move(what));
    // Step labels compare position by position only while the steps are the same.
    bool relabeled = View(o.label()) != View(f.label());
    if (!steps_changed) {
      for (flatbuffers::uoffset_t s = 0; s < SizeOf(f.steps()); ++s) {
        relabeled |= View(o.steps()->Get(s)->label()) != View(f.steps()->Get(s)->label());
      }
    }
    if (relabeled) add(true, View(f.id()), ChangeKind::kRelabeled, "labels changed");
  }
  for (flatbuffers::uoffset_t i = 0; i < before.funnel_count(); ++i) {
    const std::string_view id = View(a.funnels()->Get(i)->id());
    if (IndexById(b.funnels(), id) < 0) {
      add(true, id, ChangeKind::kRemoved, "removed " + Quote(View(a.funnels()->Get(i)->label())));
    }
  }
  if (Reordered(a.funnels(), b.funnels())) {
    add(true, "", ChangeKind::kReordered, "funnels reordered");
  }
  return changes;
}

IdTranslation::IdTranslation(const Config& from, const Config& to) : to_hash_(to.hash()) {
  const wire::SiteConfig& a = from.def();
  const wire::SiteConfig& b = to.def();
  for (flatbuffers::uoffset_t i = 0; i < from.micro_count(); ++i) {
    micro_.push_back(IndexById(b.micros(), View(a.micros()->Get(i)->id())));
    const int at = micro_.back();
    cta_.push_back(at >= 0 && to.IsCallToAction(static_cast<uint8_t>(at)) ? at : -1);
  }
  for (flatbuffers::uoffset_t i = 0; i < from.funnel_count(); ++i) {
    const wire::FunnelDef& f = *a.funnels()->Get(i);
    const int at = IndexById(b.funnels(), View(f.id()));
    funnel_.push_back(at >= 0 && SameFunnelRule(a, f, b, *b.funnels()->Get(at)) ? at : -1);
  }
  for (flatbuffers::uoffset_t i = 0; i < from.template_count(); ++i) {
    template_pattern_.emplace_back(View(a.page_templates()->Get(i)));
    template_.push_back(IndexOfString(b.page_templates(), template_pattern_.back()));
  }
  for (flatbuffers::uoffset_t i = 0; i < SizeOf(a.forms()); ++i) {
    const wire::FormDef& form = *a.forms()->Get(i);
    const int at = IndexById(b.forms(), View(form.id()));
    form_.push_back(at);
    std::vector<int> fields;
    std::vector<std::string> names;
    for (flatbuffers::uoffset_t f = 0; f < SizeOf(form.fields()); ++f) {
      names.emplace_back(View(form.fields()->Get(f)));
      fields.push_back(at < 0 ? -1 : IndexOfString(b.forms()->Get(at)->fields(), names.back()));
    }
    field_.push_back(std::move(fields));
    field_name_.push_back(std::move(names));
  }
}

std::vector<uint8_t> IdTranslation::Translate(const wire::Summary& summary) const {
  wire::SummaryT s;
  summary.UnPackTo(&s);
  s.config_hash = to_hash_;
  auto micro = [&](uint32_t id) { return id < micro_.size() ? micro_[id] : -1; };

  // A removed template's page views stay, as a literal page of its pattern.
  for (wire::PageStat& page : s.pages) {
    if ((page.page() & kLiteralBit) != 0 || page.page() >= template_.size()) continue;
    const int to = template_[page.page()];
    if (to >= 0) {
      page.mutate_page(static_cast<uint16_t>(to));
      continue;
    }
    s.literal_pages.push_back(template_pattern_[page.page()]);
    page.mutate_page(static_cast<uint16_t>(kLiteralBit | (s.literal_pages.size() - 1)));
  }

  // Path steps of removed micro-conversions go; their time moves to the next
  // step so later offsets stay true.
  std::vector<uint32_t> deltas;
  DecodeVarints(s.path_deltas, deltas);
  std::vector<uint8_t> steps, step_deltas;
  uint32_t carried = 0;
  for (size_t i = 0; i < s.path_steps.size(); ++i) {
    const uint32_t delta = i < deltas.size() ? deltas[i] : 0;
    const int to = micro(s.path_steps[i]);
    if (to < 0) {
      carried += delta;
      continue;
    }
    steps.push_back(static_cast<uint8_t>(to));
    AppendVarint(uint64_t{carried} + delta, step_deltas);
    carried = 0;
  }
  s.path_steps = std::move(steps);
  s.path_deltas = std::move(step_deltas);

  std::vector<wire::IdCount> repeats;
  for (const wire::IdCount& repeat : s.repeats) {
    const int to = micro(repeat.id());
    if (to >= 0) repeats.emplace_back(static_cast<uint8_t>(to), repeat.count());
  }
  s.repeats = std::move(repeats);

  // Calls to action seen stay where the new config's rule still is one.
  std::vector<uint8_t> cta_seen;
  for (uint8_t id : s.cta_seen) {
    if (id < cta_.size() && cta_[id] >= 0) cta_seen.push_back(static_cast<uint8_t>(cta_[id]));
  }
  std::sort(cta_seen.begin(), cta_seen.end());
  s.cta_seen = std::move(cta_seen);

  // Each funnel owns popcount(reached) - 1 step time varints, in order.
  std::vector<wire::FunnelProgress> funnels;
  std::vector<uint8_t> step_times;
  size_t at = 0;
  for (const wire::FunnelProgress& progress : s.funnels) {
    const size_t begin = at;
    const int times = progress.reached() == 0 ? 0 : std::popcount(progress.reached()) - 1;
    for (int t = 0; t < times; ++t) (void)ReadVarint(s.step_times, at, 32);
    const int to = progress.funnel() < funnel_.size() ? funnel_[progress.funnel()] : -1;
    if (to < 0) continue;
    step_times.insert(
        step_times.end(), s.step_times.begin() + static_cast<ptrdiff_t>(begin),
        s.step_times.begin() + static_cast<ptrdiff_t>(std::min(at, s.step_times.size())));
    // Next actions that were micro-conversions the new config lacks go.
    uint16_t next[3] = {progress.next0(), progress.next1(), progress.next2()};
    uint16_t kept[3] = {0, 0, 0};
    uint8_t count = 0;
    for (int n = 0; n < std::min<int>(progress.next_count(), 3); ++n) {
      if ((next[n] & kLiteralBit) != 0) {
        kept[count++] = next[n];
      } else if (const int m = micro(next[n]); m >= 0) {
        kept[count++] = static_cast<uint16_t>(m);
      }
    }
    funnels.emplace_back(static_cast<uint8_t>(to), progress.flags(), progress.furthest(), count,
                         progress.reached(), kept[0], kept[1], kept[2]);
  }
  s.funnels = std::move(funnels);
  s.step_times = std::move(step_times);
  // Journey steps (core/journey.h) follow their funnel; kept in funnel order.
  std::vector<wire::JourneyStep> journey_steps;
  for (const wire::JourneyStep& step : s.journey_steps) {
    const int to = step.funnel() < funnel_.size() ? funnel_[step.funnel()] : -1;
    if (to >= 0) {
      journey_steps.emplace_back(static_cast<uint8_t>(to), step.flags(), 0, step.first_reached());
    }
  }
  std::sort(journey_steps.begin(), journey_steps.end(),
            [](const auto& x, const auto& y) { return x.funnel() < y.funnel(); });
  s.journey_steps = std::move(journey_steps);

  // Each form owns the next field_count fields. A field the new form lacks
  // stays, named (an unconfigured field); a removed form goes.
  std::vector<wire::FormStat> forms;
  std::vector<wire::FieldStat> fields;
  size_t next_field = 0;
  for (const wire::FormStat& form : s.forms) {
    const size_t first = next_field;
    next_field += form.field_count();
    const int to = form.form() < form_.size() ? form_[form.form()] : -1;
    if (to < 0) continue;
    forms.emplace_back(static_cast<uint8_t>(to), form.flags(), form.last_field(),
                       form.field_count());
    for (size_t i = first; i < next_field && i < s.fields.size(); ++i) {
      wire::FieldStat field = s.fields[i];
      const uint8_t id = field.field();
      if ((id & kLiteralFieldBit) == 0 && id < field_[form.form()].size()) {
        const int mapped = field_[form.form()][id];
        if (mapped >= 0) {
          field.mutate_field(static_cast<uint8_t>(mapped));
        } else if (s.names.size() < kLiteralFieldBit) {
          s.names.push_back(field_name_[form.form()][id]);
          field.mutate_field(static_cast<uint8_t>(kLiteralFieldBit | (s.names.size() - 1)));
        }
      }
      fields.push_back(field);
    }
  }
  s.forms = std::move(forms);
  s.fields = std::move(fields);
  return EncodeSummary(s);
}

ConfigTimeline BuildConfigTimeline(std::span<const ConfigVersion> versions) {
  ConfigTimeline timeline;
  if (versions.empty()) return timeline;
  for (size_t i = 1; i < versions.size(); ++i) {
    for (ConfigChange& change :
         DiffConfigs(versions[i - 1].config, versions[i].config, versions[i].first_day)) {
      if (ChangesHistory(change.kind)) timeline.changes.push_back(std::move(change));
    }
  }
  const Config& current = versions.back().config;
  const wire::SiteConfig& def = current.def();
  // Walks back from the current version while `same` holds.
  auto since = [&](auto same) -> std::optional<uint32_t> {
    size_t i = versions.size() - 1;
    while (i > 0 && same(versions[i - 1].config.def())) --i;
    if (i == 0) return std::nullopt;
    return versions[i].first_day;
  };
  for (flatbuffers::uoffset_t m = 0; m < current.micro_count(); ++m) {
    const std::string_view id = View(def.micros()->Get(m)->id());
    timeline.micro_since.push_back(
        since([&](const wire::SiteConfig& old) { return IndexById(old.micros(), id) >= 0; }));
  }
  for (flatbuffers::uoffset_t f = 0; f < current.funnel_count(); ++f) {
    const wire::FunnelDef& funnel = *def.funnels()->Get(f);
    timeline.funnel_since.push_back(since([&](const wire::SiteConfig& old) {
      const int at = IndexById(old.funnels(), View(funnel.id()));
      return at >= 0 && SameFunnelRule(old, *old.funnels()->Get(at), def, funnel);
    }));
  }
  return timeline;
}

}  // namespace microconv
