#include "core/report.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "core/calendar.h"
#include "core/element_heatmap.h"
#include "core/flatbuffer_view.h"
#include "core/heatmap.h"
#include "core/ldp.h"
#include "core/lift.h"
#include "core/stats.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

// The k-anonymity rule for a count of sessions: 1..k-1 is withheld; none is
// shown as none (an empty "(other)" row holds no one to protect, and
// marking it hidden told the reader that 1..k-1 sessions were there).
bool Hidden(uint64_t sessions, uint64_t k) { return sessions > 0 && sessions < k; }

constexpr const char* kBreakdownNames[kBreakdownCount] = {
    "all",    "none",    "referrer", "utm_source", "utm_medium", "utm_campaign",
    "device", "browser", "os",       "screen",     "language",   "country"};
constexpr const char* kDeviceNames[] = {"unknown", "desktop", "mobile", "tablet"};
constexpr const char* kBrowserNames[] = {"unknown", "chrome", "firefox", "safari",
                                         "edge",    "opera",  "samsung", "other"};
constexpr const char* kOsNames[] = {"unknown", "windows", "macos",    "linux",
                                    "android", "ios",     "chromeos", "other"};
constexpr const char* kScreenNames[] = {"unknown", "xs", "s", "m", "l", "xl", "xxl"};
// The row of sessions with no referrer, and with no UTM value.
constexpr std::string_view kDirect = "(direct)";
constexpr std::string_view kNoUtm = "(none)";

// "#3" for an index the config does not name. Built by append: GCC 12
// warns falsely (-Wrestrict) on "#" + std::to_string(...) once inlined.
std::string Unnamed(size_t i) {
  std::string name = "#";
  name += std::to_string(i);
  return name;
}

// Names from the config, tolerant of ids past its lists.
class Names {
 public:
  explicit Names(const wire::SiteConfig& def) : def_(def) {}

  std::string Micro(size_t i) const {
    const auto* micros = def_.micros();
    return micros != nullptr && i < micros->size() ? std::string(View(micros->Get(i)->id()))
                                                   : Unnamed(i);
  }
  std::string MicroLabel(size_t i) const {
    const auto* micros = def_.micros();
    return micros != nullptr && i < micros->size() ? std::string(View(micros->Get(i)->label()))
                                                   : std::string();
  }
  std::string Template(size_t i) const { return Entry(def_.page_templates(), i); }
  std::string Selector(size_t i) const { return Entry(def_.click_selectors(), i); }
  std::string Form(size_t i) const {
    const auto* forms = def_.forms();
    return forms != nullptr && i < forms->size() ? std::string(View(forms->Get(i)->id()))
                                                 : Unnamed(i);
  }
  std::string Field(size_t form, size_t i) const {
    const auto* forms = def_.forms();
    if (forms == nullptr || form >= forms->size()) return Unnamed(i);
    return Entry(forms->Get(form)->fields(), i);
  }
  std::string Action(uint32_t code, bool& is_page) const {
    is_page = (code & kLiteralBit) != 0;
    if (code == kLiteralPageAction) return "(other page)";
    return is_page ? Template(code & ~kLiteralBit) : Micro(code);
  }

 private:
  static std::string Entry(
      const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list, size_t i) {
    return list != nullptr && i < list->size() ? std::string(View(list->Get(i))) : Unnamed(i);
  }
  const wire::SiteConfig& def_;
};

std::vector<NextActionRow> NextActions(const IdMap<uint64_t>& actions, const Names& names,
                                       uint64_t k) {
  std::vector<NextActionRow> rows;
  for (const auto& [code, sessions] : actions.entries) {
    NextActionRow row;
    row.action = names.Action(code, row.is_page);
    row.sessions = sessions;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.sessions > b.sessions; });
  for (NextActionRow& row : rows) {
    if (row.sessions < k) {
      row.suppressed = true;
      row.sessions = 0;
    }
  }
  return rows;
}

RevenueFigures MakeRevenue(const RevenueTally& t, uint64_t k) {
  RevenueFigures r;
  if (t.buyers > 0 && t.buyers < k) {
    r.suppressed = true;
  } else {
    r.buyers = t.buyers;
    r.orders = t.orders;
    r.revenue_cents = t.cents;
    r.average_order_cents = Ratio(t.cents, t.orders);
  }
  if (t.other_currency_sessions > 0 && t.other_currency_sessions < k) {
    r.other_currency_suppressed = true;
  } else {
    r.other_currency_orders = t.other_currency_orders;
  }
  return r;
}

// Only runs of >= k sessions (KRuns): a lone session's time never shows.
std::vector<DurationBucket> Buckets(const DurationHistogram& histogram, uint64_t k) {
  std::vector<DurationBucket> buckets;
  for (const BucketRun& run : KRuns(histogram.counts(), k)) {
    buckets.push_back({DurationHistogram::BucketLow(run.first),
                       DurationHistogram::BucketHigh(run.last), run.count});
  }
  return buckets;
}

