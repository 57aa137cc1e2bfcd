#include "core/report_csv.h"

#include <cmath>
#include <vector>

#include "core/display_numbers.h"
#include "core/element_heatmap.h"
#include "core/heatmap.h"
#include "core/report_compare.h"

namespace microconv {
namespace {

struct Cell {
  std::string text;
  bool number = false;
};

Cell Text(std::string_view text) { return {std::string(text), false}; }
Cell Int(uint64_t value) { return {std::to_string(value), true}; }
Cell Rate(double rate) { return {RoundedText(rate, kRateDecimals), true}; }
Cell Seconds(double deciseconds) { return {RoundedText(deciseconds / 10, kSecondsDecimals), true}; }
Cell Money(uint64_t cents) { return {MoneyText(cents), true}; }
Cell Money(double cents) { return Money(static_cast<uint64_t>(std::llround(cents))); }
Cell YesNo(bool yes) { return Text(yes ? "yes" : "no"); }

class CsvDocument {
 public:
  void Line(const std::vector<Cell>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += cells[i].number ? cells[i].text : CsvCell(cells[i].text);
    }
    out_ += "\r\n";
  }
  void Section(std::string_view title, std::initializer_list<std::string_view> columns) {
    out_ += "\r\n";
    Line({Text(title)});
    std::vector<Cell> header;
    for (std::string_view column : columns) header.push_back(Text(column));
    Line(header);
  }
  // Numeric cells of a suppressed row say so; its labels stay.
  void Row(std::vector<Cell> cells, bool suppressed = false) {
    if (suppressed) {
      for (Cell& cell : cells) {
        if (cell.number) cell.text = "suppressed";
      }
    }
    Line(cells);
  }
  std::string Take() && { return std::move(out_); }

