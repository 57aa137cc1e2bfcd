#include "core/report_json.h"

#include <cmath>

#include "core/display_numbers.h"
#include "core/element_heatmap.h"
#include "core/heatmap.h"
#include "core/json_writer.h"
#include "core/report_compare.h"

namespace microconv {
namespace {

// Deciseconds (possibly a bucket midpoint) as seconds with one decimal.
void Seconds(JsonWriter& json, std::string_view key, double deciseconds) {
  json.FieldFixed(key, deciseconds / 10, kSecondsDecimals);
}

void Rate(JsonWriter& json, std::string_view key, double rate) {
  json.FieldFixed(key, rate, kRateDecimals);
}

// Label first; then either the suppression mark or the numbers.
template <typename Numbers>
void Cell(JsonWriter& json, bool suppressed, Numbers numbers) {
  if (suppressed) {
    json.FieldBool("suppressed", true);
  } else {
    numbers();
  }
}

void RenderNextActions(JsonWriter& json, std::string_view key,
                       const std::vector<NextActionRow>& rows) {
  json.Key(key);
  json.BeginArray(false);
  for (const NextActionRow& row : rows) {
    json.BeginObject();
    json.FieldString("action", row.action);
    json.FieldString("kind", row.is_page ? "page" : "micro");
    Cell(json, row.suppressed, [&] { json.Field("sessions", row.sessions); });
    json.EndObject();
  }
  json.EndArray();
}

// Revenue in cents of the report's currency; null where 1..k-1 sessions
// stand behind a figure.
void RenderRevenue(JsonWriter& json, const RevenueFigures& r) {
  json.Key("revenue");
  json.BeginObject(true);
  Cell(json, r.suppressed, [&] {
    json.Field("buyers", r.buyers);
    json.Field("orders", r.orders);
    json.Field("revenue_cents", r.revenue_cents);
    json.Field("average_order_cents", static_cast<uint64_t>(std::llround(r.average_order_cents)));
  });
  json.Key("other_currency_orders");
  if (r.other_currency_suppressed) {
    json.Null();
  } else {
    json.Number(r.other_currency_orders);
  }
  json.EndObject();
}

void RenderFunnelBreakdownRow(JsonWriter& json, const FunnelBreakdownRow& row) {
  json.BeginObject(true);
  json.FieldString("value", row.value);
  Cell(json, row.suppressed, [&] {
    json.Field("entered", row.entered);
    json.Field("conversions", row.conversions);
    Rate(json, "conversion_rate", row.conversion_rate);
    Rate(json, "ci_low", row.interval.low);
    Rate(json, "ci_high", row.interval.high);
  });
  json.EndObject();
}

// Conversion per value of a dimension, 95 % Wilson intervals.
void RenderFunnelBreakdown(JsonWriter& json, const FunnelBreakdown& breakdown) {
  json.Key("breakdown");
  json.BeginObject();
  json.FieldString("dimension", breakdown.dimension);
  json.Key("rows");
  json.BeginArray(false);
  for (const FunnelBreakdownRow& row : breakdown.rows) RenderFunnelBreakdownRow(json, row);
  json.EndArray();
  json.Key("other");
  RenderFunnelBreakdownRow(json, breakdown.other);
  json.EndObject();
}

void RenderEngagement(JsonWriter& json, const Engagement& e) {
  json.Key("engagement");
  json.BeginObject();
  Cell(json, e.suppressed, [&] {
    json.Field("sessions", e.sessions);
    json.Field("converters", e.converters);
    Rate(json, "conversion_rate", e.conversion_rate);
    json.Field("page_views", e.page_views);
    json.FieldFixed("pages_per_session", e.pages_per_session, 2);
    json.Field("bounces", e.bounces);
    Rate(json, "bounce_rate", e.bounce_rate);
    Seconds(json, "median_active_s", e.median_active_ds);
    Seconds(json, "p90_active_s", e.p90_active_ds);
    Seconds(json, "mean_active_s", e.mean_active_ds);
    Seconds(json, "median_duration_s", e.median_duration_ds);
    json.Field("median_scroll_percent", e.median_scroll_percent);
    json.Field("rage_clicks", e.rage_clicks);
    json.Field("dead_clicks", e.dead_clicks);
    json.Field("quick_backs", e.quick_backs);
    json.Field("truncated_paths", e.truncated_paths);
  });
  json.EndObject();
}

void RenderFunnels(JsonWriter& json, const std::vector<FunnelReport>& funnels) {
  json.Key("funnels");
  json.BeginArray(false);
  for (const FunnelReport& f : funnels) {
    json.BeginObject();
    json.FieldString("id", f.id);
    json.FieldString("label", f.label);
    Cell(json, f.suppressed, [&] {
      json.Field("entered", f.entered);
      json.Field("conversions", f.conversions);
      Rate(json, "conversion_rate", f.conversion_rate);
      json.Field("exclusions", f.exclusions);
      json.Field("dropped_before_first", f.dropped_before_first);
      RenderNextActions(json, "next_before_first", f.next_before_first);
      Seconds(json, "median_time_to_convert_s", f.median_time_to_convert_ds);
      Seconds(json, "p90_time_to_convert_s", f.p90_time_to_convert_ds);
      json.Key("time_to_convert");
      json.BeginArray(false);
      for (const DurationBucket& b : f.time_to_convert) {
        json.BeginObject();
        Seconds(json, "from_s", b.low_ds);
        Seconds(json, "to_s", b.high_ds);
        json.Field("sessions", b.sessions);
        json.EndObject();
      }
      json.EndArray();
      RenderRevenue(json, f.revenue);
    });
    json.Key("steps");
    json.BeginArray(false);
    for (const FunnelStepRow& s : f.steps) {
      json.BeginObject();
      json.FieldString("label", s.label);
      json.FieldBool("optional", s.optional);
      Cell(json, s.suppressed, [&] {
        json.Field("reached", s.reached);
        Rate(json, "from_previous", s.from_previous);
        Rate(json, "from_start", s.from_start);
        if (s.drop_off_suppressed) {
          json.Key("drop_off");
          json.Null();
          json.Key("drop_off_rate");
          json.Null();
        } else {
          json.Field("drop_off", s.drop_off);
          Rate(json, "drop_off_rate", s.drop_off_rate);
        }
        Seconds(json, "median_step_s", s.median_step_ds);
        Seconds(json, "p90_step_s", s.p90_step_ds);
        RenderNextActions(json, "next_actions", s.next_actions);
      });
      json.EndObject();
    }
    json.EndArray();
    if (!f.breakdown.dimension.empty()) RenderFunnelBreakdown(json, f.breakdown);
    json.EndObject();
  }
  json.EndArray();
}

void RenderPath(JsonWriter& json, const PathRow& p) {
  json.BeginObject();
  json.Key("steps");
  json.BeginArray(true);
  for (const std::string& step : p.steps) json.String(step);
  json.EndArray();
  Cell(json, p.suppressed, [&] {
    json.Field("sessions", p.sessions);
    json.Field("converters", p.converters);
    Rate(json, "conversion_rate", p.conversion_rate);
  });
  json.EndObject();
}

void RenderLift(JsonWriter& json, const std::vector<LiftRow>& lift) {
  json.Key("lift");
  json.BeginArray(false);
  for (const LiftRow& l : lift) {
    json.BeginObject();
    json.FieldString("micro", l.micro);
    json.FieldString("label", l.label);
    // The sessions compared: "" = every session, else those that reached
    // baseline_step of funnel baseline_funnel (core/lift.h).
    json.FieldString("baseline_funnel", l.baseline_funnel);
    json.FieldString("baseline_step", l.baseline_step);
    json.FieldBool("required_step", l.required_step);
    Cell(json, l.suppressed, [&] {
      json.Field("sessions_with", l.sessions_with);
      json.Field("converters_with", l.converters_with);
      json.Field("sessions_without", l.sessions_without);
      json.Field("converters_without", l.converters_without);
      Rate(json, "rate_with", l.rate_with);
      Rate(json, "rate_without", l.rate_without);
      Rate(json, "difference", l.difference);
      Rate(json, "ci_low", l.ci_low);
      Rate(json, "ci_high", l.ci_high);
      json.FieldBool("significant", l.significant);
    });
    json.EndObject();
  }
  json.EndArray();
}

void RenderEstimates(JsonWriter& json, std::string_view key, const std::vector<EstimateRow>& rows) {
  json.Key(key);
  json.BeginArray(false);
  for (const EstimateRow& r : rows) {
    json.BeginObject();
    json.FieldString("id", r.id);
    json.FieldString("label", r.label);
    if (r.step >= 0) json.Field("step", static_cast<uint64_t>(r.step));
    json.FieldBool("estimate", true);
    Cell(json, r.suppressed, [&] {
      json.Field("exact", r.exact);
      json.FieldFixed("count", r.count, 1);
      json.FieldFixed("ci_low", r.ci_low, 1);
      json.FieldFixed("ci_high", r.ci_high, 1);
      Rate(json, "rate", r.rate);
      Rate(json, "rate_low", r.rate_low);
      Rate(json, "rate_high", r.rate_high);
    });
    json.EndObject();
  }
  json.EndArray();
}

// Local differential privacy sessions (core/ldp.h): null when the range has
// none; every figure inside is an estimate.
void RenderLdp(JsonWriter& json, const LdpReport& ldp) {
  json.Key("ldp");
  if (ldp.sessions == 0) {
    json.Null();
    return;
  }
  json.BeginObject();
  json.FieldBool("estimate", true);
  json.Field("sessions", ldp.sessions);
  json.Field("exact_sessions", ldp.exact_sessions);
  json.Key("epsilons");
  json.BeginArray(true);
  for (double e : ldp.epsilons) json.Fixed(e, 2);
  json.EndArray();
  RenderEstimates(json, "micros", ldp.micros);
  RenderEstimates(json, "steps", ldp.steps);
  json.EndObject();
}

// Journey scope (core/report_journeys.h): absent when the range has no
// journey-scope visit, so session-scope reports are unchanged.
void RenderJourneyCounts(JsonWriter& json, std::string_view key, std::string_view value_key,
                         const std::vector<JourneyCount>& counts) {
  json.Key(key);
  json.BeginArray(false);
  for (const JourneyCount& c : counts) {
    json.BeginObject();
    if (c.label.empty()) {
      json.Field(value_key, c.value);
    } else {
      json.FieldString(value_key, c.label);
    }
    Cell(json, c.suppressed, [&] { json.Field("journeys", c.journeys); });
    json.EndObject();
  }
  json.EndArray();
}

void RenderJourneys(JsonWriter& json, const JourneyReport& journeys) {
  if (journeys.visits == 0) return;
  json.Key("journeys");
  json.BeginObject();
  if (journeys.visits_suppressed) {
    json.Key("visits");
    json.Null();
  } else {
    json.Field("visits", journeys.visits);
  }
  json.Key("started");
  json.BeginObject();
  Cell(json, journeys.started.suppressed,
       [&] { json.Field("journeys", journeys.started.journeys); });
  json.EndObject();
  RenderJourneyCounts(json, "visits_by_index", "visit", journeys.visits_by_index);
  json.Key("funnels");
  json.BeginArray(false);
  for (const JourneyFunnel& f : journeys.funnels) {
    json.BeginObject();
    json.FieldString("id", f.id);
    json.FieldString("label", f.label);
    RenderJourneyCounts(json, "steps", "label", f.steps);
    json.Key("converted");
    json.BeginObject();
    Cell(json, f.converted.suppressed, [&] { json.Field("journeys", f.converted.journeys); });
    json.EndObject();
    RenderJourneyCounts(json, "visits_to_convert", "visits", f.visits_to_convert);
    RenderJourneyCounts(json, "days_to_convert", "days", f.days_to_convert);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void RenderSegmentRow(JsonWriter& json, const SegmentRow& r) {
  json.BeginObject();
  json.FieldString("value", r.value);
  Cell(json, r.suppressed, [&] {
    json.Field("sessions", r.sessions);
    json.Field("converters", r.converters);
    json.Field("non_converters", r.non_converters);
    Rate(json, "conversion_rate", r.conversion_rate);
    Rate(json, "converter_share", r.converter_share);
    Rate(json, "non_converter_share", r.non_converter_share);
    RenderRevenue(json, r.revenue);
  });
  json.EndObject();
}

// The fields of a segment table, inside an object the caller opened.
void RenderSegmentTableFields(JsonWriter& json, const SegmentTable& t) {
  json.FieldString("dimension", t.dimension);
  json.Key("rows");
  json.BeginArray(false);
  for (const SegmentRow& r : t.rows) RenderSegmentRow(json, r);
  json.EndArray();
  json.Key("other");
  RenderSegmentRow(json, t.other);
}

void RenderSegments(JsonWriter& json, const std::vector<SegmentTable>& tables) {
  json.Key("segments");
  json.BeginArray(false);
  for (const SegmentTable& t : tables) {
    json.BeginObject();
    RenderSegmentTableFields(json, t);
    json.EndObject();
  }
  json.EndArray();
}

void RenderDaily(JsonWriter& json, const std::vector<DailySegmentTable>& daily) {
  json.Key("daily");
  json.BeginArray(false);
  for (const DailySegmentTable& d : daily) {
    json.BeginObject();
    json.FieldString("date", d.date);
    RenderSegmentTableFields(json, d.table);
    json.EndObject();
  }
  json.EndArray();
}

// Withheld shares (kHiddenShare) are null.
void RenderScrollReach(JsonWriter& json, const std::vector<double>& reach) {
  json.Key("scroll_reach");
  json.BeginArray(true);
  for (double share : reach) {
    if (share == kHiddenShare) {
      json.Null();
    } else {
      json.Fixed(share, kRateDecimals);
    }
  }
  json.EndArray();
}

void RenderPageRow(JsonWriter& json, const PageRow& p) {
  json.BeginObject();
  json.FieldString("page", p.page);
  json.FieldBool("literal", p.literal);
  Cell(json, p.suppressed, [&] {
    json.Field("views", p.views);
    json.Field("sessions", p.sessions);
    json.Field("entries", p.entries);
    json.Field("exits", p.exits);
    Rate(json, "exit_rate", p.exit_rate);
    Rate(json, "bounce_rate", p.bounce_rate);
    json.Field("quick_backs", p.quick_backs);
    Seconds(json, "mean_active_s", p.mean_active_ds);
    RenderScrollReach(json, p.scroll_reach);
  });
  json.EndObject();
}

void RenderPages(JsonWriter& json, const std::vector<PageRow>& pages, const PageRow& other) {
  json.Key("pages");
  json.BeginArray(false);
  for (const PageRow& p : pages) RenderPageRow(json, p);
  json.EndArray();
  json.Key("other_pages");
  RenderPageRow(json, other);
}

void RenderElementRow(JsonWriter& json, const ElementRow& e) {
  json.BeginObject();
  json.FieldString("element", e.element);
  Cell(json, e.suppressed, [&] {
    json.Field("sessions", e.sessions);
    json.Field("clicks", e.clicks);
    json.Field("rage_clicks", e.rage_clicks);
    json.Field("dead_clicks", e.dead_clicks);
  });
  json.EndObject();
}

void RenderElements(JsonWriter& json, const std::vector<ElementRow>& elements,
                    const ElementRow& other) {
  json.Key("frustration");
  json.BeginArray(false);
  for (const ElementRow& e : elements) RenderElementRow(json, e);
  json.EndArray();
  json.Key("other_frustration");
  RenderElementRow(json, other);
}

void RenderFieldRow(JsonWriter& json, const FieldRow& r) {
  json.BeginObject();
  json.FieldString("field", r.field);
  json.FieldBool("literal", r.literal);
  Cell(json, r.suppressed, [&] {
    json.Field("sessions", r.sessions);
    json.Field("focus_count", r.focus_count);
    Seconds(json, "mean_time_s", r.mean_time_ds);
    json.Field("refills", r.refills);
    json.Field("last_before_abandon", r.last_before_abandon);
  });
  json.EndObject();
}

void RenderForms(JsonWriter& json, const std::vector<FormReport>& forms) {
  json.Key("forms");
  json.BeginArray(false);
  for (const FormReport& f : forms) {
    json.BeginObject();
    json.FieldString("id", f.id);
    Cell(json, f.suppressed, [&] {
      json.Field("started", f.started);
      json.Field("submitted", f.submitted);
      json.Field("abandoned", f.abandoned);
      Rate(json, "abandonment_rate", f.abandonment_rate);
    });
    json.Key("fields");
    json.BeginArray(false);
    for (const FieldRow& r : f.fields) RenderFieldRow(json, r);
    json.EndArray();
    json.Key("other_fields");
    RenderFieldRow(json, f.other_fields);
    json.EndObject();
  }
  json.EndArray();
}

void RenderHeatmaps(JsonWriter& json, const Report& report) {
  json.Key("heatmap");
  json.BeginObject();
  json.Field("columns", kGridColumns);
  json.Field("rows", kGridRows);
  json.Key("pages");
  json.BeginArray(false);
  for (const HeatmapPage& p : report.heatmaps) {
    json.BeginObject();
    json.FieldString("page", p.page);
    json.FieldString("device", p.device);
    if (!p.example.empty()) json.FieldString("example", p.example);
    Cell(json, p.suppressed, [&] {
      json.Field("sessions", p.sessions);
      json.Field("clicks", p.clicks);
      json.Field("hidden_cells", p.hidden_cells);
      json.Key("cells");
      json.BeginArray(true);
      for (uint64_t c : p.cells) json.Number(c);
      json.EndArray();
    });
    json.EndObject();
  }
  json.EndArray();
  json.Field("element_columns", kElementGridSide);
  json.Field("element_rows", kElementGridSide);
  json.Field("element_clicks_past_cap", report.element_heat_past_cap);
  json.Key("elements");
  json.BeginArray(false);
  for (const ElementHeatGroup& g : report.element_heatmaps) {
    json.BeginObject();
    json.FieldString("page", g.page);
    json.FieldString("device", g.device);
    if (!g.example.empty()) json.FieldString("example", g.example);
    json.Field("clicks", g.clicks);
    json.Key("rows");
    json.BeginArray(false);
    for (const ElementHeatRow& row : g.rows) {
      json.BeginObject(true);
      json.FieldString("key", row.key);
      json.Field("sessions", row.sessions);
      json.Field("clicks", row.clicks);
      json.Field("hidden_cells", row.hidden_cells);
      json.Key("cells");
      json.BeginArray(true);
      for (uint64_t c : row.cells) json.Number(c);
      json.EndArray();
      json.EndObject();
    }
    json.EndArray();
    if (g.other_elements > 0) {
      json.Key("other");
      json.BeginObject(true);
      Cell(json, g.other_suppressed, [&] {
        json.Field("elements", g.other_elements);
        json.Field("clicks", g.other_clicks);
      });
      json.EndObject();
    }
    json.EndObject();
  }
  json.EndArray();
  json.Key("scroll_maps");
  json.BeginArray(false);
  for (const ScrollMapRow& m : report.scroll_maps) {
    json.BeginObject();
    json.FieldString("page", m.page);
    json.FieldString("device", m.device);
    Cell(json, m.suppressed, [&] {
      json.Field("sessions", m.sessions);
      RenderScrollReach(json, m.scroll_reach);
    });
    json.EndObject();
  }
  json.EndArray();
  json.Key("selectors");
  json.BeginArray(false);
  for (const SelectorRow& s : report.selectors) {
    json.BeginObject();
    json.FieldString("selector", s.selector);
    Cell(json, s.suppressed, [&] {
      json.Field("sessions", s.sessions);
      json.Field("clicks", s.clicks);
    });
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void RenderDays(JsonWriter& json, const std::vector<DayRow>& days) {
  json.Key("days");
  json.BeginArray(false);
  for (const DayRow& d : days) {
    json.BeginObject();
    json.FieldString("date", d.date);
    Cell(json, d.suppressed, [&] {
      json.Field("sessions", d.sessions);
      json.Field("conversions", d.conversions);
      json.Field("page_views", d.page_views);
      RenderRevenue(json, d.revenue);
    });
    json.EndObject();
  }
  json.EndArray();
}

void RenderFilter(JsonWriter& json, const FilterFigures& filter) {
  json.Key("filter");
  json.BeginObject();
  json.FieldString("text", filter.text);
  json.Field("scanned_sessions", filter.scanned);
  Cell(json, filter.suppressed, [&] { json.Field("matched_sessions", filter.matched); });
  json.EndObject();
}

void RenderComparedFigure(JsonWriter& json, const ComparedFigure& f) {
  json.BeginObject(true);
  json.FieldString("name", f.name);
  json.FieldString("test", ChangeMethodName(f.method));
  Cell(json, f.suppressed, [&] {
    const int decimals = f.method == ChangeMethod::kTwoProportionZ ? kRateDecimals : 2;
    json.FieldFixed("current", f.current, decimals);
    json.FieldFixed("previous", f.previous, decimals);
    json.FieldFixed("change", f.change, decimals);
    json.Key("relative_change");
    if (f.previous == 0) {
      json.Null();
    } else {
      json.Fixed(f.change / f.previous, kRateDecimals);
    }
    if (f.method != ChangeMethod::kNone) {
      json.FieldFixed("z", f.test.z, 3);
      json.FieldBool("significant", f.test.significant);
    }
  });
  json.EndObject();
}

void RenderFigures(JsonWriter& json, std::string_view key,
                   const std::vector<ComparedFigure>& figures) {
  json.Key(key);
  json.BeginArray(false);
  for (const ComparedFigure& f : figures) RenderComparedFigure(json, f);
  json.EndArray();
}

void RenderComparison(JsonWriter& json, const ReportComparison& c) {
  json.Key("comparison");
  json.BeginObject();
  json.FieldString("from", c.from);
  json.FieldString("to", c.to);
  json.Field("days", c.days);
  RenderFigures(json, "kpis", c.kpis);
  json.Key("funnels");
  json.BeginArray(false);
  for (const ComparedFunnel& f : c.funnels) {
    json.BeginObject();
    json.FieldString("id", f.id);
    RenderFigures(json, "figures", f.figures);
    json.Key("steps");
    json.BeginArray(false);
    for (const ComparedStep& s : f.steps) {
      json.BeginObject();
      json.FieldString("label", s.label);
      json.Key("reached");
      RenderComparedFigure(json, s.reached);
      json.Key("from_start");
      RenderComparedFigure(json, s.from_start);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  RenderDays(json, c.series);
  json.EndObject();
}

}  // namespace

std::string RenderReportJson(const Report& report) {
  JsonWriter json;
  json.BeginObject();
  json.FieldString("site", report.site);
  json.FieldString("time_zone", report.time_zone);
  json.Field("config_hash", report.config_hash);
  json.Field("k_anonymity", report.k_anonymity);
  json.Field("unreadable_sessions", report.unreadable_sessions);
  json.FieldString("breakdown", BreakdownName(report.breakdown));
  json.Key("micros");
  json.BeginArray(false);
  for (const MicroRow& m : report.micros) {
    json.BeginObject(true);
    json.FieldString("id", m.id);
    json.FieldString("label", m.label);
    json.FieldBool("macro", m.macro);
    json.EndObject();
  }
  json.EndArray();
  json.FieldString("currency", report.currency);
  RenderRevenue(json, report.revenue);
  RenderEngagement(json, report.engagement);
  RenderFunnels(json, report.funnels);
  json.Key("paths");
  json.BeginArray(false);
  for (const PathRow& p : report.paths) RenderPath(json, p);
  json.EndArray();
  json.Key("other_paths");
  RenderPath(json, report.other_paths);
  RenderLift(json, report.lift);
  RenderLdp(json, report.ldp);
  RenderJourneys(json, report.journeys);
  RenderSegments(json, report.segments);
  RenderPages(json, report.pages, report.other_pages);
  RenderElements(json, report.elements, report.other_elements);
  json.Key("calls_to_action");
  json.BeginArray(false);
  for (const CallToActionRow& c : report.calls_to_action) {
    json.BeginObject(true);
    json.FieldString("id", c.id);
    json.FieldString("label", c.label);
    Cell(json, c.suppressed, [&] {
      json.Field("seen", c.seen);
      json.Field("clicked", c.clicked);
      if (c.seen_not_clicked_suppressed) {
        json.Key("seen_not_clicked");
        json.Null();
        json.Key("seen_not_clicked_rate");
        json.Null();
      } else {
        json.Field("seen_not_clicked", c.seen_not_clicked);
        Rate(json, "seen_not_clicked_rate", c.seen_not_clicked_rate);
      }
    });
    json.EndObject();
  }
  json.EndArray();
  RenderForms(json, report.forms);
  RenderHeatmaps(json, report);
  RenderDays(json, report.days);
  if (!report.daily.empty()) RenderDaily(json, report.daily);
  if (report.history.first_day <= report.history.last_day)
    RenderReportHistory(json, report.history);
  if (report.filtered) RenderFilter(json, report.filter);
  if (report.compared) RenderComparison(json, report.comparison);
  json.EndObject();
  return std::move(json).Take();
}

}  // namespace microconv
