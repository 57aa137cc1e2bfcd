// The numbers a report shows, rounded once: the JSON of GET /api/report
// carries rates with four decimals and seconds with one (RoundedText), and
// every reader shows those values, not the unrounded ones. The dashboard
// formats the JSON's value (web/dashboard/format.js); the CLI's table and
// CSV take the same rounded value here and format it with the same rule
// (PercentText, DurationText), so a median reads 4.6 s everywhere.
// tests/golden/display_numbers.json holds the cases both sides must agree
// on (tests/unit/display_numbers_test.cc, tests/web/display_numbers.test.mjs).
#ifndef MICROCONV_CORE_DISPLAY_NUMBERS_H_
#define MICROCONV_CORE_DISPLAY_NUMBERS_H_

#include <cstdint>
#include <string>

namespace microconv {

inline constexpr int kRateDecimals = 4;
inline constexpr int kSecondsDecimals = 1;

// `value` rounded to `decimals` places (half away from zero, once, in
// integer arithmetic so the text is identical natively and in Wasm),
// trailing zeros dropped: "0.1235", "4.6", "3". Empty when not finite or
// too large to scale.
std::string RoundedText(double value, int decimals);

// The double that RoundedText's text parses to (what JSON.parse gives the
// dashboard): 1235 / 10^4 is correctly rounded like strtod("0.1235").
double Rounded(double value, int decimals);

// A rate (0..1) and a duration as the report's JSON carries them.
inline double ShownRate(double rate) { return Rounded(rate, kRateDecimals); }
inline double ShownSeconds(double deciseconds) {
  return Rounded(deciseconds / 10, kSecondsDecimals);
}

// The dashboard's formatPercent of the JSON rate: "12.3 %" (one decimal of
// rate * 100, as Number.prototype.toFixed(1) writes it).
std::string PercentText(double rate);

// The dashboard's formatPercent with a sign, in points: "+4.2 pp", "-0.5 pp".
std::string PointsText(double difference);

// The dashboard's formatDuration of the JSON seconds: "4.6 s" under 10 s,
// "46 s" under a minute, "1 min 26 s", "2 h 5 min".
std::string DurationText(double deciseconds);

// Cents as major units with two decimals ("149.90"), as the dashboard's
// CSV and the CLI write money.
std::string MoneyText(uint64_t cents);

}  // namespace microconv

#endif  // MICROCONV_CORE_DISPLAY_NUMBERS_H_
