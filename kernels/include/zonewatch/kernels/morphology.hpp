#pragma once
// Morphological cleanup of a change-class tile (OpenCV): an opening removes change specks,
// a closing fills no-change holes and gaps inside patches.
#include <cstdint>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Halo (pixels on each side) a tile needs so that cleanup of its core (an opening, then a
/// closing of the opened mask) is identical to cleanup of the whole image.
[[nodiscard]] constexpr int morphology_halo(int opening_radius, int closing_radius = 0) {
  return 2 * opening_radius + 2 * closing_radius;
}

/// Binary opening (square structuring element of side 2r+1) of the change mask
/// (class not none and not nodata). Change pixels the opening removes become `none`;
/// classes of the pixels it keeps are unchanged; nodata stays nodata.
/// Outside the image counts as "no change", so patches touching the image edge are eroded
/// like any other. A tile that is not on the image border on some side must carry a halo
/// of morphology_halo(r) real pixels there; results inside the halo are not meaningful.
/// Radius 0 leaves the tile untouched; a negative radius throws std::invalid_argument.
void open_change_mask(TileView<std::uint8_t> classes, int opening_radius);

/// Binary closing (square structuring element of side 2r+1) of the change mask: a `none`
/// pixel the closing covers (a hole or a gap narrower than 2r+1 pixels between change
/// pixels) becomes change, of the type most common among the change pixels of its
/// (2r+1) x (2r+1) window in the input (a tie goes to the lower type code), so the result
/// does not depend on the order pixels are visited. Change pixels keep their class; nodata
/// stays nodata and counts as no change, as does outside the image (so no pixel within r
/// of the image edge is filled). Tiles need a halo of
/// morphology_halo(0, r) real pixels on their inner sides, as for the opening.
/// Radius 0 leaves the tile untouched; a negative radius throws std::invalid_argument.
void close_change_mask(TileView<std::uint8_t> classes, int closing_radius);

}  // namespace zw::kernels
