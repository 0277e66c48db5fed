#pragma once
// Averaged and nearest-neighbour overviews of an integer raster, computed tile by tile while the tiles are in
// memory, so a Cloud Optimized GeoTIFF's writer need not read the whole raster back to
// resample it (for the 12-scene composite at 10980², GDAL's own overview pass cost about as
// much as the rest of the COG layout).
//
// Overview level k halves the raster k times (rounding sizes up): its pixel (i, j) stands for
// the full-resolution block [i 2^k, (i + 1) 2^k) x [j 2^k, (j + 1) 2^k), clipped to the raster.
// Its value is the mean of that block's valid pixels, summed at full resolution (not a mean of
// means, which would weigh the pixels of a partly missing block unevenly), rounded to the
// nearest integer with halves away from zero; nodata where no pixel is valid.
#include <cstdint>
#include <optional>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Overview levels 1..`levels` of `tile` into `out` (resized to `levels` tiles, each
/// ceil(width / 2^k) x ceil(height / 2^k)). The tile's blocks are the raster's when the tile
/// starts on a multiple of 2^levels; its last, partial blocks (the raster's right or bottom
/// edge) average the pixels they have. `nodata`: the value that is not a pixel (none: every
/// value is). Throws std::invalid_argument for levels outside 0..30.
template <class T>
void average_overviews(ConstTileView<T> tile, std::optional<T> nodata, int levels, std::vector<Tile<T>>& out);

/// Nearest-neighbour overview levels 1..`levels` of `tile` (classes: an overview pixel is one
/// of the pixels it covers) into `out`, sized as for average_overviews. Level k's pixel (i, j)
/// is the tile's pixel (i 2^k + 2^(k-1), j 2^k + 2^(k-1)), the one below and right of its
/// block's centre (GDAL's NEAREST at a factor of 2^k), or the tile's last column or row where
/// a partial block ends before it. The same alignment rule as average_overviews.
template <class T>
void nearest_overviews(ConstTileView<T> tile, int levels, std::vector<Tile<T>>& out);

}  // namespace zw::kernels
