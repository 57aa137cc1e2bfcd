// One visitor session as the browser sees it (SPEC section 5): batched
// events in, the session's state kept up to date, a cumulative summary and a
// snapshot out. Pure: time comes with the events, nothing is read from a
// clock, nothing is printed, nothing throws. Session keeps timing, pages and
// the path and hands each event to its trackers (micro-conversion rules,
// funnels, forms, frustration, heatmap), which own their state, their part
// of the summary and their part of the snapshot.
#ifndef MICROCONV_CORE_SESSION_H_
#define MICROCONV_CORE_SESSION_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/dimensions.h"
#include "core/element_heatmap.h"
#include "core/element_names.h"
#include "core/event.h"
#include "core/form_tracker.h"
#include "core/frustration.h"
#include "core/funnel.h"
#include "core/heatmap.h"
#include "core/journey.h"
#include "core/micro_conversions.h"
#include "core/replay_recorder.h"
#include "core/revenue.h"
#include "core/schema/summary_generated.h"
#include "core/session_units.h"
#include "core/status.h"

namespace microconv {

// What the tracker knows when a session starts.
struct SessionStart {
  uint64_t nonce = 0;  // random, from crypto.getRandomValues
  // Secret seed of the session's local differential privacy noise (core/
  // ldp.h): random from the host like the nonce, but never sent (the nonce
  // is, so the noise must not derive from it). Unused when LDP is off.
  uint64_t ldp_seed = 0;
  // Journey replay's draw (core/replay_recorder.h ReplaySampled): random
  // from the host, a new one per session, never sent.
  uint32_t replay_draw = 0;
  int64_t time_ms = 0;  // first event's time
  VisitorContext visitor;
  std::string_view referrer;  // document.referrer of the landing page
  std::string_view own_host;  // location.hostname: own referrers are ignored
};

struct IngestResult {
  // Events consumed from the batch.
  size_t consumed = 0;
  // True when events[consumed] came after the inactivity timeout: the caller
  // flushes this session and starts a new one for the rest of the batch.
  bool expired = false;
};

// Active time runs this long after the last input while the page is visible.
inline constexpr int64_t kActiveAfterInputMs = 30000;
// A back navigation within this long of arriving on a page is a quick back.
inline constexpr int64_t kQuickBackMs = 5000;

class Session {
 public:
  Session(const Config& config, const SessionStart& start);

  // Restores a snapshot written by Snapshot() for the same config. Anything
  // unreadable (corrupt, foreign, other config) is kCorruptSnapshot or
  // kConfigMismatch: the caller starts a fresh session.
  static Result<Session> Restore(const Config& config, std::span<const uint8_t> snapshot);

  IngestResult Ingest(const EventBatch& batch);
  // Runs timers (element dwell, time on page) and active time up to `now_ms`.
  void Advance(int64_t now_ms);
  bool ExpiredAt(int64_t now_ms) const noexcept;

  // What a summary is built for. A flush carries the element clicks of the
  // pages of its last two page views only, until the session has ended; the
  // snapshot keeps them all (ElementHeatmap::SentClicks, MergeElementClicks).
  enum class Purpose { kFlush, kSnapshot };
  // The session's exact summary (sequence = flushes so far + 1): what the
  // next flush sends unless local differential privacy is on.
  std::vector<uint8_t> BuildSummary(Purpose purpose = Purpose::kFlush) const;
  // What the next flush sends: BuildSummary(), or with privacy.ldp_epsilon
  // > 0 its LDP form (core/ldp.h StripToLdp), which only the flush after
  // End() sends (the preview shows it before).
  std::vector<uint8_t> PreviewSummary() const;
  // The true randomized-response bits of the session (core/ldp.h order):
  // what the playground compares the sent bits with. Never sent.
  std::vector<uint8_t> LdpTrueBits() const;
  // Encodes the next summary and counts it as sent; empty (nothing to send)
  // for an LDP session before End(): it sends once, at its end.
  std::vector<uint8_t> Flush();
  // Marks the session as ended (flag in the summary): the final flush.
  void End() noexcept { ended_ = true; }

