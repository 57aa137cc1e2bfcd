#include "core/time_zone.h"

#include <algorithm>
#include <utility>

#include "core/calendar.h"
#include "core/quoted.h"

namespace microconv {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool IsLeapYear(int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// A small cursor over the POSIX TZ text.
class TzText {
 public:
  explicit TzText(std::string_view text) : text_(text) {}
  bool AtEnd() const noexcept { return at_ == text_.size(); }
  char Peek() const noexcept { return AtEnd() ? '\0' : text_[at_]; }
  bool Take(char c) noexcept {
    if (Peek() != c) return false;
    ++at_;
    return true;
  }
  // A zone abbreviation: 3+ letters, or <...> of letters, digits, '+', '-'.
  bool Abbreviation() noexcept {
    if (Take('<')) {
      const size_t start = at_;
      while (!AtEnd() && Peek() != '>') ++at_;
      return at_ - start >= 3 && Take('>');
    }
    const size_t start = at_;
    while ((Peek() >= 'A' && Peek() <= 'Z') || (Peek() >= 'a' && Peek() <= 'z')) ++at_;
    return at_ - start >= 3;
  }
  bool Number(int max, int& out) noexcept {
    if (Peek() < '0' || Peek() > '9') return false;
    out = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      out = out * 10 + (text_[at_++] - '0');
      if (out > max) return false;
    }
    return true;
  }
  // [+-]hh[:mm[:ss]] in seconds; hours up to 167 (TZif v3 switch times).
  bool Duration(int32_t& seconds) noexcept {
    const bool negative = Take('-');
    if (!negative) Take('+');
    int h = 0, m = 0, s = 0;
    if (!Number(167, h)) return false;
    if (Take(':') && (!Number(59, m) || (Take(':') && !Number(59, s)))) return false;
    seconds = (h * 60 + m) * 60 + s;
    if (negative) seconds = -seconds;
    return true;
  }
  bool Date(PosixTzRule::Date& date) noexcept {
    int a = 0, b = 0, c = 0;
    using Kind = PosixTzRule::Date::Kind;
    if (Take('M')) {
      if (!Number(12, a) || a < 1 || !Take('.') || !Number(5, b) || b < 1 || !Take('.') ||
          !Number(6, c)) {
        return false;
      }
      date = {Kind::kMonthWeekDay,
              static_cast<uint16_t>(a),
              static_cast<uint16_t>(b),
              static_cast<uint16_t>(c),
              0,
              7200};
    } else if (Take('J')) {
      if (!Number(365, a) || a < 1) return false;
      date = {Kind::kJulianNoLeap, 0, 0, 0, static_cast<uint16_t>(a), 7200};
    } else {
      if (!Number(365, a)) return false;
      date = {Kind::kZeroBasedDay, 0, 0, 0, static_cast<uint16_t>(a), 7200};
    }
    return !Take('/') || Duration(date.seconds);
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
};

// The UTC day of a switch date in `year`.
int64_t DayOfSwitch(const PosixTzRule::Date& date, int64_t year) noexcept {
  using Kind = PosixTzRule::Date::Kind;
  const int64_t jan1 = DaysFromCivil({year, 1, 1});
  if (date.kind == Kind::kJulianNoLeap) {
    return jan1 + date.day - 1 + (IsLeapYear(year) && date.day >= 60 ? 1 : 0);
  }
  if (date.kind == Kind::kZeroBasedDay) return jan1 + date.day;
  const int64_t first = DaysFromCivil({year, date.month, 1});
  const int64_t first_weekday = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  int64_t day = first + (date.weekday - first_weekday + 7) % 7 + 7 * (date.week - 1);
  // Week 5 is the last such weekday of the month.
  const unsigned next_month = date.month == 12 ? 1 : date.month + 1;
  const int64_t month_end = DaysFromCivil({date.month == 12 ? year + 1 : year, next_month, 1});
  while (day >= month_end) day -= 7;
  return day;
}

}  // namespace

bool IsTimeZoneName(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  size_t part_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const std::string_view part = name.substr(part_start, i - part_start);
      if (part.empty() || part == "." || part == "..") return false;
      part_start = i + 1;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return false;
  }
  return true;
}

int32_t PosixTzRule::OffsetAt(int64_t utc_seconds) const noexcept {
  if (!has_dst) return std_offset;
  const int64_t year = CivilFromDays(FloorDiv(utc_seconds + std_offset, kSecondsPerDay)).year;
  // The start is given in standard time, the end in daylight time.
  const int64_t start =
      DayOfSwitch(dst_start, year) * kSecondsPerDay + dst_start.seconds - std_offset;
  const int64_t end = DayOfSwitch(dst_end, year) * kSecondsPerDay + dst_end.seconds - dst_offset;
  const bool daylight = start < end ? (utc_seconds >= start && utc_seconds < end)
                                    : !(utc_seconds >= end && utc_seconds < start);
  return daylight ? dst_offset : std_offset;
}

