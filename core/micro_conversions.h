// Micro-conversion rules (SPEC section 3): which configured
// micro-conversions an event fires, with the bookkeeping the rules need
// (once per page view for scroll, time-on-page, visibility and media rules;
// the visible-element dwell timers) and how often each fired. The session
// puts what fired on its path and into its funnels.
#ifndef MICROCONV_CORE_MICRO_CONVERSIONS_H_
#define MICROCONV_CORE_MICRO_CONVERSIONS_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/schema/snapshot_generated.h"
#include "core/schema/summary_generated.h"
#include "core/session_units.h"
#include "core/status.h"

namespace microconv {

// How long an element must stay >= 50 % visible to count as seen.
inline constexpr int64_t kVisibleDwellMs = 1000;

struct MicroConversionState {
  struct VisibleTimer {
    uint16_t selector;
    int64_t since_ms;
  };
  std::bitset<256> fired_on_page;  // once-per-page rules fired on this page view
  std::array<uint8_t, kMaxMicroConversions> counts{};  // saturating at 255
  std::vector<VisibleTimer> visible;
  // Calls to action seen (visible for the dwell time on a page their rule
  // applies to); kept in the summary, which is also their snapshot.
  std::bitset<kMaxMicroConversions> cta_seen;
};

// Micro ids that fired, in firing order (the order the path records).
using FiredMicros = std::vector<uint8_t>;

// Every call matches rules against `page_path`, the current page's path
// without query, for rules with a page filter; fired ids are appended to
// `fired` and counted.
class MicroConversionRules {
 public:
  explicit MicroConversionRules(const Config& config) : config_(&config) {}

  // A new page view: per-page bookkeeping restarts, page-view rules fire.
  void OnPageView(std::string_view page_path, FiredMicros& fired);
  // Click on an element matching configured click selector `selector`.
  void OnSelectorMatch(uint16_t selector, std::string_view page_path, FiredMicros& fired);
  // Deepest scroll of the page so far; only on a tracked page.
  void OnScroll(uint8_t percent, std::string_view page_path, FiredMicros& fired);
  // Start or submit of a configured form.
  void OnForm(uint16_t form, bool submit, std::string_view page_path, FiredMicros& fired);
  // An element of visibility selector `selector` came into view (starts its
  // dwell timer) or left it (cancels it).
  void OnElementVisible(uint16_t selector, bool visible, int64_t t);
  // A media milestone (wire::MediaEvent) of media selector `selector`.
  void OnMedia(uint16_t selector, uint8_t milestone, FiredMicros& fired);
  // A custom (microconv('track')) or GA4 dataLayer event by name.
  void OnNamedEvent(EventType type, std::string_view name, std::string_view page_path,
                    FiredMicros& fired);
  // Time passes to `t`: dwell timers and, on a tracked page viewed since
  // `page_start_ms`, time-on-page rules.
  void Tick(int64_t t, bool on_page, int64_t page_start_ms, std::string_view page_path,
            FiredMicros& fired);

  // Summary `repeats`: counts beyond a micro's occurrences in the path.
  std::vector<wire::IdCount> Repeats(
      const std::array<uint8_t, kMaxMicroConversions>& in_path) const;
  // Summary `cta_seen`: the calls to action seen, increasing ids.
  std::vector<uint8_t> CtaSeen() const;
  // This tracker's part of the snapshot's engine table: its vectors are
  // written first (a table follows its children), then added to the table.
  struct Saved {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> fired;
    flatbuffers::Offset<flatbuffers::Vector<const wire::VisibleTimer*>> visible;
    void AddTo(wire::EngineStateBuilder& engine) const {
      engine.add_fired(fired);
      engine.add_visible(visible);
    }
  };
  Saved Save(int64_t start_ms, flatbuffers::FlatBufferBuilder& fbb) const;
  // Counts come back as path occurrences plus repeats; calls to action
  // seen from `cta_seen`.
  Status Restore(const wire::Summary& summary, const wire::EngineState& engine, SessionSpan span);

  const MicroConversionState& state() const noexcept { return state_; }

 private:
  void Fire(uint8_t micro, FiredMicros& fired);
  void FireOncePerPage(uint8_t micro, FiredMicros& fired);
  void FireAll(std::span<const uint8_t> micros, std::string_view page_path, bool once_per_page,
               FiredMicros& fired);

  const Config* config_;
  MicroConversionState state_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_MICRO_CONVERSIONS_H_
