#include "core/time_zone.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/calendar.h"

namespace microconv {
namespace {

// The system's tzdata (Debian `tzdata`, in tools/setup.sh): the real rules
// the collector reads. Expected offsets below are from the IANA rules as
// published (and cross-checked with Python's zoneinfo), not from this code.
TimeZone Zone(const std::string& name) {
  std::ifstream file("/usr/share/zoneinfo/" + name, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  auto zone = TimeZone::FromTzif(name, bytes);
  EXPECT_TRUE(zone.ok()) << name << ": " << zone.message();
  return zone.ok() ? zone.value() : TimeZone();
}

int64_t Utc(int64_t y, unsigned m, unsigned d, int hour, int minute) {
  return DaysFromCivil({y, m, d}) * 86400 + hour * 3600 + minute * 60;
}

uint32_t Day(int64_t y, unsigned m, unsigned d) {
  return static_cast<uint32_t>(DaysFromCivil({y, m, d}));
}

// Minutes of the UTC timeline the zone counts as local day `day`.
int64_t MinutesOfLocalDay(const TimeZone& zone, uint32_t day) {
  int64_t minutes = 0;
  const auto first = static_cast<uint32_t>((int64_t{day} - 1) * 1440);
  for (uint32_t m = first; m < first + 3 * 1440; ++m) minutes += zone.DayOfMinute(m) == day;
  return minutes;
}

TEST(TimeZoneTest, UtcIsTheDefault) {
  const TimeZone utc;
  EXPECT_EQ(utc.name(), "UTC");
  EXPECT_EQ(utc.OffsetAt(Utc(2026, 3, 29, 1, 0)), 0);
  EXPECT_EQ(utc.DayOfMinute(Day(2026, 3, 29) * 1440 + 1439), Day(2026, 3, 29));
  EXPECT_EQ(utc.DayOfMs(int64_t{Day(2026, 3, 30)} * 86400000), Day(2026, 3, 30));
}

TEST(TimeZoneTest, BerlinSwitchesAtOneUtc) {
  const TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.name(), "Europe/Berlin");
  EXPECT_EQ(berlin.OffsetAt(Utc(2026, 3, 29, 0, 59)), 3600);
  EXPECT_EQ(berlin.OffsetAt(Utc(2026, 3, 29, 1, 0)), 7200);
  EXPECT_EQ(berlin.OffsetAt(Utc(2026, 10, 25, 0, 59)), 7200);
  EXPECT_EQ(berlin.OffsetAt(Utc(2026, 10, 25, 1, 0)), 3600);
  // 23:30 UTC is already tomorrow in Berlin, summer and winter.
  EXPECT_EQ(berlin.DayOfMinute(static_cast<uint32_t>(Utc(2026, 1, 14, 23, 30) / 60)),
            Day(2026, 1, 15));
  EXPECT_EQ(berlin.DayOfMinute(static_cast<uint32_t>(Utc(2026, 7, 14, 22, 30) / 60)),
            Day(2026, 7, 15));
  EXPECT_EQ(berlin.DayOfMinute(static_cast<uint32_t>(Utc(2026, 7, 14, 21, 59) / 60)),
            Day(2026, 7, 14));
}

TEST(TimeZoneTest, DaylightSavingDaysLastTwentyThreeAndTwentyFiveHours) {
  const TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(MinutesOfLocalDay(berlin, Day(2026, 3, 28)), 24 * 60);
  EXPECT_EQ(MinutesOfLocalDay(berlin, Day(2026, 3, 29)), 23 * 60);
  EXPECT_EQ(MinutesOfLocalDay(berlin, Day(2026, 10, 25)), 25 * 60);
  const TimeZone los_angeles = Zone("America/Los_Angeles");
  EXPECT_EQ(MinutesOfLocalDay(los_angeles, Day(2026, 3, 8)), 23 * 60);
  EXPECT_EQ(MinutesOfLocalDay(los_angeles, Day(2026, 11, 1)), 25 * 60);
}

TEST(TimeZoneTest, WestOfUtcDaysStartLate) {
  const TimeZone los_angeles = Zone("America/Los_Angeles");
  EXPECT_EQ(los_angeles.OffsetAt(Utc(2026, 3, 8, 9, 59)), -8 * 3600);
  EXPECT_EQ(los_angeles.OffsetAt(Utc(2026, 3, 8, 10, 0)), -7 * 3600);
  EXPECT_EQ(los_angeles.OffsetAt(Utc(2026, 11, 1, 8, 59)), -7 * 3600);
  EXPECT_EQ(los_angeles.OffsetAt(Utc(2026, 11, 1, 9, 0)), -8 * 3600);
  // 06:59 UTC on 15 January is still the 14th in Los Angeles.
  EXPECT_EQ(los_angeles.DayOfMinute(static_cast<uint32_t>(Utc(2026, 1, 15, 7, 59) / 60)),
            Day(2026, 1, 14));
  EXPECT_EQ(los_angeles.DayOfMinute(static_cast<uint32_t>(Utc(2026, 1, 15, 8, 0) / 60)),
            Day(2026, 1, 15));
}

TEST(TimeZoneTest, HalfHourZone) {
  const TimeZone kolkata = Zone("Asia/Kolkata");
  EXPECT_EQ(kolkata.OffsetAt(Utc(2026, 6, 1, 12, 0)), 5 * 3600 + 1800);
  EXPECT_EQ(kolkata.DayOfMinute(static_cast<uint32_t>(Utc(2026, 6, 1, 18, 29) / 60)),
            Day(2026, 6, 1));
  EXPECT_EQ(kolkata.DayOfMinute(static_cast<uint32_t>(Utc(2026, 6, 1, 18, 30) / 60)),
            Day(2026, 6, 2));
  EXPECT_EQ(MinutesOfLocalDay(kolkata, Day(2026, 6, 1)), 24 * 60);
}

TEST(TimeZoneTest, PastTheLastTransitionTheFooterRuleApplies) {
  // Debian's files list transitions to 2037: 2100 is the footer's.
  const TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.OffsetAt(Utc(2100, 3, 28, 0, 59)), 3600);
  EXPECT_EQ(berlin.OffsetAt(Utc(2100, 3, 28, 1, 0)), 7200);
  EXPECT_EQ(berlin.OffsetAt(Utc(2100, 10, 31, 0, 59)), 7200);
  EXPECT_EQ(berlin.OffsetAt(Utc(2100, 10, 31, 1, 0)), 3600);
  EXPECT_EQ(MinutesOfLocalDay(berlin, Day(2100, 3, 28)), 23 * 60);
  // The southern hemisphere: daylight time spans the new year.
  const TimeZone sydney = Zone("Australia/Sydney");
  EXPECT_EQ(sydney.OffsetAt(Utc(2099, 1, 10, 0, 0)), 11 * 3600);
  EXPECT_EQ(sydney.OffsetAt(Utc(2099, 4, 4, 15, 59)), 11 * 3600);
  EXPECT_EQ(sydney.OffsetAt(Utc(2099, 4, 4, 16, 0)), 10 * 3600);
  EXPECT_EQ(sydney.OffsetAt(Utc(2099, 10, 3, 15, 59)), 10 * 3600);
  EXPECT_EQ(sydney.OffsetAt(Utc(2099, 10, 3, 16, 0)), 11 * 3600);
}

// A TZif v2 file of no transitions, one type and a footer: what a "slim"
// tzdata build holds for a zone whose rules have not changed lately.
std::vector<uint8_t> FooterOnlyTzif(const std::string& footer, int32_t offset) {
  std::vector<uint8_t> out;
  auto header = [&](uint32_t chars) {
    const char magic[] = {'T', 'Z', 'i', 'f', '2'};
    out.insert(out.end(), magic, magic + 5);
    out.insert(out.end(), 15, 0);
    for (uint32_t count : {0u, 0u, 0u, 0u, 1u, chars}) {
      for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(count >> shift));
    }
  };
  auto type = [&] {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(offset >> shift));
    out.push_back(0);  // isdst
    out.push_back(0);  // abbreviation index
    out.insert(out.end(), {'S', 'T', 'D', 0});
  };
  header(4);
  type();
  header(4);
  type();
  out.push_back('\n');
  out.insert(out.end(), footer.begin(), footer.end());
  out.push_back('\n');
  return out;
}