Result<PosixTzRule> ParsePosixTz(std::string_view text) {
  using R = Result<PosixTzRule>;
  auto bad = [&]() {
    return R(Error::kInvalidConfig, "time zone rule " + Quoted(text) + " is not a POSIX TZ rule");
  };
  TzText in(text);
  PosixTzRule rule;
  int32_t west = 0;
  if (!in.Abbreviation() || !in.Duration(west)) return bad();
  rule.std_offset = -west;  // POSIX counts west of UTC
  if (in.AtEnd()) return R(rule);
  if (!in.Abbreviation()) return bad();
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (in.Peek() != ',') {
    if (!in.Duration(west)) return bad();
    rule.dst_offset = -west;
  }
  // Without dates POSIX leaves the switches to the implementation: tzdata
  // footers always give them.
  if (!in.Take(',') || !in.Date(rule.dst_start) || !in.Take(',') || !in.Date(rule.dst_end) ||
      !in.AtEnd()) {
    return bad();
  }
  return R(rule);
}

Result<TimeZone> TimeZone::FromTzif(std::string_view name, std::span<const uint8_t> bytes) {
  using R = Result<TimeZone>;
  auto bad = [&](const std::string& why) {
    return R(Error::kInvalidConfig, "time zone " + Quoted(name) + ": " + why);
  };
  size_t at = 0;
  auto u32 = [&](size_t from) {
    return (uint32_t{bytes[from]} << 24) | (uint32_t{bytes[from + 1]} << 16) |
           (uint32_t{bytes[from + 2]} << 8) | uint32_t{bytes[from + 3]};
  };
  struct Counts {
    size_t isut, isstd, leap, time, type, chars;
  };
  auto header = [&](Counts& c) {
    if (bytes.size() - at < 44 || bytes[at] != 'T' || bytes[at + 1] != 'Z' ||
        bytes[at + 2] != 'i' || bytes[at + 3] != 'f') {
      return false;
    }
    c = {u32(at + 20), u32(at + 24), u32(at + 28), u32(at + 32), u32(at + 36), u32(at + 40)};
    at += 44;
    return c.type >= 1 && c.type <= 256 && c.time <= 100000 && c.leap <= 100000;
  };
  Counts v1{};
  if (!header(v1)) return bad("not a TZif file");
  if (bytes[4] < '2') return bad("TZif version 1 has no 64-bit data");
  // Skip the 32-bit block: the 64-bit one follows with its own header.
  const size_t v1_size = v1.time * 5 + v1.type * 6 + v1.chars + v1.leap * 8 + v1.isstd + v1.isut;
  if (bytes.size() - at < v1_size) return bad("truncated");
  at += v1_size;
  Counts c{};
  if (!header(c)) return bad("no 64-bit TZif block");
  const size_t size = c.time * 9 + c.type * 6 + c.chars + c.leap * 12 + c.isstd + c.isut;
  if (bytes.size() - at < size) return bad("truncated");
  TimeZone zone;
  zone.name_ = std::string(name);
  std::vector<int32_t> type_offsets(c.type);
  const size_t types_at = at + c.time * 9;
  for (size_t i = 0; i < c.type; ++i) {
    type_offsets[i] = static_cast<int32_t>(u32(types_at + i * 6));
    if (type_offsets[i] < -25 * 3600 || type_offsets[i] > 26 * 3600)
      return bad("offset out of range");
  }
  zone.initial_offset_ = type_offsets[0];
  for (size_t i = 0; i < c.time; ++i) {
    const auto t = static_cast<int64_t>((uint64_t{u32(at + i * 8)} << 32) | u32(at + i * 8 + 4));
    const uint8_t type = bytes[at + c.time * 8 + i];
    if (type >= c.type) return bad("transition type out of range");
    if (!zone.transitions_.empty() && t <= zone.transitions_.back())
      return bad("transitions out of order");
    zone.transitions_.push_back(t);
    zone.offsets_.push_back(type_offsets[type]);
  }
  at += size;
  // The footer: "\n<POSIX TZ>\n"; empty when the table says it all.
  if (at < bytes.size()) {
    if (bytes[at] != '\n') return bad("no footer");
    const auto begin = reinterpret_cast<const char*>(bytes.data()) + at + 1;
    const std::string_view rest(begin, bytes.size() - at - 1);
    const size_t end = rest.find('\n');
    if (end == std::string_view::npos) return bad("unterminated footer");
    if (end > 0) {
      auto rule = ParsePosixTz(rest.substr(0, end));
      if (!rule.ok()) return bad(rule.message());
      zone.footer_ = rule.value();
      zone.has_footer_ = true;
    }
  }
  return R(std::move(zone));
}

int32_t TimeZone::OffsetAt(int64_t utc_seconds) const noexcept {
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (after == transitions_.begin()) {
    // Before the first transition; a zone of no transitions is its footer.
    return transitions_.empty() && has_footer_ ? footer_.OffsetAt(utc_seconds) : initial_offset_;
  }
  if (after == transitions_.end() && has_footer_) return footer_.OffsetAt(utc_seconds);
  return offsets_[static_cast<size_t>(after - transitions_.begin()) - 1];
}

uint32_t TimeZone::DayOfMinute(uint32_t utc_minute) const noexcept {
  const int64_t seconds = int64_t{utc_minute} * 60;
  const int64_t day = FloorDiv(seconds + OffsetAt(seconds), kSecondsPerDay);
  return day < 0 ? 0 : static_cast<uint32_t>(day);
}

uint32_t TimeZone::DayOfMs(int64_t utc_ms) const noexcept {
  if (utc_ms <= 0) return 0;
  const int64_t seconds = utc_ms / 1000;
  const int64_t day = FloorDiv(seconds + OffsetAt(seconds), kSecondsPerDay);
  return day < 0 ? 0 : static_cast<uint32_t>(day);
}

}  // namespace microconv