FunnelReport BuildFunnel(const FunnelTally& tally, const wire::FunnelDef* def, const Names& names,
                         uint64_t k) {
  FunnelReport report;
  report.id = std::string(View(def->id()));
  report.label = std::string(View(def->label()));
  report.entered = tally.entered;
  report.conversions = tally.conversions;
  report.conversion_rate = Ratio(tally.conversions, tally.entered);
  report.exclusions = tally.exclusions;
  report.dropped_before_first = tally.dropped_before_first;
  report.next_before_first = NextActions(tally.next_before_first, names, k);
  report.median_time_to_convert_ds = tally.time_to_convert.Quantile(0.5, k);
  report.p90_time_to_convert_ds = tally.time_to_convert.Quantile(0.9, k);
  report.time_to_convert = Buckets(tally.time_to_convert, k);
  report.revenue = MakeRevenue(tally.revenue, k);
  const auto* steps = def->steps();
  const size_t step_count = std::min<size_t>(tally.steps.size(), steps ? steps->size() : 0);
  uint64_t previous = tally.entered;
  for (size_t s = 0; s < step_count; ++s) {
    const FunnelStepTally& step = tally.steps[s];
    FunnelStepRow row;
    row.label = std::string(View(steps->Get(s)->label()));
    row.optional = steps->Get(s)->optional();
    row.reached = step.reached;
    row.from_previous = Ratio(step.reached, previous);
    row.from_start = Ratio(step.reached, tally.entered);
    // The drop-off at a step is a cell of its own (sessions whose furthest
    // step it is): hidden under k like any other cell.
    if (step.drop_off >= k) {
      row.drop_off = step.drop_off;
      row.drop_off_rate = Ratio(step.drop_off, step.reached);
    } else if (step.drop_off > 0) {
      row.drop_off_suppressed = true;
    }
    row.median_step_ds = step.step_time.Quantile(0.5, k);
    row.p90_step_ds = step.step_time.Quantile(0.9, k);
    row.next_actions = NextActions(step.next_actions, names, k);
    if (!row.optional) previous = step.reached;
    if (row.reached < k) {
      FunnelStepRow withheld;
      withheld.label = std::move(row.label);
      withheld.optional = row.optional;
      withheld.suppressed = true;
      row = std::move(withheld);
    }
    report.steps.push_back(std::move(row));
  }
  if (tally.entered < k) {
    report.suppressed = true;
    report.entered = report.conversions = report.exclusions = report.dropped_before_first = 0;
    report.conversion_rate = report.median_time_to_convert_ds = report.p90_time_to_convert_ds = 0;
    report.time_to_convert.clear();
    report.next_before_first.clear();
    report.revenue = MakeRevenue({}, k);
  } else if (tally.conversions < k) {
    // The time-to-convert distribution is backed by the converters alone.
    report.median_time_to_convert_ds = report.p90_time_to_convert_ds = 0;
    report.time_to_convert.clear();
  }
  return report;
}

SegmentRow MakeSegmentRow(std::string value, const SegmentTally& tally, const Aggregate& all,
                          uint64_t k) {
  SegmentRow row;
  row.value = std::move(value);
  row.sessions = tally.sessions;
  row.converters = std::min(tally.converters, tally.sessions);
  row.non_converters = row.sessions - row.converters;
  row.conversion_rate = Ratio(row.converters, row.sessions);
  const uint64_t converters = std::min(all.converters(), all.sessions());
  row.converter_share = Ratio(row.converters, converters);
  row.non_converter_share = Ratio(row.non_converters, all.sessions() - converters);
  row.revenue = MakeRevenue(tally.revenue, k);
  return row;
}

void Withhold(SegmentRow& row) {
  SegmentRow withheld;
  withheld.value = std::move(row.value);
  withheld.suppressed = true;
  row = std::move(withheld);
}

SegmentTable MakeTable(std::string dimension,
                       std::vector<std::pair<std::string, SegmentTally>> values,
                       const SegmentTally& overflow, const Aggregate& all,
                       const ReportOptions& options, uint64_t k) {
  SegmentTable table;
  table.dimension = std::move(dimension);
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.second.sessions > b.second.sessions;
  });
  SegmentTally other = overflow;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].second.sessions == 0) continue;
    if (table.rows.size() >= options.top_rows) {
      other += values[i].second;
      continue;
    }
    table.rows.push_back(MakeSegmentRow(std::move(values[i].first), values[i].second, all, k));
    if (table.rows.back().sessions < k) Withhold(table.rows.back());
  }
  table.other = MakeSegmentRow("(other)", other, all, k);
  if (Hidden(other.sessions, k)) Withhold(table.other);
  return table;
}

