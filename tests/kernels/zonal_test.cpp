#include "zonewatch/kernels/zonal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "at_simd_level.hpp"
#include "zonewatch/kernels/simd.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {
namespace {

constexpr std::uint8_t kNodata = 255;

// Equal bit for bit, where NaN (no greenness) equals NaN.
void expect_same_mean(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << a << " vs " << b;
  } else {
    EXPECT_EQ(a, b);
  }
}

void expect_identical(const ZonalStats& a, const ZonalStats& b) {
  EXPECT_EQ(a.area_m2, b.area_m2);
  EXPECT_EQ(a.valid_area_m2, b.valid_area_m2);
  EXPECT_EQ(a.valid_share, b.valid_share);
  EXPECT_EQ(a.changed_area_m2, b.changed_area_m2);
  EXPECT_EQ(a.total_changed_area_m2, b.total_changed_area_m2);
  EXPECT_EQ(a.changed_share, b.changed_share);
  expect_same_mean(a.mean_greenness_before, b.mean_greenness_before);
  expect_same_mean(a.mean_greenness_after, b.mean_greenness_after);
  expect_same_mean(a.mean_greenness_change, b.mean_greenness_change);
}

TEST(Zonal, HandComputedWeightedSums) {
  // coverage      classes     before       after        row area
  // 1     0.5     1   0       0.5   NaN    0.25  0.5    100
  // 0.25  0       255 2       0.25  0.75   0.75  0.5    200
  Tile<float> coverage(2, 2), before(2, 2), after(2, 2);
  Tile<std::uint8_t> classes(2, 2);
  coverage.values() = {1.0f, 0.5f, 0.25f, 0.0f};
  classes.values() = {1, 0, kNodata, 2};
  before.values() = {0.5f, kNaN, 0.25f, 0.75f};
  after.values() = {0.25f, 0.5f, 0.75f, 0.5f};
  ZonalAccumulator zone;
  zone.accumulate(coverage.view(), classes.view(), before.view(), after.view(), {100.0, 200.0});
  const ZonalStats stats = zone.finalize();
  EXPECT_DOUBLE_EQ(stats.area_m2, 100.0 + 50.0 + 50.0);  // the uncovered pixel adds nothing
  EXPECT_DOUBLE_EQ(stats.valid_area_m2, 150.0);          // nodata pixel excluded
  EXPECT_DOUBLE_EQ(stats.valid_share, 0.75);
  EXPECT_DOUBLE_EQ(stats.changed_area_m2[1], 100.0);
  EXPECT_DOUBLE_EQ(stats.changed_area_m2[2], 0.0);  // its pixel lies outside the unit
  EXPECT_DOUBLE_EQ(stats.total_changed_area_m2, 100.0);
  EXPECT_DOUBLE_EQ(stats.changed_share, 100.0 / 150.0);
  // Greenness over pixels valid in both dates, weights 1 and 0.25.
  EXPECT_DOUBLE_EQ(stats.mean_greenness_before, (0.5 + 0.25 * 0.25) / 1.25);
  EXPECT_DOUBLE_EQ(stats.mean_greenness_after, (0.25 + 0.25 * 0.75) / 1.25);
  EXPECT_NEAR(stats.mean_greenness_change, -0.1, 1e-15);
}

TEST(Zonal, EmptyAndAllNodataUnitsHaveZeroSharesAndNoMeans) {
  const ZonalStats empty = ZonalAccumulator{}.finalize();
  EXPECT_EQ(empty.area_m2, 0.0);
  EXPECT_EQ(empty.valid_share, 0.0);
  EXPECT_EQ(empty.changed_share, 0.0);
  EXPECT_TRUE(std::isnan(empty.mean_greenness_before));
  EXPECT_TRUE(std::isnan(empty.mean_greenness_change));

  Tile<float> coverage(3, 1, 1.0f);
  Tile<std::uint8_t> classes(3, 1, kNodata);
  ZonalAccumulator zone;
  zone.accumulate(coverage.view(), classes.view(), {}, {}, {10.0});
  const ZonalStats stats = zone.finalize();
  EXPECT_EQ(stats.area_m2, 30.0);
  EXPECT_EQ(stats.valid_area_m2, 0.0);
  EXPECT_EQ(stats.valid_share, 0.0);
  EXPECT_EQ(stats.changed_share, 0.0);
  EXPECT_TRUE(std::isnan(stats.mean_greenness_after));  // no greenness planes given
}

TEST(Zonal, ResetForgetsEverything) {
  Tile<float> coverage(1, 1, 1.0f);
  Tile<std::uint8_t> classes(1, 1, 3);
  Tile<float> greenness(1, 1, 0.5f);
  ZonalAccumulator zone;
  zone.accumulate(coverage.view(), classes.view(), greenness.view(), greenness.view(), {4.0});
  EXPECT_EQ(zone.finalize().changed_area_m2[3], 4.0);
  zone.reset();
  expect_identical(zone.finalize(), ZonalAccumulator{}.finalize());
}

