#pragma once
// Per-pixel differences and change-vector analysis. The z-scored change of a band is
// written once (zscored_change) and serves the threshold statistics (per sampled pixel) and
// the classification (per tile) alike.
#include <cmath>
#include <cstddef>
#include <span>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// out = after - before; NaN where either is NaN. `out` may be the very same view as an input.
/// Throws std::invalid_argument when the three views differ in size.
void difference(ConstTileView<float> before, ConstTileView<float> after, TileView<float> out);

/// One band's z-scored change: (difference - offset) * weight, where difference = after -
/// before, offset the centre of the band's differences and weight 1 / their sigma. NaN
/// propagates.
[[nodiscard]] inline float zscored_change(float difference, float offset, float weight) {
  return (difference - offset) * weight;
}

/// Z-scored change magnitude of one pixel: sqrt(sum_i zscored_change(differences_i)^2), the
/// squares summed in `Real` in band order. change_vector_magnitude computes exactly the
/// float version over a tile; the threshold statistics sum in double. NaN where any
/// difference is NaN. Precondition: the three spans have the same length.
template <class Real>
[[nodiscard]] Real zscored_change_magnitude(std::span<const float> differences, std::span<const float> offsets,
                                            std::span<const float> weights) {
  Real sum_of_squares = 0;
  for (std::size_t band = 0; band < differences.size(); ++band) {
    const Real z = zscored_change(differences[band], offsets[band], weights[band]);
    sum_of_squares += z * z;
  }
  return std::sqrt(sum_of_squares);
}

/// Change-vector magnitude: sqrt(sum_i ((after_i - before_i - offset_i) * weight_i)^2).
/// `weights` usually holds 1/sigma of each band's difference (z-scoring), `offsets` the mean
/// difference, so that a global illumination shift does not read as change.
/// NaN where any band is NaN. All spans have the same length and every view the size of
/// `out`, else std::invalid_argument; with no bands at all every pixel is NaN (nothing was
/// observed). `out` must not alias an input: it holds the running sum of squares.
void change_vector_magnitude(std::span<const ConstTileView<float>> before, std::span<const ConstTileView<float>> after,
                             std::span<const float> offsets, std::span<const float> weights, TileView<float> out);

}  // namespace zw::kernels
