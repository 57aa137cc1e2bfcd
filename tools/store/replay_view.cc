#include "tools/store/replay_view.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "core/calendar.h"
#include "core/heatmap.h"
#include "core/json_writer.h"
#include "core/replay_timeline.h"
#include "core/summary.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

constexpr const char* kDeviceNames[] = {"unknown", "desktop", "mobile", "tablet"};

void AppendKey(std::string_view key, std::string& out) {
  AppendJsonString(key, out);
  out += ':';
}

// The stable name at `index` of Summary.names, or "" when out of range.
std::string_view NameAt(const wire::Summary& summary, uint32_t index) {
  const auto* names = summary.names();
  if (names == nullptr || index >= names->size()) return {};
  return names->Get(index)->string_view();
}

// A page slot's template label; a literal page is never shown by path.
std::string PageLabel(const Config& config, const wire::Summary& summary, uint32_t slot) {
  const auto* pages = summary.pages();
  if (pages == nullptr || slot >= pages->size()) return "(unknown page)";
  const uint16_t page = pages->Get(slot)->page();
  if ((page & kLiteralBit) != 0) return "(literal page)";
  const auto* templates = config.def().page_templates();
  if (templates == nullptr || page >= templates->size()) return "(unknown page)";
  return std::string(templates->Get(page)->string_view());
}

std::string MicroLabel(const Config& config, uint32_t micro) {
  const auto* micros = config.def().micros();
  if (micros == nullptr || micro >= micros->size()) return "(unknown)";
  const auto* def = micros->Get(micro);
  if (def->label() != nullptr && def->label()->size() > 0) return def->label()->str();
  return def->id() != nullptr ? def->id()->str() : "(unknown)";
}

void AppendOutcome(uint32_t outcome, std::string& out) {
  out += '[';
  bool first = true;
  for (const auto& [bit, name] :
       {std::pair{kReplayConverted, "converted"}, std::pair{kReplayDropped, "dropped"},
        std::pair{kReplayFrustrated, "frustrated"}}) {
    if ((outcome & bit) == 0) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(name, out);
  }
  out += ']';
}

}  // namespace

Result<std::optional<std::string>> RenderStoredReplay(SummaryStore& store, std::string_view site,
                                                      uint64_t nonce, uint32_t k) {
  using R = Result<std::optional<std::string>>;
  auto stored = store.ReplaySession(site, nonce);
  if (!stored.ok()) return R(stored.error(), stored.message());
  if (!stored.value().has_value()) return R(std::optional<std::string>());
  const StoredSummary& row = *stored.value();
  auto day = store.ListReplays(site, row.day, row.day, ReplayFilter{}, std::nullopt, 1);
  if (!day.ok()) return R(day.error(), day.message());
  if (day.value().sampled < k) {
    return R(Error::kOutOfRange,
             "withheld: fewer than " + std::to_string(k) + " replays on this replay's day");
  }
  auto versions = store.ConfigVersions(site);
  if (!versions.ok()) return R(versions.error(), versions.message());
  for (const StoredConfigVersion& version : versions.value()) {
    if (version.hash != row.config_hash) continue;
    auto config = Config::FromCompiled(version.compiled);
    if (!config.ok()) return R(config.error(), config.message());
    auto rendered = RenderReplayJson(config.value(), row.bytes, row.day);
    if (!rendered.ok()) return R(rendered.error(), rendered.message());
    return R(std::optional<std::string>(std::move(rendered).value()));
  }
  return R(Error::kConfigMismatch, "the replay's config version is not stored");
}

std::string ReplayId(uint64_t nonce) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, nonce);
  return text;
}

bool ParseReplayId(std::string_view text, uint64_t& nonce) {
  if (text.size() != 16) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), nonce, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<ReplayQuery> ParseReplayQuery(std::span<const ReportParam> params, const Config& config,
                                     uint32_t today) {
  using R = Result<ReplayQuery>;
  ReplayQuery query;
  auto range = ParseDayRange(params, today);
  if (!range.ok()) return R(range.error(), range.message());
  query.range = range.value();
  auto param = [&](std::string_view name) {
    std::string_view value;
    for (const ReportParam& p : params) {
      if (p.name == name) value = p.value;
    }
    return value;
  };
  uint32_t number = 0;
  auto whole = [&number](std::string_view text) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
  };
  const std::string_view outcome = param("outcome");
  if (outcome == "converted") {
    query.filter.outcome = kReplayConverted;
  } else if (outcome == "dropped") {
    query.filter.outcome = kReplayDropped;
  } else if (outcome == "frustrated") {
    query.filter.outcome = kReplayFrustrated;
  } else if (!outcome.empty() && outcome != "any") {
    return R(Error::kOutOfRange, "outcome: expected any, converted, dropped or frustrated");
  }
  if (const std::string_view funnel = param("funnel"); !funnel.empty()) {
    const int index = config.FindFunnel(funnel);
    if (index < 0) return R(Error::kOutOfRange, "funnel: unknown id");
    query.filter.funnel = static_cast<uint32_t>(index);
    query.filter.outcome = kReplayDropped;
  }
  if (const std::string_view step = param("step"); !step.empty()) {
    if (!query.filter.funnel.has_value() || !whole(step)) {
      return R(Error::kOutOfRange, "step: a whole number, with funnel");
    }
    query.filter.step = number;
  }
  if (const std::string_view limit = param("limit"); !limit.empty()) {
    if (!whole(limit) || number == 0 || number > kMaxReplayPage) {
      return R(Error::kOutOfRange, "limit: 1.." + std::to_string(kMaxReplayPage));
    }
    query.limit = number;
  }
  if (const std::string_view cursor = param("after"); !cursor.empty()) {
    const size_t colon = cursor.find(':');
    uint64_t nonce = 0;
    if (colon == std::string_view::npos || !whole(cursor.substr(0, colon)) ||
        !ParseReplayId(cursor.substr(colon + 1), nonce)) {
      return R(Error::kOutOfRange, "after: the `next` of the previous page");
    }
    query.after.emplace(number, nonce);
  }
  return R(std::move(query));
}

