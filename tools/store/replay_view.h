// Journey replays in display form (issue 13 point 3), for the collector's
// /api/replays and the dashboard's Replays panel. k-anonymity and privacy
// rules (ARCHITECTURE.md, "Journey replay"):
// - no list for a range holding fewer than k replays (the list says only
//   that it is withheld, not how many there are);
// - a replay shows its date only (never the start minute), no referrer,
//   campaign, country or device beyond the device class;
// - pages by template label only: a literal page (Summary.literal_pages)
//   is shown as "(literal page)", never its path;
// - elements and fields by their stable names (Summary.names), which the
//   tracker already restricts to paths and configured names, never text.
#ifndef MICROCONV_TOOLS_STORE_REPLAY_VIEW_H_
#define MICROCONV_TOOLS_STORE_REPLAY_VIEW_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/config.h"
#include "core/report_query.h"
#include "core/status.h"
#include "tools/store/replay_index.h"
#include "tools/store/summary_store.h"

namespace microconv {

// A replay list's query: GET /api/replays/SITE's parameters and the
// `microconv replays` flags of the same names. from/to as a report's
// (core/report_query.h); outcome any|converted|dropped|frustrated; funnel
// (an id: dropped off it) and step (its drop-off step, with funnel);
// limit 1..kMaxReplayPage (default 50); after: the previous page's `next`.
inline constexpr std::string_view kReplayParamNames[] = {"from", "to",    "outcome", "funnel",
                                                         "step", "limit", "after"};
struct ReplayQuery {
  DayRange range;
  ReplayFilter filter;
  std::optional<std::pair<uint32_t, uint64_t>> after;
  uint32_t limit = 50;
};
// Errors are kOutOfRange, the message starting with the parameter's name.
Result<ReplayQuery> ParseReplayQuery(std::span<const ReportParam> params, const Config& config,
                                     uint32_t today);

// {"withheld":true,"k":K} when page.sampled < k, else
// {"sampled":N,"replays":[{"date","id","outcome":[...],"drops":[...]}],"next":CURSOR|null}.
std::string RenderReplayListJson(const ReplayPage& page, uint32_t k);

// One stored replay, verified against `config` (the version it was written
// with), as {"date","device","truncated","entries":[{"t","kind",...}]}.
Result<std::string> RenderReplayJson(const Config& config, std::span<const uint8_t> bytes,
                                     uint32_t day);

// The stored replay `nonce` of `site` rendered as RenderReplayJson, read
// through the config version it was written with (the store keeps every
// version, ConfigVersions). nullopt when the session has no replay row;
// kOutOfRange "withheld: ..." when its day holds fewer than `k` replays
// (the list's rule, so an id cannot show what the list withholds).
Result<std::optional<std::string>> RenderStoredReplay(SummaryStore& store, std::string_view site,
                                                      uint64_t nonce, uint32_t k);

// A replay's id in lists and URLs: its nonce as 16 hex digits, and back.
std::string ReplayId(uint64_t nonce);
bool ParseReplayId(std::string_view text, uint64_t& nonce);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_REPLAY_VIEW_H_
