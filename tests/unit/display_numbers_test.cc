// The one rounding of report numbers and the dashboard's way of showing
// them, case by case from tests/golden/display_numbers.tsv, which
// tests/web/display_numbers.test.mjs runs through web/dashboard/format.js.
#include "core/display_numbers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace microconv {
namespace {

struct Case {
  std::string kind, raw, json, shown;
};

std::vector<Case> ReadCases() {
  std::ifstream in(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/display_numbers.tsv");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Case c;
    std::getline(fields, c.kind, '\t');
    std::getline(fields, c.raw, '\t');
    std::getline(fields, c.json, '\t');
    std::getline(fields, c.shown, '\t');
    cases.push_back(c);
  }
  return cases;
}

TEST(DisplayNumbersTest, RoundedOnceThenShownAsTheDashboardShowsIt) {
  const std::vector<Case> cases = ReadCases();
  ASSERT_GE(cases.size(), 20u);
  for (const Case& c : cases) {
    const double raw = std::strtod(c.raw.c_str(), nullptr);
    if (c.kind == "seconds") {
      EXPECT_EQ(RoundedText(raw / 10, kSecondsDecimals), c.json) << c.raw;
      EXPECT_EQ(ShownSeconds(raw), std::strtod(c.json.c_str(), nullptr)) << c.raw;
      EXPECT_EQ(DurationText(raw), c.shown) << c.raw;
    } else {
      EXPECT_EQ(RoundedText(raw, kRateDecimals), c.json) << c.raw;
      EXPECT_EQ(ShownRate(raw), std::strtod(c.json.c_str(), nullptr)) << c.raw;
      EXPECT_EQ(c.kind == "percent" ? PercentText(raw) : PointsText(raw), c.shown) << c.raw;
    }
  }
}

TEST(DisplayNumbersTest, RoundedTextLimits) {
  EXPECT_EQ(RoundedText(2.5, 0), "3");
  EXPECT_EQ(RoundedText(-2.5, 0), "-3");
  EXPECT_EQ(RoundedText(1.0 / 0.0, 2), "");
  EXPECT_EQ(RoundedText(1e300, 2), "");
  EXPECT_EQ(MoneyText(89400), "894.00");
  EXPECT_EQ(MoneyText(5), "0.05");
  EXPECT_EQ(MoneyText(14990), "149.90");
}

}  // namespace
}  // namespace microconv
