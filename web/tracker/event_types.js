// Mirrors core/event.h (EventType and the 32-byte Event record). Keep the two
// in step: the core reads these records straight out of Wasm memory.
export const EventType = Object.freeze({
  kPageView: 1,
  kClick: 2,
  kSelectorMatch: 3,
  kScroll: 4,
  kFormStart: 5,
  kFormSubmit: 6,
  kFieldFocus: 7,
  kFieldBlur: 8,
  kFieldChange: 9,
  kElementVisible: 10,
  kMedia: 11,
  kCustom: 12,
  kDataLayer: 13,
  kDeadClick: 14,
  kVisibility: 15,
  kInput: 16,
});

// wire::MediaEvent in core/schema/config.fbs.
export const MediaEvent = Object.freeze({ kPlay: 0, kQuartile25: 1, kQuartile50: 2, kQuartile75: 3, kEnded: 4 });

export const kEventBytes = 32;
export const kNoString = 0xffffffff;

// Page view `a`: how the page was reached.
export const kPageLoad = 0;
export const kSpaRoute = 1;
export const kHistoryBack = 2;
