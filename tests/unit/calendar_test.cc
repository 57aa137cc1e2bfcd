#include "core/calendar.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace microconv {
namespace {

// 9999-12-31: the last day ParseDay's four-digit years reach.
constexpr uint32_t kLastFourDigitDay = 2932896;

TEST(DateOfDayTest, KnownDates) {
  EXPECT_EQ(DateOfDay(0), "1970-01-01");
  EXPECT_EQ(DateOfDay(59), "1970-03-01");
  EXPECT_EQ(DateOfDay(11016), "2000-02-29");
  EXPECT_EQ(DateOfDay(20000), "2024-10-04");
  EXPECT_EQ(DateOfDay(kLastFourDigitDay), "9999-12-31");
  EXPECT_EQ(DateOfDay(kLastFourDigitDay + 1), "10000-01-01");
}

TEST(ParseDayTest, ValidDates) {
  uint32_t day = 7;
  ASSERT_TRUE(ParseDay("1970-01-01", day));
  EXPECT_EQ(day, 0u);
  ASSERT_TRUE(ParseDay("1970-03-01", day));
  EXPECT_EQ(day, 59u);
  ASSERT_TRUE(ParseDay("2000-02-29", day));  // a leap century
  EXPECT_EQ(day, 11016u);
  ASSERT_TRUE(ParseDay("2024-02-29", day));
  EXPECT_EQ(day, 19782u);
  ASSERT_TRUE(ParseDay("2024-10-04", day));
  EXPECT_EQ(day, 20000u);
  ASSERT_TRUE(ParseDay("2024-12-31", day));
  EXPECT_EQ(day, 20088u);
  ASSERT_TRUE(ParseDay("9999-12-31", day));
  EXPECT_EQ(day, kLastFourDigitDay);
}

TEST(ParseDayTest, RejectsDatesNotOnTheCalendar) {
  uint32_t day = 7;
  EXPECT_FALSE(ParseDay("2100-02-29", day));  // a common century year
  EXPECT_FALSE(ParseDay("2023-02-29", day));
  EXPECT_FALSE(ParseDay("2024-02-30", day));
  EXPECT_FALSE(ParseDay("2024-04-31", day));
  EXPECT_FALSE(ParseDay("2024-06-31", day));
  EXPECT_FALSE(ParseDay("2024-01-32", day));
  EXPECT_FALSE(ParseDay("2024-13-01", day));
  EXPECT_FALSE(ParseDay("2024-00-10", day));
  EXPECT_FALSE(ParseDay("2024-01-00", day));
  EXPECT_FALSE(ParseDay("1969-12-31", day));  // before the epoch
  EXPECT_FALSE(ParseDay("0000-01-01", day));
  EXPECT_EQ(day, 7u);  // untouched on failure
}

TEST(ParseDayTest, RejectsAnythingButExactYyyyMmDd) {
  uint32_t day = 7;
  for (const char* text : {"", "2024-1-01", "2024-01-1", "24-01-01", "2024-01-01 ", " 2024-01-01",
                           "2024/01/01", "2024-01-0a", "+024-01-01", "2024-+1-01", "2024-01--1",
                           "20240101", "10000-01-01", "2024-01-01T00:00"}) {
    EXPECT_FALSE(ParseDay(text, day)) << text;
  }
  EXPECT_EQ(day, 7u);
}

TEST(ParseDayTest, RoundTripsEveryFourDigitDay) {
  uint32_t failures = 0;
  for (uint32_t day = 0; day <= kLastFourDigitDay; ++day) {
    uint32_t back = 0;
    if (!ParseDay(DateOfDay(day), back) || back != day) ++failures;
  }
  EXPECT_EQ(failures, 0u);
}

TEST(CivilDaysTest, NegativeDaysAreBeforeTheEpoch) {
  const CivilDate before = CivilFromDays(-1);
  EXPECT_EQ(before.year, 1969);
  EXPECT_EQ(before.month, 12u);
  EXPECT_EQ(before.day, 31u);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil({1600, 3, 1}), -135080);
  const CivilDate back = CivilFromDays(-135080);
  EXPECT_EQ(back.year, 1600);
  EXPECT_EQ(back.month, 3u);
  EXPECT_EQ(back.day, 1u);
}

}  // namespace
}  // namespace microconv
