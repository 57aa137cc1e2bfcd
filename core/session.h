// One visitor session as the browser sees it (SPEC section 5): batched
// events in, the session's state kept up to date, a cumulative summary and a
// snapshot out. Pure: time comes with the events, nothing is read from a
// clock, nothing is printed, nothing throws.
#ifndef MICROCONV_CORE_SESSION_H_
#define MICROCONV_CORE_SESSION_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/dimensions.h"
#include "core/event.h"
#include "core/funnel.h"
#include "core/schema/summary_generated.h"
#include "core/status.h"

namespace microconv {

// What the tracker knows when a session starts.
struct SessionStart {
  uint64_t nonce = 0;        // random, from crypto.getRandomValues
  int64_t time_ms = 0;       // first event's time
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

// Caps that keep a session's state and summary bounded whatever the page does.
inline constexpr int64_t kRageWindowMs = 1000;
inline constexpr int32_t kRageRadiusPx = 30;
inline constexpr int kRageClicks = 3;
inline constexpr int64_t kVisibleDwellMs = 1000;
inline constexpr int64_t kQuickBackMs = 5000;
inline constexpr int64_t kActiveAfterInputMs = 30000;
inline constexpr int64_t kMaxTimeMs = int64_t{1} << 53;
inline constexpr uint16_t kLiteralBit = 0x8000;    // page ids: a literal page, not a template
inline constexpr uint8_t kLiteralFieldBit = 0x80;  // field ids on the wire: a name, not a configured field

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

  // The summary the next flush sends (sequence = flushes so far + 1).
  wire::SummaryT BuildSummary() const;
  std::vector<uint8_t> PreviewSummary() const;
  // Encodes the next summary and counts it as sent.
  std::vector<uint8_t> Flush();
  // Marks the session as ended (flag in the summary): the final flush.
  void End() noexcept { ended_ = true; }

  std::vector<uint8_t> Snapshot() const;

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
  struct ElementEntry {
    uint16_t name;  // index into names_
    uint8_t page;
    uint16_t clicks = 0, rage = 0, dead = 0;
  };
  struct FieldEntry {
    uint16_t field;  // configured index, or kLiteralBit | index into names_
    uint16_t focus_count = 0;
    uint16_t changes = 0;
    uint32_t time_ms = 0;
  };
  struct FormEntry {
    uint8_t form;
    bool started = false, submitted = false;
    int16_t last_field = -1;
    std::vector<FieldEntry> fields;
  };
  struct ClickMark {
    int64_t time_ms = 0;
    int32_t x = 0, y = 0;
    bool valid = false;
  };
  struct VisibleTimer {
    uint16_t selector;
    int64_t since_ms;
  };

  Session() = default;

  void Handle(const Event& event, int64_t t, const EventBatch& batch);
  void OnPageView(std::string_view url_path, bool back, int64_t t);
  void OnClick(const Event& event, std::string_view element, int64_t t);
  void OnField(const Event& event, std::string_view field, int64_t t);
  void Fire(uint8_t micro, int64_t t);
  void FireAll(std::span<const uint8_t> micros, int64_t t, bool once_per_page);
  void Tick(int64_t t);
  void CloseFocus(int64_t t);
  int ElementIndex(std::string_view element);
  int NameIndex(std::string_view name);
  FormEntry* FormAt(uint16_t form);

  const Config* config_ = nullptr;
  uint64_t nonce_ = 0;
  uint32_t seq_ = 0;
  bool ended_ = false;
  wire::Dimensions dims_;
  std::string referrer_, utm_source_, utm_medium_, utm_campaign_;

  int64_t start_ms_ = 0, last_ms_ = 0, last_input_ms_ = 0, tick_ms_ = 0;
  bool hidden_ = false;
  uint32_t active_ms_ = 0;
  uint16_t page_views_ = 0;

  std::vector<PageEntry> pages_;
  std::vector<std::string> literal_pages_;
  int current_page_ = -1;
  int64_t page_start_ms_ = 0;
  std::string current_path_;
  std::bitset<256> fired_on_page_;

  std::array<uint8_t, kMaxMicroConversions> micro_counts_{};
  std::vector<PathStep> path_;
  bool path_truncated_ = false;
  std::vector<FunnelTracker> funnels_;

  std::vector<wire::HeatCell> heat_;
  std::vector<ElementEntry> elements_;
  std::vector<std::string> names_;  // element paths and unconfigured field names
  uint16_t rage_clicks_ = 0, dead_clicks_ = 0, quick_backs_ = 0;
  std::array<ClickMark, kRageClicks - 1> recent_clicks_{};  // newest first
  bool in_rage_ = false;

  std::vector<FormEntry> forms_;
  int focus_form_ = -1, focus_field_ = -1;
  int64_t focus_since_ms_ = 0;
  std::vector<VisibleTimer> visible_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_SESSION_H_
