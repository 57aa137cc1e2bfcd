// Progress of one session through one configured funnel (SPEC section 4):
// sequential, strict (each step directly followed by the next
// micro-conversion) and any-order modes, optional steps, exclusion steps,
// whole-funnel and per-step conversion windows.
#ifndef MICROCONV_CORE_FUNNEL_H_
#define MICROCONV_CORE_FUNNEL_H_

#include <array>
#include <cstdint>
#include <vector>

#include "core/schema/config_generated.h"
#include "core/schema/summary_generated.h"

namespace microconv {

inline constexpr uint16_t kNextActionPageBit = 0x8000;

// Everything a FunnelTracker needs to continue after a snapshot restore.
struct FunnelState {
  uint8_t funnel = 0;
  uint32_t reached = 0;         // best attempt: bit i = step i reached
  uint8_t furthest = 0;         // best attempt: leading steps reached in order
  bool converted = false;
  bool excluded = false;
  // Best attempt: ms from its first reached step to each reached step.
  std::array<uint32_t, 32> step_offset_ms{};
  // Current attempt (may differ from the best one after a restart).
  uint32_t attempt_reached = 0;
  int64_t attempt_start_ms = 0;
  int64_t attempt_last_ms = 0;  // time of the attempt's last reached step
  std::array<uint32_t, 32> attempt_offset_ms{};
  // Up to three actions after the last progress (see FunnelProgress).
  std::array<uint16_t, 3> next{};
  uint8_t next_count = 0;
};

class FunnelTracker {
 public:
  FunnelTracker(const wire::FunnelDef& def, uint8_t index);
  FunnelTracker(const wire::FunnelDef& def, const FunnelState& restored);

  // A micro-conversion happened at `time_ms` (monotonic within the session).
  void OnMicro(uint8_t micro, int64_t time_ms);
  // A page (id as in PageStat.page) was viewed; recorded as a next action
  // after the last progress when the funnel is not converted.
  void OnPage(uint16_t page, int64_t time_ms);

  const FunnelState& state() const noexcept { return state_; }
  bool started() const noexcept { return state_.reached != 0; }
  wire::FunnelProgress Progress() const noexcept;
  // Appends this funnel's step_times varints (deciseconds, see summary.fbs).
  void AppendStepTimes(std::vector<uint8_t>& out) const;

 private:
  bool IsStepOfBest(uint8_t micro) const;
  void RecordNextAction(uint16_t action);

  const wire::FunnelDef* def_;
  FunnelState state_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_FUNNEL_H_
