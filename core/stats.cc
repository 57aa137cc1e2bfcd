#include "core/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace microconv {

size_t DurationHistogram::BucketOf(uint32_t ds) noexcept {
  if (ds < kExactBuckets) return ds;
  const uint32_t octave = static_cast<uint32_t>(std::bit_width(ds)) - 1;  // >= 4
  if (octave > kMaxOctave) return kBuckets - 1;
  const uint32_t sub = (ds >> (octave - 3)) & (kSubBuckets - 1);
  return kExactBuckets + (octave - 4) * kSubBuckets + sub;
}

uint32_t DurationHistogram::BucketLow(size_t b) noexcept {
  if (b < kExactBuckets) return static_cast<uint32_t>(b);
  const uint32_t octave = static_cast<uint32_t>((b - kExactBuckets) / kSubBuckets) + 4;
  const uint32_t sub = static_cast<uint32_t>((b - kExactBuckets) % kSubBuckets);
  return (1u << octave) + sub * (1u << (octave - 3));
}

uint32_t DurationHistogram::BucketHigh(size_t b) noexcept {
  if (b < kExactBuckets) return static_cast<uint32_t>(b) + 1;
  const uint32_t octave = static_cast<uint32_t>((b - kExactBuckets) / kSubBuckets) + 4;
  return BucketLow(b) + (1u << (octave - 3));
}

void DurationHistogram::AddToBucket(size_t b, uint64_t count) noexcept {
  if (b >= kBuckets) return;
  counts_[b] += count;
  total_ += count;
}

void DurationHistogram::Merge(const DurationHistogram& other) noexcept {
  for (size_t b = 0; b < kBuckets; ++b) counts_[b] += other.counts_[b];
  total_ += other.total_;
  sum_ += other.sum_;
}

void DurationHistogram::Unmerge(const DurationHistogram& other) noexcept {
  for (size_t b = 0; b < kBuckets; ++b) counts_[b] -= other.counts_[b];
  total_ -= other.total_;
  sum_ -= other.sum_;
}

double DurationHistogram::Quantile(double q, uint64_t k) const {
  if (total_ == 0 || total_ < k) return 0;
  if (!(q > 0)) q = 0;  // also catches NaN
  if (q > 1) q = 1;
  // Nearest rank: the smallest value with at least ceil(q * n) values <= it.
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (const BucketRun& run : KRuns(counts_, k)) {
    seen += run.count;
    if (seen >= rank) {
      return (static_cast<double>(BucketLow(run.first)) +
              static_cast<double>(BucketHigh(run.last) - 1)) /
             2;
    }
  }
  return static_cast<double>(BucketLow(kBuckets - 1));
}

double DurationHistogram::Mean() const noexcept {
  return total_ == 0 ? 0 : static_cast<double>(sum_) / static_cast<double>(total_);
}

std::vector<BucketRun> KRuns(std::span<const uint64_t> counts, uint64_t k) {
  std::vector<BucketRun> runs;
  BucketRun open;
  bool any = false;
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    if (!any) open = {b, b, 0};
    any = true;
    open.last = b;
    open.count += counts[b];
    if (open.count >= k) {
      runs.push_back(open);
      any = false;
    }
  }
  if (any && !runs.empty()) {
    runs.back().last = open.last;
    runs.back().count += open.count;
  }
  return runs;
}

Interval WilsonInterval(uint64_t successes, uint64_t trials, double z) noexcept {
  if (trials == 0) return {0, 1};
  if (successes > trials) successes = trials;
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  Interval interval{center - half, center + half};
  // Rounding can push the bounds a hair past the proportion or [0, 1].
  if (interval.low < 0 || successes == 0) interval.low = 0;
  if (interval.high > 1 || successes == trials) interval.high = 1;
  return interval;
}

ProportionDifference NewcombeDifference(uint64_t successes1, uint64_t trials1, uint64_t successes2,
                                        uint64_t trials2, double z) noexcept {
  ProportionDifference result;
  result.p1 = Ratio(successes1, trials1);
  result.p2 = Ratio(successes2, trials2);
  result.difference = result.p1 - result.p2;
  const Interval w1 = WilsonInterval(successes1, trials1, z);
  const Interval w2 = WilsonInterval(successes2, trials2, z);
  const double d = result.difference;
  result.interval.low = d - std::sqrt((result.p1 - w1.low) * (result.p1 - w1.low) +
                                      (w2.high - result.p2) * (w2.high - result.p2));
  result.interval.high = d + std::sqrt((w1.high - result.p1) * (w1.high - result.p1) +
                                       (result.p2 - w2.low) * (result.p2 - w2.low));
  result.significant =
      trials1 > 0 && trials2 > 0 && (result.interval.low > 0 || result.interval.high < 0);
  return result;
}

ChangeTest TwoProportionZTest(uint64_t successes1, uint64_t trials1, uint64_t successes2,
                              uint64_t trials2) noexcept {
  ChangeTest test;
  if (trials1 == 0 || trials2 == 0) return test;
  successes1 = std::min(successes1, trials1);
  successes2 = std::min(successes2, trials2);
  const double n1 = static_cast<double>(trials1);
  const double n2 = static_cast<double>(trials2);
  const double pooled = static_cast<double>(successes1 + successes2) / (n1 + n2);
  const double variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance <= 0) return test;
  test.z = (static_cast<double>(successes1) / n1 - static_cast<double>(successes2) / n2) /
           std::sqrt(variance);
  test.significant = std::fabs(test.z) > kZ95;
  return test;
}

ChangeTest PoissonRateTest(uint64_t count1, double exposure1, uint64_t count2,
                           double exposure2) noexcept {
  ChangeTest test;
  if (exposure1 <= 0 || exposure2 <= 0 || count1 + count2 == 0) return test;
  const double c1 = static_cast<double>(count1);
  const double c2 = static_cast<double>(count2);
  const double variance = c1 / (exposure1 * exposure1) + c2 / (exposure2 * exposure2);
  test.z = (c1 / exposure1 - c2 / exposure2) / std::sqrt(variance);
  test.significant = std::fabs(test.z) > kZ95;
  return test;
}

double Ratio(uint64_t numerator, uint64_t denominator) noexcept {
  return denominator == 0 ? 0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace microconv