// A language ("de") or country ("DE") as its segment row names it.
std::string CodeName(uint16_t code, bool upper) {
  if (code == 0) return "unknown";
  std::string name = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  for (char& c : name) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

template <size_t N>
std::string EnumName(const char* const (&names)[N], uint8_t value) {
  return names[value < N ? value : 0];
}

template <size_t N, typename Slots>
std::vector<std::pair<std::string, SegmentTally>> EnumValues(const char* const (&names)[N],
                                                             const Slots& slots) {
  std::vector<std::pair<std::string, SegmentTally>> values;
  for (size_t i = 0; i < N && i < slots.size(); ++i) values.emplace_back(names[i], slots[i]);
  return values;
}

std::vector<std::pair<std::string, SegmentTally>> StringValues(
    const CappedStringMap<SegmentTally>& map, std::string_view empty_name) {
  std::vector<std::pair<std::string, SegmentTally>> values;
  for (const auto& [key, tally] : map.Sorted()) {
    values.emplace_back(key.empty() ? std::string(empty_name) : std::string(key), *tally);
  }
  return values;
}

std::vector<std::pair<std::string, SegmentTally>> CodeValues(const IdMap<SegmentTally>& map,
                                                             bool upper) {
  std::vector<std::pair<std::string, SegmentTally>> values;
  for (const auto& [code, tally] : map.entries) {
    values.emplace_back(CodeName(code, upper), tally);
  }
  return values;
}

void BuildSegments(const Aggregate& a, const ReportOptions& options, uint64_t k, Report& report) {
  auto wanted = [&](Breakdown b) {
    return options.breakdown == Breakdown::kAll || options.breakdown == b;
  };
  auto add = [&](Breakdown b, std::vector<std::pair<std::string, SegmentTally>> values,
                 const SegmentTally& overflow) {
    if (!wanted(b)) return;
    report.segments.push_back(
        MakeTable(BreakdownName(b), std::move(values), overflow, a, options, k));
  };
  const SegmentTally none;
  add(Breakdown::kReferrer, StringValues(a.referrers(), kDirect), a.referrers().overflow());
  add(Breakdown::kUtmSource, StringValues(a.utm_sources(), kNoUtm), a.utm_sources().overflow());
  add(Breakdown::kUtmMedium, StringValues(a.utm_mediums(), kNoUtm), a.utm_mediums().overflow());
  add(Breakdown::kUtmCampaign, StringValues(a.utm_campaigns(), kNoUtm),
      a.utm_campaigns().overflow());
  add(Breakdown::kDevice, EnumValues(kDeviceNames, a.devices()), none);
  add(Breakdown::kBrowser, EnumValues(kBrowserNames, a.browsers()), none);
  add(Breakdown::kOs, EnumValues(kOsNames, a.oses()), none);
  add(Breakdown::kScreen, EnumValues(kScreenNames, a.screens()), none);
  add(Breakdown::kLanguage, CodeValues(a.languages(), false), none);
  add(Breakdown::kCountry, CodeValues(a.countries(), true), none);
}

// Share of page-sessions whose deepest scroll reached >= 10 * i %. Reach of
// the deepest buckets is hidden (kHiddenShare) while fewer than k
// page-sessions got that far: "one visitor read to the end" is a cell.
std::vector<double> ScrollReach(const ScrollTally& scroll, uint64_t k) {
  uint64_t total = 0;
  for (uint64_t c : scroll) total += c;
  std::vector<double> reach(kScrollBuckets);
  uint64_t at_least = 0;
  for (size_t i = kScrollBuckets; i-- > 0;) {
    at_least += scroll[i];
    reach[i] = at_least > 0 && at_least < k ? kHiddenShare : Ratio(at_least, total);
  }
  return reach;
}

PageRow MakePageRow(std::string page, bool literal, const PageTally& t, uint64_t k) {
  PageRow row;
  row.page = std::move(page);
  row.literal = literal;
  if (Hidden(t.sessions, k)) {
    row.suppressed = true;
    return row;
  }
  row.views = t.views;
  row.sessions = t.sessions;
  row.entries = t.entries;
  row.exits = t.exits;
  row.exit_rate = Ratio(t.exits, t.sessions);
  row.bounce_rate = Ratio(t.bounces, t.entries);
  row.quick_backs = t.quick_backs;
  row.mean_active_ds = Ratio(t.active_ds, t.sessions);
  row.scroll_reach = ScrollReach(t.scroll, k);
  return row;
}

void BuildPages(const Aggregate& a, const Names& names, const ReportOptions& options, uint64_t k,
                Report& report) {
  struct Entry {
    std::string page;
    bool literal;
    const PageTally* tally;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < a.pages().size(); ++i) {
    if (a.pages()[i].sessions > 0) entries.push_back({names.Template(i), false, &a.pages()[i]});
  }
  for (const auto& [key, tally] : a.literal_pages().Sorted()) {
    if (tally->sessions > 0) entries.push_back({std::string(key), true, tally});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.tally->sessions > y.tally->sessions;
  });
  PageTally other = a.literal_pages().overflow();
  for (size_t i = options.top_rows; i < entries.size(); ++i) other += *entries[i].tally;
  if (entries.size() > options.top_rows) entries.resize(options.top_rows);
  for (Entry& e : entries)
    report.pages.push_back(MakePageRow(std::move(e.page), e.literal, *e.tally, k));
  report.other_pages = MakePageRow("(other)", true, other, k);
}

