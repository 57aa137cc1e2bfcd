#include "core/report_history.h"

#include <algorithm>
#include <utility>

#include "core/calendar.h"
#include "core/flatbuffer_view.h"

namespace microconv {

ReportHistoryBuilder::ReportHistoryBuilder(const Config& config, ConfigTimeline timeline,
                                           uint32_t first_day, uint32_t last_day)
    : config_(config), timeline_(std::move(timeline)), first_day_(first_day), last_day_(last_day) {}

void ReportHistoryBuilder::AddDay(uint32_t day, const Aggregate& aggregate) {
  if (auto figures = FiguresOf(day, aggregate)) AddFigures(std::move(*figures));
}

std::optional<ReportHistoryBuilder::Day> ReportHistoryBuilder::FiguresOf(
    uint32_t day, const Aggregate& aggregate) const {
  if (day < first_day_ || day > last_day_ || aggregate.config_hash() != config_.hash()) {
    return std::nullopt;
  }
  Day figures{day, {}, {}};
  for (const MicroTally& micro : aggregate.micros())
    figures.micro_sessions.push_back(micro.sessions);
  for (const FunnelTally& funnel : aggregate.funnels()) {
    figures.funnel_counts.emplace_back(funnel.entered, funnel.conversions);
  }
  return figures;
}

void ReportHistoryBuilder::AddFigures(Day figures) {
  if (figures.day < first_day_ || figures.day > last_day_) return;
  days_.push_back(std::move(figures));
}

ReportHistory ReportHistoryBuilder::Build(uint64_t k) const {
  ReportHistory history;
  history.first_day = first_day_;
  history.last_day = last_day_;
  if (first_day_ > last_day_) return history;
  for (const ConfigChange& change : timeline_.changes) {
    if (change.day >= first_day_ && change.day <= last_day_) history.changes.push_back(change);
  }
  const size_t day_count = last_day_ - first_day_ + 1;
  auto item = [&](std::string_view id, std::optional<uint32_t> since, bool funnel) {
    ItemHistory row;
    row.id = std::string(id);
    row.since = since;
    for (uint32_t d = first_day_; d <= last_day_; ++d) {
      const bool tracked = !since.has_value() || d >= *since;
      row.sessions.push_back(tracked ? std::optional<uint64_t>(0) : std::nullopt);
      if (funnel) row.conversions.push_back(row.sessions.back());
    }
    row.suppressed.assign(day_count, false);
    return row;
  };
  // The sessions behind a cell: under k (but not none) the cell is hidden.
  // A day before `since` with sessions of the item's present identity was
  // tracked after all (a session that started the day before a deploy and
  // loaded the new config): it shows, and `since` moves back to it.
  auto fill = [&](ItemHistory& row, size_t at, uint64_t sessions, uint64_t conversions) {
    if (!row.sessions[at].has_value()) {
      if (sessions == 0) return;
      row.since = std::min(*row.since, first_day_ + static_cast<uint32_t>(at));
    }
    if (sessions > 0 && sessions < k) {
      row.sessions[at] = 0;
      if (!row.conversions.empty()) row.conversions[at] = 0;
      row.suppressed[at] = true;
      return;
    }
    row.sessions[at] = sessions;
    if (!row.conversions.empty()) row.conversions[at] = conversions;
  };
  const wire::SiteConfig& def = config_.def();
  for (size_t m = 0; m < config_.micro_count(); ++m) {
    const auto since = m < timeline_.micro_since.size() ? timeline_.micro_since[m] : std::nullopt;
    history.micros.push_back(item(View(def.micros()->Get(m)->id()), since, false));
  }
  for (size_t f = 0; f < config_.funnel_count(); ++f) {
    const auto since = f < timeline_.funnel_since.size() ? timeline_.funnel_since[f] : std::nullopt;
    history.funnels.push_back(item(View(def.funnels()->Get(f)->id()), since, true));
  }
  for (const Day& day : days_) {
    const size_t at = day.day - first_day_;
    for (size_t m = 0; m < history.micros.size() && m < day.micro_sessions.size(); ++m) {
      fill(history.micros[m], at, day.micro_sessions[m], 0);
    }
    for (size_t f = 0; f < history.funnels.size() && f < day.funnel_counts.size(); ++f) {
      fill(history.funnels[f], at, day.funnel_counts[f].first, day.funnel_counts[f].second);
    }
  }
  return history;
}

namespace {

void Series(JsonWriter& json, std::string_view key,
            const std::vector<std::optional<uint64_t>>& values) {
  json.Key(key);
  json.BeginArray(true);
  for (const auto& value : values) {
    if (value.has_value()) {
      json.Number(*value);
    } else {
      json.Null();
    }
  }
  json.EndArray();
}

void RenderItems(JsonWriter& json, std::string_view key, const std::vector<ItemHistory>& items,
                 uint32_t first_day) {
  json.Key(key);
  json.BeginArray(false);
  for (const ItemHistory& row : items) {
    json.BeginObject();
    json.FieldString("id", row.id);
    json.Key("since");
    if (row.since.has_value()) {
      json.String(DateOfDay(*row.since));
    } else {
      json.Null();
    }
    Series(json, row.conversions.empty() ? "sessions" : "entered", row.sessions);
    if (!row.conversions.empty()) Series(json, "conversions", row.conversions);
    json.Key("suppressed_dates");
    json.BeginArray(true);
    for (size_t i = 0; i < row.suppressed.size(); ++i) {
      if (row.suppressed[i]) json.String(DateOfDay(first_day + static_cast<uint32_t>(i)));
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
}

}  // namespace

void RenderReportHistory(JsonWriter& json, const ReportHistory& history) {
  json.Key("history");
  json.BeginObject();
  json.Key("dates");
  json.BeginArray(true);
  for (uint32_t d = history.first_day;
       d <= history.last_day && history.first_day <= history.last_day; ++d) {
    json.String(DateOfDay(d));
  }
  json.EndArray();
  json.Key("changes");
  json.BeginArray(false);
  for (const ConfigChange& change : history.changes) {
    json.BeginObject(true);
    json.FieldString("date", DateOfDay(change.day));
    json.FieldString("item", change.funnel ? "funnel" : "micro");
    json.FieldString("id", change.id);
    json.FieldString("change", ChangeKindName(change.kind));
    json.FieldString("what", change.what);
    json.EndObject();
  }
  json.EndArray();
  RenderItems(json, "micros", history.micros, history.first_day);
  RenderItems(json, "funnels", history.funnels, history.first_day);
  json.EndObject();
}

}  // namespace microconv
