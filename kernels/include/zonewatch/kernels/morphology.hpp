#pragma once
// Morphological cleanup of a change-class tile (OpenCV).
#include <cstdint>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Halo (pixels on each side) a tile needs so that cleanup of its core is identical to
/// cleanup of the whole image.
[[nodiscard]] constexpr int morphology_halo(int opening_radius) { return 2 * opening_radius; }

/// Binary opening (square structuring element of side 2r+1) of the change mask
/// (class not none and not nodata). Change pixels the opening removes become `none`;
/// classes of the pixels it keeps are unchanged; nodata stays nodata.
/// Outside the image counts as "no change", so patches touching the image edge are eroded
/// like any other. A tile that is not on the image border on some side must carry a halo
/// of morphology_halo(r) real pixels there; results inside the halo are not meaningful.
/// Radius 0 leaves the tile untouched; a negative radius throws std::invalid_argument.
void open_change_mask(TileView<std::uint8_t> classes, int opening_radius);

}  // namespace zw::kernels
