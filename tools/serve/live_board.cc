#include "tools/serve/live_board.h"

#include <algorithm>

#include "core/aggregate.h"
#include "core/json_writer.h"
#include "core/wire_ids.h"

namespace microconv {

LiveBoard::Clock::time_point LiveBoard::LastActivity(const wire::Summary& summary,
                                                     Clock::time_point now) {
  const auto* facts = summary.facts();
  const Clock::time_point last =
      Clock::time_point(std::chrono::minutes(summary.start_minute())) +
      std::chrono::milliseconds(facts ? int64_t{facts->duration_ds()} * 100 : 0);
  return std::min(last, now);
}

void LiveBoard::Record(const Config& config, const wire::Summary& summary, Clock::time_point now) {
  const auto* facts = summary.facts();
  const bool ended = facts && HasFlag(facts->flags(), wire::FactFlags::Ended);
  const Clock::time_point last_activity = LastActivity(summary, now);
  Entry entry;
  entry.last_activity = last_activity;
  entry.config_hash = config.hash();
  // The reach bits come from a one-session Aggregate rather than from the
  // summary's fields: the core stays the one reader of the wire layout.
  // Only a session the board shows needs them: an ended one, or one outside
  // the window (seeding, retries, old flushes), skips the Aggregate.
  if (!ended && now - last_activity <= kLiveWindow) {
    Aggregate one(config);
    if (!one.Add(summary).ok()) return;
    entry.reached.resize(one.funnels().size());
    for (size_t f = 0; f < one.funnels().size(); ++f) {
      const FunnelTally& funnel = one.funnels()[f];
      if (funnel.entered > 0) entry.entered |= 1u << f;
      for (size_t s = 0; s < funnel.steps.size() && s < 32; ++s) {
        if (funnel.steps[s].reached > 0) entry.reached[f] |= 1u << s;
      }
    }
  }
  std::lock_guard lock(mutex_);
  ++stored_by_site_[std::string(config.site())];
  if (now - last_prune_ > std::chrono::seconds(10)) PruneLocked(now);
  auto& sessions = sites_[std::string(config.site())];
  auto it = sessions.find(summary.nonce());
  if (it != sessions.end()) {
    if (ended) {  // the final flush: the session is over
      sessions.erase(it);
      --size_;
    } else if (last_activity >= it->second.last_activity) {
      it->second = std::move(entry);
    }  // else a late, older flush: the newer one stands
    return;
  }
  if (ended || now - last_activity > kLiveWindow) return;
  if (size_ >= kMaxLiveSessions || sessions.size() >= kMaxLiveSessionsPerSite) {
    ++overflow_;
    ++overflow_by_site_[std::string(config.site())];
    return;
  }
  sessions.emplace(summary.nonce(), std::move(entry));
  ++size_;
}

void LiveBoard::PruneLocked(Clock::time_point now) {
  last_prune_ = now;
  for (auto& [site, sessions] : sites_) {
    std::erase_if(sessions,
                  [&](const auto& item) { return now - item.second.last_activity > kLiveWindow; });
  }
  std::erase_if(sites_, [](const auto& item) { return item.second.empty(); });
  size_ = 0;
  for (const auto& [site, sessions] : sites_) size_ += sessions.size();
}

std::string LiveBoard::RenderJson(const Config& config, Clock::time_point now) {
  const auto& def = config.def();
  const size_t funnel_count = def.funnels() ? def.funnels()->size() : 0;
  std::vector<uint64_t> entered(funnel_count);
  std::vector<std::vector<uint64_t>> reached(funnel_count);
  for (size_t f = 0; f < funnel_count; ++f) {
    const auto* steps = def.funnels()->Get(f)->steps();
    reached[f].resize(steps ? steps->size() : 0);
  }
  uint64_t active = 0;
  uint64_t overflow = 0;
  uint64_t stored = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto it = stored_by_site_.find(std::string(config.site())); it != stored_by_site_.end()) {
      stored = it->second;
    }
    if (auto it = overflow_by_site_.find(std::string(config.site()));
        it != overflow_by_site_.end()) {
      overflow = it->second;
    }
    auto site = sites_.find(std::string(config.site()));
    if (site != sites_.end()) {
      for (const auto& [nonce, entry] : site->second) {
        if (now - entry.last_activity > kLiveWindow) continue;
        ++active;
        if (entry.config_hash != config.hash()) continue;
        for (size_t f = 0; f < funnel_count && f < entry.reached.size(); ++f) {
          if (entry.entered & (1u << f)) ++entered[f];
          for (size_t s = 0; s < reached[f].size(); ++s) {
            if (entry.reached[f] & (1u << s)) ++reached[f][s];
          }
        }
      }
    }
  }
  std::string out = "{\"site\":";
  AppendJsonString(config.site(), out);
  out += ",\"window_seconds\":" + std::to_string(std::chrono::seconds(kLiveWindow).count()) +
         ",\"active_sessions\":" + std::to_string(active) +
         ",\"overflow\":" + std::to_string(overflow) +
         ",\"stored_summaries\":" + std::to_string(stored) + ",\"funnels\":[";
  for (size_t f = 0; f < funnel_count; ++f) {
    const auto* funnel = def.funnels()->Get(f);
    if (f > 0) out += ',';
    out += "{\"id\":";
    AppendJsonString(funnel->id() ? funnel->id()->string_view() : "", out);
    out += ",\"label\":";
    AppendJsonString(funnel->label() ? funnel->label()->string_view() : "", out);
    out += ",\"entered\":" + std::to_string(entered[f]) + ",\"steps\":[";
    for (size_t s = 0; s < reached[f].size(); ++s) {
      if (s > 0) out += ',';
      out += std::to_string(reached[f][s]);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

size_t LiveBoard::size() {
  std::lock_guard lock(mutex_);
  return size_;
}

uint64_t LiveBoard::overflow() {
  std::lock_guard lock(mutex_);
  return overflow_;
}

}  // namespace microconv
