#pragma once
// 8-connected components of same-class change pixels that stay whole across tile seams.
//
// Tiles are labelled independently (label_tile), then a SeamLabeler, fed the tiles in
// raster order, unions labels that touch across tile edges (including diagonally) and
// merges per-component statistics. Final patch ids are numbered by each patch's first
// pixel in raster order, so they do not depend on the tiling.
#include <cstdint>
#include <limits>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Labels 8-connected regions of equal change class (is_change only) in `classes`.
/// Writes 1..n into `labels` (0 = background) and returns n. Labels are numbered in
/// raster order of each region's first pixel.
std::uint32_t label_tile(ConstTileView<std::uint8_t> classes, TileView<std::uint32_t> labels);

/// Per-component sums, mergeable. Every summand is rounded to a fixed binary grid (pixel
/// areas to 2^-16 m2, greenness and magnitude to 2^-20) so that double additions are exact
/// and the sums do not depend on the order of merging, i.e. on the tiling. Greenness sums
/// and greenness_count cover pixels where both dates are valid; sum_magnitude covers pixels
/// with a valid magnitude.
struct ComponentStats {
  std::uint8_t change_type = 0;
  std::uint64_t pixel_count = 0;
  double area_m2 = 0.0;
  long long first_pixel = -1;                        // row * image_width + col of the first pixel in raster order
  int min_x = 0, min_y = 0, max_x = -1, max_y = -1;  // inclusive bbox, grid pixel coords
  double sum_greenness_before = 0.0, sum_greenness_after = 0.0;
  std::uint64_t greenness_count = 0;
  double sum_magnitude = 0.0;
  /// Largest valid magnitude of the component (-infinity when none): a maximum does not
  /// depend on merge order, and hysteresis keeps a patch when it reaches the seed level.
  float peak_magnitude = -std::numeric_limits<float>::infinity();

  void merge(const ComponentStats& other);
};

/// Statistics of every label of one labelled tile. `window` places the tile in the grid,
/// `row_area_m2[y]` is the area of one pixel in grid row window.y0 + y (rows differ on
/// geographic grids), `image_width` numbers pixels. Greenness planes may be empty.
/// Returns a vector indexed by label (index 0 unused). Throws std::invalid_argument when
/// sizes disagree or a label exceeds `label_count`. `peak_magnitude`, when not empty, is
/// the plane peak_magnitude is taken from instead of `magnitude` (the hysteresis seed test
/// may read another magnitude than the one summed, e.g. a shift-tolerant one).
std::vector<ComponentStats> tile_component_stats(ConstTileView<std::uint8_t> classes,
                                                 ConstTileView<std::uint32_t> labels, std::uint32_t label_count,
                                                 Window window, int image_width, const std::vector<double>& row_area_m2,
                                                 ConstTileView<float> greenness_before,
                                                 ConstTileView<float> greenness_after, ConstTileView<float> magnitude,
                                                 ConstTileView<float> peak_magnitude = {});

/// Result of the seam merge.
struct PatchTable {
  std::vector<ComponentStats> patches;  // index = final patch id - 1, ordered by first_pixel
  /// For tile t (raster order) and local label l: final patch id (1-based), or 0 when the
  /// component was dropped (below the minimum mapping unit).
  std::vector<std::vector<std::uint32_t>> local_to_patch;
};

/// Joins tile labellings of a regular tile grid into whole patches.
class SeamLabeler {
 public:
  /// `tiles_x` x `tiles_y` tiles; must be fed in raster order of tiles.
  SeamLabeler(int tiles_x, int tiles_y);

  /// Adds tile (tx, ty). Keeps only the tile's edge rows/columns (memory ~ perimeter).
  /// `stats` is tile_component_stats' result for `labels`. Tiles of one tile row share a
  /// height and tiles of one tile column a width (throws std::invalid_argument otherwise,
  /// or when tiles come out of raster order).
  void add_tile(int tx, int ty, ConstTileView<std::uint8_t> classes, ConstTileView<std::uint32_t> labels,
                std::vector<ComponentStats> stats);

  /// Merges across seams, drops patches under `min_area_m2` and (hysteresis) those whose
  /// peak_magnitude stays below `min_peak_magnitude`, i.e. that hold no seed pixel, then
  /// numbers the rest. The default keeps every peak. Call once, after all tiles were added
  /// (throws std::logic_error otherwise).
  [[nodiscard]] PatchTable finish(double min_area_m2,
                                  float min_peak_magnitude = -std::numeric_limits<float>::infinity());

 private:
  /// One kept tile edge: provisional component id per pixel (kNoComponent for
  /// background) and the pixel's class, so unions can check that classes are equal.
  struct EdgeStrip {
    std::vector<std::uint32_t> ids;
    std::vector<std::uint8_t> classes;
  };
  static constexpr std::uint32_t kNoComponent = 0xFFFFFFFFu;

  int tiles_x_, tiles_y_;
  std::vector<std::uint32_t> base_;  // first provisional id of each added tile, then the end
  std::vector<std::uint32_t> parent_;
  std::vector<ComponentStats> stats_;      // by provisional id
  std::vector<EdgeStrip> bottom_above_;    // bottom rows of tile row ty - 1, by tx
  std::vector<EdgeStrip> bottom_current_;  // bottom rows of tile row ty so far, by tx
  EdgeStrip right_of_left_;                // right column of tile (tx - 1, ty)
  std::vector<int> tile_widths_;           // by tx, fixed by tile row 0
  int row_height_ = 0;                     // tile height of the current tile row
  int next_tile_ = 0;
  bool finished_ = false;

  std::uint32_t find(std::uint32_t id);
  void unite(std::uint32_t a, std::uint32_t b);
};

}  // namespace zw::kernels