void BuildEngagement(const Aggregate& a, uint64_t k, Engagement& e) {
  if (a.sessions() < k) {
    e.suppressed = true;
    return;
  }
  e.sessions = a.sessions();
  e.converters = a.converters();
  e.conversion_rate = Ratio(a.converters(), a.sessions());
  e.page_views = a.page_views();
  e.pages_per_session = Ratio(a.page_views(), a.sessions());
  e.bounces = a.bounces();
  e.bounce_rate = Ratio(a.bounces(), a.sessions());
  e.median_active_ds = a.active().Quantile(0.5, k);
  e.p90_active_ds = a.active().Quantile(0.9, k);
  e.mean_active_ds = a.active().Mean();
  e.median_duration_ds = a.duration().Quantile(0.5, k);
  std::array<uint64_t, kScrollBuckets> scroll{};
  uint64_t total = 0;
  auto add = [&](const PageTally& t) {
    for (size_t i = 0; i < kScrollBuckets; ++i) {
      scroll[i] += t.scroll[i];
      total += t.scroll[i];
    }
  };
  for (const PageTally& t : a.pages()) add(t);
  for (const auto& [key, t] : a.literal_pages().Sorted()) add(*t);
  add(a.literal_pages().overflow());
  // The median's bucket floor, taken from runs of >= k page-sessions.
  uint64_t seen = 0;
  for (const BucketRun& run : KRuns(scroll, k)) {
    seen += run.count;
    if (2 * seen >= total) {
      e.median_scroll_percent = static_cast<uint32_t>(run.first * 10);
      break;
    }
  }
  e.rage_clicks = a.rage_clicks();
  e.dead_clicks = a.dead_clicks();
  e.quick_backs = a.quick_backs();
  e.truncated_paths = a.truncated_paths();
}

void BuildPaths(const Aggregate& a, const Names& names, const ReportOptions& options, uint64_t k,
                Report& report) {
  auto sorted = a.paths().Sorted();
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
    return x.second->sessions > y.second->sessions;
  });
  PathTally other = a.paths().overflow();
  for (const auto& [key, tally] : sorted) {
    if (tally->sessions == 0) continue;  // emptied by a re-flush
    if (report.paths.size() >= options.top_paths) {
      other += *tally;
      continue;
    }
    PathRow row;
    for (char step : key) row.steps.push_back(names.Micro(static_cast<uint8_t>(step)));
    if (tally->sessions < k) {
      row.suppressed = true;
    } else {
      row.sessions = tally->sessions;
      row.converters = tally->converters;
      row.conversion_rate = Ratio(tally->converters, tally->sessions);
    }
    report.paths.push_back(std::move(row));
  }
  report.other_paths.steps = {"(other)"};
  if (Hidden(other.sessions, k)) {
    report.other_paths.suppressed = true;
  } else {
    report.other_paths.sessions = other.sessions;
    report.other_paths.converters = other.converters;
    report.other_paths.conversion_rate = Ratio(other.converters, other.sessions);
  }
}

void BuildCallsToAction(const Aggregate& a, const Config& config, const Names& names, uint64_t k,
                        Report& report) {
  for (size_t i = 0; i < a.micros().size(); ++i) {
    if (!config.IsCallToAction(static_cast<uint8_t>(i))) continue;
    const MicroTally& m = a.micros()[i];
    CallToActionRow row;
    row.id = names.Micro(i);
    row.label = names.MicroLabel(i);
    if (Hidden(m.cta_seen, k)) {
      row.suppressed = true;
      report.calls_to_action.push_back(std::move(row));
      continue;
    }
    row.seen = m.cta_seen;
    row.clicked = m.sessions;
    const uint64_t not_clicked = m.cta_seen - std::min(m.cta_seen_clicked, m.cta_seen);
    if (Hidden(not_clicked, k)) {
      row.seen_not_clicked_suppressed = true;
    } else {
      row.seen_not_clicked = not_clicked;
      row.seen_not_clicked_rate = Ratio(not_clicked, m.cta_seen);
    }
    report.calls_to_action.push_back(std::move(row));
  }
}

void BuildLift(const Aggregate& a, const Config& config, const Names& names, uint64_t k,
               Report& report) {
  const auto* funnels = config.def().funnels();
  for (size_t i = 0; i < a.micros().size(); ++i) {
    if (a.IsMacro(static_cast<uint8_t>(i))) continue;  // a goal's lift on itself says nothing
    const MicroTally& m = a.micros()[i];
    LiftRow row;
    row.micro = names.Micro(i);
    row.label = names.MicroLabel(i);
    const LiftBaseline base = LiftBaselineOf(config, static_cast<uint8_t>(i));
    row.required_step = base.required_step;
    if (base.funnel >= 0 && funnels != nullptr &&
        static_cast<size_t>(base.funnel) < funnels->size()) {
      const wire::FunnelDef* funnel = funnels->Get(base.funnel);
      row.baseline_funnel = std::string(View(funnel->id()));
      const auto* step = funnel->steps()->Get(base.step);
      row.baseline_step = View(step->label()).empty() ? "step " + std::to_string(base.step + 1)
                                                      : std::string(View(step->label()));
    }
    const uint64_t sessions = m.base_sessions;
    const uint64_t converters = std::min(m.base_converters, sessions);
    const uint64_t with = std::min(m.base_with, sessions);
    const uint64_t with_converters = std::min({m.base_with_converters, with, converters});
    const uint64_t without = sessions - with;
    const uint64_t without_converters = std::min(converters - with_converters, without);
    if (with < k || without < k) {
      row.suppressed = true;
      report.lift.push_back(std::move(row));
      continue;
    }
    row.sessions_with = with;
    row.converters_with = with_converters;
    row.sessions_without = without;
    row.converters_without = without_converters;
    const ProportionDifference d =
        NewcombeDifference(with_converters, with, without_converters, without);
    row.rate_with = d.p1;
    row.rate_without = d.p2;
    row.difference = d.difference;
    row.ci_low = d.interval.low;
    row.ci_high = d.interval.high;
    row.significant = d.significant;
    report.lift.push_back(std::move(row));
  }
}

