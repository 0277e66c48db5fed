#pragma once
// Per-pixel differences and change-vector analysis.
#include <span>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// out = after - before; NaN where either is NaN. `out` may be the very same view as an input.
/// Throws std::invalid_argument when the three views differ in size.
void difference(ConstTileView<float> before, ConstTileView<float> after, TileView<float> out);

/// Change-vector magnitude: sqrt(sum_i ((after_i - before_i - offset_i) * weight_i)^2).
/// `weights` usually holds 1/sigma of each band's difference (z-scoring), `offsets` the mean
/// difference, so that a global illumination shift does not read as change.
/// NaN where any band is NaN. All spans have the same length and every view the size of
/// `out`, else std::invalid_argument; with no bands at all every pixel is NaN (nothing was
/// observed). `out` must not alias an input: it holds the running sum of squares.
void change_vector_magnitude(std::span<const ConstTileView<float>> before,
                             std::span<const ConstTileView<float>> after,
                             std::span<const float> offsets, std::span<const float> weights,
                             TileView<float> out);

}  // namespace zw::kernels