TEST(Zonal, RejectsMismatchedViews) {
  Tile<float> coverage(2, 2, 1.0f);
  Tile<std::uint8_t> classes(2, 1, 0);
  ZonalAccumulator zone;
  EXPECT_THROW(zone.accumulate(coverage.view(), classes.view(), {}, {}, {1.0, 1.0}), std::invalid_argument);
  Tile<std::uint8_t> good_classes(2, 2, 0);
  EXPECT_THROW(zone.accumulate(coverage.view(), good_classes.view(), {}, {}, {1.0}), std::invalid_argument);
}

struct RandomUnit {
  int width = 40, height = 30;
  Tile<float> coverage, before, after;
  Tile<std::uint8_t> classes;
  std::vector<double> row_area_m2;
};

RandomUnit random_unit(unsigned seed) {
  RandomUnit unit;
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> unit_interval(0.0f, 1.0f);
  std::uniform_int_distribution<int> class_of(0, 6);
  std::uniform_int_distribution<int> percent(0, 99);
  unit.coverage = Tile<float>(unit.width, unit.height);
  unit.before = Tile<float>(unit.width, unit.height);
  unit.after = Tile<float>(unit.width, unit.height);
  unit.classes = Tile<std::uint8_t>(unit.width, unit.height);
  for (std::size_t i = 0; i < unit.coverage.values().size(); ++i) {
    const int p = percent(random);
    unit.coverage.values()[i] = p < 20 ? 0.0f : p < 60 ? 1.0f : unit_interval(random);
    const int c = class_of(random);
    unit.classes.values()[i] = c == 6 ? kNodata : static_cast<std::uint8_t>(c);
    unit.before.values()[i] = percent(random) < 10 ? kNaN : unit_interval(random);
    unit.after.values()[i] = percent(random) < 10 ? kNaN : unit_interval(random) - 0.3f;
  }
  for (int y = 0; y < unit.height; ++y) unit.row_area_m2.push_back(97.3 + 0.0137 * y);
  return unit;
}

// Accumulates the unit tile by tile (tile_width x tile_height), merging in raster order.
ZonalStats accumulate_tiled(const RandomUnit& unit, int tile_width, int tile_height) {
  ZonalAccumulator total;
  for (int y0 = 0; y0 < unit.height; y0 += tile_height) {
    for (int x0 = 0; x0 < unit.width; x0 += tile_width) {
      const int w = std::min(tile_width, unit.width - x0);
      const int h = std::min(tile_height, unit.height - y0);
      ZonalAccumulator tile;
      tile.accumulate(unit.coverage.view().sub(x0, y0, w, h), unit.classes.view().sub(x0, y0, w, h),
                      unit.before.view().sub(x0, y0, w, h), unit.after.view().sub(x0, y0, w, h),
                      std::vector<double>(unit.row_area_m2.begin() + y0, unit.row_area_m2.begin() + y0 + h));
      total.merge(tile);
    }
  }
  return total.finalize();
}

