// Run-length coding of class tiles (the detection's spill): bytes by hand, runs across rows,
// strided views, long runs, round trips of random tiles, and malformed input refused.
#include "zonewatch/kernels/byte_runs.hpp"

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace zw::kernels {
namespace {

std::vector<std::uint8_t> packed(ConstTileView<std::uint8_t> tile) {
  std::vector<std::uint8_t> out;
  pack_byte_runs(tile, out);
  return out;
}

std::vector<std::uint8_t> pixels(const Tile<std::uint8_t>& tile) {
  return {tile.values().begin(), tile.values().end()};
}

TEST(ByteRunsTest, RunsByHandContinueAcrossRows) {
  // 4 x 3: 0 0 0 0 / 0 0 7 7 / 255 255 255 0
  Tile<std::uint8_t> tile(4, 3);
  tile.values() = {0, 0, 0, 0, 0, 0, 7, 7, 255, 255, 255, 0};
  EXPECT_EQ(packed(tile.view()), (std::vector<std::uint8_t>{0, 6, 7, 2, 255, 3, 0, 1}));
}

TEST(ByteRunsTest, AppendsToWhatTheOutputHeld) {
  Tile<std::uint8_t> tile(2, 1, 9);
  std::vector<std::uint8_t> out{42};
  pack_byte_runs(tile.view(), out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{42, 9, 2}));
}

TEST(ByteRunsTest, LongRunsTakeSeveralVarintBytes) {
  // 300 x 1000 zeros: 300 000 = 0x493E0 -> LEB128 e0 a7 12.
  Tile<std::uint8_t> tile(300, 1000, 0);
  EXPECT_EQ(packed(tile.view()), (std::vector<std::uint8_t>{0, 0xe0, 0xa7, 0x12}));
  Tile<std::uint8_t> back(300, 1000, 5);
  unpack_byte_runs(packed(tile.view()), back.view());
  EXPECT_EQ(pixels(back), pixels(tile));
}

TEST(ByteRunsTest, AStridedViewPacksOnlyItsPixels) {
  Tile<std::uint8_t> tile(5, 3);
  tile.values() = {1, 2, 2, 2, 3,  //
                   1, 2, 2, 4, 3,  //
                   1, 2, 2, 2, 3};
  // The middle 3 x 3: 2 2 2 / 2 2 4 / 2 2 2.
  const auto view = ConstTileView<std::uint8_t>(tile.view()).sub(1, 0, 3, 3);
  EXPECT_EQ(packed(view), (std::vector<std::uint8_t>{2, 5, 4, 1, 2, 3}));
  Tile<std::uint8_t> back(3, 3, 0);
  unpack_byte_runs(packed(view), back.view());
  EXPECT_EQ(pixels(back), (std::vector<std::uint8_t>{2, 2, 2, 2, 2, 4, 2, 2, 2}));
}

TEST(ByteRunsTest, RandomTilesOfEveryRunLengthComeBackUnchanged) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int width = 1 + static_cast<int>(random() % 40), height = 1 + static_cast<int>(random() % 20);
    Tile<std::uint8_t> tile(width, height);
    // Runs of 1 to 30 bytes from a few values, so that the 8-byte scan meets every alignment.
    std::uint8_t value = 0;
    int left = 0;
    for (auto& v : tile.values()) {
      if (left == 0) {
        value = static_cast<std::uint8_t>(random() % 4 == 0 ? 255 : random() % 3);
        left = 1 + static_cast<int>(random() % 30);
      }
      v = value;
      --left;
    }
    Tile<std::uint8_t> back(width, height, 77);
    unpack_byte_runs(packed(tile.view()), back.view());
    ASSERT_EQ(pixels(back), pixels(tile)) << "trial " << trial;
  }
}

TEST(ByteRunsTest, AnEmptyTilePacksToNothing) {
  Tile<std::uint8_t> tile(0, 0);
  EXPECT_TRUE(packed(tile.view()).empty());
  EXPECT_NO_THROW(unpack_byte_runs({}, tile.view()));
  const std::vector<std::uint8_t> one_run{0, 1};
  EXPECT_THROW(unpack_byte_runs(one_run, tile.view()), std::invalid_argument);
}

TEST(ByteRunsTest, MalformedRunsAreRefused) {
  Tile<std::uint8_t> tile(2, 2);
  const auto refuses = [&](std::vector<std::uint8_t> bytes) {
    EXPECT_THROW(unpack_byte_runs(bytes, tile.view()), std::invalid_argument);
  };
  refuses({0, 3});        // short of the tile's 4 pixels
  refuses({0, 5});        // past it
  refuses({0, 2, 1, 3});  // past it in a second run
  refuses({0, 0, 1, 4});  // a run of length 0
  refuses({0, 0x84});     // a varint cut off
  refuses({1});           // a value without a length
  refuses(std::vector<std::uint8_t>{0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01});  // > 64 bits
  const std::vector<std::uint8_t> exact{3, 4};
  EXPECT_NO_THROW(unpack_byte_runs(exact, tile.view()));
  EXPECT_EQ(pixels(tile), (std::vector<std::uint8_t>(4, 3)));
}

}  // namespace
}  // namespace zw::kernels
