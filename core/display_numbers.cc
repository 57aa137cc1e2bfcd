#include "core/display_numbers.h"

#include <cmath>
#include <cstdint>

namespace microconv {
namespace {

int64_t Scale(int decimals) {
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  return scale;
}

int ClampDecimals(int decimals) { return decimals < 0 ? 0 : decimals > 9 ? 9 : decimals; }

bool Scalable(double value, int64_t scale) {
  return std::isfinite(value) && std::fabs(value) * static_cast<double>(scale) <= 9e18;
}

// JavaScript's Math.round: the nearest integer, ties toward +infinity
// (exact, unlike floor(x + 0.5) at 0.49999999999999994).
double JsRound(double x) {
  const double floor = std::floor(x);
  return x - floor >= 0.5 ? floor + 1 : floor;
}

// Number.prototype.toFixed(1): the integer n nearest to 10 * value on the
// value's exact binary expansion (ties up), as JavaScript defines it; fma
// gives the exact sign of 10 * value - c, so no printf (the core has none:
// wasm/embind_types.cc) and no double rounding of 10 * value.
std::string OneDecimal(double value) {
  const double x = std::fabs(value);
  double n = std::floor(x * 10);
  while (n > 0 && std::fma(x, 10, -n) < 0) n -= 1;
  while (std::fma(x, 10, -(n + 1)) >= 0) n += 1;
  if (std::fma(x, 10, -(n + 0.5)) >= 0) n += 1;
  const auto tenths = static_cast<unsigned long long>(n);
  std::string text = value < 0 ? "-" : "";
  text += std::to_string(tenths / 10);
  text += '.';
  text += std::to_string(tenths % 10);
  return text;
}

}  // namespace

std::string RoundedText(double value, int decimals) {
  decimals = ClampDecimals(decimals);
  const int64_t scale = Scale(decimals);
  if (!Scalable(value, scale)) return "";
  const int64_t scaled = std::llround(value * static_cast<double>(scale));
  const uint64_t magnitude =
      scaled < 0 ? 0 - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  std::string out = scaled < 0 ? "-" : "";
  out += std::to_string(magnitude / static_cast<uint64_t>(scale));
  if (decimals == 0) return out;
  std::string fraction = std::to_string(magnitude % static_cast<uint64_t>(scale));
  fraction.insert(0, static_cast<size_t>(decimals) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

double Rounded(double value, int decimals) {
  decimals = ClampDecimals(decimals);
  const int64_t scale = Scale(decimals);
  if (!Scalable(value, scale)) return value;
  return static_cast<double>(std::llround(value * static_cast<double>(scale))) /
         static_cast<double>(scale);
}

std::string PercentText(double rate) { return OneDecimal(ShownRate(rate) * 100) + " %"; }

std::string PointsText(double difference) {
  const double points = ShownRate(difference) * 100;
  const char* sign = points > 0 ? "+" : points < 0 ? "\u2212" : "";
  return sign + OneDecimal(std::fabs(points)) + " pp";
}

std::string DurationText(double deciseconds) {
  const double seconds = ShownSeconds(deciseconds);
  if (!std::isfinite(seconds)) return "";
  if (seconds < 60) {
    if (seconds < 10) return OneDecimal(seconds) + " s";
    return std::to_string(static_cast<long long>(JsRound(seconds))) + " s";
  }
  const auto text = [](double n) { return std::to_string(static_cast<long long>(n)); };
  if (seconds < 3600) {
    const double minutes = std::floor(seconds / 60);
    const double rest = JsRound(seconds - minutes * 60);
    return rest != 0 ? text(minutes) + " min " + text(rest) + " s" : text(minutes) + " min";
  }
  const double hours = std::floor(seconds / 3600);
  const double minutes = JsRound((seconds - hours * 3600) / 60);
  return minutes != 0 ? text(hours) + " h " + text(minutes) + " min" : text(hours) + " h";
}

std::string MoneyText(uint64_t cents) {
  const std::string fraction = std::to_string(cents % 100);
  return std::to_string(cents / 100) + (fraction.size() < 2 ? ".0" : ".") + fraction;
}

}  // namespace microconv
