// A site's time zone (issue 14 point 4): the UTC offset in force at any
// instant, from the rules of one IANA zone, so days and "today" are the
// site's own. The core reads no files: the collector and CLI read the zone's
// TZif file (RFC 8536, the system's tzdata) and hand its bytes to FromTzif.
// Times past the file's last transition follow its POSIX TZ footer rule
// (e.g. "CET-1CEST,M3.5.0,M10.5.0/3"), so a slim file or a date past 2037
// still gets the right offset.
#ifndef MICROCONV_CORE_TIME_ZONE_H_
#define MICROCONV_CORE_TIME_ZONE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace microconv {

inline constexpr std::string_view kUtcZoneName = "UTC";

// Whether `name` looks like an IANA zone name ("Europe/Berlin", "UTC",
// "Etc/GMT+5"): ASCII letters, digits, '_', '-', '+', parts joined by '/',
// no empty part, no "." or ".." part, at most 64 bytes. Only the shape: the
// tools check it exists. The shape also keeps the name a safe relative path.
bool IsTimeZoneName(std::string_view name) noexcept;

// A POSIX TZ rule (the TZif footer): standard offset, and when it has one,
// the daylight offset and the two yearly switch dates.
struct PosixTzRule {
  // A switch date: Mm.w.d (month, week 1-5 with 5 the last, weekday 0 =
  // Sunday), Jn (day 1-365, 29 February never counted) or n (day 0-365).
  struct Date {
    enum class Kind : uint8_t { kMonthWeekDay, kJulianNoLeap, kZeroBasedDay };
    Kind kind = Kind::kMonthWeekDay;
    uint16_t month = 0, week = 0, weekday = 0, day = 0;
    int32_t seconds = 7200;  // local time of day of the switch (default 02:00)
  };
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  Date dst_start, dst_end;

  // The offset in force at `utc_seconds`.
  int32_t OffsetAt(int64_t utc_seconds) const noexcept;
};

// Parses a POSIX TZ string as TZif footers carry them ("<+0530>-5:30",
// "PST8PDT,M3.2.0,M11.1.0"); kInvalidConfig naming what is wrong.
Result<PosixTzRule> ParsePosixTz(std::string_view text);

class TimeZone {
 public:
  // UTC: offset 0 at every instant.
  TimeZone() = default;
  // Reads a TZif file of version 2 or later (its 64-bit block and footer).
  // `name` is kept for reports. kInvalidConfig when the bytes are not one.
  static Result<TimeZone> FromTzif(std::string_view name, std::span<const uint8_t> bytes);

  const std::string& name() const noexcept { return name_; }
  // Seconds east of UTC in force at the instant.
  int32_t OffsetAt(int64_t utc_seconds) const noexcept;
  // The local day (days since 1970-01-01 on the zone's calendar) of a UTC
  // minute as the wire counts it (summary start_minute).
  uint32_t DayOfMinute(uint32_t utc_minute) const noexcept;
  // The local day of a UTC instant in ms (the collector's clock); 0 before 1970.
  uint32_t DayOfMs(int64_t utc_ms) const noexcept;

 private:
  std::string name_{kUtcZoneName};
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offset from each transition on
  int32_t initial_offset_ = 0;        // before the first transition
  PosixTzRule footer_;                // after the last transition
  bool has_footer_ = false;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_TIME_ZONE_H_
