#include "core/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace microconv {
namespace {

TEST(DurationHistogramTest, BucketsAreContiguousAndCoverEveryValue) {
  EXPECT_EQ(DurationHistogram::BucketLow(0), 0u);
  for (size_t b = 0; b + 1 < DurationHistogram::kBuckets; ++b) {
    EXPECT_EQ(DurationHistogram::BucketHigh(b), DurationHistogram::BucketLow(b + 1)) << b;
    EXPECT_LT(DurationHistogram::BucketLow(b), DurationHistogram::BucketHigh(b)) << b;
    EXPECT_EQ(DurationHistogram::BucketOf(DurationHistogram::BucketLow(b)), b);
    EXPECT_EQ(DurationHistogram::BucketOf(DurationHistogram::BucketHigh(b) - 1), b);
  }
}

TEST(DurationHistogramTest, DocumentedEdges) {
  for (uint32_t v = 0; v < 16; ++v) EXPECT_EQ(DurationHistogram::BucketOf(v), v);
  EXPECT_EQ(DurationHistogram::BucketOf(16), 16u);
  EXPECT_EQ(DurationHistogram::BucketOf(17), 16u);  // width 2 in [16, 32)
  EXPECT_EQ(DurationHistogram::BucketOf(18), 17u);
  EXPECT_EQ(DurationHistogram::BucketOf(32), 24u);
  EXPECT_EQ(DurationHistogram::BucketOf((1u << 24) - 1), DurationHistogram::kBuckets - 1);
  EXPECT_EQ(DurationHistogram::BucketOf(1u << 24), DurationHistogram::kBuckets - 1);
  EXPECT_EQ(DurationHistogram::BucketOf(0xffffffffu), DurationHistogram::kBuckets - 1);
  EXPECT_EQ(DurationHistogram::kBuckets, 176u);
}

TEST(DurationHistogramTest, EmptyAndSmallValuesAreExact) {
  DurationHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.Mean(), 0);
  for (uint32_t v : {3u, 1u, 7u, 5u}) h.Add(v);
  EXPECT_EQ(h.total(), 4u);
  EXPECT_EQ(h.sum(), 16u);
  EXPECT_EQ(h.Quantile(0.5), 3);  // nearest rank 2 of {1, 3, 5, 7}
  EXPECT_EQ(h.Quantile(0.75), 5);
  EXPECT_EQ(h.Quantile(1.0), 7);
  EXPECT_EQ(h.Quantile(0.0), 1);
  EXPECT_EQ(h.Quantile(-3), 1);  // clamped
  EXPECT_EQ(h.Quantile(std::nan("")), 1);
  EXPECT_EQ(h.Mean(), 4);
}

TEST(DurationHistogramTest, QuantilesWithinDocumentedError) {
  std::mt19937 rng(7);
  std::lognormal_distribution<double> dist(6.0, 2.0);  // ds: seconds to hours
  DurationHistogram h;
  std::vector<uint32_t> values;
  for (int i = 0; i < 5000; ++i) {
    const uint32_t v = static_cast<uint32_t>(std::min(dist(rng), 1e7));
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0}) {
    const size_t rank = static_cast<size_t>(std::ceil(q * values.size()));
    const double exact = values[rank - 1];
    EXPECT_LE(std::fabs(h.Quantile(q) - exact), exact / 16 + 1e-9) << "q=" << q;
  }
}

TEST(DurationHistogramTest, MergeEqualsAddingEverything) {
  DurationHistogram a, b, all;
  for (uint32_t v = 0; v < 3000; v += 7) {
    (v % 2 ? a : b).Add(v * 13);
    all.Add(v * 13);
  }
  a.Merge(b);
  EXPECT_EQ(a, all);
}