TEST(Zonal, MergedHalvesEqualOnePassExactly) {
  const RandomUnit unit = random_unit(4242u);
  const ZonalStats one_pass = accumulate_tiled(unit, unit.width, unit.height);
  for (const auto& [tile_width, tile_height] :
       std::vector<std::pair<int, int>>{{40, 15}, {20, 30}, {7, 5}, {1, 30}, {40, 1}, {13, 11}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    expect_identical(one_pass, accumulate_tiled(unit, tile_width, tile_height));
  }

  // And the exact sums are the plain ones to within their rounding grid.
  double area = 0.0, valid = 0.0, changed = 0.0, weight = 0.0, sum_before = 0.0, sum_after = 0.0;
  for (int y = 0; y < unit.height; ++y) {
    for (int x = 0; x < unit.width; ++x) {
      const double c = unit.coverage(x, y);
      if (c <= 0.0) continue;
      const double a = c * unit.row_area_m2[static_cast<std::size_t>(y)];
      area += a;
      if (unit.classes(x, y) != kNodata) valid += a;
      if (unit.classes(x, y) != kNodata && unit.classes(x, y) != 0) changed += a;
      if (is_valid(unit.before(x, y)) && is_valid(unit.after(x, y))) {
        weight += c;
        sum_before += c * unit.before(x, y);
        sum_after += c * unit.after(x, y);
      }
    }
  }
  EXPECT_NEAR(one_pass.area_m2, area, 1e-9 * area);
  EXPECT_NEAR(one_pass.valid_area_m2, valid, 1e-9 * area);
  EXPECT_NEAR(one_pass.total_changed_area_m2, changed, 1e-9 * area);
  EXPECT_NEAR(one_pass.valid_share, valid / area, 1e-9);
  EXPECT_NEAR(one_pass.changed_share, changed / valid, 1e-9);
  EXPECT_NEAR(one_pass.mean_greenness_before, sum_before / weight, 1e-6);
  EXPECT_NEAR(one_pass.mean_greenness_after, sum_after / weight, 1e-6);
  EXPECT_GT(one_pass.changed_area_m2[5], 0.0);
}

// The documented sums, pixel by pixel in raster order, each summand rounded with nearbyint:
// what the accumulator computed before it summed whole rows in vector lanes.
struct PixelByPixelSums {
  double area = 0.0, valid = 0.0, before = 0.0, after = 0.0, weight = 0.0;
  std::array<double, kChangeTypeCount> changed{};
};

double on_grid(double value, double scale) { return std::nearbyint(value * scale) / scale; }

PixelByPixelSums pixel_by_pixel(const RandomUnit& unit) {
  PixelByPixelSums sums;
  for (int y = 0; y < unit.height; ++y) {
    const double pixel_area = unit.row_area_m2[static_cast<std::size_t>(y)];
    for (int x = 0; x < unit.width; ++x) {
      const double fraction = unit.coverage(x, y);
      if (!(fraction > 0.0)) continue;
      const double area = on_grid(fraction * pixel_area, 65536.0);
      sums.area += area;
      const std::uint8_t c = unit.classes(x, y);
      if (c != kNodata) sums.valid += area;
      if (c != kNodata && c != 0 && c < kChangeTypeCount) sums.changed[c] += area;
      if (is_valid(unit.before(x, y)) && is_valid(unit.after(x, y))) {
        sums.before += on_grid(fraction * unit.before(x, y), 1048576.0);
        sums.after += on_grid(fraction * unit.after(x, y), 1048576.0);
        sums.weight += on_grid(fraction, 16777216.0);
      }
    }
  }
  return sums;
}

void expect_pixel_by_pixel(const RandomUnit& unit) {
  ZonalAccumulator zone;
  zone.accumulate(unit.coverage.view(), unit.classes.view(), unit.before.view(), unit.after.view(), unit.row_area_m2);
  const ZonalStats stats = zone.finalize();
  const PixelByPixelSums sums = pixel_by_pixel(unit);
  EXPECT_EQ(stats.area_m2, sums.area);
  EXPECT_EQ(stats.valid_area_m2, sums.valid);
  EXPECT_EQ(stats.changed_area_m2, sums.changed);
  expect_same_mean(stats.mean_greenness_before, sums.before / sums.weight);
  expect_same_mean(stats.mean_greenness_after, sums.after / sums.weight);
}

TEST(Zonal, RowsSummedInLanesEqualThePixelByPixelSumsBitForBit) {
  // Wide rows (vector loops and their remainders), NaN and negative coverage, classes beyond
  // the change types, greenness of either sign; in the baseline's lanes and in AVX2's
  // (kernels/simd.hpp), which must give the same bits.
  for (const unsigned seed : {1u, 2u, 3u}) {
    RandomUnit unit = random_unit(seed);
    std::mt19937 random(seed + 100);
    std::uniform_int_distribution<int> percent(0, 99);
    for (std::size_t i = 0; i < unit.coverage.values().size(); ++i) {
      const int p = percent(random);
      if (p < 3) unit.coverage.values()[i] = kNaN;
      if (p >= 3 && p < 5) unit.coverage.values()[i] = -0.25f;
      if (p >= 5 && p < 8) unit.classes.values()[i] = 200;  // valid, no change type
      if (p >= 8 && p < 11) unit.before.values()[i] = -unit.before.values()[i] * 3.0f;
    }
    SCOPED_TRACE(seed);
    for (const SimdLevel level : {SimdLevel::baseline, best_simd_level()}) {
      SCOPED_TRACE(level == SimdLevel::avx2 ? "AVX2" : "baseline");
      at_simd_level(level, [&] { expect_pixel_by_pixel(unit); });
    }
    EXPECT_GT(pixel_by_pixel(unit).changed[3], 0.0);
  }
}

TEST(Zonal, ARowWithAHugeSummandIsSummedPixelByPixel) {
  // Summands of 2^51 and beyond on the rounding grid take nearbyint's general path. A pixel
  // of 2621440000000003 / 2^16 m2 (about 4e10) is 2^51 + an odd number of grid steps: adding
  // and subtracting 1.5 x 2^52 would round it to the even neighbour. A greenness of 3e9 (x 2^20
  // > 2^51) goes the same way.
  RandomUnit unit = random_unit(9u);
  unit.row_area_m2[4] = 2621440000000003.0 / 65536.0;
  for (int x = 0; x < unit.width; ++x) unit.coverage(x, 4) = x == 7 ? 1.0f : 0.0f;
  unit.classes(7, 4) = 0;
  unit.coverage(11, 9) = 0.75f;
  unit.before(11, 9) = 3e9f;
  unit.after(11, 9) = 0.5f;
  expect_pixel_by_pixel(unit);
  ZonalAccumulator zone;
  zone.accumulate(unit.coverage.view(), unit.classes.view(), unit.before.view(), unit.after.view(), unit.row_area_m2);
  EXPECT_GE(zone.finalize().area_m2, 4e10);
}

}  // namespace
}  // namespace zw::kernels
