#include "tools/cli/report_table.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/display_numbers.h"
#include "core/element_heatmap.h"
#include "core/heatmap.h"
#include "core/journey.h"
#include "core/report_compare.h"
#include "core/report_csv.h"
#include "tools/cli/terminal_text.h"

namespace microconv {
namespace {

constexpr const char* kHidden = "(k<)";  // fewer than k sessions: withheld
constexpr size_t kTopRows = 10;          // per table; json and csv have them all

// Code points, for alignment (labels are UTF-8).
size_t Width(const std::string& text) {
  size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

std::string Int(uint64_t n) { return std::to_string(n); }
std::string Money(uint64_t cents) { return MoneyText(cents); }

// Columns sized to their widest cell; the first left-aligned, numbers right.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  // Column `column` aligned left too (text, bars), not right like numbers.
  void LeftAlign(size_t column) { left_.push_back(column); }
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // A withheld row: its label and "(k<)".
  void Hidden(const std::string& label) { rows_.push_back({label, kHidden}); }
  bool empty() const { return rows_.size() == 1; }
  void Print(std::string& out) const {
    std::vector<size_t> widths;
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) {
        if (widths.size() <= c) widths.push_back(0);
        widths[c] = std::max(widths[c], Width(row[c]));
      }
    }
    for (const auto& row : rows_) {
      std::string line = " ";
      for (size_t c = 0; c < row.size(); ++c) {
        const std::string pad(widths[c] - Width(row[c]), ' ');
        line += ' ';
        const bool left = c == 0 || std::find(left_.begin(), left_.end(), c) != left_.end();
        line += left ? row[c] + pad : pad + row[c];
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> left_;
};

void Title(std::string& out, const std::string& title) { out += "\n" + title + "\n"; }

void More(std::string& out, size_t shown, size_t total) {
  if (total > shown) {
    out += "  ... " + std::to_string(total - shown) + " more rows in --format json or csv\n";
  }
}

// "Revenue (USD): 894.00 from 6 orders (average 149.00)", as the overview
// cards read.
std::string RevenueText(const RevenueFigures& r) {
  std::string line = r.suppressed
                         ? std::string(kHidden)
                         : Money(r.revenue_cents) + " from " + Int(r.orders) + " orders (average " +
                               Money(std::llround(r.average_order_cents)) + ")";
  if (r.other_currency_suppressed) return line + ", other-currency orders hidden";
  if (r.other_currency_orders > 0) {
    line += ", " + Int(r.other_currency_orders) + " in another currency not summed";
  }
  return line;
}

void Overview(std::string& out, const Report& report) {
  const Engagement& e = report.engagement;
  Title(out, "Overview");
  if (e.suppressed) {
    out += "  fewer than k sessions: hidden for privacy\n";
  } else {
    Table t({"Metric", "Value"});
    t.Row({"Sessions", Int(e.sessions)});
    t.Row({"Converters", Int(e.converters)});
    t.Row({"Conversion rate", PercentText(e.conversion_rate)});
    t.Row({"Page views", Int(e.page_views)});
    t.Row({"Pages per session", RoundedText(e.pages_per_session, 2)});
    t.Row({"Bounce rate (of all sessions)", PercentText(e.bounce_rate)});
    t.Row({"Single-page sessions", Int(e.bounces)});
    t.Row({"Median active time", DurationText(e.median_active_ds)});
    t.Row({"p90 active time", DurationText(e.p90_active_ds)});
    t.Row({"Mean active time", DurationText(e.mean_active_ds)});
    t.Row({"Median duration", DurationText(e.median_duration_ds)});
    t.Row({"Median scroll depth", Int(e.median_scroll_percent) + " %"});
    t.Row({"Rage clicks", Int(e.rage_clicks)});
    t.Row({"Dead clicks", Int(e.dead_clicks)});
    t.Row({"Quick backs", Int(e.quick_backs)});
    t.Row({"Truncated paths", Int(e.truncated_paths)});
    t.Print(out);
  }
  out += "  Revenue (" + TerminalText(report.currency) + "): " + RevenueText(report.revenue) + "\n";
}

void NextActions(Table& t, const std::string& at, const std::vector<NextActionRow>& rows) {
  const size_t shown = std::min<size_t>(rows.size(), 3);
  for (size_t i = 0; i < shown; ++i) {
    const NextActionRow& n = rows[i];
    const std::string action = TerminalText(n.action) + (n.is_page ? " (page)" : "");
    t.Row({at, action, n.suppressed ? kHidden : Int(n.sessions)});
  }
}

// The dashboard's funnel breakdown panel: conversion per value of one
// dimension with its 95 % Wilson interval.
void FunnelBreakdownTable(std::string& out, const FunnelReport& f) {
  const FunnelBreakdown& b = f.breakdown;
  if (b.dimension.empty()) return;
  out += "  Conversion of " + TerminalText(f.label) + " by " + TerminalText(b.dimension) + "\n";
  Table t({TerminalText(b.dimension), "Entered", "Converted", "Conversion", "95 % interval"});
  const auto row = [&](const FunnelBreakdownRow& r) {
    const std::string value = TerminalText(r.value);
    if (r.suppressed) return t.Hidden(value);
    t.Row({value, Int(r.entered), Int(r.conversions), PercentText(r.conversion_rate),
           PercentText(r.interval.low) + " \u2013 " + PercentText(r.interval.high)});
  };
  for (const FunnelBreakdownRow& r : b.rows) row(r);
  if (b.other.entered > 0 || b.other.suppressed) row(b.other);
  if (t.empty()) {
    out += "  nobody entered this funnel in the range\n";
  } else {
    t.Print(out);
  }
}

void Funnels(std::string& out, const Report& report) {
  for (const FunnelReport& f : report.funnels) {
    Title(out, "Funnel " + TerminalText(f.label) + " (" + TerminalText(f.id) + ")");
    if (f.suppressed) {
      out += "  fewer than k sessions entered: hidden for privacy\n";
    } else {
      out += "  " + Int(f.entered) + " entered, " + Int(f.conversions) + " converted (" +
             PercentText(f.conversion_rate) + "), median time to convert " +
             DurationText(f.median_time_to_convert_ds) + ", p90 " +
             DurationText(f.p90_time_to_convert_ds) + "\n  " + Int(f.exclusions) + " excluded, " +
             Int(f.dropped_before_first) + " dropped before the first step; converters' revenue " +
             RevenueText(f.revenue) + "\n";
    }
    Table steps({"Step", "Reached", "From previous", "From start", "Drop-off", "Drop-off rate",
                 "Median time", "p90 time"});
    for (const FunnelStepRow& s : f.steps) {
      const std::string label = TerminalText(s.label) + (s.optional ? " (optional)" : "");
      if (s.suppressed) {
        steps.Hidden(label);
        continue;
      }
      steps.Row({label, Int(s.reached), PercentText(s.from_previous), PercentText(s.from_start),
                 s.drop_off_suppressed ? kHidden : Int(s.drop_off),
                 s.drop_off_suppressed ? kHidden : PercentText(s.drop_off_rate),
                 DurationText(s.median_step_ds), DurationText(s.p90_step_ds)});
    }
    steps.Print(out);
    if (f.suppressed) continue;
    Table next({"Dropped at", "Next action", "Sessions"});
    NextActions(next, "(before the first step)", f.next_before_first);
    for (const FunnelStepRow& s : f.steps) {
      if (!s.suppressed) NextActions(next, TerminalText(s.label), s.next_actions);
    }
    if (!next.empty()) {
      out += "  Where they went instead (top 3 per step)\n";
      next.Print(out);
    }
    if (!f.time_to_convert.empty()) {
      out += "  Time to convert\n";
      uint64_t most = 1;
      for (const DurationBucket& b : f.time_to_convert) most = std::max(most, b.sessions);
      Table buckets({"From", "To", "Converters", ""});
      buckets.LeftAlign(3);
      for (const DurationBucket& b : f.time_to_convert) {
        buckets.Row({DurationText(b.low_ds), DurationText(b.high_ds), Int(b.sessions),
                     std::string((b.sessions * 30 + most - 1) / most, '#')});
      }
      buckets.Print(out);
    }
    FunnelBreakdownTable(out, f);
  }
}

void Paths(std::string& out, const Report& report) {
  if (report.paths.empty()) return;
  Title(out, "Top micro-conversion paths");
  Table t({"Path", "Sessions", "Converters", "Conversion rate"});
  const size_t shown = std::min(report.paths.size(), kTopRows);
  for (size_t i = 0; i < shown; ++i) {
    const PathRow& p = report.paths[i];
    const std::string name = TerminalText(PathText(p.steps));
    if (p.suppressed) {
      t.Hidden(name);
    } else {
      t.Row({name, Int(p.sessions), Int(p.converters), PercentText(p.conversion_rate)});
    }
  }
  t.Print(out);
  More(out, shown, report.paths.size());
}

void Lift(std::string& out, const Report& report) {
  if (report.lift.empty()) return;
  Title(out, "Turning points (lift on the goal)");
  Table t({"Micro-conversion", "Rate with", "Rate without", "Lift", "95 % interval", "Sig."});
  for (const LiftRow& l : report.lift) {
    if (l.suppressed) {
      t.Hidden(TerminalText(l.label));
      continue;
    }
    std::string low = PointsText(l.ci_low);
    low.resize(low.size() - 3);  // "-1.2" of "-1.2 pp", as the dashboard's "a to b pp"
    t.Row({TerminalText(l.label), PercentText(l.rate_with), PercentText(l.rate_without),
           PointsText(l.difference), low + " to " + PointsText(l.ci_high),
           l.significant ? "yes" : ""});
  }
  t.Print(out);
}

void Segments(std::string& out, const Report& report) {
  for (const SegmentTable& table : report.segments) {
    if (table.rows.empty()) continue;
    Title(out, "Segments by " + TerminalText(table.dimension));
    Table t({"Value", "Sessions", "Converters", "Conv.", "Revenue (" + report.currency + ")",
             "Orders"});
    const size_t shown = std::min<size_t>(table.rows.size(), 5);
    for (size_t r = 0; r < shown; ++r) {
      const SegmentRow& row = table.rows[r];
      const std::string value = TerminalText(row.value);
      if (row.suppressed) {
        t.Hidden(value);
        continue;
      }
      const bool no_revenue = row.revenue.suppressed;
      t.Row({value, Int(row.sessions), Int(row.converters), PercentText(row.conversion_rate),
             no_revenue ? kHidden : Money(row.revenue.revenue_cents),
             no_revenue ? kHidden : Int(row.revenue.orders)});
    }
    t.Print(out);
    More(out, shown, table.rows.size());
  }
}

void Pages(std::string& out, const Report& report) {
  if (report.pages.empty()) return;
  Title(out, "Pages by exits");
  std::vector<const PageRow*> pages;
  for (const PageRow& p : report.pages) pages.push_back(&p);
  // The dashboard's order: exits first (suppressed rows last).
  std::stable_sort(pages.begin(), pages.end(), [](const PageRow* a, const PageRow* b) {
    return a->suppressed != b->suppressed ? b->suppressed : a->exits > b->exits;
  });
  Table t({"Page", "Exits", "Exit rate", "Entries", "Bounce", "Views", "Mean active time",
           "Quick backs"});
  const size_t shown = std::min(pages.size(), kTopRows);
  for (size_t i = 0; i < shown; ++i) {
    const PageRow& p = *pages[i];
    const std::string name = TerminalText(p.page) + (p.literal ? " (literal)" : "");
    if (p.suppressed) {
      t.Hidden(name);
      continue;
    }
    t.Row({name, Int(p.exits), PercentText(p.exit_rate), Int(p.entries), PercentText(p.bounce_rate),
           Int(p.views), DurationText(p.mean_active_ds), Int(p.quick_backs)});
  }
  t.Print(out);
  More(out, shown, pages.size());
}

void Frustration(std::string& out, const Report& report) {
  if (report.elements.empty()) return;
  Title(out, "Rage and dead clicks per element");
  Table t({"Element", "Rage", "Dead", "Clicks", "Sessions"});
  const size_t shown = std::min(report.elements.size(), kTopRows);
  for (size_t i = 0; i < shown; ++i) {
    const ElementRow& e = report.elements[i];
    if (e.suppressed) {
      t.Hidden(TerminalText(e.element));
      continue;
    }
    t.Row({TerminalText(e.element), Int(e.rage_clicks), Int(e.dead_clicks), Int(e.clicks),
           Int(e.sessions)});
  }
  t.Print(out);
  More(out, shown, report.elements.size());
}

void CallsToAction(std::string& out, const Report& report) {
  if (report.calls_to_action.empty()) return;
  Title(out, "Calls to action seen (>= 1 s) but not clicked");
  Table t({"Call to action", "Seen", "Clicked", "Seen, not clicked", "Share of seen"});
  for (const CallToActionRow& c : report.calls_to_action) {
    const std::string name = TerminalText(c.label);
    if (c.suppressed) {
      t.Hidden(name);
      continue;
    }
    t.Row({name, Int(c.seen), Int(c.clicked),
           c.seen_not_clicked_suppressed ? kHidden : Int(c.seen_not_clicked),
           c.seen_not_clicked_suppressed ? kHidden : PercentText(c.seen_not_clicked_rate)});
  }
  t.Print(out);
}

void Forms(std::string& out, const Report& report) {
  for (const FormReport& f : report.forms) {
    Title(out, "Form " + TerminalText(f.id));
    if (f.suppressed) {
      out += "  fewer than k sessions started it: hidden for privacy\n";
      continue;
    }
    out += "  " + Int(f.started) + " started, " + Int(f.submitted) + " submitted, " +
           Int(f.abandoned) + " abandoned (abandonment rate " + PercentText(f.abandonment_rate) +
           ")\n";
    Table t({"Field", "Focused", "Time", "Refills", "Gave up here"});
    const auto row = [&](const FieldRow& r, const std::string& name) {
      if (r.suppressed) return t.Hidden(name);
      t.Row({name, Int(r.focus_count), DurationText(r.mean_time_ds), Int(r.refills),
             Int(r.last_before_abandon)});
    };
    for (const FieldRow& r : f.fields) {
      row(r, TerminalText(r.field) + (r.literal ? " (unlisted)" : ""));
    }
    if (f.other_fields.sessions > 0) row(f.other_fields, "(other)");
    if (!t.empty()) t.Print(out);
  }
}

// A heatmap page as text: its busiest cells, and the grid folded to
// kGridColumns x kGridRows / 2 characters (two document rows per line),
// darker for more clicks relative to the page's busiest pair of cells.
void HeatmapGrid(std::string& out, const HeatmapPage& p) {
  constexpr const char* kShades = ".:-=+*#%@";
  std::vector<uint64_t> folded(kGridColumns * kGridRows / 2, 0);
  uint64_t most = 0;
  for (size_t i = 0; i < p.cells.size(); ++i) {
    uint64_t& cell = folded[(i / kGridColumns / 2) * kGridColumns + i % kGridColumns];
    cell += p.cells[i];
    most = std::max(most, cell);
  }
  if (most == 0) return;
  out += "    +" + std::string(kGridColumns, '-') + "+ top of the page (one line: two grid rows; " +
         kShades + ": fewer to more clicks)\n";
  for (int line = 0; line < kGridRows / 2; ++line) {
    out += "    |";
    for (int column = 0; column < kGridColumns; ++column) {
      const uint64_t clicks = folded[line * kGridColumns + column];
      out += clicks == 0 ? ' ' : kShades[(clicks * 9 + most - 1) / most - 1];
    }
    out += "|\n";
  }
  out += "    +" + std::string(kGridColumns, '-') + "+ bottom\n";
}

void Heatmaps(std::string& out, const Report& report, uint32_t k) {
  if (report.heatmaps.empty() && report.element_heatmaps.empty() && report.scroll_maps.empty() &&
      report.selectors.empty()) {
    return;
  }
  Title(out, "Heatmap (clicks per cell of a " + std::to_string(kGridColumns) + " x " +
                 std::to_string(kGridRows) +
                 " grid of the document: columns left to right, rows top to bottom; not pixels)");
  for (const HeatmapPage& p : report.heatmaps) {
    const std::string name = TerminalText(p.page) + ", " + TerminalText(p.device);
    if (p.suppressed) {
      out += "  " + name + ": fewer than k sessions on this page: hidden for privacy\n";
      continue;
    }
    out += "  " + name + ": " + Int(p.clicks) + " clicks, " + Int(p.sessions) +
           " sessions (every device)";
    if (p.hidden_cells > 0) {
      out += "; " + Int(p.hidden_cells) + " cells clicked by fewer than " + Int(k) +
             " sessions are left blank";
    }
    out += "\n";
    std::vector<size_t> order;
    for (size_t i = 0; i < p.cells.size(); ++i) {
      if (p.cells[i] > 0) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return p.cells[a] > p.cells[b]; });
    if (order.size() > 5) order.resize(5);
    std::string top;
    for (size_t i : order) {
      top += (top.empty() ? "" : ", ") + std::string("row ") + Int(i / kGridColumns) + " col " +
             Int(i % kGridColumns) + ": " + Int(p.cells[i]);
    }
    if (!top.empty()) out += "    busiest cells: " + top + "\n";
    // The grid for every device together; per device class the cells above.
    if (p.device == "all") HeatmapGrid(out, p);
  }
  if (!report.element_heatmaps.empty()) {
    out +=
        "  Element clicks (keyed by the clicked element; the dashboard finds each on the live "
        "page)\n";
    Table t({"Page, device class", "Element key", "Clicks", "Sessions", "Busiest part of 16"});
    for (const ElementHeatGroup& g : report.element_heatmaps) {
      const std::string name = TerminalText(g.page) + ", " + TerminalText(g.device);
      for (const ElementHeatRow& row : g.rows) {
        size_t busiest = 0;
        for (size_t i = 1; i < row.cells.size(); ++i) {
          if (row.cells[i] > row.cells[busiest]) busiest = i;
        }
        const std::string part = row.cells.empty() || row.cells[busiest] == 0
                                     ? std::string("-")
                                     : "row " + Int(busiest / kElementGridSide) + " col " +
                                           Int(busiest % kElementGridSide) + ": " +
                                           Int(row.cells[busiest]);
        t.Row({name, row.key, Int(row.clicks), Int(row.sessions), part});
      }
      if (g.other_elements > 0) {
        const std::string other = "(other: " + Int(g.other_elements) + " elements)";
        if (g.other_suppressed) {
          t.Hidden(name + " " + other);
        } else {
          t.Row({name, other, Int(g.other_clicks), "", ""});
        }
      }
    }
    t.Print(out);
  }
  if (!report.scroll_maps.empty()) {
    out +=
        "  Scroll maps per device class (share of the class's page-sessions that scrolled at "
        "least that far)\n";
    Table t({"Page, device class", "Page-sessions", ">= 30 %", ">= 50 %", ">= 80 %", "100 %"});
    for (const ScrollMapRow& m : report.scroll_maps) {
      const std::string name = TerminalText(m.page) + ", " + TerminalText(m.device);
      if (m.suppressed) {
        t.Hidden(name);
        continue;
      }
      auto reach = [&m](size_t bucket) {
        return m.scroll_reach[bucket] == kHiddenShare ? std::string(kHidden)
                                                      : PercentText(m.scroll_reach[bucket]);
      };
      t.Row({name, Int(m.sessions), reach(3), reach(5), reach(8), reach(10)});
    }
    t.Print(out);
  }
  if (!report.selectors.empty()) {
    out += "  Clicks per configured selector\n";
    Table t({"Selector", "Clicks", "Sessions"});
    for (const SelectorRow& s : report.selectors) {
      if (s.suppressed) {
        t.Hidden(TerminalText(s.selector));
        continue;
      }
      t.Row({TerminalText(s.selector), Int(s.clicks), Int(s.sessions)});
    }
    t.Print(out);
  }
}

void Days(std::string& out, const Report& report) {
  if (report.days.empty()) return;
  Title(out, "Traffic per day");
  Table t({"Day", "Sessions", "Page views", "Converters", "Revenue (" + report.currency + ")"});
  for (const DayRow& d : report.days) {
    if (d.suppressed) {
      t.Hidden(d.date);
      continue;
    }
    t.Row({d.date, Int(d.sessions), Int(d.page_views), Int(d.conversions),
           d.revenue.suppressed ? kHidden : Money(d.revenue.revenue_cents)});
  }
  t.Print(out);
}

// "12 of 340 sessions match", as the dashboard's filter bar.
void Filter(std::string& out, const Report& report) {
  if (!report.filtered) return;
  const FilterFigures& f = report.filter;
  out += "Filtered: " + TerminalText(f.text) + " (";
  out += f.suppressed ? "fewer than " + Int(report.k_anonymity) + " of " + Int(f.scanned) +
                            " sessions match: hidden for privacy)\n"
                      : Int(f.matched) + " of " + Int(f.scanned) + " sessions match)\n";
}

// A compared figure's value in its unit.
std::string FigureText(const ComparedFigure& f, double value) {
  if (f.method == ChangeMethod::kTwoProportionZ) return PercentText(value);
  if (f.name == "median_active_s") return DurationText(value * 10);
  if (f.name == "revenue_cents") return Money(std::llround(value));
  return RoundedText(value, 2);
}

// The dashboard's delta mark (web/dashboard/compare.js): rates in points,
// counts as a relative change, "new" from nothing.
std::string ChangeText(const ComparedFigure& f) {
  if (f.method == ChangeMethod::kTwoProportionZ) return PointsText(f.change);
  if (f.previous == 0) return f.current > 0 ? "new" : "\u00b10";
  const double relative = Rounded(f.change / f.previous, kRateDecimals);
  return (f.change >= 0 ? "+" : "\u2212") + PercentText(std::fabs(relative));
}

void ComparedRow(Table& t, const std::string& label, const ComparedFigure& f) {
  if (f.suppressed) return t.Hidden(label);
  const bool tested = f.method != ChangeMethod::kNone;
  t.Row({label, FigureText(f, f.current), FigureText(f, f.previous), ChangeText(f),
         tested ? RoundedText(f.test.z, 3) : "not tested",
         tested ? (f.test.significant ? "significant" : "noise") : ""});
}

void Comparison(std::string& out, const Report& report) {
  if (!report.compared) return;
  const ReportComparison& c = report.comparison;
  Title(out, "Compared with " + c.from + " .. " + c.to + " (" + Int(c.days) +
                 " days; counts by a Poisson test per day, rates by a two-proportion z-test, "
                 "95 %)");
  Table t({"Figure", "Current", "Previous", "Change", "z", "Beyond noise"});
  for (const ComparedFigure& f : c.kpis) ComparedRow(t, f.name, f);
  for (const ComparedFunnel& f : c.funnels) {
    const std::string id = TerminalText(f.id);
    for (const ComparedFigure& figure : f.figures) ComparedRow(t, id + " " + figure.name, figure);
    for (const ComparedStep& s : f.steps) {
      const std::string step = id + ": " + TerminalText(s.label);
      ComparedRow(t, step + " reached", s.reached);
      ComparedRow(t, step + " from start", s.from_start);
    }
  }
  t.Print(out);
}

// The dashboard's estimates panel: local differential privacy sessions,
// every figure an estimate with its 95 % interval.
void Estimates(std::string& out, const Report& report) {
  const LdpReport& ldp = report.ldp;
  if (ldp.sessions == 0) return;
  std::string epsilons;
  for (double e : ldp.epsilons) epsilons += (epsilons.empty() ? "" : ", ") + RoundedText(e, 2);
  Title(out, "Estimated counts (local differential privacy: estimates)");
  out += "  " + Int(ldp.sessions) +
         " sessions were sent with local differential privacy (epsilon " + epsilons +
         "): only randomized yes/no answers, so they are in no other figure here;\n"
         "  below, their estimated counts added to the " +
         Int(ldp.exact_sessions) + " exact sessions.\n";
  Table t({"Micro-conversion or funnel step", "Sessions (est.)", "95 % interval", "Share (est.)",
           "Of which exact"});
  const auto count = [](double value) { return std::to_string(std::llround(value)); };
  const auto row = [&](const EstimateRow& r, const std::string& what) {
    if (r.suppressed) return t.Hidden(what);
    t.Row({what, count(r.count), count(r.ci_low) + " to " + count(r.ci_high), PercentText(r.rate),
           Int(r.exact)});
  };
  for (const EstimateRow& r : ldp.micros) row(r, TerminalText(r.label.empty() ? r.id : r.label));
  for (const EstimateRow& r : ldp.steps) {
    row(r, TerminalText(r.id) + ": reached " +
               TerminalText(r.label.empty() ? std::to_string(r.step + 1) : r.label));
  }
  t.Print(out);
}

// Journey scope: funnels counted by journeys (core/report_journeys.h).
void Journeys(std::string& out, const Report& report) {
  const JourneyReport& j = report.journeys;
  if (j.visits == 0) return;
  Title(out, "Journeys (multi-visit, counted once each)");
  out += "  " + (j.visits_suppressed ? kHidden : Int(j.visits)) +
         " journey visits; journeys started: " +
         (j.started.suppressed ? kHidden : Int(j.started.journeys)) + "\n";
  for (const JourneyFunnel& f : j.funnels) {
    Table t({TerminalText(f.label.empty() ? f.id : f.label), "Journeys"});
    const auto row = [&t](const std::string& what, const JourneyCount& c) {
      if (c.suppressed) return t.Hidden(what);
      t.Row({what, Int(c.journeys)});
    };
    for (const JourneyCount& c : f.steps) row("reached " + TerminalText(c.label), c);
    row("converted", f.converted);
    for (const JourneyCount& c : f.visits_to_convert) {
      row("converted in visit " + Int(c.value) + (c.value >= kMaxJourneyVisit ? "+" : ""), c);
    }
    for (const JourneyCount& c : f.days_to_convert) row("converted on day " + Int(c.value), c);
    t.Print(out);
  }
}

}  // namespace

std::string RenderReportTable(const Report& report, const std::string& from,
                              const std::string& to) {
  std::string out = "site " + TerminalText(report.site) + ", " + from + " .. " + to + " (" +
                    TerminalText(report.time_zone) + "), k-anonymity " + Int(report.k_anonymity) +
                    " ((k<): fewer than k sessions, withheld)\n";
  Filter(out, report);
  Overview(out, report);
  Comparison(out, report);
  Funnels(out, report);
  Paths(out, report);
  Lift(out, report);
  Estimates(out, report);
  Journeys(out, report);
  Segments(out, report);
  Pages(out, report);
  Frustration(out, report);
  CallsToAction(out, report);
  Forms(out, report);
  Heatmaps(out, report, report.k_anonymity);
  Days(out, report);
  return out;
}

}  // namespace microconv
