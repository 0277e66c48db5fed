#include "zonewatch/kernels/order_statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace zw::kernels {
namespace {

/// Every rank of `values` compared with a sorted copy.
void expect_every_rank_as_sorted(const std::vector<float>& values, std::size_t step) {
  std::vector<float> sorted(values);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::size_t> ranks;
  for (std::size_t r = 0; r < values.size(); r += step) ranks.push_back(r);
  ranks.push_back(values.size() - 1);
  const std::vector<float> got = order_statistics(values, ranks);
  ASSERT_EQ(got.size(), ranks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) EXPECT_EQ(got[i], sorted[ranks[i]]) << "rank " << ranks[i];
}

TEST(OrderStatistics, SmallSampleByHand) {
  const std::vector<float> values{3.5f, -1.0f, 7.0f, 3.5f, 0.25f, -8.0f, 2.0f};
  // Sorted: -8 -1 0.25 2 3.5 3.5 7
  const std::vector<float> got = order_statistics(values, std::array<std::size_t, 4>{0, 2, 5, 6});
  EXPECT_EQ(got, (std::vector<float>{-8.0f, 0.25f, 3.5f, 7.0f}));
  EXPECT_EQ(values[0], 3.5f);  // the sample is read, not reordered
}

TEST(OrderStatistics, LargeSampleMatchesSortingAtEveryRank) {
  // Above the histogram's threshold, concentrated as band differences are: most values in a
  // narrow range around 0 (many in one bucket), repeats, both signs, a few far outliers.
  std::mt19937 random(11);
  std::normal_distribution<float> noise(0.002f, 0.01f);
  std::vector<float> values(300'000);
  for (auto& v : values) v = noise(random);
  for (std::size_t i = 0; i < values.size(); i += 7) values[i] = 0.0125f;  // a repeated value
  values[10] = 1e30f;
  values[11] = -std::numeric_limits<float>::infinity();
  values[12] = std::numeric_limits<float>::infinity();
  values[13] = -3.0f;
  values[14] = std::numeric_limits<float>::denorm_min();
  expect_every_rank_as_sorted(values, 997);
}

TEST(OrderStatistics, AllValuesInOneBucket) {
  std::vector<float> values(100'000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1.0f + static_cast<float>(i % 50) * 1e-7f;
  expect_every_rank_as_sorted(values, 1009);
}

TEST(OrderStatistics, ZerosOfEitherSignAreOneValue) {
  for (const std::size_t n : {std::size_t{9}, std::size_t{100'001}}) {
    std::vector<float> values(n, 1.0f);
    for (std::size_t i = 0; i < n / 2; ++i) values[i] = (i % 2 == 0) ? -0.0f : 0.0f;
    values[n - 1] = -1.0f;
    // Sorted: -1, then the zeros (n/2 of them), then ones: rank 1 and rank n/2 are zeros.
    const std::vector<float> got = order_statistics(values, std::array<std::size_t, 3>{0, 1, n / 2});
    EXPECT_EQ(got[0], -1.0f) << n;
    EXPECT_EQ(got[1], 0.0f) << n;
    EXPECT_FALSE(std::signbit(got[1])) << n;
    EXPECT_FALSE(std::signbit(got[2])) << n;
  }
}

TEST(OrderStatistics, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(median(std::vector<float>{5.0f, 1.0f, 3.0f}), 3.0);
  // Even: the mean of the two middle values, in double (0.1f + 0.2f's exact halfway).
  const std::vector<float> even{0.2f, 9.0f, 0.1f, -4.0f};
  EXPECT_EQ(median(even), 0.5 * (static_cast<double>(0.1f) + static_cast<double>(0.2f)));
  EXPECT_TRUE(std::isnan(median(std::vector<float>{})));
}

TEST(OrderStatistics, MedianOfALargeSampleMatchesSorting) {
  std::mt19937 random(5);
  std::uniform_real_distribution<float> spread(-0.3f, 0.5f);
  for (const std::size_t n : {std::size_t{200'000}, std::size_t{200'001}}) {
    std::vector<float> values(n);
    for (auto& v : values) v = spread(random);
    std::vector<float> sorted(values);
    std::sort(sorted.begin(), sorted.end());
    const double expected = n % 2 == 1
                                ? sorted[n / 2]
                                : 0.5 * (static_cast<double>(sorted[n / 2 - 1]) + static_cast<double>(sorted[n / 2]));
    EXPECT_EQ(median(values), expected) << n;
  }
}

}  // namespace
}  // namespace zw::kernels