std::string RenderReplayListJson(const ReplayPage& page, uint32_t k) {
  std::string out = "{";
  if (page.sampled < k) {
    AppendKey("withheld", out);
    out += "true,";
    AppendKey("k", out);
    out += std::to_string(k) + "}";
    return out;
  }
  AppendKey("sampled", out);
  out += std::to_string(page.sampled) + ",";
  AppendKey("replays", out);
  out += '[';
  for (size_t i = 0; i < page.rows.size(); ++i) {
    const ReplayRow& row = page.rows[i];
    if (i > 0) out += ',';
    out += '{';
    AppendKey("date", out);
    AppendJsonString(DateOfDay(row.day), out);
    out += ',';
    AppendKey("id", out);
    AppendJsonString(ReplayId(row.nonce), out);
    out += ',';
    AppendKey("outcome", out);
    AppendOutcome(row.outcome, out);
    out += ',';
    AppendKey("drops", out);
    out += '[';
    for (size_t d = 0; d < row.drops.size(); ++d) {
      if (d > 0) out += ',';
      out += "{\"funnel\":" + std::to_string(row.drops[d].funnel) +
             ",\"step\":" + std::to_string(row.drops[d].step) + "}";
    }
    out += "]}";
  }
  out += "],";
  AppendKey("next", out);
  if (page.more && !page.rows.empty()) {
    AppendJsonString(std::to_string(page.rows.back().day) + ":" + ReplayId(page.rows.back().nonce),
                     out);
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

Result<std::string> RenderReplayJson(const Config& config, std::span<const uint8_t> bytes,
                                     uint32_t day) {
  auto verified = VerifySummary(bytes, &config);
  if (!verified.ok()) return {verified.error(), verified.message()};
  const wire::Summary& summary = *verified.value();
  const auto* timeline = summary.replay();
  if (timeline == nullptr) return {Error::kOutOfRange, "this session carries no replay"};
  std::vector<ReplayEntry> entries;
  if (!DecodeReplay({timeline->data(), timeline->size()}, entries)) {
    return {Error::kVerifyFailed, "the stored replay timeline does not decode"};
  }
  std::string out = "{";
  AppendKey("date", out);
  AppendJsonString(DateOfDay(day), out);
  out += ',';
  AppendKey("device", out);
  const auto device = summary.facts() != nullptr
                          ? static_cast<size_t>(summary.facts()->dims().device())
                          : size_t{0};
  AppendJsonString(device < std::size(kDeviceNames) ? kDeviceNames[device] : "unknown", out);
  out += ',';
  AppendKey("grid", out);
  out += "{\"columns\":" + std::to_string(kGridColumns) + ",\"rows\":" + std::to_string(kGridRows) +
         "},";
  AppendKey("entries", out);
  out += '[';
  bool truncated = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ReplayEntry& e = entries[i];
    if (i > 0) out += ',';
    out += "{\"t\":" + std::to_string(e.time_tenths) + ",";
    AppendKey("kind", out);
    AppendJsonString(kReplayKindNames[static_cast<size_t>(e.kind)], out);
    switch (e.kind) {
      case ReplayKind::kPage:
        out += ',';
        AppendKey("page", out);
        AppendJsonString(PageLabel(config, summary, e.a), out);
        break;
      case ReplayKind::kConversion:
        out += ',';
        AppendKey("label", out);
        AppendJsonString(MicroLabel(config, e.a), out);
        break;
      case ReplayKind::kClick:
      case ReplayKind::kRageClick:
      case ReplayKind::kDeadClick:
        if (e.a > 0) {
          out += ',';
          AppendKey("element", out);
          AppendJsonString(NameAt(summary, e.a - 1), out);
        }
        if (e.kind == ReplayKind::kClick) {
          constexpr auto kColumns = static_cast<uint32_t>(kGridColumns);
          out += ",\"row\":" + std::to_string(e.b / kColumns) +
                 ",\"column\":" + std::to_string(e.b % kColumns);
        }
        break;
      case ReplayKind::kScroll:
        out += ",\"percent\":" + std::to_string(e.a);
        break;
      case ReplayKind::kFieldFocus:
      case ReplayKind::kFieldLeave:
        out += ',';
        AppendKey("field", out);
        AppendJsonString(NameAt(summary, e.a), out);
        break;
      case ReplayKind::kTruncated:
        truncated = true;
        break;
    }
    out += '}';
  }
  out += "],";
  AppendKey("truncated", out);
  out += truncated ? "true}" : "false}";
  return out;
}

}  // namespace microconv
