// Histogram and moments accumulators, Otsu and k-sigma thresholds.
#include "zonewatch/kernels/threshold.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

using Counts = std::vector<std::uint64_t>;

/// A row of values as a 1-row tile view.
ConstTileView<float> row_view(const std::vector<float>& values) {
  return {values.data(), static_cast<int>(values.size()), 1};
}

/// Random tile with some NaN holes, fixed seed.
std::vector<float> random_tile(int width, int height, unsigned seed, float lo, float hi) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> value(lo, hi);
  std::uniform_int_distribution<int> hole(0, 9);
  std::vector<float> tile(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (float& v : tile) v = hole(generator) == 0 ? kNaN : value(generator);
  return tile;
}

// ---------------------------------------------------------------------------------------
// HistogramAccumulator

TEST(Histogram, BinsClampsAndSkipsNaN) {
  HistogramAccumulator histogram(0.0, 1.0, 4);  // bins [0, .25) [.25, .5) [.5, .75) [.75, 1]
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values{-0.5f, 0.0f, 0.3f, 0.5f, 0.99f, 1.0f, 7.0f, kNaN, inf, -inf};
  histogram.accumulate(row_view(values));
  EXPECT_EQ(histogram.counts(), (Counts{3, 1, 1, 4}));
  EXPECT_EQ(histogram.total(), 9u);
  histogram.add(0.25f);  // a lower edge belongs to its bin
  histogram.add(kNaN);
  EXPECT_EQ(histogram.counts(), (Counts{3, 2, 1, 4}));
  histogram.reset();
  EXPECT_EQ(histogram.counts(), (Counts{0, 0, 0, 0}));
  EXPECT_EQ(histogram.total(), 0u);
}

TEST(Histogram, MaskSelectsPixels) {
  HistogramAccumulator histogram(0.0, 4.0, 4);
  const std::vector<float> values{0.5f, 1.5f, 2.5f, 3.5f, kNaN, 0.5f};
  const std::vector<std::uint8_t> mask{1, 0, 255, 0, 1, 1};
  histogram.accumulate(ConstTileView<float>(values.data(), 3, 2), ConstTileView<std::uint8_t>(mask.data(), 3, 2));
  EXPECT_EQ(histogram.counts(), (Counts{2, 0, 1, 0}));
  const std::vector<std::uint8_t> short_mask{1, 1};
  EXPECT_THROW(histogram.accumulate(ConstTileView<float>(values.data(), 3, 2),
                                    ConstTileView<std::uint8_t>(short_mask.data(), 2, 1)),
               std::invalid_argument);
}

TEST(Histogram, EdgesAndCenters) {
  const HistogramAccumulator histogram(-1.0, 1.0, 4);
  EXPECT_EQ(histogram.bins(), 4);
  EXPECT_DOUBLE_EQ(histogram.lo(), -1.0);
  EXPECT_DOUBLE_EQ(histogram.hi(), 1.0);
  EXPECT_DOUBLE_EQ(histogram.bin_lower_edge(0), -1.0);
  EXPECT_DOUBLE_EQ(histogram.bin_lower_edge(1), -0.5);
  EXPECT_DOUBLE_EQ(histogram.bin_lower_edge(3), 0.5);
  EXPECT_DOUBLE_EQ(histogram.bin_center(0), -0.75);
  EXPECT_DOUBLE_EQ(histogram.bin_center(2), 0.25);
}

