// Hysteresis through the seam labeller: components of the grow mask are kept when their
// peak magnitude reaches the seed level, whichever tile the seed pixel lies in.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "zonewatch/kernels/components.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {
namespace {

constexpr std::uint8_t kN = 0;  // no change
constexpr std::uint8_t kC = 2;  // construction
constexpr std::uint8_t kO = 5;  // other

struct Grown {
  std::vector<ComponentStats> patches;
  Tile<std::uint32_t> ids;
};

/// Labels `classes` in tiles of tile_width x height, merges seams and finishes with
/// `seed_level` as the minimum peak; returns the kept patches and each pixel's patch id.
Grown grow(const Tile<std::uint8_t>& classes, const Tile<float>& magnitude, int tile_width, float seed_level) {
  const int width = classes.width(), height = classes.height();
  const int tiles_x = (width + tile_width - 1) / tile_width;
  SeamLabeler seams(tiles_x, 1);
  Tile<std::uint32_t> local(width, height);
  for (int tx = 0; tx < tiles_x; ++tx) {
    const Window w{tx * tile_width, 0, std::min(tile_width, width - tx * tile_width), height};
    const auto c = classes.view().sub(w.x0, 0, w.width, height);
    const auto l = local.view().sub(w.x0, 0, w.width, height);
    const std::uint32_t n = label_tile(c, l);
    auto stats = tile_component_stats(c, l, n, w, width, std::vector<double>(static_cast<std::size_t>(height), 1.0), {},
                                      {}, magnitude.view().sub(w.x0, 0, w.width, height));
    seams.add_tile(tx, 0, c, l, std::move(stats));
  }
  PatchTable table = seams.finish(0.0, seed_level);
  Grown g{std::move(table.patches), Tile<std::uint32_t>(width, height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      g.ids(x, y) = table.local_to_patch[static_cast<std::size_t>(x / tile_width)][local(x, y)];
    }
  }
  return g;
}

// Two grow components of class C (left block, right block) and one of class O touching
// the right block. Magnitudes (grow level 2, seed level 4):
//   C C . . C C O      3 3 0 0 3 3 3
//   C C . . C C O      3 3 0 0 3 5 3
// Left C: peak 3, no seed -> dropped. Right C: peak 5 -> kept. O: peak 3, touches a seeded
// patch but is another class, so it is its own component without a seed -> dropped.
TEST(Hysteresis, KeepsOnlyGrowComponentsHoldingASeed) {
  Tile<std::uint8_t> classes(7, 2);
  Tile<float> magnitude(7, 2);
  const std::uint8_t rows[2][7] = {{kC, kC, kN, kN, kC, kC, kO}, {kC, kC, kN, kN, kC, kC, kO}};
  const float mags[2][7] = {{3, 3, 0, 0, 3, 3, 3}, {3, 3, 0, 0, 3, 5, 3}};
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 7; ++x) {
      classes(x, y) = rows[y][x];
      magnitude(x, y) = mags[y][x];
    }
  }
  for (const int tile_width : {7, 5, 3, 1}) {
    SCOPED_TRACE(tile_width);
    const Grown g = grow(classes, magnitude, tile_width, 4.0f);
    ASSERT_EQ(g.patches.size(), 1u);
    EXPECT_EQ(g.patches[0].pixel_count, 4u);
    EXPECT_EQ(g.patches[0].peak_magnitude, 5.0f);
    for (int y = 0; y < 2; ++y) {
      for (int x = 0; x < 7; ++x) EXPECT_EQ(g.ids(x, y), (x == 4 || x == 5) ? 1u : 0u) << x << "," << y;
    }
  }
}

TEST(Hysteresis, SeedInAnotherTileKeepsTheWholePatch) {
  // One C strip across three tiles of width 2; only its last pixel is a seed.
  Tile<std::uint8_t> classes(6, 1, kC);
  Tile<float> magnitude(6, 1, 2.5f);
  magnitude(5, 0) = 4.0f;
  const Grown g = grow(classes, magnitude, 2, 4.0f);
  ASSERT_EQ(g.patches.size(), 1u);
  EXPECT_EQ(g.patches[0].pixel_count, 6u);
  // Just below the seed level nothing survives.
  EXPECT_TRUE(grow(classes, magnitude, 2, 4.0001f).patches.empty());
}

TEST(Hysteresis, DefaultKeepsEveryPeakIncludingNoValidMagnitude) {
  Tile<std::uint8_t> classes(3, 1, kO);
  Tile<float> magnitude(3, 1, kNaN);
  const Grown g = grow(classes, magnitude, 3, -std::numeric_limits<float>::infinity());
  ASSERT_EQ(g.patches.size(), 1u);
  EXPECT_EQ(g.patches[0].peak_magnitude, -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(grow(classes, magnitude, 3, 0.0f).patches.empty());
}

TEST(Hysteresis, SeedTestCanReadItsOwnPlane) {
  // A patch of two pixels, magnitudes 3 and 6 (summed), seed plane 3 and 4.5 (e.g. the
  // shift-tolerant magnitude): the peak comes from the seed plane, the sum from the other.
  Tile<std::uint8_t> classes(2, 1, kC);
  Tile<std::uint32_t> labels(2, 1);
  const std::uint32_t n = label_tile(classes.view(), labels.view());
  Tile<float> magnitude(2, 1), seed(2, 1);
  magnitude(0, 0) = 3.0f;
  magnitude(1, 0) = 6.0f;
  seed(0, 0) = 3.0f;
  seed(1, 0) = 4.5f;
  const Window w{0, 0, 2, 1};
  const auto own = tile_component_stats(classes.view(), labels.view(), n, w, 2, {1.0}, {}, {}, magnitude.view());
  const auto with_seed =
      tile_component_stats(classes.view(), labels.view(), n, w, 2, {1.0}, {}, {}, magnitude.view(), seed.view());
  ASSERT_EQ(own.size(), 2u);
  ASSERT_EQ(with_seed.size(), 2u);
  EXPECT_EQ(own[1].peak_magnitude, 6.0f);
  EXPECT_EQ(with_seed[1].peak_magnitude, 4.5f);
  EXPECT_EQ(with_seed[1].sum_magnitude, 9.0);
  Tile<float> wrong(1, 1, 0.0f);
  EXPECT_THROW(
      (void)tile_component_stats(classes.view(), labels.view(), n, w, 2, {1.0}, {}, {}, magnitude.view(), wrong.view()),
      std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
