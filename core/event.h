// The compact event record the tracker feeds the core in batches. Fixed size
// (32 bytes) so a batch is one typed array in Wasm memory; strings (paths,
// element paths, field and event names) travel beside the batch in a string
// table and are referenced by index.
//
// The tracker's JS twins of these facts (web/tracker/wire/) are generated
// from this file by web/generate_wire.mjs: every enum class and every
// `inline constexpr` integer here reaches JS under the same name.
#ifndef MICROCONV_CORE_EVENT_H_
#define MICROCONV_CORE_EVENT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace microconv {

enum class EventType : uint8_t {
  kNone = 0,
  // str: path with query (the core drops all but utm_*); a: Navigation;
  // b: how deep the first viewport reaches, percent 0..100 (the page's
  // scroll depth before any scroll).
  kPageView = 1,
  // x, y: document-relative CSS px; w, h: document width and height in px;
  // str: stable element path (id or tag path, never text); a: 1 + the cell
  // of the element's box clicked (row * kElementGridSide + column of
  // core/element_heatmap.h), 0 when the tracker read no box.
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
  // str: GA4 event name pushed to dataLayer (or gtag('event', ...)); for a
  // `purchase` whose value the tracker accepted: b = kDataLayerHasValue,
  // x = value in cents (0..kMaxOrderCents), y = its ISO 4217 currency packed
  // as three uppercase ASCII letters c0 << 16 | c1 << 8 | c2 (0: none given).
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

// A page view's `a`: how the visitor reached the page.
enum class Navigation : uint16_t {
  kPageLoad = 0,
  kSpaRoute = 1,     // pushState, replaceState or hashchange
  kHistoryBack = 2,  // popstate: what a quick back is made of
};

// `str` of an event that references no string.
inline constexpr uint32_t kNoString = 0xffffffffu;

// The tracker cuts the names it puts in `str` (field names, custom and
// dataLayer event names) to this many UTF-16 code units: a page cannot grow
// the string table without bound.
inline constexpr uint32_t kMaxEventNameLength = 100;

// A click's `a` counts the cells of the clicked element's box: the box is
// cut into kElementGridSide x kElementGridSide cells (core/element_heatmap.h).
inline constexpr int32_t kElementGridSide = 4;

// A dataLayer event's `b` when x and y carry a purchase value and currency.
inline constexpr uint8_t kDataLayerHasValue = 1;
// The largest order value counted, in cents (1,000,000.00): a larger value is
// a bug or an attack on the figures, and is ignored, never clamped.
inline constexpr int32_t kMaxOrderCents = 100000000;

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

// The record layout the tracker writes into Wasm memory (little-endian); the
// asserts tie each offset to the struct so neither side can move alone.
inline constexpr uint32_t kEventBytes = 32;
inline constexpr uint32_t kEventTimeMsOffset = 0;
inline constexpr uint32_t kEventTypeOffset = 8;
inline constexpr uint32_t kEventBOffset = 9;
inline constexpr uint32_t kEventAOffset = 10;
inline constexpr uint32_t kEventStrOffset = 12;
inline constexpr uint32_t kEventXOffset = 16;
inline constexpr uint32_t kEventYOffset = 20;
inline constexpr uint32_t kEventWOffset = 24;
inline constexpr uint32_t kEventHOffset = 28;
static_assert(sizeof(Event) == kEventBytes);
static_assert(offsetof(Event, time_ms) == kEventTimeMsOffset);
static_assert(offsetof(Event, type) == kEventTypeOffset);
static_assert(offsetof(Event, b) == kEventBOffset);
static_assert(offsetof(Event, a) == kEventAOffset);
static_assert(offsetof(Event, str) == kEventStrOffset);
static_assert(offsetof(Event, x) == kEventXOffset);
static_assert(offsetof(Event, y) == kEventYOffset);
static_assert(offsetof(Event, w) == kEventWOffset);
static_assert(offsetof(Event, h) == kEventHOffset);

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