TEST(Histogram, RejectsBadConstructionAndMismatchedMerge) {
  EXPECT_THROW(HistogramAccumulator(0.0, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(HistogramAccumulator(1.0, 1.0, 4), std::invalid_argument);
  EXPECT_THROW(HistogramAccumulator(2.0, 1.0, 4), std::invalid_argument);
  EXPECT_THROW(HistogramAccumulator(std::nan(""), 1.0, 4), std::invalid_argument);
  HistogramAccumulator histogram(0.0, 1.0, 4);
  EXPECT_THROW(histogram.merge(HistogramAccumulator(0.0, 1.0, 5)), std::invalid_argument);
  EXPECT_THROW(histogram.merge(HistogramAccumulator(0.0, 2.0, 4)), std::invalid_argument);
}

TEST(Histogram, QuantileInterpolatesWithinTheReachingBin) {
  HistogramAccumulator histogram(0.0, 4.0, 4);
  EXPECT_TRUE(std::isnan(histogram.quantile(0.5)));
  histogram.accumulate(row_view({0.5f, 0.5f, 2.5f, 2.5f}));  // counts {2, 0, 2, 0}
  EXPECT_DOUBLE_EQ(histogram.quantile(0.0), 0.0);            // lower edge of first non-empty bin
  EXPECT_DOUBLE_EQ(histogram.quantile(0.25), 0.5);           // 1 of bin 0's 2 counts
  EXPECT_DOUBLE_EQ(histogram.quantile(0.5), 1.0);            // bin 0 exactly exhausted
  EXPECT_DOUBLE_EQ(histogram.quantile(0.75), 2.5);           // 1 of bin 2's 2 counts
  EXPECT_DOUBLE_EQ(histogram.quantile(1.0), 3.0);            // upper edge of last non-empty bin
  EXPECT_DOUBLE_EQ(histogram.quantile(7.0), 3.0);            // q is clamped
}

TEST(Histogram, MergeOfHalvesIsBitIdenticalToWhole) {
  constexpr int kWidth = 37;
  constexpr int kHeight = 23;
  const std::vector<float> values = random_tile(kWidth, kHeight, 20240611u, -0.2f, 1.3f);
  const ConstTileView<float> whole(values.data(), kWidth, kHeight);

  HistogramAccumulator whole_histogram(0.0, 1.0, 64);
  whole_histogram.accumulate(whole);

  HistogramAccumulator top(0.0, 1.0, 64);
  HistogramAccumulator bottom(0.0, 1.0, 64);
  top.accumulate(whole.sub(0, 0, kWidth, 11));
  bottom.accumulate(whole.sub(0, 11, kWidth, kHeight - 11));
  HistogramAccumulator merged(0.0, 1.0, 64);
  merged.merge(top);
  merged.merge(bottom);
  EXPECT_EQ(merged.counts(), whole_histogram.counts());

  // Left/right halves are strided sub-views; merge order does not matter either.
  HistogramAccumulator left(0.0, 1.0, 64);
  HistogramAccumulator right(0.0, 1.0, 64);
  left.accumulate(whole.sub(0, 0, 18, kHeight));
  right.accumulate(whole.sub(18, 0, kWidth - 18, kHeight));
  right.merge(left);
  EXPECT_EQ(right.counts(), whole_histogram.counts());

  // Independent count: the valid pixels of the tile.
  std::uint64_t valid = 0;
  for (float v : values) valid += std::isnan(v) ? 0u : 1u;
  EXPECT_EQ(whole_histogram.total(), valid);
  EXPECT_GT(valid, 0u);
}

// ---------------------------------------------------------------------------------------
// otsu_threshold

TEST(Otsu, ClearlyBimodalSplitsInTheMiddleOfTheGap) {
  // 100 values in [0.1, 0.2) (bins 2-3 of 20 over [0, 1)), 50 in [0.8, 0.9) (bins 16-17).
  // Every split from bin 4 to bin 16 separates the modes equally well; the middle is bin 10.
  HistogramAccumulator histogram(0.0, 1.0, 20);
  std::mt19937 generator(7u);
  std::uniform_real_distribution<float> low(0.1f, 0.19f);
  std::uniform_real_distribution<float> high(0.8f, 0.89f);
  for (int i = 0; i < 100; ++i) histogram.add(low(generator));
  for (int i = 0; i < 50; ++i) histogram.add(high(generator));
  EXPECT_DOUBLE_EQ(otsu_threshold(histogram), 0.5);
}

TEST(Otsu, UnevenHistogramHandComputed) {
  // counts {6, 2, 1, 3} over bins 0..3. With n0, n1 the class sizes and m0, m1 the class
  // means (bin units), n0 * n1 * (m0 - m1)^2 is proportional to the between-class variance:
  //   split 1: 6 * 6 * (0 - 13/6)^2      = 169
  //   split 2: 8 * 4 * (2/8 - 11/4)^2    = 200   <- maximum
  //   split 3: 9 * 3 * (4/9 - 9/3)^2     = 176.3
  HistogramAccumulator histogram(0.0, 1.0, 4);
  const std::vector<float> values{0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.3f, 0.3f, 0.6f, 0.9f, 0.9f, 0.9f};
  histogram.accumulate(row_view(values));
  ASSERT_EQ(histogram.counts(), (Counts{6, 2, 1, 3}));
  EXPECT_DOUBLE_EQ(otsu_threshold(histogram), 0.5);  // lower edge of bin 2
}

TEST(Otsu, EmptyOrSingleBinHasNoThreshold) {
  HistogramAccumulator histogram(0.0, 1.0, 8);
  EXPECT_TRUE(std::isnan(otsu_threshold(histogram)));
  histogram.accumulate(row_view({0.3f, 0.3f, 0.31f}));  // all in bin 2
  EXPECT_TRUE(std::isnan(otsu_threshold(histogram)));
  histogram.add(0.9f);
  EXPECT_FALSE(std::isnan(otsu_threshold(histogram)));
}

TEST(Otsu, TwoAdjacentBinsSplitBetweenThem) {
  HistogramAccumulator histogram(0.0, 8.0, 8);
  histogram.accumulate(row_view({2.5f, 2.5f, 2.5f, 3.5f}));
  EXPECT_DOUBLE_EQ(otsu_threshold(histogram), 3.0);
}

// ---------------------------------------------------------------------------------------
// min_error_threshold

/// Histogram of 100 unit bins holding 10,000 values ~ N(10, 1) and 500 ~ N(30, 8), each bin
/// given its rounded expected count (a narrow unchanged class beside a small, wide changed one).
HistogramAccumulator narrow_and_wide_classes() {
  HistogramAccumulator histogram(0.0, 100.0, 100);
  const auto expected = [](double x, double count, double mean, double sigma) {
    return std::lround(count * std::exp(-0.5 * (x - mean) * (x - mean) / (sigma * sigma)) /
                       (sigma * 2.5066282746310002));
  };
  for (int bin = 0; bin < 100; ++bin) {
    const long count = expected(bin, 10000.0, 10.0, 1.0) + expected(bin, 500.0, 30.0, 8.0);
    for (long i = 0; i < count; ++i) histogram.add(static_cast<float>(bin) + 0.5f);
  }
  return histogram;
}

TEST(MinError, UnequalClassesSplitWhereTheBayesBoundaryIs) {
  // The two weighted densities cross between 13 and 14: bins from 14 up are more likely the
  // wide class. Kittler-Illingworth's fit finds that; Otsu, which assumes equal spreads, cuts
  // well inside the wide class (bin 21 here, by the same sums in Python).
  const HistogramAccumulator histogram = narrow_and_wide_classes();
  EXPECT_DOUBLE_EQ(min_error_threshold(histogram), 14.0);
  EXPECT_DOUBLE_EQ(otsu_threshold(histogram), 21.0);
}

TEST(MinError, EmptyBinsBetweenTheClassesGiveTheMiddleSplit) {
  // counts {4, 4, 0, 0, 1, 1}: splits 2, 3 and 4 make the same classes (means 0.5 and 4.5,
  // variances 0.25); splits 1 and 5 leave a one-bin class without spread. Middle: split 3.
  HistogramAccumulator histogram(0.0, 6.0, 6);
  histogram.accumulate(row_view({0.5f, 0.5f, 0.5f, 0.5f, 1.5f, 1.5f, 1.5f, 1.5f, 4.5f, 5.5f}));
  EXPECT_DOUBLE_EQ(min_error_threshold(histogram), 3.0);
}

TEST(MinError, NoSpreadOnOneSideHasNoThreshold) {
  HistogramAccumulator histogram(0.0, 8.0, 8);
  EXPECT_TRUE(std::isnan(min_error_threshold(histogram)));
  histogram.accumulate(row_view({2.5f, 2.5f, 3.5f}));  // two bins: a split leaves one per class
  EXPECT_TRUE(std::isnan(min_error_threshold(histogram)));
  histogram.accumulate(row_view({6.5f, 7.5f}));
  EXPECT_DOUBLE_EQ(min_error_threshold(histogram), 5.0);  // {2,3} | {6,7}: middle of splits 4..6
}

// ---------------------------------------------------------------------------------------
// MomentsAccumulator

TEST(Moments, HandComputedWithNaNSkipped) {
  MomentsAccumulator moments;
  EXPECT_EQ(moments.count(), 0u);
  EXPECT_TRUE(std::isnan(moments.mean()));
  EXPECT_TRUE(std::isnan(moments.variance()));
  EXPECT_TRUE(std::isnan(k_sigma_threshold(moments, 2.0)));

  const std::vector<float> values{1.0f, kNaN, 2.0f, 3.0f, 4.0f, kNaN};
  moments.accumulate(ConstTileView<float>(values.data(), 3, 2));
  EXPECT_EQ(moments.count(), 4u);
  EXPECT_DOUBLE_EQ(moments.mean(), 2.5);
  EXPECT_DOUBLE_EQ(moments.variance(), 1.25);  // (2.25 + 0.25 + 0.25 + 2.25) / 4
  EXPECT_DOUBLE_EQ(moments.stddev(), std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(k_sigma_threshold(moments, 2.0), 2.5 + 2.0 * std::sqrt(1.25));
  moments.reset();
  EXPECT_EQ(moments.count(), 0u);
  EXPECT_TRUE(std::isnan(moments.mean()));
}

TEST(Moments, WelfordAddClassicExample) {
  MomentsAccumulator moments;
  for (double v : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) moments.add(v);
  moments.add(std::nan(""));
  EXPECT_EQ(moments.count(), 8u);
  EXPECT_DOUBLE_EQ(moments.mean(), 5.0);
  EXPECT_DOUBLE_EQ(moments.variance(), 4.0);
  EXPECT_DOUBLE_EQ(moments.stddev(), 2.0);
  EXPECT_DOUBLE_EQ(k_sigma_threshold(moments, 1.5), 8.0);
}

TEST(Moments, MaskSelectsPixels) {
  MomentsAccumulator moments;
  const std::vector<float> values{10.0f, 1.0f, kNaN, 3.0f};
  const std::vector<std::uint8_t> mask{0, 1, 1, 7};
  moments.accumulate(ConstTileView<float>(values.data(), 2, 2), ConstTileView<std::uint8_t>(mask.data(), 2, 2));
  EXPECT_EQ(moments.count(), 2u);
  EXPECT_DOUBLE_EQ(moments.mean(), 2.0);
  EXPECT_DOUBLE_EQ(moments.variance(), 1.0);
  EXPECT_THROW(
      moments.accumulate(ConstTileView<float>(values.data(), 2, 2), ConstTileView<std::uint8_t>(mask.data(), 4, 1)),
      std::invalid_argument);
}

TEST(Moments, MergeWithEmptyEitherWay) {
  MomentsAccumulator filled;
  filled.add(1.0);
  filled.add(3.0);
  MomentsAccumulator empty;
  filled.merge(empty);
  EXPECT_EQ(filled.count(), 2u);
  EXPECT_DOUBLE_EQ(filled.mean(), 2.0);
  EXPECT_DOUBLE_EQ(filled.variance(), 1.0);
  empty.merge(filled);
  EXPECT_EQ(empty.count(), 2u);
  EXPECT_DOUBLE_EQ(empty.mean(), 2.0);
  EXPECT_DOUBLE_EQ(empty.variance(), 1.0);
}

TEST(Moments, ChanMergeHandComputed) {
  // {1, 2, 3} and {10, 20}: mean 36/5 = 7.2; sum of squares 514, so
  // variance = 514/5 - 7.2^2 = 102.8 - 51.84 = 50.96.
  MomentsAccumulator a;
  a.accumulate(row_view({1.0f, 2.0f, 3.0f}));
  MomentsAccumulator b;
  b.accumulate(row_view({10.0f, 20.0f}));
  a.merge(b);
  EXPECT_EQ(a.count(), 5u);
  EXPECT_NEAR(a.mean(), 7.2, 1e-12);
  EXPECT_NEAR(a.variance(), 50.96, 1e-12);
}

TEST(Moments, MergeOfHalvesMatchesWholeAndReference) {
  constexpr int kWidth = 41;
  constexpr int kHeight = 29;
  // Offset values stress cancellation in the variance.
  const std::vector<float> values = random_tile(kWidth, kHeight, 99u, 995.0f, 1005.0f);
  const ConstTileView<float> whole(values.data(), kWidth, kHeight);

  MomentsAccumulator whole_moments;
  whole_moments.accumulate(whole);

  MomentsAccumulator left;
  MomentsAccumulator right;
  left.accumulate(whole.sub(0, 0, 20, kHeight));  // strided sub-views
  right.accumulate(whole.sub(20, 0, kWidth - 20, kHeight));
  MomentsAccumulator merged;
  merged.merge(left);
  merged.merge(right);

  EXPECT_EQ(merged.count(), whole_moments.count());
  EXPECT_NEAR(merged.mean(), whole_moments.mean(), 1e-12);
  EXPECT_NEAR(merged.variance(), whole_moments.variance(), 1e-12);

  // Independent two-pass reference in long double.
  long double sum = 0.0L;
  std::uint64_t count = 0;
  for (float v : values) {
    if (std::isnan(v)) continue;
    sum += static_cast<long double>(v);
    ++count;
  }
  const long double mean = sum / static_cast<long double>(count);
  long double squares = 0.0L;
  for (float v : values) {
    if (std::isnan(v)) continue;
    const long double deviation = static_cast<long double>(v) - mean;
    squares += deviation * deviation;
  }
  const auto variance = static_cast<double>(squares / static_cast<long double>(count));
  EXPECT_EQ(whole_moments.count(), count);
  EXPECT_NEAR(whole_moments.mean(), static_cast<double>(mean), 1e-10);
  EXPECT_NEAR(whole_moments.variance(), variance, 1e-9);
  EXPECT_GT(variance, 5.0);  // uniform on a width-10 range: about 100 / 12

  // Welford add() of the same pixels agrees as well.
  MomentsAccumulator added;
  for (float v : values) added.add(static_cast<double>(v));
  EXPECT_EQ(added.count(), count);
  EXPECT_NEAR(added.mean(), whole_moments.mean(), 1e-10);
  EXPECT_NEAR(added.variance(), whole_moments.variance(), 1e-9);
}

}  // namespace
}  // namespace zw::kernels
