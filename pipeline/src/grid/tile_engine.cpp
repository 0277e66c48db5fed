#include "zonewatch/pipeline/grid/tile_engine.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <tbb/task_arena.h>

namespace zw {
using kernels::Window;

Window TilePlan::core(int index) const {
  const int tx = index % tiles_x;
  const int ty = index / tiles_x;
  const int x0 = tx * tile_width;
  const int y0 = ty * tile_height;
  return {x0, y0, std::min(tile_width, grid_width - x0), std::min(tile_height, grid_height - y0)};
}

int TilePlan::aligned_halvings() const {
  constexpr int kAny = 30;
  const int x = tiles_x <= 1 ? kAny : std::countr_zero(static_cast<unsigned>(tile_width));
  const int y = tiles_y <= 1 ? kAny : std::countr_zero(static_cast<unsigned>(tile_height));
  return std::min({x, y, kAny});
}

Window TilePlan::padded(int index) const {
  const Window c = core(index);
  const int x0 = std::max(0, c.x0 - halo);
  const int y0 = std::max(0, c.y0 - halo);
  const int x1 = std::min(grid_width, c.x1() + halo);
  const int y1 = std::min(grid_height, c.y1() + halo);
  return {x0, y0, x1 - x0, y1 - y0};
}

Window TilePlan::seam_below(int row) const {
  if (row < 0 || row + 1 >= tiles_y) return {};
  const Window here = padded(row * tiles_x), next = padded((row + 1) * tiles_x);
  const int end = here.y0 + here.height;
  return end > next.y0 ? Window{0, next.y0, grid_width, end - next.y0} : Window{};
}

std::vector<Window> TilePlan::read_again(int index) const {
  std::vector<Window> windows;
  const int row = index / tiles_x;
  if (const Window below = seam_below(row); !below.empty()) windows.push_back(below);
  if (const Window above = seam_below(row - 1); !above.empty()) {
    const int x0 = padded(index).x0;
    windows.push_back({x0, above.y0, grid_width - x0, above.height});
  }
  return windows;
}

TilePlan plan_tiles(int grid_width, int grid_height, const ProcessingOptions& options, const TileCost& cost) {
  TilePlan plan;
  plan.grid_width = grid_width;
  plan.grid_height = grid_height;
  plan.halo = cost.halo;
  int side = options.tile_size;
  if (side <= 0) {
    // 60 % of the budget for the tiles in flight; the rest is left to GDAL's block cache
    // and the stage's global state (histograms, seam labels, unit sums).
    const double budget = static_cast<double>(options.memory_mb) * 1024.0 * 1024.0 * 0.6;
    const double pixels_per_tile = budget / (cost.bytes_per_pixel * std::max(1, cost.tokens));
    side = static_cast<int>(std::sqrt(pixels_per_tile)) - 2 * cost.halo;
    side = std::clamp(side / cost.multiple * cost.multiple, cost.min_side, cost.max_side);
  }
  plan.tile_width = std::min(side, grid_width);
  plan.tile_height = std::min(side, grid_height);
  plan.tiles_x = (grid_width + plan.tile_width - 1) / plan.tile_width;
  plan.tiles_y = (grid_height + plan.tile_height - 1) / plan.tile_height;
  return plan;
}

int default_tile_tokens() { return 2 * tbb::this_task_arena::max_concurrency(); }

}  // namespace zw