 private:
  std::string out_;
};

void Overview(CsvDocument& csv, const Engagement& e) {
  csv.Section("Overview", {"Metric", "Value"});
  const std::pair<const char*, Cell> rows[] = {
      {"sessions", Int(e.sessions)},
      {"converters", Int(e.converters)},
      {"conversion_rate", Rate(e.conversion_rate)},
      {"page_views", Int(e.page_views)},
      {"pages_per_session", {RoundedText(e.pages_per_session, 2), true}},
      {"bounces", Int(e.bounces)},
      {"bounce_rate", Rate(e.bounce_rate)},
      {"median_active_s", Seconds(e.median_active_ds)},
      {"p90_active_s", Seconds(e.p90_active_ds)},
      {"mean_active_s", Seconds(e.mean_active_ds)},
      {"median_duration_s", Seconds(e.median_duration_ds)},
      {"median_scroll_percent", Int(e.median_scroll_percent)},
      {"rage_clicks", Int(e.rage_clicks)},
      {"dead_clicks", Int(e.dead_clicks)},
      {"quick_backs", Int(e.quick_backs)},
      {"truncated_paths", Int(e.truncated_paths)},
  };
  for (const auto& [metric, value] : rows) csv.Row({Text(metric), value}, e.suppressed);
}

// One revenue row: scope (total, funnel, day, a segment dimension) and key,
// then the figures; other-currency orders hidden under their own k.
void RevenueRow(CsvDocument& csv, std::string_view scope, std::string_view key,
                const RevenueFigures& r) {
  std::vector<Cell> cells = {Text(scope), Text(key)};
  for (Cell cell :
       {Int(r.buyers), Int(r.orders), Money(r.revenue_cents), Money(r.average_order_cents)}) {
    cells.push_back(r.suppressed ? Cell{"suppressed", true} : cell);
  }
  cells.push_back(r.other_currency_suppressed ? Cell{"suppressed", true}
                                              : Int(r.other_currency_orders));
  csv.Row(cells);
}

void Revenue(CsvDocument& csv, const Report& report) {
  csv.Section("Revenue (" + report.currency + ")", {"Scope", "Key", "Buyers", "Orders", "Revenue",
                                                    "Average order", "Other-currency orders"});
  RevenueRow(csv, "total", "", report.revenue);
  for (const FunnelReport& f : report.funnels) {
    if (!f.suppressed) RevenueRow(csv, "funnel", f.id, f.revenue);
  }
  for (const DayRow& d : report.days) {
    if (!d.suppressed) RevenueRow(csv, "day", d.date, d.revenue);
  }
  for (const SegmentTable& t : report.segments) {
    for (const SegmentRow& r : t.rows) {
      if (!r.suppressed) RevenueRow(csv, t.dimension, r.value, r.revenue);
    }
  }
}

void Funnels(CsvDocument& csv, const Report& report) {
  csv.Section("Funnels", {"Funnel id", "Funnel", "Entered", "Converted", "Conversion rate",
                          "Exclusions", "Dropped before the first step",
                          "Median time to convert (s)", "p90 time to convert (s)"});
  for (const FunnelReport& f : report.funnels) {
    csv.Row({Text(f.id), Text(f.label), Int(f.entered), Int(f.conversions), Rate(f.conversion_rate),
             Int(f.exclusions), Int(f.dropped_before_first), Seconds(f.median_time_to_convert_ds),
             Seconds(f.p90_time_to_convert_ds)},
            f.suppressed);
  }
  // One section per funnel, as the dashboard's funnel panel titles it.
  for (const FunnelReport& f : report.funnels) {
    csv.Section("Funnel: " + f.label,
                {"Step", "Optional", "Reached", "From previous", "From start", "Drop-off",
                 "Drop-off rate", "Median time (s)", "p90 time (s)"});
    for (const FunnelStepRow& s : f.steps) {
      const Cell hidden{"suppressed", true};
      csv.Row({Text(s.label), YesNo(s.optional), Int(s.reached), Rate(s.from_previous),
               Rate(s.from_start), s.drop_off_suppressed ? hidden : Int(s.drop_off),
               s.drop_off_suppressed ? hidden : Rate(s.drop_off_rate), Seconds(s.median_step_ds),
               Seconds(s.p90_step_ds)},
              s.suppressed);
    }
  }
  csv.Section("Next actions", {"Funnel", "Dropped at", "Next action", "Kind", "Sessions"});
  for (const FunnelReport& f : report.funnels) {
    const auto rows = [&](std::string_view at, const std::vector<NextActionRow>& next) {
      for (const NextActionRow& n : next) {
        csv.Row({Text(f.label), Text(at), Text(n.action), Text(n.is_page ? "page" : "micro"),
                 Int(n.sessions)},
                n.suppressed);
      }
    };
    if (f.suppressed) continue;
    rows("(before the first step)", f.next_before_first);
    for (const FunnelStepRow& s : f.steps) {
      if (!s.suppressed) rows(s.label, s.next_actions);
    }
  }
  csv.Section("Time to convert", {"Funnel", "From (s)", "To (s)", "Converters"});
  for (const FunnelReport& f : report.funnels) {
    if (f.suppressed) continue;
    for (const DurationBucket& b : f.time_to_convert) {
      csv.Row({Text(f.label), Seconds(b.low_ds), Seconds(b.high_ds), Int(b.sessions)});
    }
  }
}

void Paths(CsvDocument& csv, const Report& report) {
  csv.Section("Paths", {"Path", "Steps", "Sessions", "Converters", "Conversion rate"});
  const auto row = [&](const PathRow& p, std::string_view name) {
    csv.Row({Text(name), Int(p.steps.size()), Int(p.sessions), Int(p.converters),
             Rate(p.conversion_rate)},
            p.suppressed);
  };
  for (const PathRow& p : report.paths) row(p, PathText(p.steps));
  if (report.other_paths.sessions > 0 || report.other_paths.suppressed) {
    row(report.other_paths, "Other paths");
  }
}

void Lift(CsvDocument& csv, const Report& report) {
  csv.Section("Turning points (lift on the goal)",
              {"Micro id", "Micro-conversion", "Rate with", "Rate without", "Lift", "CI low",
               "CI high", "Significant", "Sessions with", "Sessions without", "Converters with",
               "Converters without"});
  for (const LiftRow& l : report.lift) {
    csv.Row({Text(l.micro), Text(l.label), Rate(l.rate_with), Rate(l.rate_without),
             Rate(l.difference), Rate(l.ci_low), Rate(l.ci_high),
             l.suppressed ? Text("") : YesNo(l.significant), Int(l.sessions_with),
             Int(l.sessions_without), Int(l.converters_with), Int(l.converters_without)},
            l.suppressed);
  }
}

void Segments(CsvDocument& csv, const Report& report) {
  csv.Section("Segments", {"Dimension", "Value", "Sessions", "Converters", "Non-converters",
                           "Conversion rate", "Share of converters", "Share of non-converters"});
  for (const SegmentTable& t : report.segments) {
    const auto row = [&](const SegmentRow& r, std::string_view value) {
      csv.Row({Text(t.dimension), Text(value), Int(r.sessions), Int(r.converters),
               Int(r.non_converters), Rate(r.conversion_rate), Rate(r.converter_share),
               Rate(r.non_converter_share)},
              r.suppressed);
    };
    for (const SegmentRow& r : t.rows) row(r, r.value);
    if (t.other.sessions > 0 || t.other.suppressed) row(t.other, "(other)");
  }
}

void Pages(CsvDocument& csv, const Report& report) {
  csv.Section("Pages and exits",
              {"Page", "Literal path", "Views", "Sessions", "Entries", "Exits", "Exit rate",
               "Bounce", "Quick backs", "Mean active time (s)", "Scroll reach (10 % .. 100 %)"});
  const auto row = [&](const PageRow& p, std::string_view name) {
    std::string reach;
    for (double share : p.scroll_reach) {
      if (!reach.empty()) reach += ' ';
      reach += share == kHiddenShare ? "suppressed" : RoundedText(share, kRateDecimals);
    }
    csv.Row({Text(name),
             YesNo(p.literal),
             Int(p.views),
             Int(p.sessions),
             Int(p.entries),
             Int(p.exits),
             Rate(p.exit_rate),
             Rate(p.bounce_rate),
             Int(p.quick_backs),
             Seconds(p.mean_active_ds),
             {reach, true}},
            p.suppressed);
  };
  for (const PageRow& p : report.pages) row(p, p.page);
  if (report.other_pages.sessions > 0 || report.other_pages.suppressed) {
    row(report.other_pages, "(other)");
  }
}

void Frustration(CsvDocument& csv, const Report& report) {
  csv.Section("Frustration per element", {"Element", "Rage", "Dead", "Clicks", "Sessions"});
  const auto row = [&](const ElementRow& e, std::string_view name) {
    csv.Row({Text(name), Int(e.rage_clicks), Int(e.dead_clicks), Int(e.clicks), Int(e.sessions)},
            e.suppressed);
  };
  for (const ElementRow& e : report.elements) row(e, e.element);
  if (report.other_elements.sessions > 0 || report.other_elements.suppressed) {
    row(report.other_elements, "(other)");
  }
}

void CallsToAction(CsvDocument& csv, const Report& report) {
  csv.Section("Calls to action seen but not clicked",
              {"Call to action", "Label", "Seen", "Clicked", "Seen, not clicked", "Share of seen"});
  for (const CallToActionRow& c : report.calls_to_action) {
    const bool hidden = c.seen_not_clicked_suppressed;
    csv.Row({Text(c.id), Text(c.label), Int(c.seen), Int(c.clicked),
             hidden ? Text("suppressed") : Int(c.seen_not_clicked),
             hidden ? Text("suppressed") : Rate(c.seen_not_clicked_rate)},
            c.suppressed);
  }
}

void Forms(CsvDocument& csv, const Report& report) {
  csv.Section("Forms", {"Form", "Started", "Submitted", "Abandoned", "Abandonment rate"});
  for (const FormReport& f : report.forms) {
    csv.Row(
        {Text(f.id), Int(f.started), Int(f.submitted), Int(f.abandoned), Rate(f.abandonment_rate)},
        f.suppressed);
  }
  csv.Section("Form fields", {"Form", "Field", "Unlisted field", "Sessions", "Focus count",
                              "Mean time (s)", "Refills", "Gave up here"});
  for (const FormReport& f : report.forms) {
    const auto row = [&](const FieldRow& r, std::string_view name) {
      csv.Row({Text(f.id), Text(name), YesNo(r.literal), Int(r.sessions), Int(r.focus_count),
               Seconds(r.mean_time_ds), Int(r.refills), Int(r.last_before_abandon)},
              r.suppressed);
    };
    for (const FieldRow& r : f.fields) row(r, r.field);
    if (f.other_fields.sessions > 0 || f.other_fields.suppressed) row(f.other_fields, "(other)");
  }
}

// Heatmaps as one row per clicked cell: the grid is kGridColumns x kGridRows
// cells of the document (row 0 at its top), not pixels.
void Heatmaps(CsvDocument& csv, const Report& report) {
  csv.Section("Heatmap pages", {"Page", "Device class", "Sessions (every device)", "Clicks",
                                "Cells hidden under k"});
  for (const HeatmapPage& p : report.heatmaps) {
    csv.Row({Text(p.page), Text(p.device), Int(p.sessions), Int(p.clicks), Int(p.hidden_cells)},
            p.suppressed);
  }
  csv.Section("Heatmap cells (" + std::to_string(kGridColumns) + " columns x " +
                  std::to_string(kGridRows) + " rows of the document)",
              {"Page", "Device class", "Row", "Column", "Clicks"});
  for (const HeatmapPage& p : report.heatmaps) {
    if (p.suppressed) continue;
    for (size_t i = 0; i < p.cells.size(); ++i) {
      if (p.cells[i] == 0) continue;
      csv.Row({Text(p.page), Text(p.device), Int(i / kGridColumns), Int(i % kGridColumns),
               Int(p.cells[i])});
    }
  }
  // Element heatmaps: one row per element (its cells of the element's box,
  // row-major, as one text), then each group's "(other)".
  csv.Section("Element clicks (" + std::to_string(kElementGridSide) + " x " +
                  std::to_string(kElementGridSide) + " parts of the element's box)",
              {"Page", "Device class", "Element key", "Clicks", "Sessions", "Parts hidden under k",
               "Clicks per part (row-major)"});
  for (const ElementHeatGroup& g : report.element_heatmaps) {
    for (const ElementHeatRow& row : g.rows) {
      std::string cells;
      for (uint64_t c : row.cells) cells += (cells.empty() ? "" : " ") + std::to_string(c);
      csv.Row({Text(g.page), Text(g.device), Text(row.key), Int(row.clicks), Int(row.sessions),
               Int(row.hidden_cells), Text(cells)});
    }
    if (g.other_elements > 0) {
      csv.Row({Text(g.page), Text(g.device),
               Text("(other: " + std::to_string(g.other_elements) + " elements)"),
               Int(g.other_clicks), Text(""), Text(""), Text("")},
              g.other_suppressed);
    }
  }
  csv.Section("Scroll maps per device class",
              {"Page", "Device class", "Page-sessions", "Scroll reach (10 % .. 100 %)"});
  for (const ScrollMapRow& m : report.scroll_maps) {
    std::string reach;
    for (double share : m.scroll_reach) {
      if (!reach.empty()) reach += ' ';
      reach += share == kHiddenShare ? "suppressed" : RoundedText(share, kRateDecimals);
    }
    csv.Row({Text(m.page), Text(m.device), Int(m.sessions), Text(reach)}, m.suppressed);
  }
  csv.Section("Selector clicks", {"Selector", "Clicks", "Sessions"});
  for (const SelectorRow& s : report.selectors) {
    csv.Row({Text(s.selector), Int(s.clicks), Int(s.sessions)}, s.suppressed);
  }
}

void Days(CsvDocument& csv, std::string_view title, const std::vector<DayRow>& days) {
  csv.Section(title, {"Day", "Sessions", "Page views", "Converters"});
  for (const DayRow& d : days) {
    csv.Row({Text(d.date), Int(d.sessions), Int(d.page_views), Int(d.conversions)}, d.suppressed);
  }
}

// Each funnel asked for with funnel_breakdown=DIM: conversion per value with
// its 95 % Wilson interval, titled as the dashboard's export of the panel.
void FunnelBreakdowns(CsvDocument& csv, const Report& report) {
  for (const FunnelReport& f : report.funnels) {
    const FunnelBreakdown& b = f.breakdown;
    if (b.dimension.empty()) continue;
    csv.Section("Funnel " + f.label + " by " + b.dimension,
                {b.dimension, "Entered", "Converted", "Conversion rate", "CI low", "CI high"});
    const auto row = [&](const FunnelBreakdownRow& r) {
      csv.Row({Text(r.value), Int(r.entered), Int(r.conversions), Rate(r.conversion_rate),
               Rate(r.interval.low), Rate(r.interval.high)},
              r.suppressed);
    };
    for (const FunnelBreakdownRow& r : b.rows) row(r);
    if (b.other.entered > 0 || b.other.suppressed) row(b.other);
  }
}

// Local differential privacy sessions: every figure an estimate (counts with
// one decimal and their 95 % interval, as the JSON), in no other section.
void Estimates(CsvDocument& csv, const Report& report) {
  const LdpReport& ldp = report.ldp;
  if (ldp.sessions == 0) return;
  std::string epsilons;
  for (double e : ldp.epsilons) epsilons += (epsilons.empty() ? "" : " ") + RoundedText(e, 2);
  csv.Section("Local differential privacy (estimates)",
              {"LDP sessions", "Exact sessions", "Epsilons"});
  csv.Row({Int(ldp.sessions), Int(ldp.exact_sessions), {epsilons, true}});
  csv.Section("Estimated counts",
              {"Id", "Label", "Step", "Sessions (est.)", "CI low", "CI high", "Share (est.)",
               "Share CI low", "Share CI high", "Of which exact"});
  for (const std::vector<EstimateRow>* rows : {&ldp.micros, &ldp.steps}) {
    for (const EstimateRow& r : *rows) {
      csv.Row({Text(r.id),
               Text(r.label),
               r.step < 0 ? Text("") : Int(r.step),
               {RoundedText(r.count, 1), true},
               {RoundedText(r.ci_low, 1), true},
               {RoundedText(r.ci_high, 1), true},
               Rate(r.rate),
               Rate(r.rate_low),
               Rate(r.rate_high),
               Int(r.exact)},
              r.suppressed);
    }
  }
}

// Journey scope (core/report_journeys.h): one row per figure, absent
// without journey-scope visits.
void Journeys(CsvDocument& csv, const Report& report) {
  const JourneyReport& j = report.journeys;
  if (j.visits == 0) return;
  csv.Section("Journeys", {"Funnel", "Figure", "Value", "Journeys"});
  auto row = [&csv](std::string_view funnel, std::string_view figure, Cell value,
                    const JourneyCount& c) {
    csv.Row({Text(funnel), Text(figure), std::move(value), Int(c.journeys)}, c.suppressed);
  };
  row("", "started", Text(""), j.started);
  for (const JourneyCount& c : j.visits_by_index)
    row("", "visits with index", Text(std::to_string(c.value)), c);
  for (const JourneyFunnel& f : j.funnels) {
    for (const JourneyCount& c : f.steps) row(f.id, "reached step", Text(c.label), c);
    row(f.id, "converted", Text(""), f.converted);
    for (const JourneyCount& c : f.visits_to_convert)
      row(f.id, "visits to convert", Text(std::to_string(c.value)), c);
    for (const JourneyCount& c : f.days_to_convert)
      row(f.id, "days to convert", Text(std::to_string(c.value)), c);
  }
}

void Filter(CsvDocument& csv, const Report& report) {
  if (!report.filtered) return;
  const FilterFigures& f = report.filter;
  csv.Section("Filter", {"Filter", "Scanned sessions", "Matched sessions"});
  csv.Row({Text(f.text), Int(f.scanned), f.suppressed ? Cell{"suppressed", true} : Int(f.matched)});
}

// One compared figure, with the JSON's decimals: rates four, the rest two.
void ComparedRow(CsvDocument& csv, std::string_view scope, std::string_view key,
                 const ComparedFigure& f) {
  const int decimals = f.method == ChangeMethod::kTwoProportionZ ? kRateDecimals : 2;
  const auto fixed = [](double value, int places) {
    return Cell{RoundedText(value, places), true};
  };
  const bool tested = f.method != ChangeMethod::kNone;
  std::vector<Cell> cells = {Text(scope), Text(key), Text(f.name),
                             Text(ChangeMethodName(f.method))};
  if (f.suppressed) {
    for (int i = 0; i < 6; ++i) cells.push_back({"suppressed", true});
  } else {
    cells.push_back(fixed(f.current, decimals));
    cells.push_back(fixed(f.previous, decimals));
    cells.push_back(fixed(f.change, decimals));
    cells.push_back(f.previous == 0 ? Text("") : fixed(f.change / f.previous, kRateDecimals));
    cells.push_back(tested ? fixed(f.test.z, 3) : Text(""));
    cells.push_back(tested ? YesNo(f.test.significant) : Text(""));
  }
  csv.Row(cells);
}

void Comparison(CsvDocument& csv, const Report& report) {
  if (!report.compared) return;
  const ReportComparison& c = report.comparison;
  csv.Section("Compared with " + c.from + " to " + c.to + " (" + std::to_string(c.days) + " days)",
              {"Scope", "Key", "Figure", "Test", "Current", "Previous", "Change", "Relative change",
               "z", "Significant"});
  for (const ComparedFigure& f : c.kpis) ComparedRow(csv, "kpi", "", f);
  for (const ComparedFunnel& f : c.funnels) {
    for (const ComparedFigure& figure : f.figures) ComparedRow(csv, "funnel", f.id, figure);
    for (const ComparedStep& s : f.steps) {
      const std::string key = f.id + ": " + s.label;
      ComparedRow(csv, "step", key, s.reached);
      ComparedRow(csv, "step", key, s.from_start);
    }
  }
  Days(csv, "Traffic per day (compared period)", c.series);
}

}  // namespace

