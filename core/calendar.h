// The calendar: UTC days and minutes since 1970-01-01 as the wire and the
// store count them, and their "YYYY-MM-DD" dates (proleptic Gregorian, Howard
// Hinnant's civil-from-days algorithms). No clock: callers bring the time.
#ifndef MICROCONV_CORE_CALENDAR_H_
#define MICROCONV_CORE_CALENDAR_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace microconv {

inline constexpr uint32_t kMinutesPerDay = 24 * 60;

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;    // 1-31
};

// The date of a day number (days since 1970-01-01; negative before).
CivilDate CivilFromDays(int64_t days) noexcept;
// The day number of a date (any month/day in range; no validity check).
int64_t DaysFromCivil(const CivilDate& date) noexcept;

// "YYYY-MM-DD" of a day number (days since 1970-01-01), proleptic Gregorian;
// years past 9999 take as many digits as they need.
std::string DateOfDay(uint32_t day);
// The UTC day of an exact "YYYY-MM-DD" (1970 or later, a real calendar date:
// no 31 April, no 29 February of common years); false otherwise.
bool ParseDay(std::string_view text, uint32_t& day) noexcept;

}  // namespace microconv

#endif  // MICROCONV_CORE_CALENDAR_H_