  std::vector<uint8_t> Snapshot() const;

  // Journey scope (core/journey.h). The journey this visit leaves for the
  // next one: a snapshot holding only the journey (empty in session scope).
  std::vector<uint8_t> JourneySnapshot() const;
  // Continues the journey of the previous visit's JourneySnapshot() in this
  // new visit, before its first event. Unreadable bytes are an error and
  // this visit keeps the new journey it started with.
  Status ContinueJourney(std::span<const uint8_t> previous);
  // When the journey ends by age (its stored state is deleted then); 0 in
  // session scope.
  int64_t journey_end_ms() const noexcept { return journey_.end_ms(); }

  uint64_t nonce() const noexcept { return nonce_; }
  uint32_t flushes() const noexcept { return seq_; }
  size_t path_length() const noexcept { return path_.size(); }

 private:
  struct PageEntry {
    uint16_t page = 0;  // template index, or kLiteralBit | index into literal_pages_
    uint16_t views = 0;
    uint32_t active_ms = 0;
    uint8_t max_scroll = 0;
    uint8_t quick_backs = 0;
  };
  struct PathStep {
    uint8_t micro;
    uint32_t offset_ms;
  };

  // A session of `config` with nothing in it yet (Restore fills it).
  explicit Session(const Config& config, int64_t start_ms = 0);

  void Handle(const Event& event, int64_t t, const EventBatch& batch);
  void OnPageView(std::string_view url_path, bool back, int64_t t);
  void OnClick(const Event& event, std::string_view element, int64_t t);
  // The NameTable index of a clicked element, -1 for none (no stable
  // element, or the table is full: the timeline then says "no element").
  int ElementName(std::string_view element);
  // Puts micro-conversions that fired at `t` on the path, into funnels and
  // into revenue (`valued_by_event`: a purchase event's value decided).
  void Record(const FiredMicros& fired, int64_t t, bool valued_by_event = false);
  void Tick(int64_t t);
  // Tenths of a second since the session's start: journey replay's time.
  uint32_t ReplayTenths(int64_t t) const noexcept;
  // The visit lasts to its last event, or while the page stays visible to
  // the end of its active time; end_ms_ keeps the furthest such end.
  void ExtendEnd();

  const Config* config_ = nullptr;
  uint64_t nonce_ = 0;
  uint64_t ldp_seed_ = 0;  // kept in the snapshot: the noise stays fixed
  uint32_t seq_ = 0;
  bool ended_ = false;
  wire::Dimensions dims_;
  std::string referrer_, utm_source_, utm_medium_, utm_campaign_;

  int64_t start_ms_ = 0, last_ms_ = 0, last_input_ms_ = 0, tick_ms_ = 0;
  // The visit's end so far: it only grows, so the duration a flush reports
  // never goes down (a page hidden after Advance ran ahead of the events,
  // a restore) and always covers the active time.
  int64_t end_ms_ = 0;
  bool hidden_ = false;
  uint32_t active_ms_ = 0;
  uint16_t page_views_ = 0;

  std::vector<PageEntry> pages_;
  std::vector<std::string> literal_pages_;
  int current_page_ = -1;
  // The slot of the last page view on another page than the current one
  // (-1: none): its element clicks still ride in each flush.
  int previous_page_ = -1;
  int64_t page_start_ms_ = 0;
  std::string current_path_;

  std::vector<PathStep> path_;
  bool path_truncated_ = false;

  NameTable names_;  // element paths and unconfigured field names
  MicroConversionRules micros_;
  std::vector<FunnelTracker> funnels_;
  FormTracker forms_;
  FrustrationTracker frustration_;
  Heatmap heatmap_;
  ElementHeatmap element_heatmap_;
  RevenueTracker revenue_;
  JourneyTracker journey_;  // inactive in session scope
  ReplayRecorder replay_;   // records only in a sampled session
};

}  // namespace microconv

#endif  // MICROCONV_CORE_SESSION_H_