// An LDP tally's key back to its epsilon (Aggregate::ldp(); memcpy:
// Emscripten 3.1.6's libc++ has no std::bit_cast).
float EpsilonOfKey(uint32_t key) {
  float epsilon = 0;
  std::memcpy(&epsilon, &key, sizeof epsilon);
  return epsilon;
}

// One bit's row: `exact` of the exact sessions, `bit` among the LDP bits.
EstimateRow Estimate(const Aggregate& a, uint64_t exact, size_t bit, uint64_t k) {
  std::vector<LdpEstimate> parts;
  parts.push_back({static_cast<double>(exact), 0, 0, 0, static_cast<double>(a.sessions())});
  for (const auto& [key, tally] : a.ldp().entries) {
    const uint64_t ones = bit < tally.ones.size() ? tally.ones[bit] : 0;
    parts.push_back(EstimateLdpCount(ones, tally.sessions, EpsilonOfKey(key)));
  }
  const LdpEstimate total = CombineLdpEstimates(parts);
  EstimateRow row;
  if ((exact > 0 && exact < k) || total.sessions < static_cast<double>(k)) {
    row.suppressed = true;
    return row;
  }
  row.exact = exact;
  row.count = total.count;
  row.ci_low = total.low;
  row.ci_high = total.high;
  row.rate = total.count / total.sessions;
  row.rate_low = total.low / total.sessions;
  row.rate_high = total.high / total.sessions;
  return row;
}

void BuildLdp(const Aggregate& a, const Config& config, const Names& names, uint64_t k,
              LdpReport& ldp) {
  for (const auto& [key, tally] : a.ldp().entries) {
    ldp.sessions += tally.sessions;
    ldp.epsilons.push_back(EpsilonOfKey(key));
  }
  if (ldp.sessions == 0) return;
  ldp.exact_sessions = a.sessions();
  for (size_t i = 0; i < a.micros().size(); ++i) {
    EstimateRow row = Estimate(a, a.micros()[i].sessions, i, k);
    row.id = names.Micro(i);
    row.label = names.MicroLabel(i);
    ldp.micros.push_back(std::move(row));
  }
  const auto* funnels = config.def().funnels();
  for (size_t f = 0; f < a.funnels().size() && funnels != nullptr && f < funnels->size(); ++f) {
    const size_t first = LdpFunnelBit(config, f);
    const wire::FunnelDef* def = funnels->Get(static_cast<flatbuffers::uoffset_t>(f));
    for (size_t s = 0; s < a.funnels()[f].steps.size(); ++s) {
      EstimateRow row = Estimate(a, a.funnels()[f].steps[s].reached, first + s, k);
      row.id = std::string(View(def->id()));
      row.step = static_cast<int>(s);
      const auto* steps = def->steps();
      if (steps != nullptr && s < steps->size()) {
        row.label = std::string(View(steps->Get(static_cast<flatbuffers::uoffset_t>(s))->label()));
      }
      ldp.steps.push_back(std::move(row));
    }
  }
}

void BuildFrustration(const Aggregate& a, const ReportOptions& options, uint64_t k,
                      Report& report) {
  auto sorted = a.elements().Sorted();
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
    const uint64_t fx = x.second->rage_clicks + x.second->dead_clicks;
    const uint64_t fy = y.second->rage_clicks + y.second->dead_clicks;
    return fx != fy ? fx > fy : x.second->clicks > y.second->clicks;
  });
  ElementTally other = a.elements().overflow();
  for (const auto& [key, t] : sorted) {
    if (t->sessions == 0) continue;  // emptied by a re-flush
    if (report.elements.size() >= options.top_rows) {
      other += *t;
      continue;
    }
    ElementRow row;
    row.element = std::string(key);
    if (t->sessions < k) {
      row.suppressed = true;
    } else {
      row.sessions = t->sessions;
      row.clicks = t->clicks;
      row.rage_clicks = t->rage_clicks;
      row.dead_clicks = t->dead_clicks;
    }
    report.elements.push_back(std::move(row));
  }
  report.other_elements.element = "(other)";
  if (Hidden(other.sessions, k)) {
    report.other_elements.suppressed = true;
  } else {
    report.other_elements.sessions = other.sessions;
    report.other_elements.clicks = other.clicks;
    report.other_elements.rage_clicks = other.rage_clicks;
    report.other_elements.dead_clicks = other.dead_clicks;
  }
}
FieldRow MakeFieldRow(std::string name, bool literal, const FieldTally& t, uint64_t k) {
  FieldRow row;
  row.field = std::move(name);
  row.literal = literal;
  if (Hidden(t.sessions, k)) {
    row.suppressed = true;
    return row;
  }
  row.sessions = t.sessions;
  row.focus_count = t.focus_count;
  row.mean_time_ds = Ratio(t.time_ds, t.sessions);
  row.refills = t.refills;
  row.last_before_abandon = t.last_before_abandon;
  return row;
}

