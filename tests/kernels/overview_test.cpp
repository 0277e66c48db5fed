// Overviews of integer tiles computed tile by tile. Averaged (the composite's COG): means by
// hand with nodata, means of the full-resolution pixels rather than of the finer level's
// means, halves rounded away from zero. Nearest (the change map's): the pixel below and right
// of each block's centre, the last one for partial blocks. Both: tiles split on the blocks
// give the whole's overviews, and bad levels are refused. Typed over the writer's pixel types.
#include "zonewatch/kernels/overview.hpp"

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace zw::kernels {
namespace {

template <class T>
Tile<T> tile_of(int width, int height, const std::vector<int>& values) {
  Tile<T> tile(width, height);
  for (std::size_t i = 0; i < values.size(); ++i) tile.values()[i] = static_cast<T>(values[i]);
  return tile;
}

template <class T>
std::vector<int> as_ints(const Tile<T>& tile) {
  return {tile.values().begin(), tile.values().end()};
}

template <class T>
class AverageOverviewsTest : public ::testing::Test {};
using PixelTypes = ::testing::Types<std::int16_t, std::uint16_t, std::uint8_t>;
TYPED_TEST_SUITE(AverageOverviewsTest, PixelTypes);

TYPED_TEST(AverageOverviewsTest, MeansOfValidPixelsByHand) {
  using T = TypeParam;
  // 5 x 3, nodata 0:
  //   10 20 | 30  0 | 7
  //    0 40 |  0  0 | 9
  //   ------+-------+---
  //    1  2 |  3  4 | 0
  const Tile<T> tile = tile_of<T>(5, 3, {10, 20, 30, 0, 7, 0, 40, 0, 0, 9, 1, 2, 3, 4, 0});
  std::vector<Tile<T>> levels;
  average_overviews<T>(tile.view(), T{0}, 3, levels);
  ASSERT_EQ(levels.size(), 3u);
  ASSERT_EQ(levels[0].width(), 3);
  ASSERT_EQ(levels[0].height(), 2);
  // (10+20+40)/3 = 23.3 -> 23; 30/1; (7+9)/2 = 8; (1+2)/2 = 1.5 -> 2; 3.5 -> 4; none -> nodata.
  EXPECT_EQ(as_ints(levels[0]), (std::vector<int>{23, 30, 8, 2, 4, 0}));
  ASSERT_EQ(levels[1].width(), 2);
  ASSERT_EQ(levels[1].height(), 1);
  // The 4 x 2 block's 8 valid pixels of the top left: (10+20+30+40+1+2+3+4)/8 = 13.75 -> 14
  // (the mean of level 1's means, (23+30+2+4)/4 = 14.75, would weigh them unevenly).
  EXPECT_EQ(as_ints(levels[1]), (std::vector<int>{14, 8}));
  ASSERT_EQ(levels[2].width(), 1);
  ASSERT_EQ(levels[2].height(), 1);
  EXPECT_EQ(as_ints(levels[2]), (std::vector<int>{13}));  // 126 / 10 = 12.6 -> 13
}

TYPED_TEST(AverageOverviewsTest, WithoutNodataEveryValueCounts) {
  using T = TypeParam;
  const Tile<T> tile = tile_of<T>(2, 2, {0, 0, 0, 3});
  std::vector<Tile<T>> levels;
  average_overviews<T>(tile.view(), std::nullopt, 1, levels);
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(as_ints(levels[0]), (std::vector<int>{1}));  // 0.75 -> 1; with nodata 0 it would be 3
}

TYPED_TEST(AverageOverviewsTest, TilesSplitOnTheBlocksGiveTheWholesOverviews) {
  using T = TypeParam;
  // A 37 x 29 raster with scattered nodata, and the same raster as 16 x 16 tiles (aligned on
  // 2^4 blocks): each tile's overviews are the matching part of the whole's.
  constexpr int kWidth = 37, kHeight = 29, kLevels = 4, kTile = 16;
  std::mt19937 random(7);
  std::uniform_int_distribution<int> value(0, 120);
  Tile<T> whole(kWidth, kHeight);
  for (auto& v : whole.values()) v = static_cast<T>(value(random) < 12 ? 0 : value(random));
  std::vector<Tile<T>> expected;
  average_overviews<T>(whole.view(), T{0}, kLevels, expected);
  ASSERT_EQ(expected.back().width(), 3);  // 37 -> 19 -> 10 -> 5 -> 3
  ASSERT_EQ(expected.back().height(), 2);
  for (int y0 = 0; y0 < kHeight; y0 += kTile) {
    for (int x0 = 0; x0 < kWidth; x0 += kTile) {
      const int w = std::min(kTile, kWidth - x0), h = std::min(kTile, kHeight - y0);
      std::vector<Tile<T>> parts;
      average_overviews<T>(ConstTileView<T>(whole.view().sub(x0, y0, w, h)), T{0}, kLevels, parts);
      ASSERT_EQ(parts.size(), static_cast<std::size_t>(kLevels));
      for (int k = 0; k < kLevels; ++k) {
        const int f = 1 << (k + 1);
        for (int y = 0; y < parts[static_cast<std::size_t>(k)].height(); ++y) {
          for (int x = 0; x < parts[static_cast<std::size_t>(k)].width(); ++x) {
            ASSERT_EQ(parts[static_cast<std::size_t>(k)](x, y),
                      expected[static_cast<std::size_t>(k)](x0 / f + x, y0 / f + y))
                << "level " << k + 1 << " tile (" << x0 << ", " << y0 << ") pixel (" << x << ", " << y << ")";
          }
        }
      }
    }
  }
}

TYPED_TEST(AverageOverviewsTest, NearestTakesThePixelBelowAndRightOfEachBlocksCentre) {
  using T = TypeParam;
  // 5 x 3, value 10 * row + col:
  //    0  1  2  3  4
  //   10 11 12 13 14
  //   20 21 22 23 24
  std::vector<int> values;
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 5; ++col) values.push_back(10 * row + col);
  const Tile<T> tile = tile_of<T>(5, 3, values);
  std::vector<Tile<T>> levels;
  nearest_overviews<T>(tile.view(), 2, levels);
  ASSERT_EQ(levels.size(), 2u);
  ASSERT_EQ(levels[0].width(), 3);
  ASSERT_EQ(levels[0].height(), 2);
  // Level 1: columns 1, 3 and (5, past the edge) 4; rows 1 and (3) 2.
  EXPECT_EQ(as_ints(levels[0]), (std::vector<int>{11, 13, 14, 21, 23, 24}));
  // Level 2 (2 x 1): columns 2 and (6) 4; row 2.
  EXPECT_EQ(as_ints(levels[1]), (std::vector<int>{22, 24}));
  EXPECT_THROW(nearest_overviews<T>(tile.view(), 31, levels), std::invalid_argument);
}

TYPED_TEST(AverageOverviewsTest, NearestOfTilesSplitOnTheBlocksIsTheWholes) {
  using T = TypeParam;
  constexpr int kWidth = 45, kHeight = 38, kLevels = 3, kTile = 24;  // 24 = 3 x 2^3
  std::mt19937 random(11);
  std::uniform_int_distribution<int> value(0, 9);
  Tile<T> whole(kWidth, kHeight);
  for (auto& v : whole.values()) v = static_cast<T>(value(random));
  std::vector<Tile<T>> expected;
  nearest_overviews<T>(whole.view(), kLevels, expected);
  for (int y0 = 0; y0 < kHeight; y0 += kTile) {
    for (int x0 = 0; x0 < kWidth; x0 += kTile) {
      const int w = std::min(kTile, kWidth - x0), h = std::min(kTile, kHeight - y0);
      std::vector<Tile<T>> parts;
      nearest_overviews<T>(ConstTileView<T>(whole.view().sub(x0, y0, w, h)), kLevels, parts);
      for (int k = 0; k < kLevels; ++k) {
        const int f = 1 << (k + 1);
        const auto& part = parts[static_cast<std::size_t>(k)];
        for (int y = 0; y < part.height(); ++y)
          for (int x = 0; x < part.width(); ++x)
            ASSERT_EQ(part(x, y), expected[static_cast<std::size_t>(k)](x0 / f + x, y0 / f + y))
                << "level " << k + 1 << " tile (" << x0 << ", " << y0 << ") pixel (" << x << ", " << y << ")";
      }
    }
  }
}

TEST(AverageOverviewsSignedTest, HalvesRoundAwayFromZero) {
  const Tile<std::int16_t> tile = tile_of<std::int16_t>(4, 1, {-3, -4, 3, 4});
  std::vector<Tile<std::int16_t>> levels;
  average_overviews<std::int16_t>(tile.view(), std::int16_t{-32768}, 1, levels);
  EXPECT_EQ(as_ints(levels[0]), (std::vector<int>{-4, 4}));  // -3.5 and 3.5
}

TEST(AverageOverviewsSignedTest, LevelsOutsideTheRangeAreRefused) {
  const Tile<std::int16_t> tile(2, 2);
  std::vector<Tile<std::int16_t>> levels(3);
  average_overviews<std::int16_t>(tile.view(), std::nullopt, 0, levels);
  EXPECT_TRUE(levels.empty());
  EXPECT_THROW(average_overviews<std::int16_t>(tile.view(), std::nullopt, -1, levels), std::invalid_argument);
  EXPECT_THROW(average_overviews<std::int16_t>(tile.view(), std::nullopt, 31, levels), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
