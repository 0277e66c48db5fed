#pragma once
// Means of a raster's pixels over the cells of a coarser frame: the quick-look of a scan drawn
// from the tiles its classification pass decodes anyway, instead of decoding the scenes again.
// An accumulator: a partial per tile (its cells only), merged in any order, finalized once.
// Every pixel counts in the cell holding its centre (or, with a stride, every pixel on a lattice
// of that stride anchored at raster pixel 0, so the tiling still cannot move it); NaN pixels
// are left out. Summands are rounded to a binary grid (2^-24), so sums are exact and neither
// the tiling nor the merge order changes them.
#include <cstdint>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

struct BoxAverage {
  int raster_width = 0, raster_height = 0;  // pixels
  int frame_width = 0, frame_height = 0;    // cells
  double factor = 1.0;                      // pixels per cell side (the last cells may hold fewer)
  int planes = 0;
  int stride = 1;            // only columns and rows that are multiples of this count
  Window cells;              // the cells this accumulator holds, in frame coordinates
  std::vector<double> sums;  // plane by plane, cell rows of `cells`
  std::vector<std::uint32_t> counts;

  BoxAverage() = default;
  /// The whole frame: `frame_width` x `frame_height` cells of `factor` pixels over a raster
  /// of `raster_width` x `raster_height` pixels, with `planes` planes, from the pixels whose
  /// column and row are multiples of `stride`. Throws std::invalid_argument for sizes or a
  /// stride below 1 or a factor below 1.
  BoxAverage(int raster_width, int raster_height, int frame_width, int frame_height, double factor, int planes,
             int stride = 1);

  /// The frame cell of pixel column `x` / row `y`.
  [[nodiscard]] int cell_x(int x) const;
  [[nodiscard]] int cell_y(int y) const;
  /// An empty partial holding the cells the pixels of `window` fall in.
  [[nodiscard]] BoxAverage part(const Window& window) const;
  /// Adds `values` (a view over `window`, raster coordinates, inside this partial's cells) to
  /// plane `plane`. Throws std::invalid_argument when the view and window sizes differ or the
  /// window reaches outside the partial.
  void accumulate(int plane, const Window& window, ConstTileView<float> values);
  /// Adds another accumulator of the same frame (a partial or the whole).
  void merge(const BoxAverage& other);
  /// The cell means of plane `plane` over the whole frame, row by row; NaN where a cell had
  /// no value (and outside this accumulator's cells).
  [[nodiscard]] std::vector<float> means(int plane) const;
};

}  // namespace zw::kernels
