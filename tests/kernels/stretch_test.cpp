#include "zonewatch/kernels/stretch.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

namespace zw::kernels {
namespace {

TEST(StretchTest, RangeIsTheSecondAndNinetyEighthPercentileByNearestRank) {
  // 0..100 shuffled: ranks 0.02 * 100 = 2 and 0.98 * 100 = 98.
  std::vector<float> values(101);
  std::iota(values.begin(), values.end(), 0.0f);
  std::shuffle(values.begin(), values.end(), std::mt19937(7));
  const DisplayRange range = percentile_range(values);
  EXPECT_FLOAT_EQ(range.low, 2.0f);
  EXPECT_FLOAT_EQ(range.high, 98.0f);
}

TEST(StretchTest, OutliersDoNotWidenTheRange) {
  std::vector<float> values(1000, 0.1f);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.1f + 0.0001f * static_cast<float>(i);
  values[3] = 50.0f;   // a cloud
  values[9] = -20.0f;  // a glitch
  const DisplayRange range = percentile_range(values);
  EXPECT_GT(range.low, 0.1f);
  EXPECT_LT(range.high, 0.2f);
}

TEST(StretchTest, EmptyAndConstantValuesGiveAUsableRange) {
  std::vector<float> empty;
  const DisplayRange none = percentile_range(empty);
  EXPECT_EQ(none.low, 0.0f);
  EXPECT_EQ(none.high, 1.0f);
  std::vector<float> constant(10, 0.25f);
  const DisplayRange flat = percentile_range(constant);
  EXPECT_EQ(flat.low, 0.25f);
  EXPECT_GT(flat.high, flat.low);
  EXPECT_EQ(flat.to_byte(0.25f), 0);
  EXPECT_EQ(flat.to_byte(1.0f), 255);
}

TEST(StretchTest, BytesAreClampedAndRoundedToNearest) {
  const DisplayRange range{0.0f, 1.0f};
  EXPECT_EQ(range.to_byte(-3.0f), 0);
  EXPECT_EQ(range.to_byte(0.0f), 0);
  EXPECT_EQ(range.to_byte(0.5f), 128);  // 127.5 rounds away from zero
  EXPECT_EQ(range.to_byte(0.3f), 77);   // 76.5 -> 77
  EXPECT_EQ(range.to_byte(1.0f), 255);
  EXPECT_EQ(range.to_byte(9.0f), 255);
}

}  // namespace
}  // namespace zw::kernels
