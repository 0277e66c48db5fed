// Area-weighted zonal means and class areas.
#include "zonewatch/kernels/zonal_means.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
constexpr std::uint8_t kNodata = 0;

TEST(ZonalMeans, HandComputedTile) {
  // 3 x 2 pixels of 100 m2 (row 0) and 50 m2 (row 1).
  const std::vector<float> coverage{1.0f, 0.5f, 0.0f,  //
                                    1.0f, 1.0f, 0.25f};
  const std::vector<float> ndvi{0.8f,  0.4f, 0.9f,  //
                                kNaNf, 0.2f, -0.4f};
  const std::vector<float> fvc{1.0f, 0.5f,  1.0f,  //
                               0.0f, kNaNf, 0.0f};
  const std::vector<std::uint8_t> classes{3,       1, 3,  //
                                          kNodata, 2, 1};
  const std::array planes{ConstTileView<float>(ndvi.data(), 3, 2), ConstTileView<float>(fvc.data(), 3, 2)};
  ZonalMeansAccumulator accumulator(2, 4, kNodata);
  accumulator.accumulate({coverage.data(), 3, 2}, planes, {classes.data(), 3, 2}, {100.0, 50.0});
  const ZonalMeans result = accumulator.finalize();

  // Weights: 100, 50, 0 | 50, 50, 12.5.
  EXPECT_DOUBLE_EQ(result.area_m2, 262.5);
  EXPECT_DOUBLE_EQ(result.valid_area_m2, 212.5);  // the nodata pixel (weight 50) left out
  // NDVI: (100*0.8 + 50*0.4 + 50*0.2 + 12.5*-0.4) / (100 + 50 + 50 + 12.5)
  EXPECT_NEAR(result.means[0], (80.0 + 20.0 + 10.0 - 5.0) / 212.5, 1e-6);
  // FVC: (100*1 + 50*0.5 + 50*0 + 12.5*0) / (100 + 50 + 50 + 12.5)
  EXPECT_NEAR(result.means[1], 125.0 / 212.5, 1e-6);
  ASSERT_EQ(result.class_area_m2.size(), 4u);
  EXPECT_DOUBLE_EQ(result.class_area_m2[0], 50.0);  // nodata
  EXPECT_DOUBLE_EQ(result.class_area_m2[1], 62.5);
  EXPECT_DOUBLE_EQ(result.class_area_m2[2], 50.0);
  EXPECT_DOUBLE_EQ(result.class_area_m2[3], 100.0);
}

TEST(ZonalMeans, NoValuesGiveNaNAndCodesBeyondTheTableAreNotCounted) {
  const std::vector<float> coverage{1.0f, 1.0f};
  const std::vector<float> plane{kNaNf, kNaNf};
  const std::vector<std::uint8_t> classes{7, 1};
  const std::array planes{ConstTileView<float>(plane.data(), 2, 1)};
  ZonalMeansAccumulator accumulator(1, 2, kNodata);
  accumulator.accumulate({coverage.data(), 2, 1}, planes, {classes.data(), 2, 1}, {10.0});
  const ZonalMeans result = accumulator.finalize();
  EXPECT_TRUE(std::isnan(result.means[0]));
  EXPECT_DOUBLE_EQ(result.valid_area_m2, 20.0);
  EXPECT_DOUBLE_EQ(result.class_area_m2[1], 10.0);
  EXPECT_DOUBLE_EQ(result.class_area_m2[0] + result.class_area_m2[1], 10.0);
}

TEST(ZonalMeans, ExactWhateverTheTilingAndMergeOrder) {
  constexpr int kWidth = 37, kHeight = 23;
  std::mt19937 generator(7);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f), value(-1.0f, 1.0f);
  std::uniform_int_distribution<int> code(0, 4);
  std::vector<float> coverage(kWidth * kHeight), a(kWidth * kHeight), b(kWidth * kHeight);
  std::vector<std::uint8_t> classes(kWidth * kHeight);
  for (std::size_t i = 0; i < coverage.size(); ++i) {
    coverage[i] = unit(generator) < 0.2f ? 0.0f : unit(generator);
    a[i] = code(generator) == 0 ? kNaNf : value(generator);
    b[i] = value(generator);
    classes[i] = static_cast<std::uint8_t>(code(generator));
  }
  std::vector<double> row_areas(kHeight);
  for (int y = 0; y < kHeight; ++y) row_areas[static_cast<std::size_t>(y)] = 100.0 - 0.37 * y;

  const auto accumulate_window = [&](ZonalMeansAccumulator& acc, int x0, int y0, int w, int h) {
    const auto view = [&](const std::vector<float>& v) {
      return ConstTileView<float>(v.data(), kWidth, kHeight).sub(x0, y0, w, h);
    };
    const std::array planes{view(a), view(b)};
    const std::vector<double> areas(row_areas.begin() + y0, row_areas.begin() + y0 + h);
    acc.accumulate(view(coverage), planes,
                   ConstTileView<std::uint8_t>(classes.data(), kWidth, kHeight).sub(x0, y0, w, h), areas);
  };
  ZonalMeansAccumulator whole(2, 5, kNodata);
  accumulate_window(whole, 0, 0, kWidth, kHeight);

  // Odd tiles of 10 x 7, merged in reverse order.
  std::vector<ZonalMeansAccumulator> tiles;
  for (int y0 = 0; y0 < kHeight; y0 += 7) {
    for (int x0 = 0; x0 < kWidth; x0 += 10) {
      tiles.emplace_back(2, 5, kNodata);
      accumulate_window(tiles.back(), x0, y0, std::min(10, kWidth - x0), std::min(7, kHeight - y0));
    }
  }
  ZonalMeansAccumulator merged(2, 5, kNodata);
  for (auto it = tiles.rbegin(); it != tiles.rend(); ++it) merged.merge(*it);

  const ZonalMeans expected = whole.finalize(), actual = merged.finalize();
  EXPECT_EQ(actual.area_m2, expected.area_m2);
  EXPECT_EQ(actual.valid_area_m2, expected.valid_area_m2);
  EXPECT_EQ(actual.means, expected.means);
  EXPECT_EQ(actual.class_area_m2, expected.class_area_m2);
}

TEST(ZonalMeans, RejectsMismatchedInputs) {
  const std::vector<float> coverage{1.0f, 1.0f};
  const std::vector<std::uint8_t> classes{1, 1};
  ZonalMeansAccumulator accumulator(1, 2, kNodata);
  EXPECT_THROW(accumulator.accumulate({coverage.data(), 2, 1}, {}, {classes.data(), 2, 1}, {1.0}),
               std::invalid_argument);
  const std::vector<float> narrow{0.5f};
  const std::array planes{ConstTileView<float>(narrow.data(), 1, 1)};
  EXPECT_THROW(accumulator.accumulate({coverage.data(), 2, 1}, planes, {classes.data(), 2, 1}, {1.0}),
               std::invalid_argument);
  EXPECT_THROW(accumulator.merge(ZonalMeansAccumulator(2, 2, kNodata)), std::invalid_argument);
  EXPECT_THROW(ZonalMeansAccumulator(1, 300, kNodata), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
