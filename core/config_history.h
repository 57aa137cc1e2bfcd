// History across config edits (issue 9 point 6). A summary's ids are indices
// into the compiled config of its `config_hash`; a site owner edits the
// config all the time (relabels, adds, reorders, changes a rule). This file
// says how the ids of one config version read in another, what an edit
// changes, and from which day each current item has been tracked, so that a
// report covers every session of its range whatever version recorded it.
//
// Identity of each configured item across versions (why: ARCHITECTURE.md):
// - micro-conversion: its `id`. Label, value and position are no identity;
//   a changed rule (kind, page, target, threshold, event, goal) keeps the
//   id's history and is marked on the timeline.
// - funnel: its `id` and its rule (mode, windows, exclusions, and each step's
//   micro-conversion ids, optional flag and window). A funnel whose rule
//   changed is counted only from the change on: older step counts answer
//   another question.
// - page template: its pattern string (a template is nothing but it).
// - form: its `id`; a field: its name within the form.
#ifndef MICROCONV_CORE_CONFIG_HISTORY_H_
#define MICROCONV_CORE_CONFIG_HISTORY_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// One compiled config a site has served, and the UTC day it became current.
struct ConfigVersion {
  Config config;
  uint32_t first_day = 0;
};

enum class ChangeKind : uint8_t {
  kAdded,         // a new id: not tracked before the change
  kRemoved,       // kept in stored history; no new data
  kRuleChanged,   // a micro-conversion's rule: counts continue, marked
  kStepsChanged,  // a funnel's rule: counted from the change on
  kRelabeled,     // no effect on history
  kReordered,     // no effect on history
};

// "added", "removed", "rule_changed", "steps_changed", "relabeled", "reordered".
const char* ChangeKindName(ChangeKind kind) noexcept;

struct ConfigChange {
  uint32_t day = 0;     // the day the edited version became current
  bool funnel = false;  // else a micro-conversion (kReordered: the list)
  std::string id;       // empty for kReordered
  ChangeKind kind = ChangeKind::kAdded;
  std::string what;  // for people: "added 'Shipping'", "target '#a' -> '#b'"
  // The id now names another kind of rule: two meanings under one id.
  bool reused = false;
};

// Every change from `before` to `after`, micro-conversions first then
// funnels, each in `after`'s order (removed ones in `before`'s), stamped
// with `day`.
std::vector<ConfigChange> DiffConfigs(const Config& before, const Config& after, uint32_t day);

// Whether the change touches what a report counts (marked on its timeline):
// additions, removals and changed rules, not labels or order.
bool ChangesHistory(ChangeKind kind) noexcept;

// Reads a summary written with one config as if written with another.
class IdTranslation {
 public:
  IdTranslation(const Config& from, const Config& to);

  // The summary's bytes rewritten for `to`: every id mapped by identity;
  // items `to` lacks are dropped (a removed template's page views become a
  // literal page named by its pattern, a removed field an unconfigured one);
  // a funnel whose rule changed is dropped. The input must be verified
  // against `from`.
  std::vector<uint8_t> Translate(const wire::Summary& summary) const;

 private:
  uint32_t to_hash_ = 0;
  std::vector<int> micro_, funnel_, template_, form_;  // from index -> to index, -1 none
  std::vector<int> cta_;  // from micro -> to micro when that one is a call to action, else -1
  std::vector<std::vector<int>> field_;               // per from form: field -> to field
  std::vector<std::string> template_pattern_;         // from templates, for literals
  std::vector<std::vector<std::string>> field_name_;  // from forms' field names
};

// What a report's timeline says about the versions of a site.
struct ConfigTimeline {
  // History-touching changes between consecutive versions, oldest first.
  std::vector<ConfigChange> changes;
  // Per micro-conversion / funnel of the current (last) version: the first
  // day it has been counted with its present identity, or nullopt when the
  // oldest known version already had it (tracked as far back as we know).
  std::vector<std::optional<uint32_t>> micro_since;
  std::vector<std::optional<uint32_t>> funnel_since;
};

// `versions` oldest first; the last one is the current config. Empty
// versions give an empty timeline.
ConfigTimeline BuildConfigTimeline(std::span<const ConfigVersion> versions);

}  // namespace microconv

#endif  // MICROCONV_CORE_CONFIG_HISTORY_H_