void BuildForms(const Aggregate& a, const Names& names, const ReportOptions& options, uint64_t k,
                Report& report) {
  const auto literal_fields = a.literal_fields().Sorted();
  for (size_t f = 0; f < a.forms().size(); ++f) {
    const FormTally& t = a.forms()[f];
    FormReport form;
    form.id = names.Form(f);
    if (Hidden(t.started, k)) {
      form.suppressed = true;
    } else {
      form.started = t.started;
      form.submitted = t.submitted;
      form.abandoned = t.abandoned;
      form.abandonment_rate = Ratio(t.abandoned, t.started);
    }
    for (size_t i = 0; i < t.fields.size(); ++i) {
      form.fields.push_back(MakeFieldRow(names.Field(f, i), false, t.fields[i], k));
    }
    // Unconfigured fields: the top_rows by sessions, the rest as "(other)"
    // (with what the aggregate's cap dropped, of every form: the overflow
    // does not know its form, so it is told on the first).
    std::vector<std::pair<std::string_view, const FieldTally*>> literal;
    for (const auto& [key, field] : literal_fields) {
      if (!key.empty() && static_cast<uint8_t>(key[0]) == f && field->sessions > 0) {
        literal.emplace_back(key.substr(1), field);
      }
    }
    std::stable_sort(literal.begin(), literal.end(), [](const auto& x, const auto& y) {
      return x.second->sessions > y.second->sessions;
    });
    FieldTally other = f == 0 ? a.literal_fields().overflow() : FieldTally{};
    for (size_t i = 0; i < literal.size(); ++i) {
      if (i >= options.top_rows) {
        other += *literal[i].second;
        continue;
      }
      form.fields.push_back(
          MakeFieldRow(std::string(literal[i].first), true, *literal[i].second, k));
    }
    form.other_fields = MakeFieldRow("(other)", true, other, k);
    report.forms.push_back(std::move(form));
  }
}

HeatmapPage MakeHeatmapPage(std::string page, const char* device, const PageTally& tally,
                            const std::vector<HeatTally>& grid, uint64_t k) {
  HeatmapPage heatmap;
  heatmap.page = std::move(page);
  heatmap.device = device;
  if (tally.sessions < k) {
    heatmap.suppressed = true;
    return heatmap;
  }
  heatmap.sessions = tally.sessions;
  heatmap.cells.resize(grid.size());
  for (size_t c = 0; c < grid.size(); ++c) {
    // A cell clicked by fewer than k sessions is blank, and its clicks
    // are left out of the page's total too.
    if (grid[c].sessions >= k) {
      heatmap.cells[c] = grid[c].clicks;
      heatmap.clicks += grid[c].clicks;
    } else if (grid[c].sessions > 0) {
      ++heatmap.hidden_cells;
    }
  }
  return heatmap;
}

ElementHeatGroup MakeElementHeatGroup(std::string page, const char* device,
                                      std::vector<std::pair<uint32_t, ElementHeatTally>> elements,
                                      size_t top_rows, uint64_t k) {
  ElementHeatGroup group;
  group.page = std::move(page);
  group.device = device;
  std::sort(elements.begin(), elements.end(), [](const auto& x, const auto& y) {
    return x.second.clicks != y.second.clicks ? x.second.clicks > y.second.clicks
                                              : x.first < y.first;
  });
  for (const auto& [key, tally] : elements) {
    group.clicks += tally.clicks;
    if (tally.sessions < k || group.rows.size() >= top_rows) {
      ++group.other_elements;
      group.other_clicks += tally.clicks;
      group.other_sessions += tally.sessions;
      continue;
    }
    ElementHeatRow row;
    row.key = ElementKeyHex(key);
    row.sessions = tally.sessions;
    row.clicks = tally.clicks;
    row.cells.resize(kElementGridCells);
    for (size_t c = 0; c < tally.cells.size(); ++c) {
      if (tally.cells[c].sessions >= k) {
        row.cells[c] = tally.cells[c].clicks;
      } else if (tally.cells[c].sessions > 0) {
        ++row.hidden_cells;
      }
    }
    group.rows.push_back(std::move(row));
  }
  group.other_suppressed = group.other_sessions < k;
  return group;
}

