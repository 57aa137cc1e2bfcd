#include "core/report_query.h"

#include <optional>

namespace microconv {
namespace {

std::optional<std::string_view> Param(std::span<const ReportParam> params, std::string_view name) {
  for (const ReportParam& param : params) {
    if (param.name == name) return param.value;
  }
  return std::nullopt;
}

Result<ReportRequest> Bad(std::string message) { return {Error::kOutOfRange, std::move(message)}; }

}  // namespace

Result<DayRange> ParseDayRange(std::span<const ReportParam> params, uint32_t today) {
  DayRange range;
  range.to = today;
  if (auto to = Param(params, "to"); to && !ParseDay(*to, range.to)) {
    return {Error::kOutOfRange, "to: expected YYYY-MM-DD"};
  }
  range.from = range.to >= kDefaultReportDays - 1 ? range.to - (kDefaultReportDays - 1) : 0;
  if (auto from = Param(params, "from"); from && !ParseDay(*from, range.from)) {
    return {Error::kOutOfRange, "from: expected YYYY-MM-DD"};
  }
  if (range.from > range.to) return {Error::kOutOfRange, "from: after to"};
  if (range.to - range.from >= kMaxReportDays) {
    return {Error::kOutOfRange, "range: at most " + std::to_string(kMaxReportDays) + " days"};
  }
  return range;
}

Result<ReportRequest> ParseReportQuery(std::span<const ReportParam> params, const Config& config,
                                       uint32_t today) {
  auto range = ParseDayRange(params, today);
  if (!range.ok()) return {range.error(), range.message()};
  ReportRequest request;
  request.site = std::string(config.site());
  request.from = range.value().from;
  request.to = range.value().to;
  if (auto funnel = Param(params, "funnel")) {
    request.options.funnel = config.FindFunnel(*funnel);
    if (request.options.funnel < 0) return Bad("funnel: unknown id");
    request.funnel_id = std::string(*funnel);
  }
  if (auto name = Param(params, "breakdown")) {
    auto breakdown = BreakdownFromName(*name);
    if (!breakdown.ok()) return Bad("breakdown: unknown");
    request.options.breakdown = breakdown.value();
  }
  if (auto name = Param(params, "daily")) {
    auto daily = BreakdownFromName(*name);
    // One dimension: "all" would be every table for every day.
    if (!daily.ok() || daily.value() == Breakdown::kAll || daily.value() == Breakdown::kNone) {
      return Bad("daily: expected one dimension, e.g. referrer");
    }
    if (request.to - request.from >= kMaxDailyDays) {
      return Bad("daily: at most " + std::to_string(kMaxDailyDays) + " days");
    }
    request.daily = daily.value();
  }
  if (auto text = Param(params, "filter")) {
    auto filter = ParseReportFilter(*text, config);
    if (!filter.ok()) return {filter.error(), filter.message()};
    request.filter = std::move(filter).value();
  }
  if (auto name = Param(params, "funnel_breakdown")) {
    auto dimension = BreakdownFromName(*name);
    if (!dimension.ok() || dimension.value() == Breakdown::kAll ||
        dimension.value() == Breakdown::kNone) {
      return Bad("funnel_breakdown: expected one dimension, e.g. country");
    }
    request.funnel_breakdown = dimension.value();
  }
  if (auto compare = Param(params, "compare")) {
    const uint32_t days = request.to - request.from + 1;
    DayRange& other = request.compare_range;
    if (*compare == "previous") {
      if (request.from < days) return Bad("compare: the previous period starts before 1970");
      other = {request.from - days, request.from - 1};
    } else {
      const size_t dots = compare->find("..");
      if (dots == std::string_view::npos || !ParseDay(compare->substr(0, dots), other.from) ||
          !ParseDay(compare->substr(dots + 2), other.to)) {
        return Bad("compare: expected previous or YYYY-MM-DD..YYYY-MM-DD");
      }
      if (other.from > other.to) return Bad("compare: from after to");
      if (other.to - other.from >= kMaxReportDays) {
        return Bad("compare: at most " + std::to_string(kMaxReportDays) + " days");
      }
    }
    request.compare = true;
  }
  return request;
}

}  // namespace microconv
