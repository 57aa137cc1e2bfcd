// The session summary on the wire (core/schema/summary.fbs): encode, verify
// untrusted bytes, decode to a readable JSON rendering. The Verifier with
// tightened limits plus explicit enum and range checks is the one safety
// boundary: no field of untrusted bytes is read before VerifySummary passes.
#ifndef MICROCONV_CORE_SUMMARY_H_
#define MICROCONV_CORE_SUMMARY_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/schema/summary_generated.h"
#include "core/status.h"
#include "core/varint.h"  // the varint vectors (path_deltas, step_times)

namespace microconv {

class Config;

inline constexpr uint8_t kSummaryVersion = 1;
inline constexpr size_t kMaxSummaryBytes = 16 * 1024;
inline constexpr size_t kMaxPathSteps = 64;
inline constexpr size_t kMaxPages = 64;  // entries of `pages`
inline constexpr size_t kMaxHeatCells = 128;
// Entries of `element_clicks` (core/element_heatmap.h); clicks past it go to
// the document grid.
inline constexpr size_t kMaxElementClicks = 96;
inline constexpr size_t kMaxElements = 32;
inline constexpr size_t kMaxElementNameLength = 96;

// Serialises a summary object with the file identifier. Deterministic: the
// same object gives the same bytes natively and in Wasm.
std::vector<uint8_t> EncodeSummary(const wire::SummaryT& summary);

// Checks untrusted bytes: size cap, identifier, Verifier (max_depth 8,
// max_tables 512, size), version <= kSummaryVersion, enums in range, indices
// (entry/exit/heat/element/element-click pages, next-action page slots, names, literal
// pages) inside their vectors, forms owning exactly the `fields` entries,
// vector lengths within the caps above, well-formed varints whose count
// matches path_steps and funnels. When `config` is given, also checks site,
// config hash and that every micro, funnel, template, form and field id
// exists in it. On success the returned pointer views `bytes`.
// `exact`: the summary must be an exact one whatever the config says (the
// snapshot's, which stays on the device); otherwise its LDP form must be the
// config's (an exact summary for a site that promised LDP is refused).
Result<const wire::Summary*> VerifySummary(std::span<const uint8_t> bytes,
                                           const Config* config = nullptr, bool exact = false);

// The config half of VerifySummary(bytes, &config) for a summary that
// VerifySummary(bytes) already passed: the collector must read the site and
// config hash from verified bytes to find the config, and then checks them
// against it without a second pass over the structure.
Status CheckSummaryAgainstConfig(const wire::Summary& summary, const Config& config);

// How far from the collector's clock a session may start. The past bound
// covers a long session (the inactivity timeout is at most 24 h, activity
// keeps a session going), a laptop that sleeps overnight and flushes on
// waking, and the tracker's outbox re-sent on the next visit; the future
// bound covers clock drift of visitors' devices. Anything outside is not a
// visit we can date honestly, and an old day would force a rebuild of that
// day's stored aggregate (tools/store).
struct StartWindow {
  int64_t max_age_minutes = 48 * 60;
  int64_t max_lead_minutes = 10;
};

// kOutOfRange with "start_minute: ..." when the summary's session start lies
// outside `window` around `now_ms` (the caller's clock: the core has none).
Status CheckSessionStart(const wire::Summary& summary, int64_t now_ms, StartWindow window = {});

// kOutOfRange when the referrer or a utm_* value is not of the shape in
// core/traffic_source.h. The tracker never sends other shapes (it extracts
// them with the same rules), so the collector refuses such a summary at
// ingest. Not part of VerifySummary: sessions stored before these rules
// stay readable, and reports show their odd values as "(invalid)".
Status CheckTrafficSource(const wire::Summary& summary);

// A readable, deterministic JSON rendering of a verified summary (two-space
// indent, fixed key order). With a config, ids are shown with their names
// ("micro": "add_to_cart"); without, as numbers.
std::string RenderSummaryJson(const wire::Summary& summary, const Config* config = nullptr);

}  // namespace microconv

#endif  // MICROCONV_CORE_SUMMARY_H_