// The element heatmap rows come sorted by (template, class, key): one pass
// groups them, and "all" sums a template's classes per key.
void BuildElementHeatmaps(const Aggregate& a, const Names& names, const Config& config,
                          size_t top_rows, uint64_t k, Report& report) {
  report.element_heat_past_cap = a.element_heat().overflow().clicks;
  const auto sorted = a.element_heat().Sorted();
  for (size_t at = 0; at < sorted.size();) {
    ElementHeatKeyParts first;
    if (!ParseElementHeatKey(sorted[at].first, first) || first.page_template >= a.pages().size()) {
      ++at;
      continue;
    }
    std::map<uint32_t, ElementHeatTally> all;
    std::array<std::vector<std::pair<uint32_t, ElementHeatTally>>, kHeatDeviceClasses> classes;
    for (; at < sorted.size(); ++at) {
      ElementHeatKeyParts parts;
      if (!ParseElementHeatKey(sorted[at].first, parts) ||
          parts.page_template != first.page_template) {
        break;
      }
      all[parts.element_key] += *sorted[at].second;
      classes[parts.device_class].emplace_back(parts.element_key, *sorted[at].second);
    }
    const std::string page = names.Template(first.page_template);
    const std::string example(config.PageExample(first.page_template));
    auto add = [&](const char* device, std::vector<std::pair<uint32_t, ElementHeatTally>> rows) {
      report.element_heatmaps.push_back(
          MakeElementHeatGroup(page, device, std::move(rows), top_rows, k));
      report.element_heatmaps.back().example = example;
    };
    add("all", {all.begin(), all.end()});
    for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
      if (!classes[d].empty()) add(kDeviceNames[d], std::move(classes[d]));
    }
  }
}

void BuildHeatmaps(const Aggregate& a, const Names& names, const Config& config, uint64_t k,
                   Report& report) {
  for (size_t p = 0; p < a.pages().size(); ++p) {
    // Every device class, then each class that has clicks.
    std::vector<HeatTally> all;
    for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
      const size_t at = p * kHeatDeviceClasses + d;
      if (at >= a.heat().size() || a.heat()[at].empty()) continue;
      if (all.empty()) all.resize(kHeatGridCells);
      for (size_t c = 0; c < kHeatGridCells; ++c) all[c] += a.heat()[at][c];
    }
    if (all.empty()) continue;
    const size_t first = report.heatmaps.size();
    report.heatmaps.push_back(MakeHeatmapPage(names.Template(p), "all", a.pages()[p], all, k));
    for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
      const std::vector<HeatTally>& grid = a.heat()[p * kHeatDeviceClasses + d];
      if (grid.empty()) continue;
      report.heatmaps.push_back(
          MakeHeatmapPage(names.Template(p), kDeviceNames[d], a.pages()[p], grid, k));
    }
    for (size_t i = first; i < report.heatmaps.size(); ++i) {
      report.heatmaps[i].example = std::string(config.PageExample(p));
    }
  }
  for (size_t p = 0; p < a.pages().size(); ++p) {
    for (size_t d = 0; d < kHeatDeviceClasses; ++d) {
      const size_t at = p * kHeatDeviceClasses + d;
      if (at >= a.scroll().size()) continue;
      uint64_t sessions = 0;
      for (uint64_t c : a.scroll()[at]) sessions += c;
      if (sessions == 0) continue;
      ScrollMapRow row;
      row.page = names.Template(p);
      row.device = kDeviceNames[d];
      if (Hidden(sessions, k)) {
        row.suppressed = true;
      } else {
        row.sessions = sessions;
        row.scroll_reach = ScrollReach(a.scroll()[at], k);
      }
      report.scroll_maps.push_back(std::move(row));
    }
  }
  for (size_t i = 0; i < a.selectors().size(); ++i) {
    const SelectorTally& t = a.selectors()[i];
    SelectorRow row;
    row.selector = names.Selector(i);
    if (Hidden(t.sessions, k)) {
      row.suppressed = true;
    } else {
      row.sessions = t.sessions;
      row.clicks = t.clicks;
    }
    report.selectors.push_back(std::move(row));
  }
}

}  // namespace

const char* BreakdownName(Breakdown breakdown) noexcept {
  const auto i = static_cast<size_t>(breakdown);
  return i < kBreakdownCount ? kBreakdownNames[i] : "all";
}

Result<Breakdown> BreakdownFromName(std::string_view name) {
  for (int i = 0; i < kBreakdownCount; ++i) {
    if (name == kBreakdownNames[i]) return static_cast<Breakdown>(i);
  }
  return {Error::kOutOfRange, "breakdown: unknown dimension"};
}

uint32_t KAnonymity(const wire::SiteConfig& def, const ReportOptions& options) {
  return options.k_anonymity >= 0   ? static_cast<uint32_t>(options.k_anonymity)
         : def.privacy() != nullptr ? def.privacy()->k_anonymity()
                                    : 5;
}

std::string SessionSegmentValue(Breakdown breakdown, const wire::Summary& summary) {
  const wire::SessionFacts facts =
      summary.facts() != nullptr ? *summary.facts() : wire::SessionFacts();
  const wire::Dimensions dims = facts.dims();
  auto text = [](std::string_view key, std::string_view empty) {
    return std::string(key.empty() ? empty : key);
  };
  switch (breakdown) {
    case Breakdown::kReferrer:
      return text(ReferrerKey(summary.referrer()), kDirect);
    case Breakdown::kUtmSource:
      return text(UtmKey(summary.utm_source()), kNoUtm);
    case Breakdown::kUtmMedium:
      return text(UtmKey(summary.utm_medium()), kNoUtm);
    case Breakdown::kUtmCampaign:
      return text(UtmKey(summary.utm_campaign()), kNoUtm);
    case Breakdown::kDevice:
      return EnumName(kDeviceNames, static_cast<uint8_t>(dims.device()));
    case Breakdown::kBrowser:
      return EnumName(kBrowserNames, static_cast<uint8_t>(dims.browser()));
    case Breakdown::kOs:
      return EnumName(kOsNames, static_cast<uint8_t>(dims.os()));
    case Breakdown::kScreen:
      return EnumName(kScreenNames, static_cast<uint8_t>(dims.screen()));
    case Breakdown::kLanguage:
      return CodeName(ValidSegmentCode(dims.language()), false);
    case Breakdown::kCountry:
      return CodeName(ValidSegmentCode(dims.country()), true);
    case Breakdown::kAll:
    case Breakdown::kNone:
      break;
  }
  return {};
}

