#include "core/calendar.h"

#include <charconv>

namespace microconv {

CivilDate CivilFromDays(int64_t days) noexcept {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

int64_t DaysFromCivil(const CivilDate& date) noexcept {
  const unsigned m = date.month;
  const int64_t y = date.year - (m <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + date.day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string DateOfDay(uint32_t day) {
  const CivilDate date = CivilFromDays(day);
  char text[24];
  auto put = [&text](int at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) {
      text[at + i] = static_cast<char>('0' + value % 10);
    }
  };
  const int64_t y = date.year;
  const int year_digits = y >= 10000 ? (y >= 100000 ? 6 : 5) : 4;
  put(0, y, year_digits);
  text[year_digits] = '-';
  put(year_digits + 1, date.month, 2);
  text[year_digits + 3] = '-';
  put(year_digits + 4, date.day, 2);
  return std::string(text, year_digits + 6);
}

bool ParseDay(std::string_view text, uint32_t& day) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](size_t at, size_t len, unsigned& out) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
    return ec == std::errc() && end == text.data() + at + len;
  };
  unsigned y = 0, m = 0, d = 0;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return false;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  const int64_t days = DaysFromCivil({y, m, d});
  // The round trip rejects 31 April and 29 February of common years.
  const CivilDate back = CivilFromDays(days);
  if (back.year != y || back.month != m || back.day != d) return false;
  day = static_cast<uint32_t>(days);
  return true;
}

}  // namespace microconv
