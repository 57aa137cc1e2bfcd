// The compact event record the tracker feeds the core in batches. Fixed size
// (32 bytes) so a batch is one typed array in Wasm memory; strings (paths,
// element paths, field and event names) travel beside the batch in a string
// table and are referenced by index.
#ifndef MICROCONV_CORE_EVENT_H_
#define MICROCONV_CORE_EVENT_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace microconv {

enum class EventType : uint8_t {
  kNone = 0,
  // str: path with query (the core drops all but utm_*); a: 1 for an SPA
  // route change, 2 for a history back navigation.
  kPageView = 1,
  // x, y: document-relative CSS px; w, h: document width and height in px;
  // str: stable element path (id or tag path, never text).
  kClick = 2,
  // a: index of a configured click selector the last click matched
  // (`closest`); one per matching selector, right after its kClick.
  kSelectorMatch = 3,
  // a: deepest scroll reached on this page so far, percent 0..100.
  kScroll = 4,
  // a: form index.
  kFormStart = 5,
  kFormSubmit = 6,
  // a: form index; str: field name or id (never its value).
  kFieldFocus = 7,
  kFieldBlur = 8,
  kFieldChange = 9,
  // a: visibility selector index; b: 1 became >= 50 % visible, 0 hidden.
  kElementVisible = 10,
  // a: media selector index; b: wire::MediaEvent.
  kMedia = 11,
  // str: event name from microconv('track', name).
  kCustom = 12,
  // str: GA4 event name pushed to dataLayer.
  kDataLayer = 13,
  // str: element path of a click that caused no navigation, DOM change or
  // focus change within 1 s (the tracker observes; the core counts).
  kDeadClick = 14,
  // b: 1 page visible, 0 hidden.
  kVisibility = 15,
  // Keyboard, pointer or scroll input (throttled by the tracker); keeps
  // active time running.
  kInput = 16,
};

inline constexpr uint32_t kNoString = 0xffffffffu;

struct Event {
  // Wall clock in ms since the Unix epoch, as the tracker saw it. The core
  // never reads a clock; it tolerates times that go backwards.
  int64_t time_ms = 0;
  EventType type = EventType::kNone;
  uint8_t b = 0;
  uint16_t a = 0;
  uint32_t str = kNoString;
  int32_t x = 0;
  int32_t y = 0;
  int32_t w = 0;
  int32_t h = 0;
};
static_assert(sizeof(Event) == 32, "Event is shared with JS as a typed array");

// A batch: events plus the strings they reference by index.
struct EventBatch {
  std::span<const Event> events;
  std::span<const std::string_view> strings;

  std::string_view String(uint32_t index) const noexcept {
    return index < strings.size() ? strings[index] : std::string_view();
  }
};

}  // namespace microconv

#endif  // MICROCONV_CORE_EVENT_H_
