#pragma once
// Exact fraction of each grid cell covered by a polygon (exactextract's idea, our own
// formulation): per row band, the ring is clipped to the band and the area left of each
// column boundary is integrated edge by edge (vertical segments add nothing to the
// integral of y dx), so a cell's coverage costs O(edges crossing it), not a polygon clip.
#include <array>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// A closed ring in grid pixel coordinates (x = column, y = row, y grows downwards);
/// the closing vertex may or may not repeat the first.
struct Ring {
  std::vector<double> x;
  std::vector<double> y;
};

/// Polygon: exterior ring first, then holes. Orientation of the input does not matter.
struct PolygonRings {
  std::vector<Ring> rings;

  /// Pixel-coordinate bounding box (min_x, min_y, max_x, max_y) of the exterior ring;
  /// (+inf, +inf, -inf, -inf) when there is none.
  [[nodiscard]] std::array<double, 4> bounds() const;
};

/// A multipolygon is a list of parts.
using MultiPolygonRings = std::vector<PolygonRings>;

/// Window of grid cells the polygon touches, clipped to a grid of width x height;
/// Window{} (empty) when it touches none.
[[nodiscard]] Window covered_window(const MultiPolygonRings& polygon, int width, int height);

/// Writes into `out` (window.width x window.height) the fraction in [0, 1] of each cell of
/// `window` that lies inside `polygon`. Multipolygon parts are summed (they should not
/// overlap). A cell's value does not depend on the window it is computed in. Throws
/// std::invalid_argument when `out` differs from the window size or a ring's x and y differ
/// in length.
void coverage_fractions(const MultiPolygonRings& polygon, Window window, TileView<float> out);

/// The same in double precision, for callers (and tests) that need sums of fractions
/// closer than float's 1e-7 per cell.
void coverage_fractions(const MultiPolygonRings& polygon, Window window, TileView<double> out);

}  // namespace zw::kernels
