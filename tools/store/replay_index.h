// Journey replays in the store (SPEC section 3, issue 13 point 3): what the
// store keeps to list a range's sampled sessions by outcome without reading
// every session. The timeline itself stays inside the session's summary
// (sessions.summary): the index adds one small row per sampled session.
#ifndef MICROCONV_TOOLS_STORE_REPLAY_INDEX_H_
#define MICROCONV_TOOLS_STORE_REPLAY_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/schema/summary_generated.h"
#include "core/status.h"

namespace microconv {

// ReplayFacts::outcome bits: what a replay list filters on.
inline constexpr uint32_t kReplayConverted = 1;   // some funnel converted
inline constexpr uint32_t kReplayDropped = 2;     // some funnel started and not converted
inline constexpr uint32_t kReplayFrustrated = 4;  // a rage or dead click

// One funnel the session started and did not convert: `step` is how many of
// its leading steps were passed (FunnelProgress.furthest), the drop-off step.
struct ReplayDrop {
  uint32_t funnel = 0;
  uint32_t step = 0;
};

// The outcome facts of a summary carrying a replay, read once at the
// boundary (the collector, which verified the summary).
struct ReplayFacts {
  uint32_t outcome = 0;
  std::vector<ReplayDrop> drops;
  uint32_t timeline_bytes = 0;
};

// nullopt when the summary carries no replay (the session was not sampled).
std::optional<ReplayFacts> ReplayFactsOf(const wire::Summary& summary);

// ReplayFacts::drops as stored (replays.drops): "funnel:step" pairs joined
// by ',' ("" for none), and back; a malformed text gives no drops.
std::string DropsText(const std::vector<ReplayDrop>& drops);
std::vector<ReplayDrop> ParseDrops(const std::string& text);

// Which replays a list holds: any outcome bit of `outcome` (0: every
// replay); with `funnel`, only those that dropped off that funnel (at
// `step` when set).
struct ReplayFilter {
  uint32_t outcome = 0;
  std::optional<uint32_t> funnel;
  std::optional<uint32_t> step;
};

bool Matches(const ReplayFilter& filter, uint32_t outcome, const std::vector<ReplayDrop>& drops);

// One listed replay.
struct ReplayRow {
  uint32_t day = 0;
  uint64_t nonce = 0;
  uint32_t outcome = 0;
  std::vector<ReplayDrop> drops;
};

// A page of a range's replays, in (day, nonce) order after the cursor.
struct ReplayPage {
  uint64_t sampled = 0;  // replays stored for the range, before the filter
  std::vector<ReplayRow> rows;
  bool more = false;  // rows past this page match too
};

// The largest page a list returns (a bigger ask is refused, not cut).
inline constexpr uint32_t kMaxReplayPage = 100;

// kOutOfRange unless a page of `limit` replays is 1..kMaxReplayPage: every
// store's ListReplays refuses the rest the same way.
Status CheckReplayPageSize(uint32_t limit);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_REPLAY_INDEX_H_