std::string PathText(const std::vector<std::string>& steps) {
  if (steps.empty()) return "(no micro-conversion)";
  std::string out;
  for (const std::string& step : steps) out += (out.empty() ? "" : " > ") + step;
  return out;
}

std::string CsvCell(std::string_view text) {
  std::string cell;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    cell += '\'';
  }
  cell.append(text);
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  };
  const bool quote = cell.find_first_of("\",\r\n") != std::string::npos ||
                     (!cell.empty() && (is_space(cell.front()) || is_space(cell.back())));
  if (!quote) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string RenderReportCsv(const Report& report, std::string_view from, std::string_view to) {
  CsvDocument csv;
  csv.Line({Text("microconv report"), Text(report.site), Text(from), Text(to)});
  Filter(csv, report);
  Overview(csv, report.engagement);
  Revenue(csv, report);
  Funnels(csv, report);
  FunnelBreakdowns(csv, report);
  Paths(csv, report);
  Lift(csv, report);
  Estimates(csv, report);
  Journeys(csv, report);
  Segments(csv, report);
  Pages(csv, report);
  Frustration(csv, report);
  CallsToAction(csv, report);
  Forms(csv, report);
  Heatmaps(csv, report);
  Days(csv, "Traffic per day", report.days);
  Comparison(csv, report);
  return std::move(csv).Take();
}

}  // namespace microconv
