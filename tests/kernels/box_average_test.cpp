// Box averages over a coarser frame (quick-looks from tiles): by hand on a 5 x 4 raster with
// NaN, and the same means whatever the tiling and the merge order.
#include "zonewatch/kernels/box_average.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace zw::kernels {
namespace {

// 5 x 4 pixels; cells of 2 pixels: columns {0,1} {2,3} {4}, rows {0,1} {2,3}.
const std::vector<float> kRaster{1, 2,    3,  4,  5,   //
                                 5, kNaN, 7,  8,  9,   //
                                 0, 0,    10, 20, 30,  //
                                 2, 4,    30, 40, kNaN};

Tile<float> raster_tile() {
  Tile<float> t(5, 4);
  t.values().assign(kRaster.begin(), kRaster.end());
  return t;
}

TEST(BoxAverageTest, MeansOfTheCellsByHand) {
  const Tile<float> t = raster_tile();
  BoxAverage box(5, 4, 3, 2, 2.0, 1);
  box.accumulate(0, {0, 0, 5, 4}, t.view());
  const std::vector<float> m = box.means(0);
  ASSERT_EQ(m.size(), 6u);
  EXPECT_FLOAT_EQ(m[0], (1 + 2 + 5) / 3.0f);  // the NaN left out
  EXPECT_FLOAT_EQ(m[1], (3 + 4 + 7 + 8) / 4.0f);
  EXPECT_FLOAT_EQ(m[2], (5 + 9) / 2.0f);
  EXPECT_FLOAT_EQ(m[3], (0 + 0 + 2 + 4) / 4.0f);
  EXPECT_FLOAT_EQ(m[4], (10 + 20 + 30 + 40) / 4.0f);
  EXPECT_FLOAT_EQ(m[5], 30.0f);
  EXPECT_EQ(box.cell_x(4), 2);
  EXPECT_EQ(box.cell_y(3), 1);
}

TEST(BoxAverageTest, AStrideKeepsTheLatticeOfPixelsAnchoredAtPixelZero) {
  // Stride 2: columns {0, 2, 4} and rows {0, 2} count, one pixel per cell here.
  const Tile<float> t = raster_tile();
  BoxAverage box(5, 4, 3, 2, 2.0, 1, 2);
  box.accumulate(0, {0, 0, 5, 4}, t.view());
  EXPECT_EQ(box.means(0), (std::vector<float>{1, 3, 5, 0, 10, 30}));
  // A window starting off the lattice (column 1, row 1) holds the same lattice pixels.
  BoxAverage part = box.part({1, 1, 4, 3});
  part.accumulate(0, {1, 1, 4, 3}, t.view().sub(1, 1, 4, 3));
  const std::vector<float> m = part.means(0);
  EXPECT_EQ(m[4], 10.0f);  // (2, 2)
  EXPECT_EQ(m[5], 30.0f);  // (4, 2)
  EXPECT_EQ(part.counts, (std::vector<std::uint32_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_THROW(BoxAverage(5, 4, 3, 2, 2.0, 1, 0), std::invalid_argument);
}

TEST(BoxAverageTest, ACellWithoutValuesIsNaN) {
  Tile<float> t(2, 2);
  t.values().assign(4, kNaN);
  BoxAverage box(2, 2, 1, 1, 2.0, 1);
  box.accumulate(0, {0, 0, 2, 2}, t.view());
  EXPECT_TRUE(std::isnan(box.means(0)[0]));
}

/// Partials of `tile_w` x `tile_h` tiles (the last ones smaller), merged in `reverse` order or not.
std::vector<float> tiled_means(int tile_w, int tile_h, bool reverse, int stride = 1) {
  const Tile<float> t = raster_tile();
  const BoxAverage whole(5, 4, 3, 2, 2.0, 2, stride);
  std::vector<BoxAverage> parts;
  for (int y0 = 0; y0 < 4; y0 += tile_h) {
    for (int x0 = 0; x0 < 5; x0 += tile_w) {
      const Window w{x0, y0, std::min(tile_w, 5 - x0), std::min(tile_h, 4 - y0)};
      BoxAverage part = whole.part(w);
      part.accumulate(0, w, t.view().sub(w.x0, w.y0, w.width, w.height));
      part.accumulate(1, w, t.view().sub(w.x0, w.y0, w.width, w.height));
      parts.push_back(std::move(part));
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  BoxAverage merged = whole;
  for (const auto& p : parts) merged.merge(p);
  std::vector<float> m = merged.means(0);
  const std::vector<float> second = merged.means(1);
  m.insert(m.end(), second.begin(), second.end());
  return m;
}

TEST(BoxAverageTest, TilingAndMergeOrderDoNotChangeTheMeans) {
  for (const int stride : {1, 2}) {
    const std::vector<float> whole = tiled_means(5, 4, false, stride);
    for (const auto& [w, h] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{3, 3}, std::pair{4, 1}, std::pair{5, 3}}) {
      for (const bool reverse : {false, true}) {
        const std::vector<float> tiled = tiled_means(w, h, reverse, stride);
        ASSERT_EQ(tiled.size(), whole.size());
        for (std::size_t i = 0; i < whole.size(); ++i) {
          if (std::isnan(whole[i])) {
            EXPECT_TRUE(std::isnan(tiled[i]));
          } else {
            EXPECT_EQ(tiled[i], whole[i]) << "stride " << stride << ", tiles " << w << "x" << h << " cell " << i;
          }
        }
      }
    }
  }
}

// The cell sums are the sums of each pixel rounded to the 2^-24 grid with nearbyint (ties to
// even, negative values, NaN and infinities left out), whatever way the kernel adds them.
TEST(BoxAverageTest, SumsAreThoseOfEveryPixelRoundedToTheGrid) {
  constexpr int kWidth = 37, kHeight = 23;
  constexpr double kScale = 16777216.0;
  Tile<float> t(kWidth, kHeight);
  std::uint32_t state = 12345u;
  for (std::size_t i = 0; i < t.values().size(); ++i) {
    state = state * 1664525u + 1013904223u;
    const int kind = static_cast<int>(state >> 29);
    const float grid_half = static_cast<float>(static_cast<int>(state % 2001u) - 1000) / 33554432.0f;  // ties
    const float plain = static_cast<float>(static_cast<int>(state % 200001u) - 100000) * 3.1e-5f;
    t.values()[i] = kind == 0   ? kNaN
                    : kind == 1 ? std::numeric_limits<float>::infinity()
                    : kind < 5  ? grid_half
                                : plain;
  }
  BoxAverage box(kWidth, kHeight, 5, 4, 7.5, 1);
  box.accumulate(0, {0, 0, kWidth, kHeight}, t.view());
  std::vector<double> sums(20, 0.0);
  std::vector<std::uint32_t> counts(20, 0);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const float v = t.view()(x, y);
      if (!std::isfinite(v)) continue;
      const std::size_t cell = static_cast<std::size_t>(box.cell_y(y) * 5 + box.cell_x(x));
      sums[cell] += std::nearbyint(static_cast<double>(v) * kScale) / kScale;
      ++counts[cell];
    }
  }
  for (std::size_t i = 0; i < sums.size(); ++i) {
    ASSERT_EQ(box.counts[i], counts[i]) << "cell " << i;
    EXPECT_EQ(box.sums[i], sums[i]) << "cell " << i;
  }
}

TEST(BoxAverageTest, HugeValuesAreSummedAsExactlyAsSmallOnes) {
  // Values of any magnitude a corrupt file may hold, beside small ones in the same cells: the
  // sums are those of every pixel rounded to the grid, as for reflectances (the kernel rounds
  // with 1.5 x 2^52 added and subtracted, which only a float's own precision keeps exact
  // beyond 2^51 grid units).
  constexpr int kWidth = 16, kHeight = 2;
  constexpr double kScale = 16777216.0;
  Tile<float> t(kWidth, kHeight);
  // 2^80 + 2^57 and its kin: odd significands where adding and subtracting 1.5 x 2^52 would
  // round (the grid units' ulp is 2^52 there).
  const float odd_2_80 = std::ldexp(static_cast<float>((1 << 23) + 1), 57);
  const float odd_2_81 = std::ldexp(static_cast<float>((1 << 23) + 3), 58);
  const std::vector<float> huge{1.5e8f, -3.0e9f, odd_2_80, -odd_2_81, -7.0e30f, 3.0e38f, 0.37f, -2.5e-8f};
  for (std::size_t i = 0; i < t.values().size(); ++i)
    t.values()[i] = huge[i % huge.size()] * (i % 3 == 0 ? 1.0f : 0.5f);
  BoxAverage box(kWidth, kHeight, 4, 1, 4.0, 1);
  box.accumulate(0, {0, 0, kWidth, kHeight}, t.view());
  std::vector<double> grid_units(4, 0.0);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      grid_units[static_cast<std::size_t>(box.cell_x(x))] +=
          std::nearbyint(static_cast<double>(t.view()(x, y)) * kScale);
    }
  }
  for (std::size_t i = 0; i < grid_units.size(); ++i) {
    EXPECT_EQ(box.counts[i], 8u) << "cell " << i;
  }
  // The kernel sums a run's grid units, then divides: per run (one row of a cell) the same.
  std::vector<double> sums(4, 0.0);
  for (int y = 0; y < kHeight; ++y) {
    for (int cell = 0; cell < 4; ++cell) {
      double run = 0.0;
      for (int x = cell * 4; x < cell * 4 + 4; ++x) run += std::nearbyint(static_cast<double>(t.view()(x, y)) * kScale);
      sums[static_cast<std::size_t>(cell)] += run / kScale;
    }
  }
  for (std::size_t i = 0; i < sums.size(); ++i) EXPECT_EQ(box.sums[i], sums[i]) << "cell " << i;
}

TEST(BoxAverageTest, WrongSizesAreRefused) {
  EXPECT_THROW(BoxAverage(5, 4, 3, 2, 0.5, 1), std::invalid_argument);
  BoxAverage box(5, 4, 3, 2, 2.0, 1);
  const BoxAverage part = box.part({0, 0, 2, 2});
  EXPECT_EQ(part.cells.width, 1);
  EXPECT_EQ(part.cells.height, 1);
  BoxAverage p = part;
  Tile<float> t(3, 3);
  EXPECT_THROW(p.accumulate(0, {0, 0, 3, 3}, t.view()), std::invalid_argument);  // beyond its cell
  EXPECT_THROW(p.accumulate(0, {0, 0, 2, 2}, t.view()), std::invalid_argument);  // view of another size
  EXPECT_THROW(p.accumulate(1, {0, 0, 3, 3}, t.view()), std::invalid_argument);  // no such plane
  BoxAverage q = part;
  EXPECT_THROW(q.merge(box), std::invalid_argument);  // the whole into a part
}

}  // namespace
}  // namespace zw::kernels