TEST(TimeZoneTest, SlimFileFollowsItsFooter) {
  auto zone = TimeZone::FromTzif("Test/Slim", FooterOnlyTzif("CET-1CEST,M3.5.0,M10.5.0/3", 3600));
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone.value().OffsetAt(Utc(2026, 3, 29, 0, 59)), 3600);
  EXPECT_EQ(zone.value().OffsetAt(Utc(2026, 3, 29, 1, 0)), 7200);
  EXPECT_EQ(zone.value().OffsetAt(Utc(2026, 10, 25, 1, 0)), 3600);
  auto fixed = TimeZone::FromTzif("Test/Fixed", FooterOnlyTzif("<+0530>-5:30", 19800));
  ASSERT_TRUE(fixed.ok()) << fixed.message();
  EXPECT_EQ(fixed.value().OffsetAt(Utc(2030, 1, 1, 0, 0)), 19800);
}

TEST(PosixTzTest, ParsesTheRuleForms) {
  auto ny = ParsePosixTz("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(ny.ok()) << ny.message();
  EXPECT_EQ(ny.value().std_offset, -5 * 3600);
  EXPECT_EQ(ny.value().dst_offset, -4 * 3600);
  EXPECT_EQ(ny.value().OffsetAt(Utc(2026, 3, 8, 6, 59)), -5 * 3600);
  EXPECT_EQ(ny.value().OffsetAt(Utc(2026, 3, 8, 7, 0)), -4 * 3600);
  // Julian day 60 is 1 March, leap year or not; zero-based 59 is 1 March
  // of a common year only.
  auto julian = ParsePosixTz("AAA0BBB,J60/0,J305/0");
  ASSERT_TRUE(julian.ok()) << julian.message();
  EXPECT_EQ(julian.value().OffsetAt(Utc(2028, 2, 29, 23, 59)), 0);
  EXPECT_EQ(julian.value().OffsetAt(Utc(2028, 3, 1, 0, 0)), 3600);
  auto zero_based = ParsePosixTz("AAA0BBB,59/0,304/0");
  ASSERT_TRUE(zero_based.ok());
  EXPECT_EQ(zero_based.value().OffsetAt(Utc(2028, 2, 29, 0, 0)), 3600);
  EXPECT_EQ(zero_based.value().OffsetAt(Utc(2027, 2, 28, 23, 59)), 0);
  // Switch times past 24 h (TZif v3), as e.g. America/Godthab's.
  auto late = ParsePosixTz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_TRUE(late.ok()) << late.message();
  for (const char* bad : {"", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CE-1",
                          "CET-1CEST,M3.5.0,M10.5.0,", "CET-1CEST,J0,J300"}) {
    EXPECT_FALSE(ParsePosixTz(bad).ok()) << bad;
  }
}

TEST(TimeZoneTest, RejectsWhatIsNotTzif) {
  const std::vector<uint8_t> text = {'E', 'u', 'r', 'o', 'p', 'e'};
  auto zone = TimeZone::FromTzif("Europe", text);
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.message().find("\"Europe\""), std::string::npos) << zone.message();
  std::vector<uint8_t> cut = FooterOnlyTzif("CET-1CEST,M3.5.0,M10.5.0/3", 3600);
  cut.resize(60);
  EXPECT_FALSE(TimeZone::FromTzif("Test/Cut", cut).ok());
  std::vector<uint8_t> bad_footer = FooterOnlyTzif("nonsense", 0);
  EXPECT_FALSE(TimeZone::FromTzif("Test/Bad", bad_footer).ok());
}

TEST(TimeZoneNameTest, ShapeOfIanaNames) {
  for (const char* good : {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                           "America/Port-au-Prince", "EST5EDT"}) {
    EXPECT_TRUE(IsTimeZoneName(good)) << good;
  }
  for (const char* bad : {"", "/etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin",
                          "Europe/Berlin/", "Europe/Berl in", "Europe\\Berlin", "..", "Europe/."}) {
    EXPECT_FALSE(IsTimeZoneName(bad)) << bad;
  }
}

}  // namespace
}  // namespace microconv
