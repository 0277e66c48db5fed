#pragma once
// Whether the two dates show the same edges around a pixel: the correlation of their
// brightness gradients over a small window. New construction, clearing or earthworks draw
// new edges; a roof or a field that only changed colour, a shadow that only changed depth,
// keeps its edges, however much its spectrum moved (issue 10: on OSCD the labelled change
// has lower gradient correlation than the false alarms in all eight cities).
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Halo a tile needs so that gradient_correlation of its core equals that of the whole
/// image: the window's radius plus the gradient operator's pixel.
[[nodiscard]] constexpr int gradient_correlation_halo(int radius) { return radius + 1; }

/// out = sum(g_b . g_a) / sqrt(sum |g_b|^2 * sum |g_a|^2) over the (2 radius + 1)^2 window
/// around each pixel, g the 3x3 Sobel gradient of each date's brightness: 1 where the edges
/// are the same (up to contrast), about 0 where they are unrelated, -1 where inverted, and 0
/// where either date has no edge in the window. A gradient whose 3x3 neighbourhood holds a
/// missing value (NaN, or outside the view) counts as no edge, so a tile that is not on the
/// image border on some side needs gradient_correlation_halo(radius) pixels of halo there.
/// NaN where either date's pixel is NaN. Sums run in a fixed order within each window, so the
/// result does not depend on where a tile starts. Throws std::invalid_argument when the
/// sizes differ or radius is negative; `out` may not alias the inputs.
void gradient_correlation(ConstTileView<float> before, ConstTileView<float> after, int radius, TileView<float> out);

/// The gate's per-pixel rule: a magnitude below `strong` (the hysteresis seed level) whose
/// edges are kept (correlation at or above `max_correlation`) is no change, 0; a strong
/// magnitude is kept whatever its edges, and so is NaN (nodata).
[[nodiscard]] inline float gate_by_structure(float magnitude, float correlation, float max_correlation, float strong) {
  return magnitude < strong && correlation >= max_correlation ? 0.0f : magnitude;
}

/// gate_by_structure over a tile, in place. Throws std::invalid_argument when the sizes differ.
void gate_preserved_structure(ConstTileView<float> correlation, float max_correlation, float strong,
                              TileView<float> magnitude);

}  // namespace zw::kernels
