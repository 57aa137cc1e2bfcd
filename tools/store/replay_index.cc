#include "tools/store/replay_index.h"

#include <charconv>
#include <string>

namespace microconv {

std::optional<ReplayFacts> ReplayFactsOf(const wire::Summary& summary) {
  const auto* timeline = summary.replay();
  if (timeline == nullptr) return std::nullopt;
  ReplayFacts facts;
  facts.timeline_bytes = timeline->size();
  if (const auto* funnels = summary.funnels(); funnels != nullptr) {
    for (const wire::FunnelProgress* progress : *funnels) {
      if ((progress->flags() & wire::FunnelFlags::Converted) != wire::FunnelFlags::NONE) {
        facts.outcome |= kReplayConverted;
      } else {
        facts.outcome |= kReplayDropped;
        facts.drops.push_back({progress->funnel(), progress->furthest()});
      }
    }
  }
  if (const auto* f = summary.facts(); f != nullptr && f->rage_clicks() + f->dead_clicks() > 0) {
    facts.outcome |= kReplayFrustrated;
  }
  return facts;
}

std::string DropsText(const std::vector<ReplayDrop>& drops) {
  std::string text;
  for (const ReplayDrop& drop : drops) {
    if (!text.empty()) text += ',';
    text += std::to_string(drop.funnel) + ':' + std::to_string(drop.step);
  }
  return text;
}

std::vector<ReplayDrop> ParseDrops(const std::string& text) {
  std::vector<ReplayDrop> drops;
  const char* at = text.data();
  const char* end = at + text.size();
  while (at < end) {
    ReplayDrop drop;
    auto funnel = std::from_chars(at, end, drop.funnel);
    if (funnel.ec != std::errc() || funnel.ptr == end || *funnel.ptr != ':') return {};
    auto step = std::from_chars(funnel.ptr + 1, end, drop.step);
    if (step.ec != std::errc() || (step.ptr != end && *step.ptr != ',')) return {};
    drops.push_back(drop);
    at = step.ptr == end ? end : step.ptr + 1;
  }
  return drops;
}

Status CheckReplayPageSize(uint32_t limit) {
  if (limit >= 1 && limit <= kMaxReplayPage) return {};
  return {Error::kOutOfRange, "replay page size must be 1.." + std::to_string(kMaxReplayPage)};
}

bool Matches(const ReplayFilter& filter, uint32_t outcome, const std::vector<ReplayDrop>& drops) {
  if (filter.outcome != 0 && (outcome & filter.outcome) == 0) return false;
  if (!filter.funnel.has_value()) return true;
  for (const ReplayDrop& drop : drops) {
    if (drop.funnel == *filter.funnel && (!filter.step.has_value() || drop.step == *filter.step)) {
      return true;
    }
  }
  return false;
}

}  // namespace microconv
