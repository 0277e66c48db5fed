#pragma once
// Run-length coding of a byte tile (a class map): a scan's classes are mostly long runs of
// "no change" and nodata, so a tile of 800 000 pixels packs into a few kilobytes. What the
// detection's spill keeps between its classification and its final pass, instead of every
// byte (copying 100+ MB through the page cache twice, in the serial merge).
//
// Format: (value byte, run length as an unsigned LEB128 varint) pairs, the tile's rows in
// order as one sequence (runs continue across rows). Runs are as long as they can be.
#include <cstdint>
#include <span>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Appends `tile`'s runs to `out` (which keeps what it held).
void pack_byte_runs(ConstTileView<std::uint8_t> tile, std::vector<std::uint8_t>& out);

/// Fills `tile` from `packed`, which must hold exactly tile.width x tile.height pixels of
/// runs. Throws std::invalid_argument for a truncated or overlong input, a zero-length run
/// or a varint longer than 64 bits.
void unpack_byte_runs(std::span<const std::uint8_t> packed, TileView<std::uint8_t> tile);

}  // namespace zw::kernels
