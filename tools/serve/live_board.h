// Real-time view of a site (SPEC section 3, "real-time"): sessions whose
// last activity lies within the live window, and the live funnel (how many
// of them reached each step). Last activity is the summary's own clock,
// start + duration, not when the summary arrived: seeding, a retried beacon
// or the final flush of a session idle for 30 min says nothing about who is
// on the site now. The start is in whole minutes, so a session can leave
// the board up to a minute early (never late). Memory only and bounded: per
// session a nonce, a time and the funnel reach bits, never the summary.
#ifndef MICROCONV_TOOLS_SERVE_LIVE_BOARD_H_
#define MICROCONV_TOOLS_SERVE_LIVE_BOARD_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/schema/summary_generated.h"

namespace microconv {

inline constexpr std::chrono::minutes kLiveWindow{5};
// Beyond this many live sessions of one site, or of all sites together,
// new ones are counted in overflow instead: a flood of nonces cannot grow
// memory without bound, and a flood on one site leaves room for the others
// (it takes 10 flooded sites to fill the total).
inline constexpr size_t kMaxLiveSessions = 200000;
inline constexpr size_t kMaxLiveSessionsPerSite = 20000;

class LiveBoard {
 public:
  // Wall time: summaries carry wall-clock (Unix epoch) start times.
  using Clock = std::chrono::system_clock;

  // When the summary's session last did something: start + duration, never
  // after `now` (a visitor's clock may run ahead).
  static Clock::time_point LastActivity(const wire::Summary& summary, Clock::time_point now);

  // Records a verified summary written with `config`; an ended session, or
  // one idle for longer than the window, leaves the board.
  void Record(const Config& config, const wire::Summary& summary, Clock::time_point now);

  // The live view of the site for `config` as one line of JSON:
  // {"site":..,"window_seconds":300,"active_sessions":N,"overflow":N,
  //  "funnels":[{"id":..,
  //  "label":..,"entered":N,"steps":[N,...]}]}. Sessions written with another
  // config count as active but not in the funnels (their ids differ);
  // overflow counts the site's sessions not tracked since start (board full).
  std::string RenderJson(const Config& config, Clock::time_point now);

  size_t size();
  uint64_t overflow();

 private:
  struct Entry {
    Clock::time_point last_activity;
    uint32_t config_hash = 0;
    uint32_t entered = 0;           // bit f: entered funnel f
    std::vector<uint32_t> reached;  // per funnel, bit s: step s reached
  };
  void PruneLocked(Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_map<uint64_t, Entry>> sites_;
  std::unordered_map<std::string, uint64_t> overflow_by_site_;
  // Summaries committed per site since start ("stored_summaries"): the
  // dashboard re-queries its report when this moves.
  std::unordered_map<std::string, uint64_t> stored_by_site_;
  size_t size_ = 0;
  uint64_t overflow_ = 0;
  Clock::time_point last_prune_{};
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_LIVE_BOARD_H_
