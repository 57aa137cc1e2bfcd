// Reports answering the seven reasons of SPEC section 3, built from a merged
// Aggregate (the caller merges the day aggregates of its date range) and the
// site Config that names every id.
//
// k-anonymity (SPEC section 7) is applied here and only here: every cell
// (funnel step, next action, path, lift row, segment value, page, element,
// form, field, heatmap page, selector, day) backed by fewer than k sessions
// keeps its label, is marked `suppressed`, and has its numbers zeroed.
// Suppression is per cell: totals still include suppressed cells, so a lone
// suppressed cell can be recovered by subtraction (no complementary
// suppression).
#ifndef MICROCONV_CORE_REPORT_H_
#define MICROCONV_CORE_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregate.h"
#include "core/calendar.h"  // DateOfDay, ParseDay: the dates reports and queries speak
#include "core/config.h"
#include "core/report_history.h"
#include "core/report_journeys.h"
#include "core/stats.h"
#include "core/status.h"

namespace microconv {

// Which segment tables a report carries.
enum class Breakdown : uint8_t {
  kAll = 0,
  kNone,
  kReferrer,
  kUtmSource,
  kUtmMedium,
  kUtmCampaign,
  kDevice,
  kBrowser,
  kOs,
  kScreen,
  kLanguage,
  kCountry,
};
inline constexpr int kBreakdownCount = 12;

// "all", "none", "referrer", "utm_source", ..., "country".
const char* BreakdownName(Breakdown breakdown) noexcept;
Result<Breakdown> BreakdownFromName(std::string_view name);

// The value a session is counted under in the segment table of
// `breakdown` (a single dimension), as the table's row names it: "(direct)",
// "mobile", "DE", "de", "unknown"... Filters and the funnel breakdown use it,
// so they name the rows the report shows.
std::string SessionSegmentValue(Breakdown breakdown, const wire::Summary& summary);
// Whether `value` can name a row of `breakdown`'s table (an enum dimension's
// names, two letters for codes, any non-empty text for referrers and UTM).
bool IsSegmentValue(Breakdown breakdown, std::string_view value);

struct ReportOptions {
  int k_anonymity = -1;  // < 0: the config's privacy.k_anonymity
  int funnel = -1;       // < 0: every funnel; else only this funnel index
  Breakdown breakdown = Breakdown::kAll;
  size_t top_paths = 20;
  size_t top_rows = 50;  // rows per segment, page and element table
};

// The k a report applies: the options' k, else the site's, else 5.
uint32_t KAnonymity(const wire::SiteConfig& def, const ReportOptions& options);

// A share withheld under k (rendered as null in JSON).
inline constexpr double kHiddenShare = -1;

// Revenue of a set of sessions, in cents of Report::currency (core/revenue.h).
// Hidden (suppressed, zeros) while 1..k-1 sessions ordered; the orders in
// another currency likewise under their own session count.
struct RevenueFigures {
  bool suppressed = false;
  uint64_t buyers = 0;  // sessions with an order
  uint64_t orders = 0;
  uint64_t revenue_cents = 0;
  double average_order_cents = 0;  // revenue / orders
  bool other_currency_suppressed = false;
  uint64_t other_currency_orders = 0;  // counted, never summed or converted
};

struct NextActionRow {
  std::string action;  // micro id, page template, or "(other page)"
  bool is_page = false;
  bool suppressed = false;
  uint64_t sessions = 0;
};

struct FunnelStepRow {
  std::string label;
  bool optional = false;
  bool suppressed = false;
  uint64_t reached = 0;
  // reached / reached of the previous non-optional step (or / entered for
  // the first non-optional step).
  double from_previous = 0;
  double from_start = 0;             // reached / entered
  uint64_t drop_off = 0;             // not converted, furthest step = this one
  double drop_off_rate = 0;          // drop_off / reached
  bool drop_off_suppressed = false;  // 1..k-1 sessions dropped off here
  double median_step_ds = 0;         // from the previous reached step
  double p90_step_ds = 0;
  std::vector<NextActionRow> next_actions;  // by sessions, descending
};

struct DurationBucket {
  uint32_t low_ds = 0;   // inclusive
  uint32_t high_ds = 0;  // exclusive
  uint64_t sessions = 0;
};

// Conversion of one funnel for the sessions with one value of a dimension
// (issue 14 point 3), with the 95 % Wilson interval of the rate.
struct FunnelBreakdownRow {
  std::string value;
  bool suppressed = false;  // fewer than k sessions entered
  uint64_t entered = 0;
  uint64_t conversions = 0;
  double conversion_rate = 0;
  Interval interval;
};

// A funnel's conversion per value of `dimension` ("" when not asked for):
// the top_rows values by entered sessions, the rest as "(other)".
struct FunnelBreakdown {
  std::string dimension;
  std::vector<FunnelBreakdownRow> rows;
  FunnelBreakdownRow other;
};

struct FunnelReport {
  std::string id;
  std::string label;
  bool suppressed = false;
  uint64_t entered = 0;
  uint64_t conversions = 0;
  double conversion_rate = 0;  // conversions / entered
  uint64_t exclusions = 0;
  uint64_t dropped_before_first = 0;
  std::vector<NextActionRow> next_before_first;
  double median_time_to_convert_ds = 0;
  double p90_time_to_convert_ds = 0;
  std::vector<DurationBucket> time_to_convert;  // non-empty log buckets
  RevenueFigures revenue;                       // of the sessions that converted
  std::vector<FunnelStepRow> steps;
  FunnelBreakdown breakdown;  // filled by the caller (a scan of sessions) when asked for
};

struct PathRow {
  std::vector<std::string> steps;  // micro ids
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t converters = 0;
  double conversion_rate = 0;
};

// Lift of one (non-macro) micro-conversion on the macro-conversion, among
// the sessions of its baseline (core/lift.h): those that reached the
// required funnel step before it, or every session.
struct LiftRow {
  std::string micro;
  std::string label;
  std::string baseline_funnel;  // funnel id; "" = every session
  std::string baseline_step;    // that funnel's step label (or "step N")
  // A required step of a goal funnel: its lift is a tautology (core/lift.h).
  bool required_step = false;
  bool suppressed = false;  // fewer than k sessions with or without it
  uint64_t sessions_with = 0;
  uint64_t converters_with = 0;
  uint64_t sessions_without = 0;
  uint64_t converters_without = 0;
  double rate_with = 0;
  double rate_without = 0;
  double difference = 0;  // rate_with - rate_without
  double ci_low = 0;      // 95 % Newcombe hybrid score interval
  double ci_high = 0;
  bool significant = false;  // the interval excludes 0
};

// How many sessions had one randomized bit (a micro-conversion done, a
// funnel step reached): exact sessions counted, local differential privacy
// sessions estimated (core/ldp.h), the two added. An estimate, always.
struct EstimateRow {
  std::string id;           // micro id, or funnel id
  std::string label;        // micro label, or the step's label
  int step = -1;            // funnel step, -1 for a micro-conversion
  bool suppressed = false;  // exact part of 1..k-1 sessions, or fewer than k in all
  uint64_t exact = 0;       // among exact sessions
  double count = 0;         // exact + unbiased LDP estimate (not clamped)
  double ci_low = 0;        // 95 %, clamped to 0..sessions
  double ci_high = 0;
  double rate = 0;  // count / sessions (exact + LDP)
  double rate_low = 0;
  double rate_high = 0;
};

// Present when the range has LDP sessions: they are in no other figure of
// the report (which counts exact sessions only).
struct LdpReport {
  uint64_t sessions = 0;        // LDP sessions, every epsilon
  uint64_t exact_sessions = 0;  // the report's other sessions
  std::vector<double> epsilons;
  std::vector<EstimateRow> micros;
  std::vector<EstimateRow> steps;  // every funnel's steps, in config order
};

struct SegmentRow {
  std::string value;
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t converters = 0;
  uint64_t non_converters = 0;
  double conversion_rate = 0;
  double converter_share = 0;      // of all converters
  double non_converter_share = 0;  // of all non-converters
  RevenueFigures revenue;
};

struct SegmentTable {
  std::string dimension;
  std::vector<SegmentRow> rows;  // by sessions, descending; top_rows at most
  SegmentRow other;              // rows past top_rows and values over the cap
};

// One day's segment table of a dimension: reports asked for a daily
// breakdown carry one per day with sessions, so the dashboard can show how
// referrers (or any dimension) move over time.
struct DailySegmentTable {
  std::string date;
  SegmentTable table;
};

struct PageRow {
  std::string page;  // template, or literal path
  bool literal = false;
  bool suppressed = false;
  uint64_t views = 0;
  uint64_t sessions = 0;
  uint64_t entries = 0;
  uint64_t exits = 0;
  double exit_rate = 0;    // exits / sessions
  double bounce_rate = 0;  // bounces / entries
  uint64_t quick_backs = 0;
  double mean_active_ds = 0;  // per page-session
  // Share of page-sessions whose deepest scroll reached >= 10 * i %;
  // kHiddenShare where 1..k-1 page-sessions reached it.
  std::vector<double> scroll_reach;
};

struct Engagement {
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t converters = 0;
  double conversion_rate = 0;
  uint64_t page_views = 0;
  double pages_per_session = 0;
  uint64_t bounces = 0;
  double bounce_rate = 0;
  double median_active_ds = 0;
  double p90_active_ds = 0;
  double mean_active_ds = 0;
  double median_duration_ds = 0;
  // Median over page-sessions of the deepest scroll, as a 10 % bucket floor.
  uint32_t median_scroll_percent = 0;
  uint64_t rage_clicks = 0;
  uint64_t dead_clicks = 0;
  uint64_t quick_backs = 0;
  uint64_t truncated_paths = 0;
};

struct ElementRow {
  std::string element;
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t clicks = 0;
  uint64_t rage_clicks = 0;
  uint64_t dead_clicks = 0;
};

// A call to action (a click micro-conversion marked `cta`): the sessions
// that saw it (>= 50 % visible for >= 1 s), that clicked it, and that saw
// it but never clicked it; the UX-weakness row of SPEC section 3. The row
// is withheld while 1..k-1 sessions saw it; `seen_not_clicked` alone while
// 1..k-1 sessions saw it without a click.
struct CallToActionRow {
  std::string id;
  std::string label;
  bool suppressed = false;
  uint64_t seen = 0;
  uint64_t clicked = 0;  // every session that clicked it, seen for 1 s or not
  bool seen_not_clicked_suppressed = false;
  uint64_t seen_not_clicked = 0;
  double seen_not_clicked_rate = 0;  // seen_not_clicked / seen
};

struct FieldRow {
  std::string field;
  bool literal = false;  // not a configured field of the form
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t focus_count = 0;
  double mean_time_ds = 0;  // per focusing session
  uint64_t refills = 0;
  uint64_t last_before_abandon = 0;
};

struct FormReport {
  std::string id;
  bool suppressed = false;
  uint64_t started = 0;
  uint64_t submitted = 0;
  uint64_t abandoned = 0;
  double abandonment_rate = 0;   // abandoned / started
  std::vector<FieldRow> fields;  // configured ones, then the top_rows unconfigured
  FieldRow other_fields;         // "(other)": unconfigured fields past top_rows
};

// One template's clicks from one device class ("desktop", "mobile",
// "tablet", "unknown") or from all of them ("all"); k applies per cell of
// each class.
struct HeatmapPage {
  std::string page;
  std::string device;
  std::string example;  // the config's real page of the template, or ""
  bool suppressed = false;
  uint64_t sessions = 0;        // the template's sessions (every device class)
  uint64_t clicks = 0;          // in the cells shown
  uint64_t hidden_cells = 0;    // clicked by 1..k-1 sessions: shown as 0
  std::vector<uint64_t> cells;  // kGridRows x kGridColumns, row-major
};

// Element heatmap of one template from one device class ("all" or a
// class, as HeatmapPage): its elements by clicks, each with the clicks per
// cell of its box (kElementGridSide squared, row-major). An element is
// shown from k sessions; a cell from k sessions (else 0 and counted in
// hidden_cells). Elements past top_rows or under k are summed in "other".
struct ElementHeatRow {
  std::string key;  // 6 hex digits (core/element_heatmap.h)
  uint64_t sessions = 0;
  uint64_t clicks = 0;  // every click on the element
  uint64_t hidden_cells = 0;
  std::vector<uint64_t> cells;  // kElementGridCells
};
struct ElementHeatGroup {
  std::string page;
  std::string device;
  std::string example;  // the config's real page of the template, or ""
  uint64_t clicks = 0;  // every element-keyed click of the group
  std::vector<ElementHeatRow> rows;
  uint64_t other_elements = 0;
  uint64_t other_clicks = 0;
  uint64_t other_sessions = 0;    // summed per element
  bool other_suppressed = false;  // other_sessions under k
};

// The scroll map of one template on one device class ("desktop",
// "mobile", "tablet", "unknown"; every class together is the PageRow's):
// share of its page-sessions whose deepest scroll reached >= 10 * i %,
// withheld as in PageRow. Only classes with page-sessions have one.
struct ScrollMapRow {
  std::string page;
  std::string device;
  bool suppressed = false;  // 1..k-1 page-sessions of the class
  uint64_t sessions = 0;    // page-sessions of the class
  std::vector<double> scroll_reach;
};

struct SelectorRow {
  std::string selector;
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t clicks = 0;
};

struct DayRow {
  uint32_t day = 0;  // days since 1970-01-01 (UTC)
  std::string date;  // YYYY-MM-DD
  bool suppressed = false;
  uint64_t sessions = 0;
  uint64_t conversions = 0;
  uint64_t page_views = 0;
  RevenueFigures revenue;
};

// A configured micro-conversion, so readers can label path steps and tell
// the goals (macro) apart without the site's config.
struct MicroRow {
  std::string id;
  std::string label;
  bool macro = false;
};

// What a filtered report counted (core/report_filter.h).
struct FilterFigures {
  std::string text;         // canonical filter text
  uint64_t scanned = 0;     // stored sessions of the range read
  uint64_t matched = 0;     // of which matched; 0 when suppressed
  bool suppressed = false;  // 1..k-1 matched: every figure of the report withheld
};

// One figure of a report against the same figure of another period.
enum class ChangeMethod : uint8_t {
  kNone,            // shown, not tested (medians, means, money)
  kPoisson,         // counts: PoissonRateTest per day of each period
  kTwoProportionZ,  // rates: TwoProportionZTest
};

struct ComparedFigure {
  std::string name;  // "sessions", "conversion_rate", ...
  ChangeMethod method = ChangeMethod::kNone;
  bool suppressed = false;  // withheld in either period
  double current = 0;
  double previous = 0;
  double change = 0;  // current - previous
  ChangeTest test;
};

struct ComparedStep {
  std::string label;
  // Reached sessions (Poisson) and share of entered (two-proportion z).
  ComparedFigure reached;
  ComparedFigure from_start;
};

struct ComparedFunnel {
  std::string id;
  std::vector<ComparedFigure> figures;  // entered, conversions, conversion_rate
  std::vector<ComparedStep> steps;
};

// The report's figures against another period (issue 14 point 1): the
// previous period of the same length or a chosen range.
struct ReportComparison {
  std::string from;  // the other period, YYYY-MM-DD
  std::string to;
  uint32_t days = 0;
  std::vector<ComparedFigure> kpis;
  std::vector<ComparedFunnel> funnels;
  std::vector<DayRow> series;  // the other period's days, k applied
};

struct Report {
  std::string site;
  std::string time_zone;  // IANA name: the zone the report's days are in
  uint32_t config_hash = 0;
  uint32_t k_anonymity = 0;
  Breakdown breakdown = Breakdown::kAll;
  std::vector<MicroRow> micros;  // every configured one, in config order
  std::string currency;          // ISO 4217: every revenue figure's unit
  RevenueFigures revenue;
  Engagement engagement;
  std::vector<FunnelReport> funnels;
  std::vector<PathRow> paths;
  PathRow other_paths;  // paths past top_paths and over the cap
  std::vector<LiftRow> lift;
  LdpReport ldp;
  JourneyReport journeys;  // journey scope only (visits 0: none in the range)
  std::vector<SegmentTable> segments;
  std::vector<PageRow> pages;        // top_rows by sessions
  PageRow other_pages;               // "(other)": the rest, and what the aggregate's cap dropped
  std::vector<ElementRow> elements;  // top_rows by frustration
  ElementRow other_elements;         // "(other)": likewise
  std::vector<CallToActionRow> calls_to_action;  // in config order
  std::vector<FormReport> forms;
  std::vector<HeatmapPage> heatmaps;
  std::vector<ElementHeatGroup> element_heatmaps;  // per template, "all" then each class
  // Element clicks of rows past the aggregate's kMaxTrackedElementHeats.
  uint64_t element_heat_past_cap = 0;
  std::vector<ScrollMapRow> scroll_maps;  // per template, then device class in class order
  std::vector<SelectorRow> selectors;
  std::vector<DayRow> days;
  std::vector<DailySegmentTable> daily;  // filled by the caller; empty unless asked for
  ReportHistory history;                 // filled by the caller; none when not built
  // Stored sessions of the range that failed verification when read back
  // (a damaged store): not counted above. Filled by the caller.
  uint64_t unreadable_sessions = 0;
  // Filled by the caller when the request had a filter / a comparison.
  bool filtered = false;
  FilterFigures filter;
  bool compared = false;
  ReportComparison comparison;
};

// kConfigMismatch when the aggregate was built for another config;
// kOutOfRange for a funnel filter past the config's funnels.
Result<Report> BuildReport(const Aggregate& aggregate, const Config& config,
                           const ReportOptions& options = {});

// Only the segment tables BuildReport would give (options.breakdown picks
// them), without the rest of the report: the per-day tables of a daily
// breakdown. kConfigMismatch as BuildReport.
Result<std::vector<SegmentTable>> BuildSegmentTables(const Aggregate& aggregate,
                                                     const Config& config,
                                                     const ReportOptions& options = {});

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_H_
