// The one tile planner and the one tile engine: tiles from a memory budget or a forced size,
// odd edge tiles and clipped halos; consumption in tile order whatever the threads' timing;
// a toy computation that gives the same image whole, tiled and odd-sized-tiled.
#include "zonewatch/pipeline/grid/tile_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace zw {
namespace {
using kernels::Window;

ProcessingOptions budget_of(int memory_mb) {
  ProcessingOptions options;
  options.memory_mb = memory_mb;
  options.tile_size = 0;
  return options;
}

ProcessingOptions forced(int tile_size) {
  ProcessingOptions options;
  options.tile_size = tile_size;
  return options;
}

TEST(TilePlanner, SizesTilesFromTheMemoryBudget) {
  // 1 GiB, 60 % for 4 tokens of 160 B/px: 1006633 px per padded tile, side 1003 - 2 x 4 of
  // halo = 995, rounded down to 960.
  const TilePlan plan = plan_tiles(10980, 10980, budget_of(1024), {.bytes_per_pixel = 160.0, .tokens = 4, .halo = 4});
  EXPECT_EQ(plan.tile_width, 960);
  EXPECT_EQ(plan.tile_height, 960);
  EXPECT_EQ(plan.tiles_x, 12);  // 11 full tiles and one of 420
  EXPECT_EQ(plan.tiles_y, 12);
  EXPECT_EQ(plan.count(), 144);
  EXPECT_EQ(plan.halo, 4);
  EXPECT_EQ(plan.core(11), (Window{10560, 0, 420, 960}));
}

TEST(TilePlanner, MoreTokensOrBytesMeanSmallerTiles) {
  const TileCost few{.bytes_per_pixel = 160.0, .tokens = 2};
  const TileCost many{.bytes_per_pixel = 160.0, .tokens = 32};
  const TileCost heavy{.bytes_per_pixel = 1600.0, .tokens = 2};
  const int few_side = plan_tiles(20000, 20000, budget_of(2048), few).tile_width;
  EXPECT_LT(plan_tiles(20000, 20000, budget_of(2048), many).tile_width, few_side);
  EXPECT_LT(plan_tiles(20000, 20000, budget_of(2048), heavy).tile_width, few_side);
}

TEST(TilePlanner, BudgetSidesAreClampedAndRounded) {
  const TileCost cost{.bytes_per_pixel = 160.0, .tokens = 16, .multiple = 64, .min_side = 128, .max_side = 4096};
  EXPECT_EQ(plan_tiles(50000, 50000, budget_of(1), cost).tile_width, 128);         // tiny budget: the minimum
  EXPECT_EQ(plan_tiles(50000, 50000, budget_of(1 << 20), cost).tile_width, 4096);  // huge budget: the maximum
  const int side = plan_tiles(50000, 50000, budget_of(700), cost).tile_width;
  EXPECT_EQ(side % 64, 0);
  const TileCost composite{.bytes_per_pixel = 100.0, .tokens = 3, .multiple = 256, .min_side = 256, .max_side = 4096};
  EXPECT_EQ(plan_tiles(50000, 50000, budget_of(700), composite).tile_width % 256, 0);
}

TEST(TilePlanner, ForcedTileSizeIgnoresTheBudget) {
  const TileCost cost{.bytes_per_pixel = 160.0, .tokens = 8, .halo = 2};
  const TilePlan plan = plan_tiles(1000, 700, forced(100), cost);
  EXPECT_EQ(plan.tile_width, 100);  // not rounded to a multiple nor clamped
  EXPECT_EQ(plan.tiles_x, 10);
  EXPECT_EQ(plan.tiles_y, 7);
  // A side larger than the grid is cut to it, per axis.
  const TilePlan whole = plan_tiles(300, 200, forced(4096), cost);
  EXPECT_EQ(whole.tile_width, 300);
  EXPECT_EQ(whole.tile_height, 200);
  EXPECT_EQ(whole.count(), 1);
  EXPECT_EQ(whole.core(0), (Window{0, 0, 300, 200}));
  EXPECT_EQ(whole.padded(0), (Window{0, 0, 300, 200}));  // the halo never leaves the grid
}

TEST(TilePlanner, OddEdgeTilesAndClippedHalos) {
  const TilePlan plan = plan_tiles(300, 200, forced(128), {.bytes_per_pixel = 1.0, .halo = 3});
  ASSERT_EQ(plan.tiles_x, 3);
  ASSERT_EQ(plan.tiles_y, 2);
  EXPECT_EQ(plan.core(0), (Window{0, 0, 128, 128}));
  EXPECT_EQ(plan.core(2), (Window{256, 0, 44, 128}));      // narrower last column
  EXPECT_EQ(plan.core(5), (Window{256, 128, 44, 72}));     // narrower last column and row
  EXPECT_EQ(plan.padded(0), (Window{0, 0, 131, 131}));     // clipped at the top left
  EXPECT_EQ(plan.padded(4), (Window{125, 125, 134, 75}));  // grown on three sides, clipped at the bottom
  EXPECT_EQ(plan.padded(5), (Window{253, 125, 47, 75}));
  // The cores tile the grid exactly once.
  long long pixels = 0;
  for (int i = 0; i < plan.count(); ++i) pixels += plan.core(i).pixel_count();
  EXPECT_EQ(pixels, 300LL * 200LL);
}

TEST(TilePlanner, SeamsAreTheRowsNeighbouringTileRowsBothRead) {
  const TilePlan plan = plan_tiles(300, 200, forced(128), {.bytes_per_pixel = 1.0, .halo = 3});
  EXPECT_EQ(plan.seam_below(0), (Window{0, 125, 300, 6}));  // row 0 reads to 131, row 1 from 125
  EXPECT_TRUE(plan.seam_below(1).empty()) << "no row below the last";
  EXPECT_TRUE(plan.seam_below(-1).empty());
  // Tile 1 (top row): the seam below, across the grid. Tile 4 (bottom row, middle): the seam
  // above, from its own left edge on.
  EXPECT_EQ(plan.read_again(1), (std::vector<Window>{{0, 125, 300, 6}}));
  EXPECT_EQ(plan.read_again(4), (std::vector<Window>{{125, 125, 175, 6}}));
  EXPECT_TRUE(plan_tiles(300, 100, forced(128), {.bytes_per_pixel = 1.0, .halo = 3}).read_again(1).empty())
      << "one row of tiles: only the neighbour's columns are shared, and it was the last tile read";
}

TEST(TilePlanner, ReadAgainHoldsEveryPixelThatEarlierAndLaterTilesBothRead) {
  // Brute force over whole plans, odd edges included: a pixel read for a tile before `index`
  // and for one from `index` on is in read_again(index), or in the tile read just before;
  // and every pixel read_again names is read again.
  struct Case {
    int width, height, tile, halo;
  };
  for (const Case c : {Case{300, 290, 128, 3}, Case{401, 333, 128, 20}, Case{260, 390, 128, 64}}) {
    SCOPED_TRACE(testing::Message() << c.width << "x" << c.height << " tiles " << c.tile << " halo " << c.halo);
    const TilePlan plan = plan_tiles(c.width, c.height, forced(c.tile), {.bytes_per_pixel = 1.0, .halo = c.halo});
    ASSERT_GT(plan.tiles_y, 2);
    const auto at = [&](int x, int y) { return static_cast<std::size_t>(y) * static_cast<std::size_t>(c.width) + x; };
    const auto paint = [&](std::vector<std::uint8_t>& image, const Window& w) {
      for (int y = w.y0; y < w.y0 + w.height; ++y)
        for (int x = w.x0; x < w.x0 + w.width; ++x) image[at(x, y)] = 1;
    };
    const std::size_t pixels = static_cast<std::size_t>(c.width) * static_cast<std::size_t>(c.height);
    for (int index = 1; index < plan.count(); ++index) {
      std::vector<std::uint8_t> before(pixels, 0), after(pixels, 0), kept(pixels, 0);
      for (int i = 0; i < index; ++i) paint(before, plan.padded(i));
      for (int j = index; j < plan.count(); ++j) paint(after, plan.padded(j));
      for (const Window& w : plan.read_again(index)) {
        ASSERT_GE(w.x0, 0);
        ASSERT_GE(w.y0, 0);
        ASSERT_LE(w.x0 + w.width, c.width);
        ASSERT_LE(w.y0 + w.height, c.height);
        paint(kept, w);
      }
      paint(kept, plan.padded(index - 1));
      int missed = 0, needless = 0;
      for (std::size_t p = 0; p < pixels; ++p) {
        missed += static_cast<int>(before[p] != 0 && after[p] != 0 && kept[p] == 0);
      }
      std::vector<std::uint8_t> named(pixels, 0);
      for (const Window& w : plan.read_again(index)) paint(named, w);
      for (std::size_t p = 0; p < pixels; ++p) needless += static_cast<int>(named[p] != 0 && after[p] == 0);
      EXPECT_EQ(missed, 0) << "tile " << index << ": pixels read before and again, not kept";
      EXPECT_EQ(needless, 0) << "tile " << index << ": pixels kept that no later tile reads";
    }
  }
}

TEST(TilePlanner, AlignedHalvingsAreTheTileSizesFactorsOfTwo) {
  // 3 x 2 tiles of 128 (2^7) x 128: no 2^7 block is split, a 2^8 block would be.
  EXPECT_EQ(plan_tiles(300, 200, forced(128), {.bytes_per_pixel = 1.0}).aligned_halvings(), 7);
  // 896 = 2^7 x 7, the scan's tiles at 10980²; 96 = 2^5 x 3.
  EXPECT_EQ(plan_tiles(2000, 2000, forced(896), {.bytes_per_pixel = 1.0}).aligned_halvings(), 7);
  EXPECT_EQ(plan_tiles(300, 200, forced(96), {.bytes_per_pixel = 1.0}).aligned_halvings(), 5);
  // One tile splits nothing; one column of tiles splits nothing across.
  EXPECT_EQ(plan_tiles(300, 200, forced(4000), {.bytes_per_pixel = 1.0}).aligned_halvings(), 30);
  const TilePlan column = plan_tiles(100, 300, forced(128), {.bytes_per_pixel = 1.0});
  ASSERT_EQ(column.tiles_x, 1);
  EXPECT_EQ(column.aligned_halvings(), 7);
}

/// The composite stage's planner before it became a call to plan_tiles, kept as the reference.
int old_composite_side(int width, int height, const ProcessingOptions& processing, std::size_t scenes,
                       std::size_t bands, int tokens) {
  int side = processing.tile_size;
  if (side <= 0) {
    const double bytes =
        static_cast<double>(scenes) * (static_cast<double>(bands) * 8.0 + 1.0) + static_cast<double>(bands) * 6.0 + 6.0;
    const double budget = static_cast<double>(processing.memory_mb) * 1024.0 * 1024.0 * 0.6 / std::max(1, tokens);
    side = static_cast<int>(std::sqrt(budget / bytes)) / 256 * 256;
    side = std::clamp(side, 256, 16 * 256);
  }
  return std::min(side, std::max(width, height));
}

TEST(TilePlanner, CompositeSidesEqualTheOldCompositePlanner) {
  for (int memory_mb = 16; memory_mb <= 65536; memory_mb += memory_mb < 2048 ? 7 : 509) {
    for (std::size_t scenes = 1; scenes <= 24; ++scenes) {
      for (std::size_t bands = 1; bands <= 6; ++bands) {
        for (int tokens : {2, 3, 5, 9, 17, 33, 65}) {
          const double bytes = static_cast<double>(scenes) * (static_cast<double>(bands) * 8.0 + 1.0) +
                               static_cast<double>(bands) * 6.0 + 6.0;
          const TilePlan plan = plan_tiles(
              30000, 20000, budget_of(memory_mb),
              {.bytes_per_pixel = bytes, .tokens = tokens, .multiple = 256, .min_side = 256, .max_side = 4096});
          const int expected = old_composite_side(30000, 20000, budget_of(memory_mb), scenes, bands, tokens);
          ASSERT_EQ(std::max(plan.tile_width, plan.tile_height), expected)
              << memory_mb << " MB, " << scenes << " scenes, " << bands << " bands, " << tokens << " tokens";
        }
      }
    }
  }
}

TEST(TileEngine, ReadsAndConsumesInOrderWhateverTheComputeTiming) {
  constexpr int kCount = 64;
  std::vector<int> read_order, consume_order;
  std::atomic<int> computing{0}, most_computing{0};
  run_tiles(
      kCount, 8,
      [&](int index) {
        read_order.push_back(index);
        return index;
      },
      [&](int& index) {
        const int now = ++computing;
        int seen = most_computing.load();
        while (now > seen && !most_computing.compare_exchange_weak(seen, now)) {
        }
        // Early tiles take longest, so later ones finish first when threads are available.
        std::this_thread::sleep_for(std::chrono::microseconds(50 * ((kCount - index) % 9)));
        --computing;
        return index * 10;
      },
      [&](int&& result) { consume_order.push_back(result / 10); });
  std::vector<int> expected(kCount);
  for (int i = 0; i < kCount; ++i) expected[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(read_order, expected);
  EXPECT_EQ(consume_order, expected);
  EXPECT_LE(most_computing.load(), 8);  // never more tiles in flight than tokens
}

TEST(TileEngine, NoTilesCallsNothing) {
  int calls = 0;
  run_tiles(
      0, 4, [&](int) { return ++calls; }, [&](int& v) { return ++calls + v; }, [&](int&&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(TileEngine, AnExceptionInComputePropagates) {
  EXPECT_THROW(run_tiles(
                   10, 4, [](int index) { return index; },
                   [](int& index) {
                     if (index == 6) throw std::runtime_error("tile 6");
                     return index;
                   },
                   [](int&&) {}),
               std::runtime_error);
}

/// A toy computation with a halo of 1: the 3 x 3 box sum of the pixels inside the grid,
/// streamed through the engine over `plan`; the cores are pasted into the full image and a
/// per-tile checksum is merged in tile order.
constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();

struct ToyResult {
  std::vector<std::int64_t> image;
  std::vector<std::uint64_t> merged;  // one checksum per tile, in consume order
};

ToyResult box_sum(const std::vector<std::int32_t>& image, int width, int height, const TilePlan& plan) {
  struct Padded {
    int index;
    Window window;
    std::vector<std::int32_t> pixels;
  };
  struct Core {
    Window window;
    std::vector<std::int64_t> sums;
  };
  ToyResult result;
  result.image.assign(image.size(), kUnset);
  run_tiles(
      plan.count(), 4,
      [&](int index) {
        Padded p{index, plan.padded(index), {}};
        for (int y = p.window.y0; y < p.window.y1(); ++y) {
          for (int x = p.window.x0; x < p.window.x1(); ++x) {
            p.pixels.push_back(
                image[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)]);
          }
        }
        return p;
      },
      [&](Padded& p) {
        Core core{plan.core(p.index), {}};
        for (int y = core.window.y0; y < core.window.y1(); ++y) {
          for (int x = core.window.x0; x < core.window.x1(); ++x) {
            std::int64_t sum = 0;
            for (int dy = -1; dy <= 1; ++dy) {
              for (int dx = -1; dx <= 1; ++dx) {
                const int gx = x + dx, gy = y + dy;
                if (gx < 0 || gy < 0 || gx >= width || gy >= height) continue;
                // The halo must hold every in-grid neighbour of a core pixel.
                EXPECT_TRUE(gx >= p.window.x0 && gx < p.window.x1() && gy >= p.window.y0 && gy < p.window.y1());
                sum += p.pixels[static_cast<std::size_t>(gy - p.window.y0) * static_cast<std::size_t>(p.window.width) +
                                static_cast<std::size_t>(gx - p.window.x0)];
              }
            }
            core.sums.push_back(sum);
          }
        }
        return core;
      },
      [&](Core&& core) {
        std::uint64_t checksum = 0;  // unsigned: the hash wraps by design (signed overflow is UB)
        std::size_t i = 0;
        for (int y = core.window.y0; y < core.window.y1(); ++y) {
          for (int x = core.window.x0; x < core.window.x1(); ++x) {
            result.image[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)] =
                core.sums[i];
            checksum = checksum * 31 + static_cast<std::uint64_t>(core.sums[i++]);
          }
        }
        result.merged.push_back(checksum);
      });
  return result;
}

TEST(TileEngine, ToyComputationIsIdenticalWholeTiledAndOddTiled) {
  constexpr int kWidth = 97, kHeight = 61;
  std::mt19937 random(7);
  std::uniform_int_distribution<std::int32_t> values(-1000, 1000);
  std::vector<std::int32_t> image(static_cast<std::size_t>(kWidth) * kHeight);
  for (auto& v : image) v = values(random);

  const TileCost cost{.bytes_per_pixel = 8.0, .halo = 1};
  const TilePlan whole_plan = plan_tiles(kWidth, kHeight, forced(4096), cost);
  ASSERT_EQ(whole_plan.count(), 1);
  const ToyResult whole = box_sum(image, kWidth, kHeight, whole_plan);
  EXPECT_EQ(std::count(whole.image.begin(), whole.image.end(), kUnset), 0);
  for (int side : {32, 16, 13, 7, 5, 1}) {
    SCOPED_TRACE("tile " + std::to_string(side));
    const TilePlan plan = plan_tiles(kWidth, kHeight, forced(side), cost);
    const ToyResult tiled = box_sum(image, kWidth, kHeight, plan);
    EXPECT_EQ(tiled.image, whole.image);
    ASSERT_EQ(tiled.merged.size(), static_cast<std::size_t>(plan.count()));
    // Merged in tile order: twice the same plan gives the very same sequence.
    EXPECT_EQ(box_sum(image, kWidth, kHeight, plan).merged, tiled.merged);
  }
}

}  // namespace
}  // namespace zw
