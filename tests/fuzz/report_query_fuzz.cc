// Fuzz target for the report query parser: GET /api/report/SITE passes its
// query parameters, attacker-chosen, to ParseReportQuery. The input is read
// as "name=value&name=value..." (no percent-decoding: httplib has done that).
// Beyond "no crash": what it accepts keeps every limit, and what it refuses
// says which parameter.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/report.h"
#include "core/report_query.h"
#include "tests/support/shop_config.h"

namespace {

using microconv::Breakdown;
using microconv::Config;

const Config& FuzzConfig() {
  static const Config config = [] {
    auto loaded = microconv::testing::CompiledShopConfig("fuzz");
    if (!loaded.ok()) std::abort();
    return std::move(loaded).value();
  }();
  return config;
}

std::vector<microconv::ReportParam> Split(std::string_view query) {
  std::vector<microconv::ReportParam> params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    params.push_back({pair.substr(0, eq), eq == std::string_view::npos ? "" : pair.substr(eq + 1)});
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

bool NamesAParameter(const std::string& message) {
  for (std::string_view name : microconv::kReportParamNames) {
    if (message.starts_with(std::string(name) + ": ")) return true;
  }
  return message.starts_with("range: ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Config& config = FuzzConfig();
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  const auto params = Split(query);
  // 2023-11-14 and the first day: the default range must clamp at day 0.
  for (uint32_t today : {19675u, 0u}) {
    auto request = microconv::ParseReportQuery(params, config, today);
    if (!request.ok()) {
      if (request.error() != microconv::Error::kOutOfRange) std::abort();
      if (!NamesAParameter(request.message())) std::abort();
      continue;
    }
    const microconv::ReportRequest& r = request.value();
    if (r.from > r.to || r.to - r.from >= microconv::kMaxReportDays) std::abort();
    if (r.site != config.site()) std::abort();
    if (r.options.k_anonymity != -1) std::abort();  // never from the query
    if (r.options.funnel >= static_cast<int>(config.funnel_count())) std::abort();
    if (r.options.funnel >= 0 && config.FindFunnel(r.funnel_id) != r.options.funnel) std::abort();
    if (r.daily != Breakdown::kNone) {
      if (r.daily == Breakdown::kAll || r.to - r.from >= microconv::kMaxDailyDays) std::abort();
    }
    // The breakdown names round-trip, so the served list means what it says.
    auto again = microconv::BreakdownFromName(microconv::BreakdownName(r.options.breakdown));
    if (!again.ok() || again.value() != r.options.breakdown) std::abort();
  }
  return 0;
}