bool IsSegmentValue(Breakdown breakdown, std::string_view value) {
  auto among = [value](const auto& names) {
    return std::find(std::begin(names), std::end(names), value) != std::end(names);
  };
  auto code = [value](bool upper) {
    if (value == "unknown") return true;
    if (value.size() != 2) return false;
    for (char c : value) {
      if (upper ? (c < 'A' || c > 'Z') : (c < 'a' || c > 'z')) return false;
    }
    return true;
  };
  switch (breakdown) {
    case Breakdown::kReferrer:
    case Breakdown::kUtmSource:
    case Breakdown::kUtmMedium:
    case Breakdown::kUtmCampaign:
      return !value.empty();
    case Breakdown::kDevice:
      return among(kDeviceNames);
    case Breakdown::kBrowser:
      return among(kBrowserNames);
    case Breakdown::kOs:
      return among(kOsNames);
    case Breakdown::kScreen:
      return among(kScreenNames);
    case Breakdown::kLanguage:
      return code(false);
    case Breakdown::kCountry:
      return code(true);
    case Breakdown::kAll:
    case Breakdown::kNone:
      break;
  }
  return false;
}

Result<Report> BuildReport(const Aggregate& aggregate, const Config& config,
                           const ReportOptions& options) {
  if (aggregate.configured() && aggregate.config_hash() != config.hash()) {
    return {Error::kConfigMismatch, "aggregate built for another config"};
  }
  const wire::SiteConfig& def = config.def();
  const size_t funnel_count = def.funnels() == nullptr ? 0 : def.funnels()->size();
  if (options.funnel >= 0 && static_cast<size_t>(options.funnel) >= funnel_count) {
    return {Error::kOutOfRange, "funnel: no funnel " + std::to_string(options.funnel)};
  }
  // An empty range has no aggregate of this config: report zeros.
  const Aggregate empty(config);
  const Aggregate& a = aggregate.configured() ? aggregate : empty;

  Report report;
  report.site = std::string(View(def.site()));
  report.time_zone = std::string(config.time_zone_name());
  report.config_hash = config.hash();
  report.k_anonymity = KAnonymity(def, options);
  report.breakdown = options.breakdown;
  const uint64_t k = report.k_anonymity;
  const Names names(def);

  for (size_t i = 0; i < a.micros().size(); ++i) {
    report.micros.push_back(
        {names.Micro(i), names.MicroLabel(i), a.IsMacro(static_cast<uint8_t>(i))});
  }
  report.currency = std::string(config.currency());
  report.revenue = MakeRevenue(a.revenue(), k);
  BuildEngagement(a, k, report.engagement);
  for (size_t f = 0; f < funnel_count && f < a.funnels().size(); ++f) {
    if (options.funnel >= 0 && static_cast<size_t>(options.funnel) != f) continue;
    report.funnels.push_back(BuildFunnel(a.funnels()[f], def.funnels()->Get(f), names, k));
  }
  BuildPaths(a, names, options, k, report);
  BuildLift(a, config, names, k, report);
  BuildLdp(a, config, names, k, report.ldp);
  report.journeys = BuildJourneyReport(a, config, k);
  if (options.breakdown != Breakdown::kNone) BuildSegments(a, options, k, report);
  BuildPages(a, names, options, k, report);
  BuildFrustration(a, options, k, report);
  BuildForms(a, names, options, k, report);
  BuildHeatmaps(a, names, config, k, report);
  BuildElementHeatmaps(a, names, config, options.top_rows, k, report);
  BuildCallsToAction(a, config, names, k, report);
  for (const auto& [day, t] : a.days().entries) {
    DayRow row;
    row.day = day;
    row.date = DateOfDay(day);
    if (Hidden(t.sessions, k)) {
      row.suppressed = true;
    } else {
      row.sessions = t.sessions;
      row.conversions = t.conversions;
      row.page_views = t.page_views;
      row.revenue = MakeRevenue(t.revenue, k);
    }
    report.days.push_back(std::move(row));
  }
  return report;
}

Result<std::vector<SegmentTable>> BuildSegmentTables(const Aggregate& aggregate,
                                                     const Config& config,
                                                     const ReportOptions& options) {
  if (aggregate.configured() && aggregate.config_hash() != config.hash()) {
    return {Error::kConfigMismatch, "aggregate built for another config"};
  }
  Report report;
  if (aggregate.configured() && options.breakdown != Breakdown::kNone) {
    BuildSegments(aggregate, options, KAnonymity(config.def(), options), report);
  }
  return std::move(report.segments);
}

}  // namespace microconv
