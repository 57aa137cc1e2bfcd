// Mergeable statistics for reports: a fixed log-scale duration histogram
// (so medians and percentiles come from merged histograms, never from raw
// sessions) and confidence intervals for rates and differences of rates.
#ifndef MICROCONV_CORE_STATS_H_
#define MICROCONV_CORE_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace microconv {

// A run of adjacent buckets [first, last] of a histogram and the
// observations in it.
struct BucketRun {
  size_t first = 0;
  size_t last = 0;
  uint64_t count = 0;
};

// k-anonymity for distributions (SPEC section 7): the non-empty buckets of
// `counts`, in order, merged into runs of at least `k` observations; a
// remainder under k joins the run before it. Empty when the total is under
// k. With k <= 1 every non-empty bucket is its own run. A report shows only
// these runs (and quantiles taken from them), so no bucket it shows is
// backed by 1..k-1 sessions, however the sessions are spread.
std::vector<BucketRun> KRuns(std::span<const uint64_t> counts, uint64_t k);

// Durations in deciseconds, bucketed on a fixed log scale shared by every
// build, so histograms merge by adding counts:
// - values 0..15 have one bucket each (exact);
// - from 16 on, each power-of-two octave [2^e, 2^(e+1)) is split into 8
//   equal buckets of width 2^(e-3);
// - values >= 2^24 ds (about 19.4 days) land in the last bucket.
// A quantile is reported as the midpoint of the bucket holding the
// nearest-rank quantile, so it is within 1/16 (6.25 %) of the exact
// nearest-rank value below 2^24 ds, and exact below 16 ds.
class DurationHistogram {
 public:
  static constexpr uint32_t kExactBuckets = 16;
  static constexpr uint32_t kSubBuckets = 8;
  static constexpr uint32_t kMaxOctave = 23;  // octaves 4..23
  static constexpr size_t kBuckets = kExactBuckets + (kMaxOctave - 3) * kSubBuckets;  // 176

  static size_t BucketOf(uint32_t ds) noexcept;
  // Smallest value of bucket `b`, and one past its largest value.
  static uint32_t BucketLow(size_t b) noexcept;
  static uint32_t BucketHigh(size_t b) noexcept;

  void Add(uint32_t ds) noexcept {
    ++counts_[BucketOf(ds)];
    ++total_;
    sum_ += ds;
  }
  // Takes back an earlier Add(ds): every figure is a sum, so this is exact.
  void Remove(uint32_t ds) noexcept {
    --counts_[BucketOf(ds)];
    --total_;
    sum_ -= ds;
  }
  // Adds `count` observations in bucket `b` (deserialising); sum unchanged.
  void AddToBucket(size_t b, uint64_t count) noexcept;
  void Merge(const DurationHistogram& other) noexcept;
  // Takes back an earlier Merge(other).
  void Unmerge(const DurationHistogram& other) noexcept;

  uint64_t total() const noexcept { return total_; }
  // Exact sum of the observed values (for means).
  uint64_t sum() const noexcept { return sum_; }
  void set_sum(uint64_t sum) noexcept { sum_ = sum; }
  uint64_t count(size_t b) const noexcept { return counts_[b]; }

  // Nearest-rank quantile, q in [0, 1], as the midpoint of the holding run
  // of KRuns(counts, k) (the holding bucket when k <= 1); 0 when the total is
  // under k or empty.
  double Quantile(double q, uint64_t k = 1) const;
  std::span<const uint64_t> counts() const noexcept { return counts_; }
  double Mean() const noexcept;

  bool operator==(const DurationHistogram&) const = default;

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
};

// A two-sided interval.
struct Interval {
  double low = 0;
  double high = 0;
};

inline constexpr double kZ95 = 1.959963984540054;

// Wilson score interval for `successes` out of `trials`; [0, 1] when
// trials == 0.
Interval WilsonInterval(uint64_t successes, uint64_t trials, double z = kZ95) noexcept;

// Difference of two independent proportions p1 - p2 with Newcombe's hybrid
// score interval (method 10: built from the two Wilson intervals).
struct ProportionDifference {
  double p1 = 0;
  double p2 = 0;
  double difference = 0;
  Interval interval;
  // Both groups non-empty and the interval excludes 0.
  bool significant = false;
};
ProportionDifference NewcombeDifference(uint64_t successes1, uint64_t trials1, uint64_t successes2,
                                        uint64_t trials2, double z = kZ95) noexcept;

// A change between two periods and whether it is beyond noise at 95 %
// (|z| > kZ95, two-sided).
struct ChangeTest {
  double z = 0;
  bool significant = false;
};

// Two-proportion z-test with the pooled proportion: rates (conversion,
// bounce) of two independent periods. Not significant when either period
// has no trials or the pooled rate is 0 or 1 (no variance).
ChangeTest TwoProportionZTest(uint64_t successes1, uint64_t trials1, uint64_t successes2,
                              uint64_t trials2) noexcept;

// Counts (sessions, conversions, page views) as Poisson rates per unit of
// exposure (days of the period), compared with the normal approximation:
// z = (c1/e1 - c2/e2) / sqrt(c1/e1^2 + c2/e2^2). Not significant when both
// counts are 0 or an exposure is 0.
ChangeTest PoissonRateTest(uint64_t count1, double exposure1, uint64_t count2,
                           double exposure2) noexcept;

// successes / trials, 0 when trials == 0.
double Ratio(uint64_t numerator, uint64_t denominator) noexcept;

}  // namespace microconv

#endif  // MICROCONV_CORE_STATS_H_
