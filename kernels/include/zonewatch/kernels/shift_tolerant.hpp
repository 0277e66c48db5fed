#pragma once
// Misregistration-tolerant change magnitude: a pixel of one date is compared with the best
// matching pixel within +-radius pixels in the other date, so that a one-pixel shift of a
// building edge or a road between the dates does not read as change.
#include <span>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Halo a tile needs so that shift_tolerant_magnitude of its core equals that of the whole
/// image: `radius` pixels. Throws std::invalid_argument for a negative radius.
[[nodiscard]] int shift_tolerant_halo(int radius);

/// For every pixel p, the minimum over shifts s in [-radius, radius]^2 of the z-scored
/// change magnitude sqrt(sum_i ((after_i(p) - before_i(p + s) - offset_i) * weight_i)^2)
/// (the after pixel against the best-matching before pixel). `symmetric`: also the minimum
/// of the before pixel against the after pixels around it, with the sign of the change
/// kept, and the larger of the two minima (a change must be unexplained by a shift either
/// way). Shifted neighbours that are NaN in any band or outside the view are skipped; the
/// unshifted pair always counts, so the result never exceeds change_vector_magnitude, and
/// radius 0 equals it exactly. NaN where the pixel itself is NaN in any band of either
/// date (or there are no bands). All spans have the same length and every view the size of
/// `out`, else std::invalid_argument. `out` must not alias an input.
void shift_tolerant_magnitude(std::span<const ConstTileView<float>> before, std::span<const ConstTileView<float>> after,
                              std::span<const float> offsets, std::span<const float> weights, int radius,
                              bool symmetric, TileView<float> out);

}  // namespace zw::kernels
