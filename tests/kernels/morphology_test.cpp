// Binary opening and closing of the change mask: hand-drawn patterns, image-edge
// semantics, and tiled-with-halo results equal to whole-image results.
#include "zonewatch/kernels/morphology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {
namespace {

constexpr std::uint8_t kN = static_cast<std::uint8_t>(ChangeType::none);
constexpr std::uint8_t kV = static_cast<std::uint8_t>(ChangeType::vegetation_loss);
constexpr std::uint8_t kC = static_cast<std::uint8_t>(ChangeType::construction);
constexpr std::uint8_t kW = static_cast<std::uint8_t>(ChangeType::water_loss);
constexpr std::uint8_t kX = static_cast<std::uint8_t>(ChangeType::nodata);

using Grid = std::vector<std::uint8_t>;

/// Runs the opening on a contiguous copy and returns the result.
Grid opened(Grid classes, int width, int height, int radius) {
  open_change_mask(TileView<std::uint8_t>(classes.data(), width, height), radius);
  return classes;
}

/// Runs the closing on a contiguous copy and returns the result.
Grid closed(Grid classes, int width, int height, int radius) {
  close_change_mask(TileView<std::uint8_t>(classes.data(), width, height), radius);
  return classes;
}

TEST(OpenChangeMask, RadiusZeroIsANoOp) {
  const Grid input{kV, kN, kC,  //
                   kN, kX, kN,  //
                   kW, kN, kV};
  EXPECT_EQ(opened(input, 3, 3, 0), input);
}

TEST(OpenChangeMask, NegativeRadiusThrows) {
  Grid classes(4, kV);
  EXPECT_THROW(open_change_mask(TileView<std::uint8_t>(classes.data(), 2, 2), -1), std::invalid_argument);
}

TEST(OpenChangeMask, KeepsBlocksThatFitRemovesSmallerOnesPreservesClasses) {
  // A mixed-class 3x3 block survives radius 1 whole; a 2x2 block and a lone pixel do not.
  // None and nodata never change.
  const Grid input{kN, kN, kN, kN, kN, kN, kN, kN,  //
                   kN, kV, kC, kV, kN, kN, kN, kX,  //
                   kN, kW, kV, kV, kN, kC, kC, kN,  //
                   kN, kV, kV, kC, kN, kC, kC, kN,  //
                   kN, kN, kN, kN, kN, kN, kN, kN,  //
                   kX, kN, kN, kW, kN, kN, kN, kN};
  const Grid expected{kN, kN, kN, kN, kN, kN, kN, kN,  //
                      kN, kV, kC, kV, kN, kN, kN, kX,  //
                      kN, kW, kV, kV, kN, kN, kN, kN,  //
                      kN, kV, kV, kC, kN, kN, kN, kN,  //
                      kN, kN, kN, kN, kN, kN, kN, kN,  //
                      kX, kN, kN, kN, kN, kN, kN, kN};
  EXPECT_EQ(opened(input, 8, 6, 1), expected);
}

TEST(OpenChangeMask, OpeningRemovesProtrusionsButKeepsTheCore) {
  // A 3x4 block with a one-pixel spur on its right: the spur goes, the block stays.
  const Grid input{kN, kN, kN, kN, kN, kN, kN,  //
                   kN, kC, kC, kC, kN, kN, kN,  //
                   kN, kC, kC, kC, kC, kC, kN,  //
                   kN, kC, kC, kC, kN, kN, kN,  //
                   kN, kC, kC, kC, kN, kN, kN,  //
                   kN, kN, kN, kN, kN, kN, kN};
  const Grid expected{kN, kN, kN, kN, kN, kN, kN,  //
                      kN, kC, kC, kC, kN, kN, kN,  //
                      kN, kC, kC, kC, kN, kN, kN,  //
                      kN, kC, kC, kC, kN, kN, kN,  //
                      kN, kC, kC, kC, kN, kN, kN,  //
                      kN, kN, kN, kN, kN, kN, kN};
  EXPECT_EQ(opened(input, 7, 6, 1), expected);
}

TEST(OpenChangeMask, NodataCountsAsNoChange) {
  // A 3x3 block whose centre is nodata has no full 3x3 of change anywhere.
  const Grid input{kN, kN, kN, kN, kN,  //
                   kN, kV, kV, kV, kN,  //
                   kN, kV, kX, kV, kN,  //
                   kN, kV, kV, kV, kN,  //
                   kN, kN, kN, kN, kN};
  const Grid expected{kN, kN, kN, kN, kN,  //
                      kN, kN, kN, kN, kN,  //
                      kN, kN, kX, kN, kN,  //
                      kN, kN, kN, kN, kN,  //
                      kN, kN, kN, kN, kN};
  EXPECT_EQ(opened(input, 5, 5, 1), expected);
}

TEST(OpenChangeMask, OutsideTheImageIsNoChange) {
  // A 2-row strip along the top edge: were outside counted as change, it would survive.
  // The 3x3 block in the bottom-right corner fits inside the image and survives.
  const Grid input{kV, kV, kV, kV, kN, kN,  //
                   kV, kV, kV, kV, kN, kN,  //
                   kN, kN, kN, kN, kN, kN,  //
                   kN, kN, kN, kC, kC, kC,  //
                   kN, kN, kN, kC, kC, kC,  //
                   kN, kN, kN, kC, kC, kC};
  const Grid expected{kN, kN, kN, kN, kN, kN,  //
                      kN, kN, kN, kN, kN, kN,  //
                      kN, kN, kN, kN, kN, kN,  //
                      kN, kN, kN, kC, kC, kC,  //
                      kN, kN, kN, kC, kC, kC,  //
                      kN, kN, kN, kC, kC, kC};
  EXPECT_EQ(opened(input, 6, 6, 1), expected);
}

TEST(OpenChangeMask, RadiusTwoNeedsFiveByFive) {
  Grid input(9 * 9, kN);
  for (int y = 1; y < 6; ++y) {
    for (int x = 2; x < 7; ++x) input[static_cast<std::size_t>(y * 9 + x)] = kW;  // 5x5 block
  }
  input[static_cast<std::size_t>(7 * 9 + 1)] = kV;  // 4 wide x 1 tall strip below
  input[static_cast<std::size_t>(7 * 9 + 2)] = kV;
  input[static_cast<std::size_t>(7 * 9 + 3)] = kV;
  input[static_cast<std::size_t>(7 * 9 + 4)] = kV;
  Grid expected(9 * 9, kN);
  for (int y = 1; y < 6; ++y) {
    for (int x = 2; x < 7; ++x) expected[static_cast<std::size_t>(y * 9 + x)] = kW;
  }
  EXPECT_EQ(opened(input, 9, 9, 2), expected);
  // The same 5x5 block shrunk to 4x5 disappears.
  for (int y = 1; y < 6; ++y) input[static_cast<std::size_t>(y * 9 + 6)] = kN;
  EXPECT_EQ(opened(input, 9, 9, 2), Grid(9 * 9, kN));
}

TEST(OpenChangeMask, StridedSubViewTouchesOnlyItsWindow) {
  // A 5x5 window at (2, 1) of an 9x7 buffer. Inside: a 3x3 block and a lone pixel.
  // Outside the window: change pixels that would extend the block if they were read.
  constexpr int kWidth = 9;
  constexpr int kHeight = 7;
  Grid buffer(kWidth * kHeight, kN);
  const TileView<std::uint8_t> whole(buffer.data(), kWidth, kHeight);
  for (int y = 1; y < 4; ++y) {
    for (int x = 2; x < 5; ++x) whole(x, y) = kC;  // window coords (0..2, 0..2)
  }
  whole(6, 5) = kV;  // lone pixel inside the window at (4, 4)
  whole(1, 1) = kV;  // outside, left of the block
  whole(1, 2) = kV;
  whole(0, 0) = kW;
  Grid expected = buffer;
  expected[static_cast<std::size_t>(5 * kWidth + 6)] = kN;  // only the lone pixel goes
  open_change_mask(whole.sub(2, 1, 5, 5), 1);
  EXPECT_EQ(buffer, expected);
}

TEST(CloseChangeMask, RadiusZeroIsANoOpAndNegativeThrows) {
  const Grid input{kC, kC, kC,  //
                   kC, kN, kC,  //
                   kC, kC, kC};
  EXPECT_EQ(closed(input, 3, 3, 0), input);
  Grid classes = input;
  EXPECT_THROW(close_change_mask(TileView<std::uint8_t>(classes.data(), 3, 3), -1), std::invalid_argument);
}

TEST(CloseChangeMask, FillsAHoleWithTheTypeAroundIt) {
  // A one-pixel hole and a two-pixel hole inside a construction patch are filled; the
  // no-change pixels outside the patch stay none.
  const Grid input{kN, kN, kN, kN, kN, kN, kN,  //
                   kN, kC, kC, kC, kC, kC, kN,  //
                   kN, kC, kN, kC, kN, kC, kN,  //
                   kN, kC, kC, kC, kN, kC, kN,  //
                   kN, kC, kC, kC, kC, kC, kN,  //
                   kN, kN, kN, kN, kN, kN, kN};
  Grid expected = input;
  expected[2 * 7 + 2] = kC;
  expected[2 * 7 + 4] = kC;
  expected[3 * 7 + 4] = kC;
  EXPECT_EQ(closed(input, 7, 6, 1), expected);
}

TEST(CloseChangeMask, BridgesGapsNarrowerThanTheElementOnly) {
  // Radius 1 (3 x 3): two bands two columns apart are joined, two bands three columns
  // apart are not.
  constexpr int kWidth = 13, kHeight = 5;
  Grid input(kWidth * kHeight, kN);
  for (int y = 1; y < 4; ++y) {
    for (int x : {1, 2, 5, 6, 10, 11}) input[static_cast<std::size_t>(y * kWidth + x)] = kV;
  }
  Grid expected = input;
  for (int y = 1; y < 4; ++y) {
    for (int x : {3, 4}) expected[static_cast<std::size_t>(y * kWidth + x)] = kV;  // gap of 2: bridged
  }  // columns 7-9, a gap of 3: left alone
  EXPECT_EQ(closed(input, kWidth, kHeight, 1), expected);
  // Radius 2 (5 x 5) bridges the gap of 3 too, but only on the middle row: on the others
  // its window reaches outside the image, which is no change.
  Grid wide = input;
  for (int x : {3, 4, 7, 8, 9}) wide[static_cast<std::size_t>(2 * kWidth + x)] = kV;
  EXPECT_EQ(closed(input, kWidth, kHeight, 2), wide);
}

TEST(CloseChangeMask, FillTakesTheMostCommonTypeTiesToTheLowerCode) {
  // Centre's 3x3 window: 5 construction, 3 vegetation loss -> construction.
  const Grid mostly_construction{kN, kN, kN, kN, kN,  //
                                 kN, kC, kC, kV, kN,  //
                                 kN, kC, kN, kV, kN,  //
                                 kN, kC, kC, kV, kN,  //
                                 kN, kN, kN, kN, kN};
  EXPECT_EQ(closed(mostly_construction, 5, 5, 1)[2 * 5 + 2], kC);
  // 4 water loss, 4 vegetation loss -> vegetation loss (code 1 < code of water loss).
  const Grid tie{kN, kN, kN, kN, kN,  //
                 kN, kW, kW, kV, kN,  //
                 kN, kW, kN, kV, kN,  //
                 kN, kW, kV, kV, kN,  //
                 kN, kN, kN, kN, kN};
  ASSERT_LT(kV, kW);
  EXPECT_EQ(closed(tie, 5, 5, 1)[2 * 5 + 2], kV);
}

TEST(CloseChangeMask, NodataIsNeverFilledAndFillsNothing) {
  // A nodata pixel inside a patch stays nodata; a ring of nodata around a no-change pixel
  // does not close it.
  const Grid input{kN, kN, kN, kN, kN, kN, kN, kN, kN,  //
                   kN, kC, kC, kC, kN, kX, kX, kX, kN,  //
                   kN, kC, kX, kC, kN, kX, kN, kX, kN,  //
                   kN, kC, kC, kC, kN, kX, kX, kX, kN,  //
                   kN, kN, kN, kN, kN, kN, kN, kN, kN};
  EXPECT_EQ(closed(input, 9, 5, 1), input);
}

// ---------------------------------------------------------------------------------------
// Tiling: each tile is processed with a halo of morphology_halo(r) real pixels (clipped at
// the image border) and its core must equal the same region of the whole-image result.

/// Random none / vegetation_loss / construction, each pixel changed with the given odds.
Grid random_classes(int width, int height, unsigned seed, double change_probability) {
  std::mt19937 generator(seed);
  const double half_change = change_probability / 2.0;
  std::discrete_distribution<int> cls({1.0 - change_probability, half_change, half_change});
  Grid classes(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (std::uint8_t& c : classes) c = static_cast<std::uint8_t>(cls(generator));
  return classes;
}

/// Runs `cleanup` tile by tile, each tile with `halo` real pixels around its core (clipped
/// at the image border), and assembles the cores.
template <class Cleanup>
Grid tiled(const Grid& image, int width, int height, int tile_size, int halo, Cleanup cleanup) {
  Grid result(image.size(), kX);
  for (int core_y = 0; core_y < height; core_y += tile_size) {
    for (int core_x = 0; core_x < width; core_x += tile_size) {
      const int core_w = std::min(tile_size, width - core_x);
      const int core_h = std::min(tile_size, height - core_y);
      const int x0 = std::max(0, core_x - halo);
      const int y0 = std::max(0, core_y - halo);
      const int x1 = std::min(width, core_x + core_w + halo);
      const int y1 = std::min(height, core_y + core_h + halo);
      // Work on a fresh copy: halos overlap neighbouring cores.
      Grid scratch = image;
      const TileView<std::uint8_t> whole(scratch.data(), width, height);
      cleanup(whole.sub(x0, y0, x1 - x0, y1 - y0));
      for (int y = core_y; y < core_y + core_h; ++y) {
        for (int x = core_x; x < core_x + core_w; ++x) {
          result[static_cast<std::size_t>(y * width + x)] = whole(x, y);
        }
      }
    }
  }
  return result;
}

Grid tiled_opening(const Grid& image, int width, int height, int tile_size, int radius) {
  return tiled(image, width, height, tile_size, morphology_halo(radius),
               [&](TileView<std::uint8_t> tile) { open_change_mask(tile, radius); });
}

/// Opening then closing, as detection runs them, tile by tile with the given halo.
Grid tiled_cleanup(const Grid& image, int width, int height, int tile_size, int radius, int halo) {
  return tiled(image, width, height, tile_size, halo, [&](TileView<std::uint8_t> tile) {
    open_change_mask(tile, radius);
    close_change_mask(tile, radius);
  });
}

TEST(OpenChangeMask, TiledWithHaloEqualsWholeImage) {
  constexpr int kWidth = 61;
  constexpr int kHeight = 47;
  for (int radius : {1, 2}) {
    // A (2r+1)^2 square of change must occur by chance: about 75 of them at p = 2/3 for r = 1,
    // about 200 at p = 0.9 for r = 2.
    const Grid image = random_classes(kWidth, kHeight, 12345u, radius == 1 ? 2.0 / 3.0 : 0.9);
    const Grid whole_result = opened(image, kWidth, kHeight, radius);
    // Guard against a vacuous comparison: the opening must remove some change and keep some.
    const auto changes = [](const Grid& g) {
      return std::count_if(g.begin(), g.end(), [](std::uint8_t c) { return is_change(c); });
    };
    ASSERT_LT(changes(whole_result), changes(image)) << "radius " << radius;
    ASSERT_GT(changes(whole_result), 0) << "radius " << radius;
    for (int tile_size : {5, 7, 13, 16, 31, 61}) {
      SCOPED_TRACE("radius " + std::to_string(radius) + ", tile " + std::to_string(tile_size));
      EXPECT_EQ(tiled_opening(image, kWidth, kHeight, tile_size, radius), whole_result);
    }
  }
}

TEST(CloseChangeMask, OpeningThenClosingTiledWithHaloEqualsWholeImage) {
  constexpr int kWidth = 61;
  constexpr int kHeight = 47;
  for (int radius : {1, 2}) {
    const Grid image = random_classes(kWidth, kHeight, 777u, radius == 1 ? 0.75 : 0.9);
    Grid whole_result = opened(image, kWidth, kHeight, radius);
    const Grid opened_only = whole_result;
    whole_result = closed(whole_result, kWidth, kHeight, radius);
    // Guard against a vacuous comparison: the closing must fill some pixels.
    const auto changes = [](const Grid& g) {
      return std::count_if(g.begin(), g.end(), [](std::uint8_t c) { return is_change(c); });
    };
    ASSERT_GT(changes(whole_result), changes(opened_only)) << "radius " << radius;
    for (int tile_size : {5, 7, 13, 16, 31, 61}) {
      SCOPED_TRACE("radius " + std::to_string(radius) + ", tile " + std::to_string(tile_size));
      EXPECT_EQ(tiled_cleanup(image, kWidth, kHeight, tile_size, radius, morphology_halo(radius, radius)),
                whole_result);
    }
  }
}

TEST(CloseChangeMask, HaloOfTheOpeningAloneIsTooShort) {
  // The closing reads the opened mask two radii further out: with only the opening's halo
  // some tiling differs from the whole image.
  constexpr int kWidth = 61;
  constexpr int kHeight = 47;
  const Grid image = random_classes(kWidth, kHeight, 777u, 0.75);
  const Grid whole_result = closed(opened(image, kWidth, kHeight, 1), kWidth, kHeight, 1);
  bool some_tiling_differs = false;
  for (int tile_size : {5, 7, 13}) {
    some_tiling_differs =
        some_tiling_differs || tiled_cleanup(image, kWidth, kHeight, tile_size, 1, morphology_halo(1)) != whole_result;
  }
  EXPECT_TRUE(some_tiling_differs);
}

TEST(OpenChangeMask, HaloIsNecessary) {
  // A 3x3 block straddling a tile edge survives in the whole image; a tile cut through it
  // without a halo sees a 1-pixel-wide sliver and erodes it, with the halo it keeps it.
  constexpr int kSize = 12;
  Grid image(kSize * kSize, kN);
  for (int y = 4; y < 7; ++y) {
    for (int x = 5; x < 8; ++x) image[static_cast<std::size_t>(y * kSize + x)] = kV;
  }
  EXPECT_EQ(opened(image, kSize, kSize, 1), image);

  Grid without_halo = image;
  open_change_mask(TileView<std::uint8_t>(without_halo.data(), kSize, kSize).sub(0, 0, 6, kSize), 1);
  EXPECT_EQ(without_halo[static_cast<std::size_t>(5 * kSize + 5)], kN);

  Grid with_halo = image;
  const int halo = morphology_halo(1);
  open_change_mask(TileView<std::uint8_t>(with_halo.data(), kSize, kSize).sub(0, 0, 6 + halo, kSize), 1);
  EXPECT_EQ(with_halo[static_cast<std::size_t>(5 * kSize + 5)], kV);
}

}  // namespace
}  // namespace zw::kernels