TEST(WilsonIntervalTest, KnownValues) {
  Interval none = WilsonInterval(0, 10);
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.277533, 1e-6);
  Interval half = WilsonInterval(5, 10);
  EXPECT_NEAR(half.low, 0.236593, 1e-6);
  EXPECT_NEAR(half.high, 0.763407, 1e-6);
  Interval all = WilsonInterval(10, 10);
  EXPECT_EQ(all.high, 1);
  EXPECT_NEAR(all.low, 1 - 0.277533, 1e-6);
  Interval empty = WilsonInterval(0, 0);
  EXPECT_EQ(empty.low, 0);
  EXPECT_EQ(empty.high, 1);
  Interval bad = WilsonInterval(12, 10);  // more successes than trials: clamped
  EXPECT_EQ(bad.high, 1);
}

TEST(NewcombeDifferenceTest, MatchesNewcombe1998Example) {
  // Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80.
  const ProportionDifference d = NewcombeDifference(56, 70, 48, 80);
  EXPECT_NEAR(d.difference, 0.2, 1e-12);
  EXPECT_NEAR(d.interval.low, 0.0524, 1e-4);
  EXPECT_NEAR(d.interval.high, 0.3339, 1e-4);
  EXPECT_TRUE(d.significant);
}

TEST(NewcombeDifferenceTest, NotSignificantWhenIntervalSpansZeroOrGroupEmpty) {
  const ProportionDifference d = NewcombeDifference(3, 8, 0, 2);
  EXPECT_NEAR(d.interval.low, -0.324415, 1e-6);
  EXPECT_NEAR(d.interval.high, 0.694258, 1e-6);
  EXPECT_FALSE(d.significant);
  const ProportionDifference empty = NewcombeDifference(3, 8, 0, 0);
  EXPECT_FALSE(empty.significant);
  EXPECT_EQ(empty.p2, 0);
}

TEST(TwoProportionZTestTest, KnownValues) {
  // 45/100 against 30/100: pooled 0.375, z = 0.15 / sqrt(0.375 * 0.625 *
  // 0.02) = 2.1909 (statsmodels proportions_ztest gives the same).
  const ChangeTest up = TwoProportionZTest(45, 100, 30, 100);
  EXPECT_NEAR(up.z, 2.190890, 1e-6);
  EXPECT_TRUE(up.significant);
  // 12/100 against 10/100: z = 0.4520, noise.
  const ChangeTest small = TwoProportionZTest(12, 100, 10, 100);
  EXPECT_NEAR(small.z, 0.451985, 1e-6);
  EXPECT_FALSE(small.significant);
  EXPECT_NEAR(TwoProportionZTest(30, 100, 45, 100).z, -2.190890, 1e-6);
  // No trials, or no variance (both 0 % or both 100 %): never significant.
  EXPECT_FALSE(TwoProportionZTest(5, 10, 0, 0).significant);
  EXPECT_FALSE(TwoProportionZTest(0, 10, 0, 50).significant);
  EXPECT_FALSE(TwoProportionZTest(10, 10, 50, 50).significant);
}

TEST(PoissonRateTestTest, KnownValues) {
  // 130 against 100 over equal periods: z = 30 / sqrt(230) = 1.9782.
  const ChangeTest up = PoissonRateTest(130, 7, 100, 7);
  EXPECT_NEAR(up.z, 1.978141, 1e-6);
  EXPECT_TRUE(up.significant);
  // 120 against 100: z = 20 / sqrt(220) = 1.3484, noise.
  EXPECT_NEAR(PoissonRateTest(120, 1, 100, 1).z, 1.348400, 1e-6);
  EXPECT_FALSE(PoissonRateTest(120, 1, 100, 1).significant);
  // Rates per day: 140 in 14 days is 100 in 10 days, no change at all.
  EXPECT_NEAR(PoissonRateTest(140, 14, 100, 10).z, 0, 1e-12);
  EXPECT_FALSE(PoissonRateTest(0, 7, 0, 7).significant);
  EXPECT_FALSE(PoissonRateTest(5, 0, 1, 7).significant);
}

TEST(RatioTest, ZeroDenominator) {
  EXPECT_EQ(Ratio(3, 0), 0);
  EXPECT_EQ(Ratio(1, 4), 0.25);
}

}  // namespace
}  // namespace microconv
